//! The adapter's two error layers. Both display as Redis 7.0 writes them after the `-`, so the
//! server sends `error_frame(&err.to_string())` and clients that match on texts keep working.
//!
//! Texts that echo a client's bytes show them as Redis does (cut at the first NUL, CR and LF
//! as spaces) but as UTF-8: bytes that are not valid UTF-8 appear as U+FFFD, where Redis would
//! send them raw. The engine's `CommandError` makes the same choice.

use crate::limits::REQUEST_BYTES_MAX;

/// The request bytes cannot be framed. A protocol error: reply with it, then close the
/// connection, because nothing after the bad bytes can be trusted to start a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("ERR Protocol error: invalid bulk length")]
    InvalidBulkLength,
    #[error("ERR Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("ERR Protocol error: expected '$', got '{}'", shown_byte(*.0))]
    ExpectedDollar(u8),
    #[error("ERR Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    #[error("ERR Protocol error: too big inline request")]
    TooBigInline,
    #[error("ERR Protocol error: too big mbulk count string")]
    TooBigMultibulkCount,
    #[error("ERR Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// Not a Redis error (Redis bounds the whole query buffer instead, and closes silently).
    #[error(
        "ERR Protocol error: request reaches {bytes} bytes, limit is {}",
        REQUEST_BYTES_MAX
    )]
    RequestTooBig { bytes: u64 },
    /// Only from `decode_frame` (replies): Redis never decodes these.
    #[error("ERR Protocol error: {0}")]
    BadFrame(&'static str),
    #[error("ERR Protocol error: unknown frame type '{}'", shown_byte(*.0))]
    UnknownFrameType(u8),
    #[error("ERR Protocol error: frame nesting is {depth}, limit is {limit}")]
    TooDeep { depth: usize, limit: usize },
}

/// The arguments do not form a command conquiet knows, or break its syntax. A client error:
/// reply with it and keep the connection; nothing was executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// `args` is Redis's list: each argument quoted and followed by a space, at most about 128
    /// bytes in all.
    #[error("ERR unknown command '{name}', with args beginning with: {args}")]
    Unknown { name: String, args: String },
    #[error("ERR unknown subcommand '{sub}'. Try {container} HELP.")]
    UnknownSubcommand {
        container: &'static str,
        sub: String,
    },
    #[error(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {container} HELP."
    )]
    SubcommandSyntax {
        container: &'static str,
        sub: String,
    },
    /// The command's full name, lowercase (`xadd`, `xgroup|create`).
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(&'static str),
    /// EXEC with arguments: Redis aborts the transaction with the arity text.
    #[error(
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
    )]
    ExecArity,
    #[error("ERR syntax error")]
    Syntax,
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    #[error("ERR value is out of range, value must between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("ERR Invalid stream ID specified as stream command argument")]
    InvalidId,
    #[error("ERR invalid start ID for the interval")]
    StartIdOverflow,
    #[error("ERR invalid end ID for the interval")]
    EndIdOverflow,
    #[error("ERR The ID specified in XADD must be greater than 0-0")]
    IdZero,
    #[error("ERR The MAXLEN argument must be >= 0.")]
    MaxLenNegative,
    #[error("ERR The LIMIT argument must be >= 0.")]
    LimitNegative,
    #[error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")]
    TrimStrategyTwice,
    #[error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")]
    LimitWithoutStrategy,
    #[error("ERR syntax error, LIMIT cannot be used without the special ~ option")]
    LimitWithoutApprox,
    #[error("ERR syntax error, XTRIM must be called with a trimming strategy")]
    TrimWithoutStrategy,
    #[error(
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be \
         specified."
    )]
    UnbalancedStreams,
    #[error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")]
    GroupInRead,
    #[error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")]
    NoAckInRead,
    #[error("ERR Missing GROUP option for XREADGROUP")]
    MissingGroup,
    #[error(
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history \
         of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ \
         ID would just return an empty result set."
    )]
    DollarInReadGroup,
    #[error(
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> \
         <consumer> option."
    )]
    NewInRead,
    #[error("ERR timeout is not an integer or out of range")]
    TimeoutNotInteger,
    #[error("ERR timeout is negative")]
    TimeoutNegative,
    #[error("ERR Invalid min-idle-time argument for {0}")]
    MinIdle(&'static str),
    #[error("ERR Invalid {0} option argument for XCLAIM")]
    ClaimArgument(&'static str),
    #[error("ERR Unrecognized XCLAIM option '{0}'")]
    ClaimOption(String),
    #[error("ERR COUNT must be > 0")]
    CountNotPositive,
    #[error("ERR entries_added must be positive")]
    EntriesAddedNegative,
    #[error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")]
    SetIdMaxDeleted,
    #[error("ERR value for ENTRIESREAD must be positive or -1")]
    EntriesReadNegative,
    #[error("ERR Protocol version is not an integer or out of range")]
    ProtoNotInteger,
    #[error("NOPROTO unsupported protocol version")]
    NoProto,
    #[error("ERR Syntax error in HELLO option '{0}'")]
    HelloOption(String),
    #[error("ERR Client names cannot contain spaces, newlines or special characters.")]
    ClientName,
    #[error("ERR Unknown client type '{0}'")]
    ClientType(String),
    #[error("ERR Invalid client ID")]
    ClientId,
    #[error("ERR client-id should be greater than 0")]
    ClientKillId,
    /// CLIENT SETINFO is Redis 7.2's; these are its texts.
    #[error("ERR Unrecognized option '{0}'")]
    SetInfoOption(String),
    #[error("ERR {0} cannot contain spaces, newlines or special characters.")]
    SetInfoValue(String),
    #[error("ERR invalid cursor")]
    InvalidCursor,
    #[error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")]
    FunctionFlushMode,
    // conquiet's own CQ.* commands: Redis has no text to match, so each error names the
    // option and shows the argument it refused (see `cmd::cq_args`).
    /// A number that is not a u64 written in plain decimal digits.
    #[error("ERR {option} must be an integer from 0 to 18446744073709551615, got '{value}'")]
    NotU64 { option: &'static str, value: String },
    /// A known option at the end of the arguments, without what follows it.
    #[error("ERR syntax error, {option} needs {needs}")]
    MissingValue {
        option: &'static str,
        needs: &'static str,
    },
    /// An option value that is not one of the words the option takes.
    #[error("ERR {option} must be {expected}, got '{value}'")]
    BadChoice {
        option: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error(
        "ERR BACKOFF EXP factor must be a decimal with at most 3 decimal places (like 2 or 1.5), \
         got '{0}'"
    )]
    BackoffFactor(String),
    #[error("ERR BACKOFF LIST announces {announced} delays, {given} arguments follow")]
    BackoffListShort { announced: u64, given: usize },
    /// `command` is the lowercase name, as in the arity errors.
    #[error("ERR unknown option '{option}' for '{command}'")]
    UnknownOption {
        command: &'static str,
        option: String,
    },
    /// An option the command cannot do without (CQ.LOCK's TTL).
    #[error("ERR {command} needs {option}")]
    Required {
        command: &'static str,
        option: &'static str,
    },
    /// A number above conquiet's limit for it.
    #[error("ERR {option} is {value}, limit is {limit}")]
    TooLarge {
        option: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("ERR CQ.SET needs at least one policy option")]
    NoPolicyOption,
    #[error("ERR DELAY and AT cannot be used together")]
    DelayAndAt,
    /// The arguments after the options must be non-empty `pairs` (`field value`, `id token`).
    #[error("ERR wrong number of arguments for '{command}' command, expected {pairs} pairs")]
    Unpaired {
        command: &'static str,
        pairs: &'static str,
    },
}

/// Bytes from a request as Redis shows them inside an error text: cut at the first NUL (Redis
/// formats them with `%s`), at most `max` bytes (`%.128s` where Redis bounds them), CR and LF
/// as spaces, invalid UTF-8 replaced.
pub(crate) fn shown(bytes: &[u8], max: usize) -> String {
    let text = crate::args::c_str(bytes);
    let text = &text[..text.len().min(max)];
    String::from_utf8_lossy(&crate::frame::blank_line_breaks(text)).into_owned()
}

/// `shown` for any length: the `%s` texts Redis does not bound.
pub(crate) fn shown_all(bytes: &[u8]) -> String {
    shown(bytes, usize::MAX)
}

fn shown_byte(byte: u8) -> String {
    shown_all(&[byte])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_cuts_at_nul_and_blanks_line_breaks() {
        assert_eq!(shown(b"f\r\no\0x", 128), "f  o");
        assert_eq!(shown(b"abcdef", 3), "abc");
        assert_eq!(shown(b"\xff", 128), "\u{fffd}");
    }

    #[test]
    fn protocol_errors_render_the_offending_byte() {
        assert_eq!(
            ProtocolError::ExpectedDollar(b'x').to_string(),
            "ERR Protocol error: expected '$', got 'x'"
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(b'\r').to_string(),
            "ERR Protocol error: expected '$', got ' '"
        );
    }
}
