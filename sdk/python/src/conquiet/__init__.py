"""conquiet: the Python SDK for the conquiet durable message queue.

``Client`` (blocking) and ``AsyncClient`` (asyncio) cover the work-queue surface, locks,
rooms and request/reply; ``Worker`` runs an async handler with a concurrency limit,
timeouts and fallbacks, heartbeats, a circuit breaker, a graceful drain and Prometheus
metrics. The semantics are the Rust SDK's: docs/sdk.md and docs/sdk-python.md.
"""

from .aio import AsyncClient, BoundLock
from .breaker import BreakerConfig, BreakerHook, BreakerState, FailureRate
from .errors import (
    AuthError,
    Busy,
    ClientClosed,
    CommandTimeout,
    ConquietError,
    Conflict,
    Exists,
    GroupExists,
    InvalidArgument,
    LimitExceeded,
    NoSuchGroup,
    NoSuchQueue,
    NoSuchRoom,
    NotFound,
    NotYourTurn,
    PoolTimeout,
    ProtocolError,
    QueueFull,
    RequestTimeout,
    RoomStateConflict,
    ServerError,
    StaleToken,
    Unavailable,
    from_reply,
)
from .metrics import WorkerMetrics, WorkerStats
from .service import service
from .sync import Client
from .types import (
    CORRELATION_FIELD,
    DATA_FIELD,
    BackoffNone,
    DeadLetter,
    Delivery,
    ExponentialBackoff,
    GroupInfo,
    Handle,
    Job,
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
)
from .worker import SUCCESS, DrainReport, Fail, Outcome, Retry, Success, Worker, WorkerConfig

__all__ = [
    "AsyncClient", "AuthError", "BoundLock", "BackoffNone", "BreakerConfig", "BreakerHook", "BreakerState",
    "Busy", "CORRELATION_FIELD", "Client", "ClientClosed", "CommandTimeout", "Conflict",
    "ConquietError", "DATA_FIELD", "DeadLetter", "Delivery", "DrainReport", "Exists",
    "ExponentialBackoff", "Fail", "FailureRate", "GroupExists", "GroupInfo", "Handle",
    "InvalidArgument", "Job", "JobStatus", "LimitExceeded", "ListBackoff", "LockGrant",
    "LockInfo", "Message", "NoSuchGroup", "NoSuchQueue", "NoSuchRoom", "NotFound",
    "NotYourTurn", "Outcome", "PoolTimeout", "ProtocolError", "Published", "QueueFull",
    "QueueInfo", "QueueOptions", "RequestTimeout", "Response", "Retry", "Room", "RoomEvent",
    "RoomStateConflict", "SUCCESS", "ServerError", "SettleOutcome", "StaleToken", "Success",
    "Unavailable", "Worker", "WorkerConfig", "WorkerMetrics", "WorkerStats", "from_reply",
    "service",
]
