//! Arguments to a typed request: the command table lookup, Redis's arity check, and dispatch to
//! the per-command parsers in `cmd/`. Nothing here looks at state: errors that need a key or a
//! group (NOGROUP, "no such key") come from the engine.
//!
//! Redis checks some arguments only after it has looked up the key (XREAD, XREADGROUP, XACK,
//! XDEL, XCLAIM, XGROUP, XINFO STREAM). A pure parser reports argument errors first, so when a
//! request has both kinds of error, conquiet may name a different one than Redis.

use conquiet_core::Command;

use crate::cmd;
use crate::conn::ConnCommand;
use crate::error::{ParseError, shown};

/// What a request asks for, and who answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Submit `command` to the engine. `block` is XREAD / XREADGROUP's BLOCK in milliseconds
    /// (0: wait forever) for when the engine answers "nothing yet".
    Engine {
        command: Command,
        block: Option<u64>,
    },
    /// KEYS pattern: submit `Command::Keys`, keep the names `glob_match(pattern, name)`
    /// accepts, and reply with `reply_frame`.
    Keys { pattern: Vec<u8> },
    /// A help text: reply with one simple string per line (`help_frame`).
    Help(Vec<&'static str>),
    /// The server answers these itself.
    Connection(ConnCommand),
}

/// How one command (or subcommand) is parsed.
pub(crate) struct Spec {
    /// Full lowercase name as Redis's arity errors show it: `xadd`, `xgroup|create`.
    pub name: &'static str,
    /// Redis's arity, name included: `n` means exactly n arguments, `-n` at least n.
    pub arity: i32,
    pub parse: fn(&[Vec<u8>]) -> Result<Parsed, ParseError>,
}

impl Spec {
    /// Whether `arg` names this command. Redis looks names up in a case-insensitive table keyed
    /// by the whole argument, so unlike options, bytes after a NUL count.
    fn is_named(&self, arg: &[u8]) -> bool {
        let own = self.name.rsplit('|').next().unwrap_or(self.name);
        arg.eq_ignore_ascii_case(own.as_bytes())
    }

    fn check_arity(&self, args: &[Vec<u8>]) -> Result<(), ParseError> {
        let given = i64::try_from(args.len()).unwrap_or(i64::MAX);
        let arity = i64::from(self.arity);
        let fits = if arity >= 0 {
            given == arity
        } else {
            given >= -arity
        };
        match (fits, self.name) {
            (true, _) => Ok(()),
            (false, "exec") => Err(ParseError::ExecArity),
            (false, name) => Err(ParseError::WrongArity(name)),
        }
    }
}

/// Parses one request's arguments (from `Decoder::decode`). Command and option names are
/// case-insensitive; every error is Redis 7.0's text for the same request.
pub fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let spec = args
        .first()
        .and_then(|name| cmd::COMMANDS.iter().find(|s| s.is_named(name)))
        .ok_or_else(|| unknown(args))?;
    spec.check_arity(args)?;
    (spec.parse)(args)
}

/// Dispatches a container command (XGROUP, CLIENT, ...) to its subcommand; `container` is the
/// name Redis shows in "Try ... HELP.". The container's own arity (at least 2) was checked.
pub(crate) fn subcommand(
    args: &[Vec<u8>],
    container: &'static str,
    subs: &[Spec],
) -> Result<Parsed, ParseError> {
    let sub = &args[1];
    let spec =
        subs.iter()
            .find(|s| s.is_named(sub))
            .ok_or_else(|| ParseError::UnknownSubcommand {
                container,
                sub: shown(sub, NAME_SHOWN_BYTES_MAX),
            })?;
    spec.check_arity(args)?;
    (spec.parse)(args)
}

/// Redis's "unknown subcommand or wrong number of arguments" for a subcommand whose options
/// do not fit.
pub(crate) fn subcommand_syntax(args: &[Vec<u8>], container: &'static str) -> ParseError {
    ParseError::SubcommandSyntax {
        container,
        sub: shown(&args[1], NAME_SHOWN_BYTES_MAX),
    }
}

/// Redis shows at most this many bytes of a command name (`%.128s`), and stops listing
/// arguments once the list reaches it.
const NAME_SHOWN_BYTES_MAX: usize = 128;

/// Redis's text for an unknown command: the name, then each argument quoted and followed by a
/// space while the list is under 128 bytes, the last one cut to fit.
fn unknown(args: &[Vec<u8>]) -> ParseError {
    let mut list = Vec::new();
    for arg in args.iter().skip(1) {
        if list.len() >= NAME_SHOWN_BYTES_MAX {
            break;
        }
        let room = NAME_SHOWN_BYTES_MAX - list.len();
        let text = crate::args::c_str(arg);
        list.push(b'\'');
        list.extend_from_slice(&text[..text.len().min(room)]);
        list.extend_from_slice(b"' ");
    }
    ParseError::Unknown {
        name: args
            .first()
            .map_or_else(String::new, |name| shown(name, NAME_SHOWN_BYTES_MAX)),
        args: crate::error::shown_all(&list),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&[u8]]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.to_vec()).collect()
    }

    fn error(words: &[&[u8]]) -> String {
        parse(&args(words)).unwrap_err().to_string()
    }

    #[test]
    fn unknown_command_lists_arguments_like_redis() {
        assert_eq!(
            error(&[b"foo", b"a", b"b"]),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            error(&[b"foo"]),
            "ERR unknown command 'foo', with args beginning with: "
        );
        assert_eq!(
            error(&[b"f\r\no\0x", b"a\0b", b"c\nd"]),
            "ERR unknown command 'f  o', with args beginning with: 'a' 'c d' "
        );
        let a124 = [b'a'; 124];
        let text = error(&[b"foo", &a124, b"bbbbb", b"c"]);
        assert!(text.ends_with("a' 'b' "), "{text}");
        let a125 = [b'a'; 125];
        let text = error(&[b"foo", &a125, b"bbbbb"]);
        assert!(text.ends_with("a' "), "{text}");
    }

    #[test]
    fn names_are_case_insensitive_but_whole() {
        assert!(parse(&args(&[b"xLeN", b"k"])).is_ok());
        assert!(matches!(
            parse(&args(&[b"XLEN\0", b"k"])),
            Err(ParseError::Unknown { .. })
        ));
    }

    #[test]
    fn arity_is_checked_before_options() {
        assert_eq!(
            error(&[b"XADD", b"s", b"maxlen", b"5"]),
            "ERR wrong number of arguments for 'xadd' command"
        );
        assert_eq!(
            error(&[b"EXEC", b"x"]),
            "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' \
             command"
        );
        assert_eq!(
            error(&[b"XGROUP", b"CREATE", b"k"]),
            "ERR wrong number of arguments for 'xgroup|create' command"
        );
        assert_eq!(
            error(&[b"XGROUP", b"f\r\nb", b"x"]),
            "ERR unknown subcommand 'f  b'. Try XGROUP HELP."
        );
    }
}
