//! The conquiet command-line client: `queue`, `publish`, `consume`, `dlq` and `stats`, spoken
//! to a running server over its HTTP/JSON API (plain HTTP, blocking, one request at a time).
//!
//! Main types:
//! - [`Command`]: the clap subcommands. The `conquiet` binary flattens them next to `serve` and
//!   hands the parsed one to [`run`].
//! - [`run`] / [`run_with`]: execute a command against real stdio, or against an [`Io`] of
//!   buffers (tests), and return its [`Exit`] status.
//! - [`CliError`]: why a command failed; it maps to the exit status and to the `error:` line.
//!
//! Modules: `args` (command line), `body` (request bodies), `http` (the one place HTTP
//! happens), `json` (replies with member order kept), `render` (tables for people), `cmd`
//! (one file per command), `limits`. Rules live in the server: the client only checks syntax
//! and shows the server's answers.
//!
//! Exit status (stable; scripts rely on it):
//!
//! | code | meaning                                                                              |
//! |------|--------------------------------------------------------------------------------------|
//! | 0    | done (also after a Ctrl-C that let `consume --follow` settle its batch and stop)     |
//! | 1    | the server refused the request (`error: <message> (<code>)`, 429 = queue full), some items of a batch failed (publish errors, `stale` or `not_pending` settles), or stdin/stdout failed |
//! | 2    | the server could not be reached, or its reply could not be read; or the command line is invalid |
//! | 130  | a second Ctrl-C during `consume`, or a first one while it holds no message          |
//!
//! Output: tables and short lines for people by default; `--json` prints each server reply as
//! pretty JSON (several replies, as for `consume --ack`, print one document after another).

mod args;
mod body;
#[cfg(test)]
mod cli_tests;
mod cmd;
mod error;
mod http;
mod json;
mod limits;
mod render;

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use args::{
    Backoff, Command, ConsumeArgs, CreateArgs, DlqArgs, DlqCommand, Field, Overflow, PublishArgs,
    QueueArgs, QueueCommand, RedriveArgs, Retention, StatsArgs,
};
pub use error::{CliError, Exit};

/// Where a command reads and writes, and the flags its Ctrl-C handling shares.
pub struct Io<'a> {
    pub stdin: &'a mut dyn BufRead,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// Set by the first Ctrl-C of `consume`: settle the batch in hand, then stop.
    pub stop: Arc<AtomicBool>,
    /// True while `consume` holds no message it has shown: a Ctrl-C then exits at once.
    pub idle: Arc<AtomicBool>,
}

/// Runs `command` on the process's stdio and returns its exit status (see the crate doc).
pub fn run(command: Command) -> Exit {
    let stop = Arc::new(AtomicBool::new(false));
    let idle = Arc::new(AtomicBool::new(true));
    if matches!(command, Command::Consume(_))
        && let Err(e) = cmd::consume::on_ctrl_c(&stop, &idle)
    {
        eprintln!("warning: cannot handle Ctrl-C ({e}); it will end consume at once");
    }
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let stderr = std::io::stderr();
    let mut stderr = stderr.lock();
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stop,
        idle,
    };
    run_with(command, &mut io)
}

/// Runs `command` with the given stdio. Errors are printed to `io.stderr` as
/// `error: <message>` (plus a hint line for some) and mapped to an [`Exit`].
pub fn run_with(command: Command, io: &mut Io<'_>) -> Exit {
    let result = cmd::dispatch(command, io).and_then(|()| Ok(io.stdout.flush()?));
    match result {
        Ok(()) => Exit::Success,
        Err(e) if e.is_broken_pipe() => Exit::Success,
        Err(e) => {
            // Best effort: if stderr is gone too there is nowhere left to say it.
            let _ = io.stdout.flush();
            let _ = writeln!(io.stderr, "error: {e}");
            if let Some(hint) = e.hint() {
                let _ = writeln!(io.stderr, "hint: {hint}");
            }
            e.exit()
        }
    }
}
