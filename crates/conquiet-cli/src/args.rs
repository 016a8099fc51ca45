//! The command line: clap definitions of every client subcommand and the parsers of the values
//! clap cannot parse alone (`FIELD=VALUE`, backoff specs). Nothing here talks to the server;
//! `body` turns these into request bodies.

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

/// The client subcommands, meant to be flattened into the `conquiet` binary's subcommands next
/// to `serve`, and run with [`crate::run`].
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, list, show and delete queues.
    Queue(QueueArgs),
    /// Publish a message made of FIELD=VALUE pairs, or one message per line of stdin.
    Publish(PublishArgs),
    /// Receive messages under a lease, then ack, nack or term them if asked.
    Consume(ConsumeArgs),
    /// List, show, redrive and purge dead-letter queues.
    Dlq(DlqArgs),
    /// Figures of every queue and group, and of the store.
    Stats(StatsArgs),
}

/// Where the server is and how to print; accepted after any client subcommand.
#[derive(Args, Clone, Debug)]
pub struct Connection {
    /// Base URL of the server's HTTP API (plain HTTP).
    #[arg(
        long,
        global = true,
        env = "CONQUIET_URL",
        default_value = "http://127.0.0.1:8390"
    )]
    pub url: String,
    /// Token sent as `Authorization: Bearer TOKEN`.
    #[arg(long, global = true, env = "CONQUIET_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print the server's JSON replies, pretty, instead of tables (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct QueueArgs {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: QueueCommand,
}

#[derive(Subcommand, Debug)]
pub enum QueueCommand {
    /// Create a queue (a stream and a consumer group) with optional policy changes.
    Create(Box<CreateArgs>),
    /// List queues with their length and per-group totals.
    List,
    /// Show one queue: its policy and per-group figures.
    Show {
        /// Queue to show.
        name: String,
    },
    /// Delete a queue and everything in it.
    Delete {
        /// Queue to delete.
        name: String,
    },
}

/// `queue create`: every option is a change to the server's defaults; leave it out to keep them.
#[derive(Args, Debug, Default)]
pub struct CreateArgs {
    /// Queue to create (or to add the group to).
    pub name: String,
    /// Consumer group to create [server default: default].
    #[arg(long)]
    pub group: Option<String>,
    /// How long a delivery stays owned before it may be redelivered.
    #[arg(long, value_name = "MS")]
    pub lease_ms: Option<u64>,
    /// Deliveries after which a failure dead-letters the message.
    #[arg(long, value_name = "N")]
    pub max_deliveries: Option<u64>,
    /// none | exp:BASE_MS,FACTOR,MAX_MS,JITTER_PERCENT[,SEED] | list:D1,D2,... (ms)
    #[arg(long, value_name = "SPEC", value_parser = parse_backoff)]
    pub backoff: Option<Backoff>,
    /// Dead-letter queue [server default: NAME:dlq].
    #[arg(long, value_name = "NAME")]
    pub dead_letter: Option<String>,
    /// Deliveries the group may have unsettled at once (0: no limit).
    #[arg(long, value_name = "N")]
    pub max_pending: Option<u64>,
    /// Deliveries one consumer may have unsettled at once (0: no limit).
    #[arg(long, value_name = "N")]
    pub max_pending_per_consumer: Option<u64>,
    /// Entries the queue may hold (0: no limit).
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Field and value bytes the queue may hold (0: no limit).
    #[arg(long, value_name = "N")]
    pub max_bytes: Option<u64>,
    /// What a publish to a full queue does.
    #[arg(long, value_enum)]
    pub overflow: Option<Overflow>,
    /// Window within which a repeated idempotency key adds nothing (0: off).
    #[arg(long, value_name = "MS")]
    pub dedup_window_ms: Option<u64>,
    /// When messages leave the queue.
    #[arg(long, value_enum)]
    pub retention: Option<Retention>,
}

/// Spelled on the wire as on the command line (and as the RESP replies spell them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// Refuse the publish (HTTP 429).
    Reject,
    /// Remove the oldest messages until the new one fits.
    DropOldest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
pub enum Retention {
    /// Only by the limits.
    #[serde(rename = "limits")]
    Limits,
    /// Also once every group has settled the message.
    #[value(name = "workqueue")]
    #[serde(rename = "workqueue")]
    WorkQueue,
}

/// A backoff spec, serialized as the API's `backoff` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Backoff {
    None,
    Exponential {
        base_ms: u64,
        /// Kept as typed (`2`, `1.5`), so the server sees the user's number, not a float's
        /// rendering of it.
        factor: serde_json::Number,
        max_ms: u64,
        jitter_percent: u64,
        seed: u64,
    },
    List {
        delays_ms: Vec<u64>,
    },
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub conn: Connection,
    /// Queue to publish to.
    pub name: String,
    /// Idempotency key: within the queue's dedup window a repeat adds nothing.
    #[arg(long, value_name = "IDEMPOTENCY_KEY", conflicts_with = "stdin")]
    pub key: Option<String>,
    /// Deliver no sooner than this many ms from now.
    #[arg(long, value_name = "MS", conflicts_with = "at_ms")]
    pub delay_ms: Option<u64>,
    /// Deliver no sooner than this time (ms since the Unix epoch).
    #[arg(long, value_name = "UNIX_MS")]
    pub at_ms: Option<u64>,
    /// Publish each line of stdin as a message with one field, `body` (blank lines skipped).
    #[arg(long, conflicts_with = "fields")]
    pub stdin: bool,
    /// The message's fields, in order.
    #[arg(
        value_name = "FIELD=VALUE",
        value_parser = parse_field,
        required_unless_present = "stdin"
    )]
    pub fields: Vec<Field>,
}

/// One `FIELD=VALUE` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

#[derive(Args, Debug)]
pub struct ConsumeArgs {
    #[command(flatten)]
    pub conn: Connection,
    /// Queue to receive from.
    pub name: String,
    /// Consumer group to read as.
    #[arg(long, default_value = "default")]
    pub group: String,
    /// Consumer name [default: cli-HOSTNAME, or cli-PID without a hostname].
    #[arg(long)]
    pub consumer: Option<String>,
    /// Most messages per receive.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u64,
    /// How long a receive waits for a message [default: 0, or 20000 with --follow].
    #[arg(long, value_name = "MS")]
    pub wait_ms: Option<u64>,
    /// Lease of these deliveries [default: the group's].
    #[arg(long, value_name = "MS")]
    pub lease_ms: Option<u64>,
    /// Acknowledge every message received (after printing it).
    #[arg(long, group = "settle")]
    pub ack: bool,
    /// Give every message received back for redelivery.
    #[arg(long, group = "settle")]
    pub nack: bool,
    /// Dead-letter every message received at once.
    #[arg(long, group = "settle")]
    pub term: bool,
    /// Why (recorded with a nack, and in the dead letter of a term).
    #[arg(long, requires = "settle", conflicts_with = "ack")]
    pub reason: Option<String>,
    /// Redeliver nacked messages after this many ms instead of the group's backoff.
    // `requires = "nack"` would not do: a flag counts as present through its default `false`.
    #[arg(
        long = "delay-ms",
        value_name = "MS",
        requires = "settle",
        conflicts_with_all = ["ack", "term"]
    )]
    pub delay_ms: Option<u64>,
    /// Keep receiving until Ctrl-C (which lets the current batch settle; twice exits at once).
    #[arg(long)]
    pub follow: bool,
}

/// What `consume` does with the messages it received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    Keep,
    Ack,
    Nack {
        reason: Option<String>,
        delay_ms: Option<u64>,
    },
    Term {
        reason: Option<String>,
    },
}

impl ConsumeArgs {
    pub fn settle(&self) -> Settle {
        if self.ack {
            Settle::Ack
        } else if self.nack {
            Settle::Nack {
                reason: self.reason.clone(),
                delay_ms: self.delay_ms,
            }
        } else if self.term {
            Settle::Term {
                reason: self.reason.clone(),
            }
        } else {
            Settle::Keep
        }
    }
}

#[derive(Args, Debug)]
pub struct DlqArgs {
    #[command(flatten)]
    pub conn: Connection,
    #[command(subcommand)]
    pub command: DlqCommand,
}

#[derive(Subcommand, Debug)]
pub enum DlqCommand {
    /// List dead-letter queues.
    List,
    /// Show the messages of a dead-letter queue, oldest first.
    Show {
        /// Dead-letter queue to show.
        name: String,
        /// Most messages shown [default: the server's].
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Publish dead letters again (to their source queue, or --to) and remove them.
    Redrive(RedriveArgs),
    /// Remove every message of a dead-letter queue.
    Purge {
        /// Dead-letter queue to empty.
        name: String,
    },
}

#[derive(Args, Debug, Default)]
pub struct RedriveArgs {
    /// Dead-letter queue to redrive from.
    pub name: String,
    /// Publish to this queue instead of each message's source.
    #[arg(long, value_name = "STREAM")]
    pub to: Option<String>,
    /// First entry id to redrive [default: the oldest].
    #[arg(long, value_name = "ID")]
    pub start: Option<String>,
    /// Last entry id to redrive [default: the newest].
    #[arg(long, value_name = "ID")]
    pub end: Option<String>,
    /// Most messages redriven.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub conn: Connection,
}

impl Command {
    pub fn connection(&self) -> &Connection {
        match self {
            Command::Queue(a) => &a.conn,
            Command::Publish(a) => &a.conn,
            Command::Consume(a) => &a.conn,
            Command::Dlq(a) => &a.conn,
            Command::Stats(a) => &a.conn,
        }
    }
}

/// Parses `FIELD=VALUE`, splitting at the first `=`: values may contain `=`, names cannot.
pub fn parse_field(arg: &str) -> Result<Field, String> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(format!("'{arg}' is not FIELD=VALUE: there is no '='"));
    };
    Ok(Field {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}

/// Parses a backoff spec; see [`CreateArgs::backoff`]. Checks syntax only: the server checks the
/// numbers against its limits and says which one is wrong.
pub fn parse_backoff(spec: &str) -> Result<Backoff, String> {
    const SYNTAX: &str = "none, exp:BASE_MS,FACTOR,MAX_MS,JITTER_PERCENT[,SEED] or list:D1,D2,...";
    if spec == "none" {
        return Ok(Backoff::None);
    }
    if let Some(rest) = spec.strip_prefix("exp:") {
        let parts: Vec<&str> = rest.split(',').map(str::trim).collect();
        let [base, factor, max, jitter, seed @ ..] = parts.as_slice() else {
            return Err(format!(
                "backoff '{spec}' has too few numbers: expected {SYNTAX}"
            ));
        };
        let seed = match seed {
            [] => 0,
            [seed] => number("SEED", seed)?,
            _ => {
                return Err(format!(
                    "backoff '{spec}' has too many numbers: expected {SYNTAX}"
                ));
            }
        };
        return Ok(Backoff::Exponential {
            base_ms: number("BASE_MS", base)?,
            factor: factor_number(factor)?,
            max_ms: number("MAX_MS", max)?,
            jitter_percent: number("JITTER_PERCENT", jitter)?,
            seed,
        });
    }
    if let Some(rest) = spec.strip_prefix("list:") {
        let delays_ms = rest
            .split(',')
            .map(|d| number("delay", d.trim()))
            .collect::<Result<Vec<u64>, String>>()?;
        return Ok(Backoff::List { delays_ms });
    }
    Err(format!("backoff '{spec}' is not {SYNTAX}"))
}

fn number(what: &str, text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("backoff {what} '{text}' is not a whole number of 0 or more"))
}

/// The factor is the one fractional number (`1.5`): an integer stays an integer on the wire.
fn factor_number(text: &str) -> Result<serde_json::Number, String> {
    if let Ok(n) = text.parse::<u64>() {
        return Ok(n.into());
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f > 0.0)
        .and_then(serde_json::Number::from_f64)
        .ok_or_else(|| format!("backoff FACTOR '{text}' is not a positive number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_splits_at_the_first_equals_sign() {
        let field = parse_field("query=a=b&c=d").unwrap();
        assert_eq!(field.name, "query");
        assert_eq!(field.value, "a=b&c=d");
        let empty = parse_field("note=").unwrap();
        assert_eq!((empty.name.as_str(), empty.value.as_str()), ("note", ""));
    }

    #[test]
    fn field_without_equals_sign_is_an_error() {
        let err = parse_field("body").unwrap_err();
        assert_eq!(err, "'body' is not FIELD=VALUE: there is no '='");
    }

    #[test]
    fn backoff_specs_parse() {
        assert_eq!(parse_backoff("none").unwrap(), Backoff::None);
        assert_eq!(
            parse_backoff("exp:500,1.5,30000,10").unwrap(),
            Backoff::Exponential {
                base_ms: 500,
                factor: serde_json::Number::from_f64(1.5).unwrap(),
                max_ms: 30_000,
                jitter_percent: 10,
                seed: 0,
            }
        );
        assert_eq!(
            parse_backoff("list:100, 1000,10000").unwrap(),
            Backoff::List {
                delays_ms: vec![100, 1000, 10_000]
            }
        );
    }

    #[test]
    fn backoff_spec_errors_name_the_bad_part() {
        let short = parse_backoff("exp:1000,2,60000").unwrap_err();
        assert!(short.contains("too few numbers"), "{short}");
        let long = parse_backoff("exp:1,2,3,4,5,6").unwrap_err();
        assert!(long.contains("too many numbers"), "{long}");
        let factor = parse_backoff("exp:1000,-2,60000,20").unwrap_err();
        assert!(factor.contains("FACTOR '-2'"), "{factor}");
        let delay = parse_backoff("list:10,x").unwrap_err();
        assert!(delay.contains("delay 'x'"), "{delay}");
        let kind = parse_backoff("linear:5").unwrap_err();
        assert!(kind.starts_with("backoff 'linear:5' is not none"), "{kind}");
        assert!(parse_backoff("list:").is_err());
    }
}
