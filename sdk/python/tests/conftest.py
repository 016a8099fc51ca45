"""Starts one ``conquiet serve`` for the session: the workspace's debug build (or
``CONQUIET_BIN``), on a free port, with a temporary data directory."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

import conquiet

REPO = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    binary = Path(os.environ.get("CONQUIET_BIN", REPO / "target" / "debug" / "conquiet"))
    if not binary.exists():
        pytest.fail(f"no server binary at {binary}: build it or set CONQUIET_BIN")
    port = _free_port()
    data = tmp_path_factory.mktemp("conquiet-data")
    log = open(data.parent / "server.log", "wb")
    proc = subprocess.Popen(
        [
            str(binary), "serve",
            "--data-dir", str(data),
            "--resp-addr", f"127.0.0.1:{port}",
            "--http-addr", "off",
            "--fsync", "never",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"conquiet serve did not start (see {log.name})")
            time.sleep(0.05)
    yield ("127.0.0.1", port)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture
async def client(server: tuple[str, int]) -> AsyncIterator[conquiet.AsyncClient]:
    c = conquiet.AsyncClient(server[0], server[1])
    yield c
    await c.aclose()


@pytest.fixture
def name() -> Callable[[str], str]:
    """A queue name no other test uses."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


async def wait_until(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
