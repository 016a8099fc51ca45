//! One file per command: each builds its request bodies (`body`), makes its calls (`http`) and
//! prints the replies (`render`, or pretty JSON under `--json`). No HTTP details and no table
//! layout here.

pub mod consume;
mod dlq;
mod publish;
mod queue;
mod stats;

use crate::Io;
use crate::args::Command;
use crate::error::CliError;
use crate::http::Client;
use crate::json::Json;

/// What every command needs: the server, the output mode and the stdio.
pub struct Ctx<'a, 'io> {
    pub client: Client,
    pub json: bool,
    pub io: &'a mut Io<'io>,
}

impl Ctx<'_, '_> {
    /// Prints a reply as pretty JSON (`--json`). An empty reply (204) prints nothing.
    pub fn print_json(&mut self, reply: &Json) -> Result<(), CliError> {
        if *reply != Json::Null {
            writeln!(self.io.stdout, "{}", reply.to_pretty())?;
        }
        Ok(())
    }

    /// Prints text that already ends in a newline (tables, blocks).
    pub fn print(&mut self, text: &str) -> Result<(), CliError> {
        self.io.stdout.write_all(text.as_bytes())?;
        Ok(())
    }
}

pub fn dispatch(command: Command, io: &mut Io<'_>) -> Result<(), CliError> {
    let conn = command.connection();
    let client = Client::new(&conn.url, conn.token.as_deref())?;
    let mut ctx = Ctx {
        client,
        json: conn.json,
        io,
    };
    match command {
        Command::Queue(args) => queue::run(&mut ctx, &args.command),
        Command::Publish(args) => publish::run(&mut ctx, args),
        Command::Consume(args) => consume::run(&mut ctx, &args),
        Command::Dlq(args) => dlq::run(&mut ctx, &args.command),
        Command::Stats(_) => stats::run(&mut ctx),
    }
}
