"""A worker in a process of its own: SIGTERM drains it; SIGKILL mid-job leaves its message
to come back after one lease, with a higher delivery count and token."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import conquiet as cq

HERE = Path(__file__).resolve().parent


def spawn(port: int, queue: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "worker_proc.py"), str(port), queue],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()  # blocks until a job runs
    assert line and line[0] == "running", line
    return proc, line


def test_sigterm_drains_and_hands_back(server: tuple[str, int], name: Callable[[str], str]) -> None:
    q = name("sigterm")
    with cq.Client(*server) as c:
        c.create_queue(q)
        pub = c.publish(q, {"job": "forever"})
        proc, line = spawn(server[1], q)
        assert line[1] == pub.id
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0
        report = json.loads(out.strip().splitlines()[-1])
        assert report == {"handed_back": 1, "in_time": False, "metric": 1}
        # Handed back with no delay: another consumer has it at once.
        [d] = c.receive(q, consumer="next")
        assert d.id == pub.id and d.deliveries == 2 and d.token > int(line[2])


def test_a_killed_worker_s_message_comes_back_after_its_lease(
    server: tuple[str, int], name: Callable[[str], str]
) -> None:
    q = name("sigkill")
    with cq.Client(*server) as c:
        c.create_queue(q)
        pub = c.publish(q, {"job": "forever"})
        proc, line = spawn(server[1], q)
        killed_at = time.monotonic()
        proc.kill()
        proc.wait(timeout=10)
        assert c.receive(q, consumer="next") == []  # its lease still runs
        [d] = c.receive(q, consumer="next", wait=5)
        assert time.monotonic() - killed_at < 3
        assert d.id == pub.id and d.deliveries == 2 and d.token > int(line[2])
