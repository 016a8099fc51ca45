//! [`CliError`], everything that ends a client command early, and [`Exit`], the process exit
//! status each kind maps to. `crate::run_with` prints the error as `error: <message>` on stderr;
//! this module owns both texts and codes so they are mapped in one tested place.

use std::io;

/// Why a client command failed. Operating errors of one command run: nothing is retried, the
/// user (or script) decides from the message and the exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The server answered with an API error body, `{"error":{"code","message"}}`.
    #[error("{message} ({code})")]
    Api {
        status: u16,
        code: String,
        message: String,
        /// The `Retry-After` header, sent with 429 (queue full).
        retry_after: Option<String>,
    },
    /// The server answered with an error status but no API error body (a proxy, or not
    /// conquiet).
    #[error("the server answered HTTP {status}: {excerpt}")]
    Http { status: u16, excerpt: String },
    /// No connection could be made.
    #[error("cannot reach conquiet at {url} ({reason}); is 'conquiet serve' running?")]
    Unreachable { url: String, reason: String },
    /// A connection was made but the exchange did not complete (timeout, reset, bad HTTP).
    #[error("no complete reply from conquiet at {url} ({reason})")]
    Transport { url: String, reason: String },
    /// The reply was not the JSON the API sends.
    #[error("conquiet at {url} sent a reply this client cannot read ({reason})")]
    BadReply { url: String, reason: String },
    /// The command line or its input cannot be sent as given (checked before any request).
    #[error("{0}")]
    Usage(String),
    /// Items of a batch (publish results, settle outcomes) failed; each was already reported on
    /// its own line.
    #[error("{failed} of {total} {what} failed")]
    ItemsFailed {
        failed: usize,
        total: usize,
        what: &'static str,
    },
    #[error("cannot read stdin: {0}")]
    Stdin(io::Error),
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
}

/// The process exit status of a client command. Documented in the crate doc and docs/cli.md;
/// scripts depend on these, so they are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Success,
    /// 1: the server refused the request (any API error, 429 queue full included), or some items
    /// of a batch failed, or local input/output failed.
    Failure,
    /// 2: the server could not be reached or its reply could not be read; nothing is known to
    /// have happened.
    Unreachable,
    /// 2: the command line is invalid (clap uses 2 for this too, before any request).
    Usage,
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Unreachable | Exit::Usage => 2,
        }
    }
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Api { .. }
            | CliError::Http { .. }
            | CliError::ItemsFailed { .. }
            | CliError::Stdin(_)
            | CliError::Output(_) => Exit::Failure,
            CliError::Unreachable { .. }
            | CliError::Transport { .. }
            | CliError::BadReply { .. } => Exit::Unreachable,
            CliError::Usage(_) => Exit::Usage,
        }
    }

    /// A second line for errors people can act on.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Api {
                status: 429,
                retry_after,
                ..
            } => Some(match retry_after {
                Some(s) => format!("the queue is full; retry after {s} s"),
                None => "the queue is full; retry later".to_owned(),
            }),
            CliError::Api { status: 401, .. } | CliError::Api { status: 403, .. } => {
                Some("pass --token or set CONQUIET_TOKEN".to_owned())
            }
            _ => None,
        }
    }

    /// True when stdout was closed by the reader (`conquiet ... | head`): not worth a message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps_to_its_exit_code() {
        let api = CliError::Api {
            status: 404,
            code: "not_found".to_owned(),
            message: "no such queue 'x'".to_owned(),
            retry_after: None,
        };
        assert_eq!(api.to_string(), "no such queue 'x' (not_found)");
        assert_eq!(api.exit().code(), 1);
        let down = CliError::Unreachable {
            url: "http://127.0.0.1:1".to_owned(),
            reason: "connection refused".to_owned(),
        };
        assert_eq!(down.exit().code(), 2);
        assert_eq!(CliError::Usage("bad".to_owned()).exit().code(), 2);
        let items = CliError::ItemsFailed {
            failed: 1,
            total: 3,
            what: "messages",
        };
        assert_eq!(items.to_string(), "1 of 3 messages failed");
        assert_eq!(items.exit().code(), 1);
    }

    #[test]
    fn a_full_queue_says_when_to_retry() {
        let full = CliError::Api {
            status: 429,
            code: "queue_full".to_owned(),
            message: "queue 'q' is full".to_owned(),
            retry_after: Some("1".to_owned()),
        };
        assert_eq!(
            full.hint().as_deref(),
            Some("the queue is full; retry after 1 s")
        );
        assert_eq!(full.exit().code(), 1);
    }
}
