"""``Client``: the blocking client. Every call runs the ``AsyncClient``'s on an event loop
thread of the client's own, so both clients have the same pools, timeouts, errors and
replies, from one implementation. Safe to share between threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from .aio import AsyncClient
from .types import (
    DeadLetter,
    Delivery,
    Fields,
    Handle,
    JobStatus,
    LockGrant,
    LockInfo,
    Message,
    Published,
    PublishResult,
    QueueInfo,
    QueueOptions,
    Response,
    Room,
    RoomEvent,
    Scalar,
    Settled,
)

T = TypeVar("T")


class Client:
    """A blocking conquiet client; takes ``AsyncClient``'s arguments. Close it (or use it as
    a context manager) to end its loop thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6390, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="conquiet-client", daemon=True
        )
        self._thread.start()
        self._client: AsyncClient = self._run(_make(host, port, kwargs))

    @classmethod
    def from_addr(cls, addr: str, **kwargs: Any) -> Client:
        host, _, port = addr.rpartition(":")
        return cls(host or "127.0.0.1", int(port), **kwargs)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if not self._loop.is_running():
            return
        self._run(self._client.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, *args: Scalar) -> Any:
        return self._run(self._client.command(*args))

    def ping(self) -> None:
        self._run(self._client.ping())

    def create_queue(self, queue: str, options: QueueOptions | None = None) -> None:
        self._run(self._client.create_queue(queue, options))

    def configure(self, queue: str, options: QueueOptions) -> None:
        self._run(self._client.configure(queue, options))

    def publish(
        self,
        queue: str,
        body: Fields | bytes | str | Message,
        *,
        key: Scalar | None = None,
        delay: float | None = None,
        at_unix_ms: int | None = None,
    ) -> Published:
        return self._run(
            self._client.publish(queue, body, key=key, delay=delay, at_unix_ms=at_unix_ms)
        )

    def publish_batch(
        self, queue: str, messages: Sequence[Message | Fields | bytes]
    ) -> list[PublishResult]:
        return self._run(self._client.publish_batch(queue, messages))

    def receive(
        self,
        queue: str,
        group: str = "default",
        consumer: str = "consumer",
        *,
        count: int = 1,
        wait: float | None = None,
        lease: float | None = None,
    ) -> list[Delivery]:
        return self._run(
            self._client.receive(queue, group, consumer, count=count, wait=wait, lease=lease)
        )

    def ack(self, queue: str, group: str, handles: Sequence[Handle]) -> list[Settled]:
        return self._run(self._client.ack(queue, group, handles))

    def nack(
        self,
        queue: str,
        group: str,
        handles: Sequence[Handle],
        *,
        delay: float | None = None,
        reason: str | None = None,
    ) -> list[Settled]:
        return self._run(self._client.nack(queue, group, handles, delay=delay, reason=reason))

    def touch(
        self, queue: str, group: str, handles: Sequence[Handle], *, lease: float | None = None
    ) -> list[Settled]:
        return self._run(self._client.touch(queue, group, handles, lease=lease))

    def term(
        self, queue: str, group: str, handles: Sequence[Handle], *, reason: str | None = None
    ) -> list[Settled]:
        return self._run(self._client.term(queue, group, handles, reason=reason))

    def queue_info(self, queue: str) -> QueueInfo:
        return self._run(self._client.queue_info(queue))

    def queues(self) -> list[QueueInfo]:
        return self._run(self._client.queues())

    def dead_letter_queues(self) -> list[QueueInfo]:
        return self._run(self._client.dead_letter_queues())

    def dead_letters(
        self, dead_letter_stream: str, *, after: str | None = None, count: int = 100
    ) -> list[DeadLetter]:
        return self._run(self._client.dead_letters(dead_letter_stream, after=after, count=count))

    def dead_letter(self, dead_letter_stream: str, id: str) -> DeadLetter | None:
        return self._run(self._client.dead_letter(dead_letter_stream, id))

    def redrive(
        self,
        dead_letter_stream: str,
        *,
        to: str | None = None,
        start: str | None = None,
        end: str | None = None,
        count: int | None = None,
    ) -> int:
        return self._run(
            self._client.redrive(dead_letter_stream, to=to, start=start, end=end, count=count)
        )

    def purge(self, dead_letter_stream: str) -> int:
        return self._run(self._client.purge(dead_letter_stream))

    def status(self, queue: str, id: str, group: str = "default") -> JobStatus:
        return self._run(self._client.status(queue, id, group))

    def lock(self, name: str, owner: str, ttl: float, *, wait: float | None = None) -> LockGrant:
        return self._run(self._client.lock(name, owner, ttl, wait=wait))

    def unlock(self, name: str, owner: str, token: int) -> bool:
        return self._run(self._client.unlock(name, owner, token))

    def renew(self, name: str, owner: str, token: int, ttl: float) -> int:
        return self._run(self._client.renew(name, owner, token, ttl))

    def lock_info(self, name: str) -> LockInfo:
        return self._run(self._client.lock_info(name))

    def request(
        self, service: str, fields: Fields | bytes | str | Message, *, timeout: float
    ) -> Response:
        return self._run(self._client.request(service, fields, timeout=timeout))

    def reply(
        self,
        service: str,
        correlation: str,
        fields: Fields | bytes | str | Message,
        *,
        error: bool = False,
    ) -> bool:
        return self._run(self._client.reply(service, correlation, fields, error=error))

    def create_room(
        self, room: str, participants: Sequence[str], *, turn_timeout: float | None = None
    ) -> Room:
        return self._run(self._client.create_room(room, participants, turn_timeout=turn_timeout))

    def start_room(self, room: str) -> Room:
        return self._run(self._client.start_room(room))

    def speak(self, room: str, participant: str, text: str, *, pass_turn: bool = False) -> Room:
        return self._run(self._client.speak(room, participant, text, pass_turn=pass_turn))

    def pass_turn(self, room: str, participant: str) -> Room:
        return self._run(self._client.pass_turn(room, participant))

    def end_room(self, room: str) -> Room:
        return self._run(self._client.end_room(room))

    def room_info(self, room: str) -> Room:
        return self._run(self._client.room_info(room))

    def room_events(
        self,
        events_stream: str,
        *,
        after: str | None = None,
        count: int = 100,
        wait: float | None = None,
    ) -> list[RoomEvent]:
        return self._run(
            self._client.room_events(events_stream, after=after, count=count, wait=wait)
        )


async def _make(host: str, port: int, kwargs: dict[str, Any]) -> AsyncClient:
    # Built on the loop thread, so its pools belong to that loop.
    return AsyncClient(host, port, **kwargs)
