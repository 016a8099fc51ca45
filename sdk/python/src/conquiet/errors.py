"""The SDK's errors. A refused command is a typed exception the caller can catch, never a
bare string; transport failures are apart from refusals so a caller knows whether to retry.

The mapping from the server's error texts is the Rust SDK's ``Error::from_reply``
(crates/conquiet-client/src/error.rs), class for class:

=================  ==========================  ===============
server prefix      exception                   kind
=================  ==========================  ===============
FULL               QueueFull                   full
NOGROUP            NoSuchGroup                 not_found
ERR no such key    NoSuchQueue                 not_found
NOROOM             NoSuchRoom                  not_found
BUSYGROUP          GroupExists                 exists
BUSYLOCK/BUSYROOM  Busy                        exists
STALE              StaleToken                  stale
NOTYOURTURN        NotYourTurn                 conflict
ROOMSTATE          RoomStateConflict           conflict
TIMEOUT            RequestTimeout              timeout
NOTPARTICIPANT     InvalidArgument             invalid
WRONGTYPE          InvalidArgument             invalid
NOAUTH/WRONGPASS/  AuthError                   auth
NOPERM
ERR ... limit is   LimitExceeded               limit
ERR invalid        InvalidArgument             invalid
policy / Invalid
stream ID / syntax
error / unknown
option / wrong
number of arguments
anything else      ServerError                 server
=================  ==========================  ===============
"""

from __future__ import annotations

from typing import Final


class ConquietError(Exception):
    """Every error the SDK raises. ``kind`` names its class for matching without the type
    (the Rust SDK's ``ErrorKind``), ``transient`` says whether the same call may work later."""

    kind: str = "server"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def transient(self) -> bool:
        return self.kind in ("unavailable", "timeout", "full")


class QueueFull(ConquietError):
    """The queue is at a limit and refuses publishes (``FULL``)."""

    kind = "full"


class NotFound(ConquietError):
    """Something named does not exist."""

    kind = "not_found"


class NoSuchQueue(NotFound):
    """The queue (stream) does not exist (``ERR no such key``)."""


class NoSuchGroup(NotFound):
    """The consumer group does not exist (``NOGROUP``)."""


class NoSuchRoom(NotFound):
    """No such room (``NOROOM``)."""


class Exists(ConquietError):
    """Something by that name already exists or is held."""

    kind = "exists"


class GroupExists(Exists):
    """The group already exists (``BUSYGROUP``)."""


class Busy(Exists):
    """A lock held by this owner already, or a room that exists (``BUSYLOCK``, ``BUSYROOM``)."""


class StaleToken(ConquietError):
    """A lock token that is no longer current (``STALE``)."""

    kind = "stale"


class Conflict(ConquietError):
    """The room's state forbids it."""

    kind = "conflict"


class NotYourTurn(Conflict):
    """Only the current speaker may speak (``NOTYOURTURN``)."""


class RoomStateConflict(Conflict):
    """The room has not started, or has ended (``ROOMSTATE``)."""


class LimitExceeded(ConquietError):
    """A value over one of the server's limits (``... is N, limit is M``)."""

    kind = "limit"


class InvalidArgument(ConquietError):
    """The server (or the SDK, before sending) refused the arguments."""

    kind = "invalid"


class AuthError(ConquietError):
    """Authentication failed or is needed (``NOAUTH``, ``WRONGPASS``, ``NOPERM``)."""

    kind = "auth"


class ServerError(ConquietError):
    """Any other error reply; ``code`` is its first word, such as ``ERR``."""

    kind = "server"

    def __init__(self, message: str, code: str = "ERR") -> None:
        super().__init__(message)
        self.code = code


class Unavailable(ConquietError):
    """The server could not be reached, or the connection broke."""

    kind = "unavailable"


class TimeoutError_(ConquietError):
    """Base of the timeouts: ``kind`` is ``timeout``."""

    kind = "timeout"


class RequestTimeout(TimeoutError_):
    """A request got no reply within its timeout (the server's ``TIMEOUT``)."""


class CommandTimeout(TimeoutError_):
    """The server did not answer within the command's time."""


class PoolTimeout(TimeoutError_):
    """No connection became free within the acquire timeout."""


class ProtocolError(ConquietError):
    """The reply did not have the shape the command's contract says."""

    kind = "protocol"


class ClientClosed(ConquietError):
    """The client was closed."""

    kind = "closed"


_CODES: Final[dict[str, type[ConquietError]]] = {
    "FULL": QueueFull,
    "NOGROUP": NoSuchGroup,
    "BUSYGROUP": GroupExists,
    "BUSYLOCK": Busy,
    "BUSYROOM": Busy,
    "NOROOM": NoSuchRoom,
    "STALE": StaleToken,
    "TIMEOUT": RequestTimeout,
    "NOTYOURTURN": NotYourTurn,
    "ROOMSTATE": RoomStateConflict,
    "NOTPARTICIPANT": InvalidArgument,
    "NOAUTH": AuthError,
    "WRONGPASS": AuthError,
    "NOPERM": AuthError,
    "WRONGTYPE": InvalidArgument,
}

_INVALID_PREFIXES: Final = (
    "invalid policy",
    "Invalid stream ID",
    "syntax error",
    "unknown option",
    "wrong number of arguments",
)


def from_reply(text: str) -> ConquietError:
    """The exception for an error reply's full text (code included), as the Rust SDK's
    ``Error::from_reply``."""
    code, _, rest = text.partition(" ")
    cls = _CODES.get(code)
    if cls is not None:
        return cls(text)
    if code == "ERR":
        if rest == "no such key":
            return NoSuchQueue(text)
        if ", limit is " in rest or rest.startswith("Elements are too large"):
            return LimitExceeded(text)
        if rest.startswith(_INVALID_PREFIXES):
            return InvalidArgument(text)
    return ServerError(text, code)


# redis-py strips these codes from the text of the exception it raises (and keeps the rest);
# every other code stays at the start of the text.
_STRIPPED_BY_REDIS_PY: Final = frozenset(
    {
        "ERR", "OOM", "WRONGPASS", "EXECABORT", "LOADING", "NOSCRIPT", "READONLY",
        "NOAUTH", "NOPERM", "ASK", "TRYAGAIN", "MOVED", "CLUSTERDOWN", "CROSSSLOT",
        "MASTERDOWN",
    }
)


def reply_text(error: Exception) -> str:
    """The server's full error text for a redis-py ``ResponseError``."""
    import redis.exceptions as rx

    text = str(error)
    status = getattr(error, "status_code", None)
    if isinstance(status, str) and status:
        if text.split(" ", 1)[0] == status:
            return text
        return f"{status} {text}"
    # Older redis-py: no status code; tell by the exception class and the first word.
    if isinstance(error, rx.AuthenticationError):
        return f"NOAUTH {text}"
    if isinstance(error, rx.NoPermissionError):
        return f"NOPERM {text}"
    first = text.split(" ", 1)[0]
    if first in _CODES and first not in _STRIPPED_BY_REDIS_PY:
        return text
    return f"ERR {text}"
