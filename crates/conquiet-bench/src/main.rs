//! `conquiet-bench`: one queue workload against conquiet and its peers, side by side.
//!
//! - `cli`: the arguments; `driver`: the workload's three phases (produce, consume,
//!   end-to-end) over any [`systems::Broker`], timed and checked the same way for all.
//! - `systems`: one adapter per system (conquiet over RESP streams, CQ.* and HTTP; Redis
//!   Streams; NATS JetStream; RabbitMQ; PostgreSQL; the raw disk), each configured for the
//!   closest durability promise it offers and saying which.
//! - `bench`: one system from setup (starting `redis-server` or `conquiet serve` where asked)
//!   to its result row; `spawn`: those child servers.
//! - `ledger` (which ids arrived, duplicates, missing), `latency` (percentiles), `report`
//!   (the table and JSON) and `summary` (medians over several runs) hold the pure parts.
//!
//! A message that never arrives, or any adapter error, makes the run exit nonzero: a result
//! is printed only beside the word FAILED.

/// The measuring client should take as little of the machine as it can from the systems it
/// measures: with the system allocator it spent about a quarter more CPU per message.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod cli;
mod coord;
mod driver;
mod latency;
mod ledger;
mod limits;
mod payload;
mod report;
mod spawn;
mod summary;
mod systems;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::Parser;

use crate::cli::{Cli, Command, Common, System};
use crate::driver::{Bars, Workload};
use crate::report::{Document, WorkloadJson};

/// Exit code of `probe` when a service does not answer; scripts skip that system.
const EXIT_UNREACHABLE: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> Result<ExitCode> {
    match command {
        Command::Run(args) => {
            let w = cli::workload(
                args.messages,
                args.size,
                args.producers,
                args.window,
                args.consumers,
                args.backlog,
                &args.common,
            );
            let w = w.map_err(anyhow::Error::msg)?;
            measure("run", &args.system, &w, &args.common).await
        }
        Command::Latency(args) => {
            let w = cli::workload(args.messages, args.size, 1, 1, 1, 0, &args.common);
            let w = w.map_err(anyhow::Error::msg)?;
            measure("latency", &args.system, &w, &args.common).await
        }
        Command::Probe(args) => {
            for system in args.system {
                if let Err(error) = bench::reachable(system, &args.common.endpoints).await {
                    eprintln!("{}: not reachable: {error:#}", system.name());
                    return Ok(ExitCode::from(EXIT_UNREACHABLE));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Coord(args) => {
            let figures = coord::run(&args).await?;
            if args.json {
                println!("{}", serde_json::to_string(&figures)?);
            } else {
                print!("{}", coord::render(&figures));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Summarize(args) => {
            let mut documents = Vec::new();
            for file in &args.files {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                documents.extend(
                    summary::parse_lines(&text).with_context(|| file.display().to_string())?,
                );
            }
            print!("{}", summary::render(&documents));
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn measure(
    mode: &str,
    systems: &[System],
    w: &Workload,
    common: &Common,
) -> Result<ExitCode> {
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let bars = Bars::new(!common.no_progress && std::io::stderr().is_terminal());
    let mut rows = Vec::with_capacity(systems.len());
    for &system in systems {
        rows.push(bench::bench(system, w, &common.endpoints, &bars).await);
    }
    let document = Document {
        mode: mode.to_string(),
        workload: WorkloadJson {
            messages: w.messages,
            size_bytes: w.size,
            producers: w.producers,
            window: w.window,
            backlog: w.backlog,
            consumers: w.consumers,
            receive_batch: w.batch,
        },
        started_unix_ms,
        results: rows,
    };
    if common.json {
        println!("{}", serde_json::to_string(&document)?);
    } else {
        println!(
            "{} messages of {} bytes; producers {}, publishes in flight per producer {}, \
             consumers {}, receive batch {}, backlog {}\n",
            w.messages, w.size, w.producers, w.window, w.consumers, w.batch, w.backlog
        );
        print!("{}", report::render(&document.results));
    }
    let failed: Vec<&str> = document
        .results
        .iter()
        .filter(|row| !row.is_success())
        .map(|row| row.system.as_str())
        .collect();
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("FAILED: {}", failed.join(", "));
    Ok(ExitCode::FAILURE)
}
