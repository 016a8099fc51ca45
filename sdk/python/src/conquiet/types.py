"""The values the client sends and gets back: messages to publish, deliveries, handles and
their settle outcomes, queue figures, dead letters, job status, locks and responses.

Ids are the server's entry ids as text (``"1700000000000-0"``); times are Unix milliseconds
where the server gives them (``*_ms``) and seconds (floats) where the caller gives a duration.
Field names and values are ``bytes`` as they came off the wire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Union

from .errors import ConquietError

Scalar = Union[str, bytes, int, float]
"""A field name or value as the caller gives it; sent as bytes (str as UTF-8)."""

FieldPairs = list[tuple[bytes, bytes]]
Fields = Union[Mapping[str, Scalar], Mapping[bytes, Scalar], Sequence[tuple[Scalar, Scalar]]]
"""Fields to publish: a mapping, or pairs (which keeps order and allows a name twice)."""

DATA_FIELD = "data"
"""The field a bytes payload goes in, as the Rust SDK's ``Message::bytes``."""

CORRELATION_FIELD = "cq-correlation"
"""The field of a request entry that names its correlation id."""


def to_bytes(value: Scalar) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return str(value).encode()


def field_pairs(fields: Fields) -> FieldPairs:
    items = fields.items() if isinstance(fields, Mapping) else fields
    return [(to_bytes(f), to_bytes(v)) for f, v in items]


def millis(seconds: float) -> int:
    """Seconds to whole milliseconds, never negative."""
    return max(0, int(round(seconds * 1000)))


@dataclass(frozen=True)
class Message:
    """A message to publish: field/value pairs, an optional idempotency key, and a delay (in
    seconds after the publish) or a due time (Unix ms); not both."""

    fields: FieldPairs
    key: bytes | None = None
    delay: float | None = None
    at_unix_ms: int | None = None

    @staticmethod
    def of(
        body: Fields | bytes | str | Message,
        *,
        key: Scalar | None = None,
        delay: float | None = None,
        at_unix_ms: int | None = None,
    ) -> Message:
        """A message from fields, a payload (into the ``data`` field), or a message whose key
        and time the keyword arguments override when given."""
        if isinstance(body, Message):
            return Message(
                body.fields,
                to_bytes(key) if key is not None else body.key,
                delay if delay is not None else body.delay,
                at_unix_ms if at_unix_ms is not None else body.at_unix_ms,
            )
        if isinstance(body, (bytes, str)):
            pairs: FieldPairs = [(DATA_FIELD.encode(), to_bytes(body))]
        else:
            pairs = field_pairs(body)
        return Message(pairs, to_bytes(key) if key is not None else None, delay, at_unix_ms)


@dataclass(frozen=True)
class Published:
    """What a publish answered: the entry's id (the first publish's for a duplicate)."""

    id: str
    duplicate: bool


@dataclass(frozen=True)
class Handle:
    """A delivery's handle: the entry and the fencing token of that delivery."""

    id: str
    token: int


def _first(fields: FieldPairs, name: str | bytes) -> bytes | None:
    want = to_bytes(name)
    for f, v in fields:
        if f == want:
            return v
    return None


@dataclass(frozen=True)
class Delivery:
    """One delivery of an entry to a consumer. Plain data: if never settled, the server
    redelivers it when its lease ends, with a higher ``deliveries`` and a new ``token``."""

    queue: str
    group: str
    id: str
    fields: FieldPairs
    token: int
    deliveries: int
    lease_until_ms: int | None

    @property
    def handle(self) -> Handle:
        return Handle(self.id, self.token)

    def field(self, name: str | bytes) -> bytes | None:
        """The first field named ``name``."""
        return _first(self.fields, name)

    @property
    def data(self) -> bytes | None:
        """The payload of a message published as bytes."""
        return self.field(DATA_FIELD)

    def text(self, name: str | bytes, default: str = "") -> str:
        """The first field named ``name`` as UTF-8 text (``default`` when missing)."""
        v = self.field(name)
        return default if v is None else v.decode(errors="replace")


Job = Delivery
"""What a worker's handler gets."""

SettleKind = Literal["acked", "nacked", "touched", "dead-lettered", "stale", "not-pending"]


@dataclass(frozen=True)
class SettleOutcome:
    """What one handle's settle did. ``outcome`` is the server's word; the other fields are
    set where that outcome has them."""

    outcome: SettleKind
    redeliver_at_ms: int | None = None
    lease_until_ms: int | None = None
    dead_letter: str | None = None
    dead_letter_id: str | None = None
    current_token: int | None = None

    @property
    def applied(self) -> bool:
        """Whether the settle did what was asked (not stale, not unknown)."""
        return self.outcome not in ("stale", "not-pending")


Settled = Union[SettleOutcome, ConquietError]
"""One handle's result in a batch: its own outcome, or the error of the command that
carried it. One handle's failure never stops the others."""

PublishResult = Union[Published, ConquietError]


@dataclass(frozen=True)
class BackoffNone:
    """Redeliverable at once."""


@dataclass(frozen=True)
class ExponentialBackoff:
    """``base * factor^(deliveries-1)``, at most ``max``, minus up to ``jitter_percent``.
    Durations in seconds."""

    base: float
    factor: float
    max: float
    jitter_percent: int = 0


@dataclass(frozen=True)
class ListBackoff:
    """The n-th delivery's nack waits the n-th delay (seconds); the last one repeats."""

    delays: Sequence[float]


Backoff = Union[BackoffNone, ExponentialBackoff, ListBackoff]


@dataclass(frozen=True)
class QueueOptions:
    """Policy options for ``create_queue`` and ``configure``; ``None`` keeps the server's
    default (on create) or the current value (on configure). Durations in seconds."""

    group: str | None = None
    max_entries: int | None = None
    max_bytes: int | None = None
    overflow: Literal["reject", "drop-oldest"] | None = None
    dedup_window: float | None = None
    work_queue_retention: bool | None = None
    lease: float | None = None
    max_deliveries: int | None = None
    backoff: Backoff | None = None
    dead_letter: str | None = None
    """The dead-letter stream; ``""`` goes back to ``<queue>:dlq``."""
    max_pending: int | None = None
    max_pending_per_consumer: int | None = None

    def is_empty(self) -> bool:
        return self == QueueOptions(group=self.group)


@dataclass(frozen=True)
class GroupInfo:
    """One consumer group's figures (a group map of ``CQ.INFO``)."""

    name: str
    consumers: int
    pending: int
    waiting: int
    expired: int
    lag: int | None
    oldest_unsettled_ms: int | None
    last_token: int
    delivered: int
    redelivered: int
    acked: int
    nacked: int
    dead_lettered: int


@dataclass(frozen=True)
class QueueInfo:
    """A queue's figures (``CQ.INFO``)."""

    name: str
    length: int
    bytes: int
    first_id: str | None
    last_id: str
    delayed: int
    is_dead_letter: bool
    published: int
    duplicates: int
    dropped: int
    groups: list[GroupInfo] = field(default_factory=list)

    def group(self, name: str) -> GroupInfo | None:
        for g in self.groups:
            if g.name == name:
                return g
        return None


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter: where it came from, why it died, and its original fields."""

    id: str
    source: str
    group: str
    source_id: str | None
    deliveries: int
    reason: str
    dead_at_ms: int
    fields: FieldPairs


JobState = Literal["waiting", "delayed", "in-flight", "acked", "dead-lettered", "unknown"]


@dataclass(frozen=True)
class JobStatus:
    """Where one entry is, for one group (``CQ.STATUS``)."""

    id: str
    group: str
    state: JobState
    deliveries: int | None
    until_ms: int | None
    consumer: str | None
    token: int | None
    dead_letter: str | None
    dead_letter_id: str | None
    reason: str | None
    fields: FieldPairs | None


@dataclass(frozen=True)
class LockGrant:
    """``CQ.LOCK``'s answer: granted (with this grant's fencing token and end), or held by
    ``holder`` (with the holder's token and end)."""

    granted: bool
    token: int
    until_ms: int
    holder: str | None = None


@dataclass(frozen=True)
class LockInfo:
    """``CQ.LOCKINFO``'s answer."""

    name: str
    holder: str | None
    token: int | None
    until_ms: int | None
    bound: bool
    last_token: int


@dataclass(frozen=True)
class Response:
    """A request's reply: ``ok`` is false for an error reply."""

    correlation: str
    ok: bool
    fields: FieldPairs

    def field(self, name: str | bytes) -> bytes | None:
        return _first(self.fields, name)

    def text(self, name: str | bytes, default: str = "") -> str:
        v = self.field(name)
        return default if v is None else v.decode(errors="replace")


@dataclass(frozen=True)
class Room:
    """A room's map (``CQ.ROOM.*``); ``event_id`` is the entry id of a write's event."""

    name: str
    state: str
    participants: list[str]
    speaker: str | None
    turn: int
    turn_until_ms: int | None
    events_stream: str
    event_id: str | None


@dataclass(frozen=True)
class RoomEvent:
    """One entry of a room's event stream: its ``event`` field apart from the others."""

    id: str
    event: str
    fields: FieldPairs

    def text(self, name: str | bytes, default: str = "") -> str:
        v = _first(self.fields, name)
        return default if v is None else v.decode(errors="replace")
