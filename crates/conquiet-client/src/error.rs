//! The client's one error type. A refused command (full queue, missing group, a limit) is a
//! variant the caller can match, never only a string; transport failures are apart from
//! refusals so a caller knows whether to retry.

use std::io;
use std::sync::Arc;

/// Everything a call can fail with. Class: refusals (`Full`, `NoSuchQueue`, `NoSuchGroup`,
/// `GroupExists`, `Limit`, `Invalid`, `Auth`, `Server`) leave the connection usable; transport
/// errors (`Unavailable`, `Timeout`, `Protocol`) drop it; `PoolTimeout` and `Closed` come from
/// the pool. `Clone`, so a batch can hand each item the error of the call that carried it.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The queue is at a limit and refuses publishes (`FULL`).
    #[error("{0}")]
    Full(String),
    /// The queue (stream) does not exist.
    #[error("{0}")]
    NoSuchQueue(String),
    /// The consumer group does not exist (`NOGROUP`).
    #[error("{0}")]
    NoSuchGroup(String),
    /// The group already exists (`BUSYGROUP`).
    #[error("{0}")]
    GroupExists(String),
    /// A lock or room by that name exists or is held by this owner (`BUSYLOCK`, `BUSYROOM`).
    #[error("{0}")]
    Busy(String),
    /// No such room (`NOROOM`).
    #[error("{0}")]
    NotFound(String),
    /// A lock token that is no longer current (`STALE`): another grant holds the lock, or
    /// this one ended.
    #[error("{0}")]
    Stale(String),
    /// The room's state forbids it: not this participant's turn (`NOTYOURTURN`), or the room
    /// has not started or has ended (`ROOMSTATE`).
    #[error("{0}")]
    Conflict(String),
    /// A value over one of the server's limits (`... is N, limit is M`).
    #[error("{0}")]
    Limit(String),
    /// The server refused the arguments (bad policy, bad id, wrong type).
    #[error("{0}")]
    Invalid(String),
    /// Authentication failed or is needed (`NOAUTH`, `WRONGPASS`).
    #[error("{0}")]
    Auth(String),
    /// Any other error reply, with Redis's leading code (`ERR`, ...).
    #[error("{code} {message}")]
    Server {
        /// The reply's first word, such as `ERR`.
        code: String,
        /// The rest of the reply.
        message: String,
    },
    /// The server could not be reached, or the connection broke.
    #[error("server unavailable: {0}")]
    Unavailable(Arc<io::Error>),
    /// A request got no reply within its timeout (the server's `TIMEOUT`).
    #[error("{0}")]
    NoReply(String),
    /// The server did not answer within the command's time.
    #[error("no reply within {0:?}")]
    Timeout(std::time::Duration),
    /// No pool slot became free within the acquire timeout.
    #[error("no connection free within {0:?} (pool of {1})")]
    PoolTimeout(std::time::Duration, usize),
    /// The reply did not have the shape the command's contract says.
    #[error("unexpected reply: {0}")]
    Protocol(String),
    /// The client was closed.
    #[error("client closed")]
    Closed,
}

/// The kind of an [`Error`], for matching without the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Full`].
    Full,
    /// [`Error::NoSuchQueue`], [`Error::NoSuchGroup`] or [`Error::NotFound`].
    NotFound,
    /// [`Error::GroupExists`] or [`Error::Busy`].
    Exists,
    /// [`Error::Stale`].
    Stale,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::Limit`].
    Limit,
    /// [`Error::Invalid`].
    Invalid,
    /// [`Error::Auth`].
    Auth,
    /// [`Error::Server`].
    Server,
    /// [`Error::Unavailable`].
    Unavailable,
    /// [`Error::Timeout`], [`Error::PoolTimeout`] or [`Error::NoReply`].
    Timeout,
    /// [`Error::Protocol`].
    Protocol,
    /// [`Error::Closed`].
    Closed,
}

impl Error {
    /// The error's kind.
    ///
    /// ```
    /// use conquiet_client::{Error, ErrorKind};
    /// let e = Error::from_reply("FULL stream 'q' is full: entries would be 2, limit is 1");
    /// assert_eq!(e.kind(), ErrorKind::Full);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Full(_) => ErrorKind::Full,
            Error::NoSuchQueue(_) | Error::NoSuchGroup(_) | Error::NotFound(_) => {
                ErrorKind::NotFound
            }
            Error::GroupExists(_) | Error::Busy(_) => ErrorKind::Exists,
            Error::Stale(_) => ErrorKind::Stale,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Limit(_) => ErrorKind::Limit,
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::Auth(_) => ErrorKind::Auth,
            Error::Server { .. } => ErrorKind::Server,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Timeout(_) | Error::PoolTimeout(..) | Error::NoReply(_) => ErrorKind::Timeout,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Closed => ErrorKind::Closed,
        }
    }

    /// Whether the same call may succeed later without a change by the caller: the server
    /// was away, slow, or full.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Unavailable | ErrorKind::Timeout | ErrorKind::Full
        )
    }

    /// The error for an error reply's text, by Redis's leading code and conquiet's texts.
    /// Paired with the server's error texts (`conquiet_core::CommandError`).
    pub fn from_reply(text: &str) -> Error {
        let (code, rest) = text.split_once(' ').unwrap_or((text, ""));
        let owned = text.to_string();
        match code {
            "FULL" => Error::Full(owned),
            "NOGROUP" => Error::NoSuchGroup(owned),
            "BUSYGROUP" => Error::GroupExists(owned),
            "BUSYLOCK" | "BUSYROOM" => Error::Busy(owned),
            "NOROOM" => Error::NotFound(owned),
            "STALE" => Error::Stale(owned),
            "TIMEOUT" => Error::NoReply(owned),
            "NOTYOURTURN" | "ROOMSTATE" => Error::Conflict(owned),
            "NOTPARTICIPANT" => Error::Invalid(owned),
            "NOAUTH" | "WRONGPASS" | "NOPERM" => Error::Auth(owned),
            "WRONGTYPE" => Error::Invalid(owned),
            "ERR" if rest == "no such key" => Error::NoSuchQueue(owned),
            "ERR" if rest.contains(", limit is ") || rest.starts_with("Elements are too large") => {
                Error::Limit(owned)
            }
            "ERR"
                if rest.starts_with("invalid policy")
                    || rest.starts_with("Invalid stream ID")
                    || rest.starts_with("syntax error")
                    || rest.starts_with("unknown option")
                    || rest.starts_with("wrong number of arguments") =>
            {
                Error::Invalid(owned)
            }
            _ => Error::Server {
                code: code.to_string(),
                message: rest.to_string(),
            },
        }
    }

    pub(crate) fn io(error: io::Error) -> Error {
        Error::Unavailable(Arc::new(error))
    }
}

/// A result with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_texts_map_to_kinds() {
        let cases = [
            (
                "FULL stream 'q' is full: entries would be 2, limit is 1",
                ErrorKind::Full,
            ),
            (
                "NOGROUP No such key 'q' or consumer group 'g'",
                ErrorKind::NotFound,
            ),
            ("ERR no such key", ErrorKind::NotFound),
            (
                "BUSYGROUP Consumer Group name already exists",
                ErrorKind::Exists,
            ),
            ("ERR COUNT is 20000, limit is 10000", ErrorKind::Limit),
            ("ERR invalid policy: factor below 1", ErrorKind::Invalid),
            ("NOAUTH Authentication required.", ErrorKind::Auth),
            (
                "STALE lock 'x' token 4 is not current, current is 5",
                ErrorKind::Stale,
            ),
            (
                "BUSYLOCK lock 'x' is already held by this owner",
                ErrorKind::Exists,
            ),
            (
                "NOTYOURTURN room 'r': it is 'b's turn (turn 2)",
                ErrorKind::Conflict,
            ),
            ("NOROOM no such room 'r'", ErrorKind::NotFound),
            ("ERR something else", ErrorKind::Server),
        ];
        for (text, kind) in cases {
            assert_eq!(Error::from_reply(text).kind(), kind, "{text}");
        }
    }
}
