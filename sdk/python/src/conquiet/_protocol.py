"""Arguments of the CQ.* commands and decoders of their replies, shared by the sync and the
asyncio client. Replies are redis-py's raw RESP3 values (maps as dicts with bytes keys,
bulk strings as bytes, nil as None); a reply of another shape is a ``ProtocolError``."""

from __future__ import annotations

from typing import Any

from .errors import InvalidArgument, LimitExceeded, ProtocolError
from .types import (
    BackoffNone,
    DeadLetter,
    Delivery,
    ExponentialBackoff,
    FieldPairs,
    GroupInfo,
    JobStatus,
    ListBackoff,
    LockGrant,
    LockInfo,
    Message,
    Published,
    QueueInfo,
    QueueOptions,
    Response,
    Room,
    RoomEvent,
    SettleOutcome,
    millis,
)

Args = list[bytes | str | int]

HANDLES_PER_COMMAND_MAX = 10_000
RECEIVE_COUNT_MAX = 10_000
PUBLISH_PIPELINE_MAX = 1_000


def text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, str):
        return value
    raise ProtocolError(f"expected a string, got {value!r}")


def integer(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, (bytes, str)):
        try:
            return int(value)
        except ValueError:
            pass
    raise ProtocolError(f"expected an integer, got {value!r}")


def array(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ProtocolError(f"expected an array, got {value!r}")


def pairs(value: Any) -> FieldPairs:
    if isinstance(value, dict):
        return [(bytes(k), bytes(v)) for k, v in value.items()]
    items = array(value)
    if len(items) % 2:
        raise ProtocolError("an odd number of field/value items")
    out: FieldPairs = []
    for i in range(0, len(items), 2):
        f, v = items[i], items[i + 1]
        if not isinstance(f, bytes) or not isinstance(v, bytes):
            raise ProtocolError("a field or value is not a string")
        out.append((f, v))
    return out


class Record:
    """A reply map's keys, read by name: a RESP3 map or a RESP2 flat array."""

    def __init__(self, value: Any) -> None:
        if isinstance(value, dict):
            self.items = {text(k): v for k, v in value.items()}
        else:
            flat = array(value)
            if len(flat) % 2:
                raise ProtocolError("a map reply with an odd number of items")
            self.items = {text(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}

    def take(self, key: str) -> Any:
        if key not in self.items:
            raise ProtocolError(f"reply has no '{key}'")
        return self.items[key]

    def has(self, key: str) -> bool:
        return key in self.items

    def num(self, key: str) -> int:
        return integer(self.take(key))

    def opt_num(self, key: str) -> int | None:
        v = self.items.get(key)
        return None if v is None else integer(v)

    def txt(self, key: str) -> str:
        return text(self.take(key))

    def opt_txt(self, key: str) -> str | None:
        v = self.items.get(key)
        return None if v is None else text(v)


def ok(value: Any) -> None:
    if value in (b"OK", "OK", True):
        return
    raise ProtocolError(f"expected OK, got {value!r}")


# ---------------------------------------------------------------------------------- queues


def queue_options_args(command: str, queue: str, o: QueueOptions) -> Args:
    args: Args = [command, queue]

    def opt(name: str, value: str | int) -> None:
        args.extend([name, value])

    if o.group is not None:
        opt("GROUP", o.group)
    numbers: list[tuple[str, int | None]] = [
        ("MAXLEN", o.max_entries),
        ("MAXBYTES", o.max_bytes),
        ("DEDUP-WINDOW", None if o.dedup_window is None else millis(o.dedup_window)),
        ("LEASE", None if o.lease is None else millis(o.lease)),
        ("MAX-DELIVERIES", o.max_deliveries),
        ("MAX-PENDING", o.max_pending),
        ("MAX-PENDING-PER-CONSUMER", o.max_pending_per_consumer),
    ]
    for name, value in numbers:
        if value is not None:
            opt(name, value)
    if o.overflow is not None:
        opt("OVERFLOW", o.overflow)
    if o.work_queue_retention is not None:
        opt("RETENTION", "workqueue" if o.work_queue_retention else "limits")
    if o.dead_letter is not None:
        opt("DLQ", o.dead_letter or "DEFAULT")
    b = o.backoff
    if b is not None:
        args.append("BACKOFF")
        if isinstance(b, BackoffNone):
            args.append("NONE")
        elif isinstance(b, ExponentialBackoff):
            args.extend(
                ["EXP", millis(b.base), f"{b.factor:.3f}", millis(b.max), b.jitter_percent]
            )
        elif isinstance(b, ListBackoff):
            args.extend(["LIST", len(b.delays)])
            args.extend(millis(d) for d in b.delays)
    return args


def publish_args(queue: str, m: Message) -> Args:
    if m.delay is not None and m.at_unix_ms is not None:
        raise InvalidArgument("a message has a delay or a due time, not both")
    if not m.fields:
        raise InvalidArgument("a message needs at least one field")
    args: Args = ["CQ.PUBLISH", queue]
    if m.key is not None:
        args.extend(["KEY", m.key])
    if m.delay is not None:
        args.extend(["DELAY", millis(m.delay)])
    elif m.at_unix_ms is not None:
        args.extend(["AT", m.at_unix_ms])
    for f, v in m.fields:
        args.extend([f, v])
    return args


def published(value: Any) -> Published:
    items = array(value)
    if len(items) < 2:
        raise ProtocolError("publish reply is not [id, duplicate]")
    return Published(text(items[0]), integer(items[1]) != 0)


def receive_args(
    queue: str, group: str, consumer: str, count: int, wait: float | None, lease: float | None
) -> tuple[Args, float]:
    """The arguments and the wait (seconds) the call may add to its command timeout."""
    if count < 1 or count > RECEIVE_COUNT_MAX:
        raise LimitExceeded(f"receive count is {count}, limit is 1..={RECEIVE_COUNT_MAX}")
    args: Args = ["CQ.RECEIVE", queue, group, consumer, "COUNT", count]
    if lease is not None:
        args.extend(["LEASE", millis(lease)])
    if wait is not None and wait > 0:
        # BLOCK 0 would wait forever; a wait under 1 ms rounds up.
        args.extend(["BLOCK", max(1, millis(wait))])
        return args, wait
    return args, 0.0


def deliveries(queue: str, group: str, value: Any) -> list[Delivery]:
    out = []
    for item in array(value):
        r = Record(item)
        out.append(
            Delivery(
                queue=queue,
                group=group,
                id=r.txt("id"),
                fields=pairs(r.take("fields")),
                token=r.num("token"),
                deliveries=r.num("deliveries"),
                lease_until_ms=r.opt_num("lease-until-ms"),
            )
        )
    return out


def settle_outcome(value: Any) -> SettleOutcome:
    r = Record(value)
    word = r.txt("outcome")
    if word == "acked":
        return SettleOutcome("acked")
    if word == "nacked":
        return SettleOutcome("nacked", redeliver_at_ms=r.num("redeliver-at-ms"))
    if word == "touched":
        return SettleOutcome("touched", lease_until_ms=r.opt_num("lease-until-ms"))
    if word == "dead-lettered":
        return SettleOutcome(
            "dead-lettered", dead_letter=r.txt("dead-letter"), dead_letter_id=r.txt("id")
        )
    if word == "stale":
        return SettleOutcome("stale", current_token=r.num("current-token"))
    if word == "not-pending":
        return SettleOutcome("not-pending")
    raise ProtocolError(f"unknown settle outcome '{word}'")


def group_info(value: Any) -> GroupInfo:
    r = Record(value)
    return GroupInfo(
        name=r.txt("name"),
        consumers=r.num("consumers"),
        pending=r.num("pending"),
        waiting=r.num("waiting"),
        expired=r.num("expired"),
        lag=r.opt_num("lag"),
        oldest_unsettled_ms=r.opt_num("oldest-unsettled-ms"),
        last_token=r.num("last-token"),
        delivered=r.num("delivered"),
        redelivered=r.num("redelivered"),
        acked=r.num("acked"),
        nacked=r.num("nacked"),
        dead_lettered=r.num("dead-lettered"),
    )


def queue_info(value: Any) -> QueueInfo:
    r = Record(value)
    return QueueInfo(
        name=r.txt("name"),
        length=r.num("length"),
        bytes=r.num("bytes"),
        first_id=r.opt_txt("first-id"),
        last_id=r.txt("last-id"),
        delayed=r.num("delayed"),
        is_dead_letter=r.num("dead-letter") != 0,
        published=r.num("published"),
        duplicates=r.num("duplicates"),
        dropped=r.num("dropped"),
        groups=[group_info(g) for g in array(r.take("groups"))],
    )


def dead_letter(value: Any) -> DeadLetter:
    items = array(value)
    if len(items) < 2:
        raise ProtocolError("an entry is not [id, fields]")
    source = group = reason = ""
    source_id: str | None = None
    deliveries_ = dead_at = 0
    rest: FieldPairs = []
    for f, v in pairs(items[1]):
        if f == b"cq-source":
            source = text(v)
        elif f == b"cq-group":
            group = text(v)
        elif f == b"cq-id":
            source_id = text(v)
        elif f == b"cq-deliveries":
            deliveries_ = integer(v)
        elif f == b"cq-reason":
            reason = text(v)
        elif f == b"cq-dead-at-ms":
            dead_at = integer(v)
        else:
            rest.append((f, v))
    return DeadLetter(text(items[0]), source, group, source_id, deliveries_, reason, dead_at, rest)


def job_status(value: Any) -> JobStatus:
    r = Record(value)
    state = r.txt("state")
    if state not in ("waiting", "delayed", "in-flight", "acked", "dead-lettered", "unknown"):
        raise ProtocolError(f"unknown job state '{state}'")
    fields = r.items.get("fields")
    return JobStatus(
        id=r.txt("id"),
        group=r.txt("group"),
        state=state,  # type: ignore[arg-type]
        deliveries=r.opt_num("deliveries"),
        until_ms=r.opt_num("until-ms"),
        consumer=r.opt_txt("consumer"),
        token=r.opt_num("token"),
        dead_letter=r.opt_txt("dead-letter"),
        dead_letter_id=r.opt_txt("dead-letter-id"),
        reason=r.opt_txt("reason"),
        fields=None if fields is None else pairs(fields),
    )


# ---------------------------------------------------------------------------- coordination


def lock_args(name: str, owner: str, ttl: float, wait: float | None) -> Args:
    args: Args = ["CQ.LOCK", name, owner, "TTL", max(1, millis(ttl))]
    if wait is not None and wait > 0:
        args.extend(["WAIT", millis(wait)])
    return args


def lock_grant(value: Any) -> LockGrant:
    r = Record(value)
    if r.num("granted") == 1:
        return LockGrant(True, r.num("token"), r.num("until-ms"))
    return LockGrant(False, r.num("token"), r.num("until-ms"), r.txt("holder"))


def lock_info(value: Any) -> LockInfo:
    r = Record(value)
    return LockInfo(
        name=r.txt("name"),
        holder=r.opt_txt("holder"),
        token=r.opt_num("token"),
        until_ms=r.opt_num("until-ms"),
        bound=r.num("bound") == 1,
        last_token=r.num("last-token"),
    )


def request_args(service: str, fields: FieldPairs, timeout: float) -> Args:
    if not fields:
        raise InvalidArgument("a request needs at least one field")
    args: Args = ["CQ.REQUEST", service, "TIMEOUT", max(1, millis(timeout))]
    for f, v in fields:
        args.extend([f, v])
    return args


def response(value: Any) -> Response:
    r = Record(value)
    return Response(r.txt("correlation"), r.txt("status") == "ok", pairs(r.take("fields")))


def reply_args(service: str, correlation: str, fields: FieldPairs, error: bool) -> Args:
    args: Args = ["CQ.REPLY", service, correlation]
    if error:
        args.append("ERROR")
    for f, v in fields:
        args.extend([f, v])
    return args


def room(value: Any) -> Room:
    r = Record(value)
    event_id = r.items.get("id")
    return Room(
        name=r.txt("name"),
        state=r.txt("state"),
        participants=[text(p) for p in array(r.take("participants"))],
        speaker=r.opt_txt("speaker"),
        turn=r.num("turn"),
        turn_until_ms=r.opt_num("turn-until-ms"),
        events_stream=r.txt("events-stream"),
        event_id=None if event_id is None else text(event_id),
    )


def room_events(value: Any) -> list[RoomEvent]:
    if value is None:
        return []
    if isinstance(value, dict):
        streams = list(value.values())
        if not streams:
            return []
        entries = streams[-1]
    else:
        streams = array(value)
        if not streams:
            return []
        pair = array(streams[-1])
        if len(pair) < 2:
            raise ProtocolError("XREAD stream without entries")
        entries = pair[1]
    # redis-py answers each entry as [id, fields]; fields may be a flat array or a map.
    events = []
    for entry in array(entries):
        parts = array(entry)
        if len(parts) < 2:
            raise ProtocolError("an entry is not [id, fields]")
        fields = pairs(parts[1])
        at = next((i for i, (f, _) in enumerate(fields) if f == b"event"), None)
        if at is None:
            raise ProtocolError("a room event without 'event'")
        event = text(fields.pop(at)[1])
        events.append(RoomEvent(text(parts[0]), event, fields))
    return events
