//! Command-line arguments, and their checks against `limits`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::driver::Workload;
use crate::limits::{
    CLIENTS_MAX, MESSAGES_MAX, PAYLOAD_BYTES_MAX, PAYLOAD_BYTES_MIN, RECEIVE_BATCH_MAX, WINDOW_MAX,
};

/// Most bytes one receive may bring (batch × size): under the HTTP reply limit with room
/// for the JSON around the payloads.
const RECEIVE_BYTES_MAX: usize = 32 * 1024 * 1024;
const _: () = assert!(RECEIVE_BYTES_MAX * 2 <= crate::limits::HTTP_RESPONSE_BYTES_MAX);

#[derive(Parser, Debug)]
#[command(
    name = "conquiet-bench",
    version,
    about = "One queue workload against conquiet and its peers, side by side"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// P producers publish N messages of S bytes, each counted once confirmed; C consumers
    /// receive and acknowledge them. Phases: produce only, consume only, end to end.
    Run(RunArgs),
    /// The same phases with one producer and one consumer: latency without contention.
    Latency(LatencyArgs),
    /// Exits 0 when every named system's service answers, 3 when one does not. Takes run's
    /// arguments, so a script can pass the same ones; only the systems and addresses matter.
    Probe(RunArgs),
    /// Locks, request/reply and turn changes through the SDK, beside PostgreSQL advisory
    /// locks.
    Coord(crate::coord::CoordArgs),
    /// Folds lines printed by `run --json` into one table: median, spread (min–max) and
    /// ratio to conquiet-cq per system.
    Summarize(SummarizeArgs),
}

/// The systems, each configured for the closest durability promise it offers.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum System {
    /// conquiet streams over RESP: XADD, XREADGROUP, XACK.
    ConquietResp,
    /// conquiet work-queue commands over RESP: CQ.PUBLISH, CQ.RECEIVE, CQ.ACK.
    ConquietCq,
    /// conquiet HTTP API: POST messages, receive, ack.
    ConquietHttp,
    /// conquiet through its Rust SDK: SDK publishes, one SDK worker per consumer
    /// (concurrency 32, a handler that does nothing).
    ConquietSdk,
    /// Redis Streams, AOF with appendfsync always (a redis-server the bench starts).
    RedisAlways,
    /// Redis Streams, AOF with appendfsync everysec (a redis-server the bench starts).
    RedisEverysec,
    /// Redis Streams with AOF and RDB off: nothing reaches the disk. Not a durable peer: the
    /// most this client drives against a fast server on this machine.
    RedisMemory,
    /// NATS JetStream: work-queue stream on file storage, durable pull consumer.
    Nats,
    /// RabbitMQ durable classic queue, persistent messages, publisher confirms.
    RabbitmqClassic,
    /// RabbitMQ quorum queue, publisher confirms.
    RabbitmqQuorum,
    /// PostgreSQL jobs table, FOR UPDATE SKIP LOCKED, synchronous_commit on.
    Postgres,
    /// write + fdatasync of the same bytes in the same batches: the floor.
    Disk,
}

impl System {
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Systems to measure, one after another (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',', required = true)]
    pub system: Vec<System>,
    /// Messages per phase (N).
    #[arg(long, default_value_t = 100_000)]
    pub messages: u64,
    /// Payload bytes per message (S).
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    /// Producers, each on its own connection (P).
    #[arg(long, default_value_t = 4)]
    pub producers: usize,
    /// Entries stored in each queue before its phases, never delivered: do publishing and
    /// receiving slow down when a queue already holds this many? (streams systems only)
    #[arg(long, default_value_t = 0)]
    pub backlog: u64,
    /// Publishes each producer keeps in flight (W): it sends the next while earlier ones
    /// await their confirmations, as an asynchronous publisher does. 1 waits for each.
    #[arg(long, default_value_t = 32)]
    pub window: usize,
    /// Consumers, each on its own connection (C).
    #[arg(long, default_value_t = 4)]
    pub consumers: usize,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct LatencyArgs {
    #[arg(long, value_enum, value_delimiter = ',', required = true)]
    pub system: Vec<System>,
    /// Messages per phase.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Payload bytes per message.
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct SummarizeArgs {
    /// Files of `run --json` lines.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct Common {
    /// Most messages one receive takes.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Seconds without progress after which a phase gives up (and the run fails).
    #[arg(long, default_value_t = 30)]
    pub stall_timeout_s: u64,
    /// Print one line of JSON on stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bars (they go to stderr, and only to a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub endpoints: Endpoints,
}

/// Where the systems are.
#[derive(Args, Debug, Clone)]
pub struct Endpoints {
    /// RESP address of a running `conquiet serve`.
    #[arg(long, default_value = "127.0.0.1:6390")]
    pub conquiet_resp: String,
    /// HTTP address of a running `conquiet serve`.
    #[arg(long, default_value = "127.0.0.1:8390")]
    pub conquiet_http: String,
    /// Start this `conquiet` binary (`serve`, fsync always, a temporary data directory, free
    /// ports) for each conquiet system instead of using the addresses above.
    #[arg(long, value_name = "PATH_TO_BINARY")]
    pub spawn_conquiet: Option<PathBuf>,
    /// The redis-server binary the redis-* systems start.
    #[arg(long, default_value = "redis-server")]
    pub redis_server: PathBuf,
    /// NATS server address (JetStream enabled).
    #[arg(long, default_value = "127.0.0.1:4222")]
    pub nats: String,
    /// RabbitMQ URI.
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp: String,
    /// PostgreSQL connection settings.
    #[arg(
        long,
        default_value = "host=127.0.0.1 port=5432 dbname=test user=postgres"
    )]
    pub postgres: String,
    /// Where spawned servers and the disk system keep their files (default: the system's
    /// temporary directory). Put it on the disk being compared.
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

impl Endpoints {
    pub fn work_dir(&self) -> PathBuf {
        self.work_dir.clone().unwrap_or_else(std::env::temp_dir)
    }
}

/// The workload the arguments ask for, or what is wrong with them.
pub fn workload(
    messages: u64,
    size: usize,
    producers: usize,
    window: usize,
    consumers: usize,
    backlog: u64,
    common: &Common,
) -> Result<Workload, String> {
    let within = |name: &str, value: u64, min: u64, max: u64| {
        if value < min || value > max {
            Err(format!("--{name} is {value}, must be {min} to {max}"))
        } else {
            Ok(())
        }
    };
    within("messages", messages, 1, MESSAGES_MAX)?;
    within(
        "size",
        size as u64,
        PAYLOAD_BYTES_MIN as u64,
        PAYLOAD_BYTES_MAX as u64,
    )?;
    within("producers", producers as u64, 1, CLIENTS_MAX as u64)?;
    within("window", window as u64, 1, WINDOW_MAX as u64)?;
    within("consumers", consumers as u64, 1, CLIENTS_MAX as u64)?;
    within("backlog", backlog, 0, MESSAGES_MAX)?;
    within("batch", common.batch as u64, 1, RECEIVE_BATCH_MAX as u64)?;
    within("stall-timeout-s", common.stall_timeout_s, 1, 3600)?;
    if common.batch.saturating_mul(size) > RECEIVE_BYTES_MAX {
        return Err(format!(
            "--batch {} × --size {size} is {} bytes a receive, limit is {RECEIVE_BYTES_MAX}",
            common.batch,
            common.batch.saturating_mul(size)
        ));
    }
    Ok(Workload {
        messages,
        size,
        producers,
        window,
        consumers,
        batch: common.batch,
        backlog,
        stall: Duration::from_secs(common.stall_timeout_s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("conquiet-bench").chain(args.iter().copied()))
    }

    #[test]
    fn run_takes_the_issue_defaults() {
        let Command::Run(args) = parse(&["run", "--system", "conquiet-cq"]).unwrap().command else {
            panic!("not run");
        };
        assert_eq!(args.system, [System::ConquietCq]);
        assert_eq!(
            (
                args.messages,
                args.size,
                args.producers,
                args.window,
                args.consumers
            ),
            (100_000, 1024, 4, 32, 4)
        );
        assert!(!args.common.json);
        assert_eq!(args.common.endpoints.conquiet_resp, "127.0.0.1:6390");
        assert_eq!(args.common.endpoints.conquiet_http, "127.0.0.1:8390");
        assert_eq!(args.common.endpoints.spawn_conquiet, None);
    }

    #[test]
    fn systems_are_named_as_the_issue_names_them() {
        let cli = parse(&[
            "run",
            "--system",
            "conquiet-resp,conquiet-cq,conquiet-http,redis-always,redis-everysec,redis-memory",
            "--system",
            "nats",
            "--system",
            "rabbitmq-classic,rabbitmq-quorum,postgres,disk",
            "--json",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run");
        };
        let names: Vec<String> = args.system.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "conquiet-resp",
                "conquiet-cq",
                "conquiet-http",
                "redis-always",
                "redis-everysec",
                "redis-memory",
                "nats",
                "rabbitmq-classic",
                "rabbitmq-quorum",
                "postgres",
                "disk"
            ]
        );
        assert!(args.common.json);
        assert!(parse(&["run", "--system", "kafka"]).is_err());
        assert!(parse(&["run"]).is_err());
    }

    #[test]
    fn latency_and_spawn_flags_parse() {
        let cli = parse(&[
            "latency",
            "--system",
            "disk",
            "--spawn-conquiet",
            "target/release/conquiet",
            "--messages",
            "2000",
        ])
        .unwrap();
        let Command::Latency(args) = cli.command else {
            panic!("not latency");
        };
        assert_eq!(args.messages, 2000);
        assert_eq!(
            args.common.endpoints.spawn_conquiet,
            Some(PathBuf::from("target/release/conquiet"))
        );
    }

    #[test]
    fn the_workload_is_checked_against_the_limits() {
        let Command::Run(args) = parse(&["run", "--system", "disk"]).unwrap().command else {
            panic!("not run");
        };
        let common = &args.common;
        let w = workload(2000, 64, 4, 8, 2, 0, common).unwrap();
        assert_eq!(
            (
                w.messages,
                w.size,
                w.producers,
                w.window,
                w.consumers,
                w.batch
            ),
            (2000, 64, 4, 8, 2, 100)
        );
        assert_eq!(w.stall, Duration::from_secs(30));
        let error = workload(0, 64, 4, 1, 4, 0, common).unwrap_err();
        assert_eq!(error, "--messages is 0, must be 1 to 10000000");
        assert!(
            workload(10, 19, 4, 1, 4, 0, common)
                .unwrap_err()
                .contains("--size is 19")
        );
        assert!(
            workload(10, 64, 0, 1, 4, 0, common)
                .unwrap_err()
                .contains("--producers")
        );
        assert!(
            workload(10, 64, 4, 0, 4, 0, common)
                .unwrap_err()
                .contains("--window")
        );
        assert!(
            workload(10, 64, 4, 1025, 4, 0, common)
                .unwrap_err()
                .contains("--window is 1025, must be 1 to 1024")
        );
        assert!(
            workload(10, 64, 4, 1, 4, 10_000_001, common)
                .unwrap_err()
                .contains("--backlog")
        );
        assert!(
            workload(10, 64, 4, 1, 5000, 0, common)
                .unwrap_err()
                .contains("--consumers")
        );
        let Command::Run(big) = parse(&["run", "--system", "disk", "--batch", "10000"])
            .unwrap()
            .command
        else {
            panic!("not run");
        };
        let error = workload(10, 1024 * 1024, 1, 1, 1, 0, &big.common).unwrap_err();
        assert!(error.contains("bytes a receive"), "{error}");
    }
}
