"""``AsyncClient``: typed calls for the whole work-queue surface over three bounded pools,
one for ordinary commands, one for blocking receives and one for requests waiting for
replies, so a crowd of waiting receivers or callers never starves acks and publishes (the
Rust SDK's three pools, same defaults)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aredis
import redis.exceptions as rx

from . import _protocol as p
from .errors import (
    ClientClosed,
    CommandTimeout,
    ConquietError,
    InvalidArgument,
    PoolTimeout,
    ProtocolError,
    Unavailable,
    from_reply,
    reply_text,
)
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
    millis,
)


def translate(error: BaseException) -> ConquietError:
    """The SDK's exception for one redis-py raised."""
    if isinstance(error, ConquietError):
        return error
    if isinstance(error, (rx.AuthenticationError, rx.NoPermissionError)):
        return from_reply(reply_text(error))
    if isinstance(error, rx.ResponseError):
        return from_reply(reply_text(error))
    if isinstance(error, rx.ConnectionError):
        if "No connection available" in str(error):
            return PoolTimeout(str(error))
        return Unavailable(f"server unavailable: {error}")
    if isinstance(error, (rx.TimeoutError, asyncio.TimeoutError, TimeoutError)):
        return CommandTimeout(f"no reply in time: {error}")
    if isinstance(error, OSError):
        return Unavailable(f"server unavailable: {error}")
    return ProtocolError(f"unexpected failure: {error!r}")


class AsyncClient:
    """A conquiet client for asyncio. Connects nothing until the first call.

    Durations are seconds. ``command_timeout`` bounds a reply's wait beyond the wait a call
    asked for (a blocking receive, a lock wait, a request's timeout).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 6390,
        *,
        password: str | None = None,
        name: str | None = None,
        pool_size: int = 16,
        blocking_pool_size: int = 8,
        request_pool_size: int = 32,
        acquire_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        command_timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self._password, self._name = password, name
        self._acquire_timeout = acquire_timeout
        self._connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self._closed = False
        self._pool = self._redis(pool_size)
        self._blocking = self._redis(blocking_pool_size)
        self._requests = self._redis(request_pool_size)

    @classmethod
    def from_addr(cls, addr: str, **kwargs: Any) -> AsyncClient:
        """A client for ``host:port``."""
        host, _, port = addr.rpartition(":")
        return cls(host or "127.0.0.1", int(port), **kwargs)

    def _redis(self, size: int) -> aredis.Redis:
        pool = aredis.BlockingConnectionPool(
            host=self.host,
            port=self.port,
            password=self._password,
            client_name=self._name,
            protocol=3,
            max_connections=max(1, size),
            timeout=self._acquire_timeout,
            socket_connect_timeout=self._connect_timeout,
            socket_timeout=None,
        )
        r = aredis.Redis(connection_pool=pool, protocol=3)
        # Raw replies: redis-py's callbacks would reshape XRANGE and friends.
        r.response_callbacks.clear()
        return r

    async def aclose(self) -> None:
        """Closes every pooled connection; later calls raise ``ClientClosed``."""
        self._closed = True
        for r in (self._pool, self._blocking, self._requests):
            await r.connection_pool.disconnect()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------------- transport

    async def _call(self, r: aredis.Redis, args: Sequence[Any], wait: float = 0.0) -> Any:
        if self._closed:
            raise ClientClosed("client closed")
        limit = self._acquire_timeout + self.command_timeout + wait
        try:
            return await asyncio.wait_for(
                r.execute_command(*args),  # type: ignore[no-untyped-call]
                limit,
            )
        except asyncio.TimeoutError:
            raise CommandTimeout(f"no reply within {limit:.3f} s") from None
        except Exception as e:  # noqa: BLE001 - every failure becomes a typed error
            raise translate(e) from e

    async def command(self, *args: Scalar) -> Any:
        """Any command; the raw RESP3 reply as redis-py decodes it."""
        return await self._call(self._pool, args)

    async def ping(self) -> None:
        reply = await self.command("PING")
        if reply not in (b"PONG", "PONG", True):
            raise ProtocolError(f"expected PONG, got {reply!r}")

    # ---------------------------------------------------------------------------- queues

    async def create_queue(self, queue: str, options: QueueOptions | None = None) -> None:
        """``CQ.CREATE``: the stream and its group with these policies (``GroupExists`` if
        the group exists)."""
        args = p.queue_options_args("CQ.CREATE", queue, options or QueueOptions())
        p.ok(await self._call(self._pool, args))

    async def configure(self, queue: str, options: QueueOptions) -> None:
        """``CQ.SET``: changes the given policies; others keep their values."""
        if options.is_empty():
            raise InvalidArgument("configure needs at least one policy option")
        p.ok(await self._call(self._pool, p.queue_options_args("CQ.SET", queue, options)))

    async def publish(
        self,
        queue: str,
        body: Fields | bytes | str | Message,
        *,
        key: Scalar | None = None,
        delay: float | None = None,
        at_unix_ms: int | None = None,
    ) -> Published:
        """``CQ.PUBLISH``: fields (a mapping or pairs), or a payload into the ``data``
        field. ``key`` deduplicates within the queue's window; ``delay`` (seconds) or
        ``at_unix_ms`` hold it back. A full queue raises ``QueueFull``."""
        m = Message.of(body, key=key, delay=delay, at_unix_ms=at_unix_ms)
        return p.published(await self._call(self._pool, p.publish_args(queue, m)))

    async def publish_batch(
        self, queue: str, messages: Sequence[Message | Fields | bytes]
    ) -> list[PublishResult]:
        """Pipelined publishes (1 000 per write); each message gets its own result: its
        ``Published`` or its own error (a full queue refuses some and not others)."""
        if self._closed:
            raise ClientClosed("client closed")
        results: list[PublishResult] = []
        for start in range(0, len(messages), p.PUBLISH_PIPELINE_MAX):
            chunk = messages[start : start + p.PUBLISH_PIPELINE_MAX]
            built: list[p.Args | ConquietError] = []
            for m in chunk:
                try:
                    built.append(p.publish_args(queue, Message.of(m)))
                except ConquietError as e:
                    built.append(e)
            commands = [b for b in built if not isinstance(b, ConquietError)]
            replies: list[Any] = []
            failed: ConquietError | None = None
            if commands:
                try:
                    pipe = self._pool.pipeline(transaction=False)
                    for c in commands:
                        pipe.execute_command(*c)
                    replies = await asyncio.wait_for(
                        pipe.execute(raise_on_error=False),
                        self._acquire_timeout + self.command_timeout,
                    )
                except asyncio.TimeoutError:
                    failed = CommandTimeout("no reply to a publish pipeline in time")
                except Exception as e:  # noqa: BLE001
                    failed = translate(e)
            it = iter(replies)
            for b in built:
                if isinstance(b, ConquietError):
                    results.append(b)
                    continue
                if failed is not None:
                    results.append(failed)
                    continue
                reply = next(it, None)
                if isinstance(reply, BaseException):
                    results.append(translate(reply))
                    continue
                try:
                    results.append(p.published(reply))
                except ConquietError as e:
                    results.append(e)
        return results

    async def receive(
        self,
        queue: str,
        group: str = "default",
        consumer: str = "consumer",
        *,
        count: int = 1,
        wait: float | None = None,
        lease: float | None = None,
    ) -> list[Delivery]:
        """``CQ.RECEIVE``: leases up to ``count`` messages; with ``wait`` (seconds) waits
        that long when nothing is due, on the blocking pool. ``lease`` (seconds) overrides
        the group's lease for these deliveries."""
        args, waited = p.receive_args(queue, group, consumer, count, wait, lease)
        r = self._blocking if waited > 0 else self._pool
        return p.deliveries(queue, group, await self._call(r, args, waited))

    async def _settle(
        self, command: str, queue: str, group: str, extra: list[Any], handles: Sequence[Handle]
    ) -> list[Settled]:
        results: list[Settled] = []
        for start in range(0, len(handles), p.HANDLES_PER_COMMAND_MAX):
            chunk = handles[start : start + p.HANDLES_PER_COMMAND_MAX]
            args: list[Any] = [command, queue, group, *extra]
            for h in chunk:
                args.extend([h.id, h.token])
            try:
                items = p.array(await self._call(self._pool, args))
                if len(items) != len(chunk):
                    raise ProtocolError(f"{len(items)} outcomes for {len(chunk)} handles")
            except ConquietError as e:
                results.extend(e for _ in chunk)
                continue
            for item in items:
                try:
                    results.append(p.settle_outcome(item))
                except ConquietError as e:
                    results.append(e)
        return results

    async def ack(self, queue: str, group: str, handles: Sequence[Handle]) -> list[Settled]:
        """``CQ.ACK``: one outcome (or error) per handle, in order; one never stops the
        others. ``stale`` means a newer delivery holds the entry: the ack did nothing."""
        return await self._settle("CQ.ACK", queue, group, [], handles)

    async def nack(
        self,
        queue: str,
        group: str,
        handles: Sequence[Handle],
        *,
        delay: float | None = None,
        reason: str | None = None,
    ) -> list[Settled]:
        """``CQ.NACK``: gives them back, redelivered after ``delay`` (seconds) or the
        group's backoff; ``reason`` is kept if this dead-letters them."""
        extra: list[Any] = []
        if delay is not None:
            extra.extend(["DELAY", millis(delay)])
        if reason is not None:
            extra.extend(["REASON", reason])
        return await self._settle("CQ.NACK", queue, group, extra, handles)

    async def touch(
        self, queue: str, group: str, handles: Sequence[Handle], *, lease: float | None = None
    ) -> list[Settled]:
        """``CQ.TOUCH``: restarts the leases (for ``lease`` seconds, or the lease they had)."""
        extra: list[Any] = [] if lease is None else ["LEASE", millis(lease)]
        return await self._settle("CQ.TOUCH", queue, group, extra, handles)

    async def term(
        self, queue: str, group: str, handles: Sequence[Handle], *, reason: str | None = None
    ) -> list[Settled]:
        """``CQ.TERM``: dead-letters them at once."""
        extra: list[Any] = [] if reason is None else ["REASON", reason]
        return await self._settle("CQ.TERM", queue, group, extra, handles)

    async def queue_info(self, queue: str) -> QueueInfo:
        """``CQ.INFO`` (``NoSuchQueue`` when it does not exist)."""
        return p.queue_info(await self.command("CQ.INFO", queue))

    async def queues(self) -> list[QueueInfo]:
        return [p.queue_info(q) for q in p.array(await self.command("CQ.QUEUES"))]

    async def dead_letter_queues(self) -> list[QueueInfo]:
        return [p.queue_info(q) for q in p.array(await self.command("CQ.DLQ", "LIST"))]

    async def dead_letters(
        self, dead_letter_stream: str, *, after: str | None = None, count: int = 100
    ) -> list[DeadLetter]:
        """Dead letters after ``after`` (exclusive), oldest first."""
        start = "-" if after is None else f"({after}"
        reply = await self.command("XRANGE", dead_letter_stream, start, "+", "COUNT", count)
        return [p.dead_letter(e) for e in p.array(reply)]

    async def dead_letter(self, dead_letter_stream: str, id: str) -> DeadLetter | None:
        """One dead letter by its id in the dead-letter stream."""
        items = p.array(await self.command("XRANGE", dead_letter_stream, id, id))
        return p.dead_letter(items[0]) if items else None

    async def redrive(
        self,
        dead_letter_stream: str,
        *,
        to: str | None = None,
        start: str | None = None,
        end: str | None = None,
        count: int | None = None,
    ) -> int:
        """``CQ.DLQ REDRIVE``: publishes the dead letters again; answers how many moved."""
        args: list[Any] = ["CQ.DLQ", "REDRIVE", dead_letter_stream]
        for name, value in (("TO", to), ("START", start), ("END", end), ("COUNT", count)):
            if value is not None:
                args.extend([name, value])
        return p.integer(await self._call(self._pool, args))

    async def purge(self, dead_letter_stream: str) -> int:
        """``CQ.DLQ PURGE``: removes every dead letter, keeps the stream."""
        return p.integer(await self.command("CQ.DLQ", "PURGE", dead_letter_stream))

    async def status(self, queue: str, id: str, group: str = "default") -> JobStatus:
        """``CQ.STATUS``: where entry ``id`` is for ``group``."""
        return p.job_status(await self.command("CQ.STATUS", queue, id, "GROUP", group))

    # ---------------------------------------------------------------------- coordination

    async def lock(
        self, name: str, owner: str, ttl: float, *, wait: float | None = None
    ) -> LockGrant:
        """``CQ.LOCK``: granted with a fencing token, or held by another owner (after up to
        ``wait`` seconds). Held by this owner already: ``Busy``."""
        args = p.lock_args(name, owner, ttl, wait)
        waited = wait if wait is not None and wait > 0 else 0.0
        r = self._blocking if waited > 0 else self._pool
        return p.lock_grant(await self._call(r, args, waited))

    async def lock_bound(
        self, name: str, owner: str, ttl: float, *, wait: float | None = None
    ) -> BoundLock | None:
        """``CQ.LOCK ... BIND`` on a connection of its own, never a pooled one (a lock bound
        to a pooled connection would outlive its holder when the connection serves someone
        else). Answers a ``BoundLock`` when granted, ``None`` when another owner holds it.
        Closing the guard, or the process dying, closes that connection and the server
        releases the lock."""
        if self._closed:
            raise ClientClosed("client closed")
        conn = aredis.Redis(
            host=self.host,
            port=self.port,
            password=self._password,
            client_name=self._name,
            protocol=3,
            socket_connect_timeout=self._connect_timeout,
            single_connection_client=True,
        )
        conn.response_callbacks.clear()
        args = [*p.lock_args(name, owner, ttl, wait), "BIND"]
        waited = wait if wait is not None and wait > 0 else 0.0
        try:
            grant = p.lock_grant(await self._call(conn, args, waited))
        except BaseException:
            await conn.aclose()
            raise
        if not grant.granted:
            await conn.aclose()
            return None
        return BoundLock(self, conn, name, owner, grant.token, grant.until_ms)

    async def unlock(self, name: str, owner: str, token: int) -> bool:
        """``CQ.UNLOCK``: true when released, false when that grant had already ended; a
        grant that is not current raises ``StaleToken``."""
        reply = await self.command("CQ.UNLOCK", name, owner, token)
        return p.Record(reply).num("released") == 1

    async def renew(self, name: str, owner: str, token: int, ttl: float) -> int:
        """``CQ.RENEW``: the grant's new end (Unix ms); ``StaleToken`` if not current."""
        reply = await self.command("CQ.RENEW", name, owner, token, "TTL", max(1, millis(ttl)))
        return p.Record(reply).num("until-ms")

    async def lock_info(self, name: str) -> LockInfo:
        return p.lock_info(await self.command("CQ.LOCKINFO", name))

    async def request(
        self, service: str, fields: Fields | bytes | str | Message, *, timeout: float
    ) -> Response:
        """``CQ.REQUEST``: publishes to the service queue and waits for the reply, on the
        request pool; no reply within ``timeout`` seconds raises ``RequestTimeout``."""
        pairs = Message.of(fields).fields
        args = p.request_args(service, pairs, timeout)
        return p.response(await self._call(self._requests, args, timeout))

    async def reply(
        self,
        service: str,
        correlation: str,
        fields: Fields | bytes | str | Message,
        *,
        error: bool = False,
    ) -> bool:
        """``CQ.REPLY``: whether the caller still waited and got it."""
        args = p.reply_args(service, correlation, Message.of(fields).fields, error)
        return p.Record(await self._call(self._pool, args)).num("delivered") == 1

    async def create_room(
        self, room: str, participants: Sequence[str], *, turn_timeout: float | None = None
    ) -> Room:
        args: list[Any] = ["CQ.ROOM.CREATE", room, "PARTICIPANTS", len(participants)]
        args.extend(participants)
        if turn_timeout is not None:
            args.extend(["TURN-TIMEOUT", max(1, millis(turn_timeout))])
        return p.room(await self._call(self._pool, args))

    async def start_room(self, room: str) -> Room:
        return p.room(await self.command("CQ.ROOM.START", room))

    async def speak(self, room: str, participant: str, text: str, *, pass_turn: bool = False) -> Room:
        """``CQ.ROOM.SPEAK``: only the current speaker may (``NotYourTurn`` otherwise)."""
        args: list[Any] = ["CQ.ROOM.SPEAK", room, participant, text]
        if pass_turn:
            args.append("PASS")
        return p.room(await self._call(self._pool, args))

    async def pass_turn(self, room: str, participant: str) -> Room:
        return p.room(await self.command("CQ.ROOM.PASS", room, participant))

    async def end_room(self, room: str) -> Room:
        return p.room(await self.command("CQ.ROOM.END", room))

    async def room_info(self, room: str) -> Room:
        return p.room(await self.command("CQ.ROOM.INFO", room))

    async def room_events(
        self,
        events_stream: str,
        *,
        after: str | None = None,
        count: int = 100,
        wait: float | None = None,
    ) -> list[RoomEvent]:
        """A room's events after ``after`` (a cursor: a reader that comes back misses
        nothing), waiting up to ``wait`` seconds for one."""
        args: list[Any] = ["XREAD", "COUNT", max(1, count)]
        waited = wait if wait is not None and wait > 0 else 0.0
        if waited:
            args.extend(["BLOCK", max(1, millis(waited))])
        args.extend(["STREAMS", events_stream, after or "0-0"])
        r = self._blocking if waited else self._pool
        return p.room_events(await self._call(r, args, waited))



class BoundLock:
    """A lock bound to a connection of its own (``AsyncClient.lock_bound``): ``token`` is
    its fencing token. ``release()`` unlocks it; ``close()`` (or leaving ``async with``)
    closes the connection, and the server releases the lock."""

    def __init__(
        self, client: AsyncClient, conn: aredis.Redis, name: str, owner: str, token: int,
        until_ms: int,
    ) -> None:
        self._client, self._conn = client, conn
        self.name, self.owner, self.token, self.until_ms = name, owner, token, until_ms

    async def renew(self, ttl: float) -> int:
        """``CQ.RENEW`` on the lock's own connection; the new end (Unix ms)."""
        args = ["CQ.RENEW", self.name, self.owner, self.token, "TTL", max(1, millis(ttl))]
        self.until_ms = p.Record(await self._client._call(self._conn, args)).num("until-ms")
        return self.until_ms

    async def release(self) -> bool:
        """``CQ.UNLOCK``, then closes the connection."""
        try:
            args = ["CQ.UNLOCK", self.name, self.owner, self.token]
            return p.Record(await self._client._call(self._conn, args)).num("released") == 1
        finally:
            await self.close()

    async def close(self) -> None:
        await self._conn.aclose()

    async def __aenter__(self) -> BoundLock:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
