//! Whole command lines, parsed by clap as the `conquiet` binary parses them (the client
//! subcommands flattened next to others), down to the request bodies they produce.

use clap::{CommandFactory, Parser, Subcommand};
use serde_json::{Value, json};

use crate::args::{Command, DlqCommand, QueueCommand, Settle};
use crate::body::{CreateQueue, Fields, Publish, Receive, Redrive};

/// Mirrors the binary: `serve` beside the flattened client commands.
#[derive(Parser, Debug)]
#[command(name = "conquiet")]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand, Debug)]
enum Sub {
    Serve,
    #[command(flatten)]
    Client(Box<Command>),
}

fn parse(line: &str) -> Result<Command, clap::Error> {
    let argv = std::iter::once("conquiet").chain(line.split_whitespace());
    match Cli::try_parse_from(argv)?.command {
        Sub::Client(command) => Ok(*command),
        Sub::Serve => panic!("'{line}' parsed as serve"),
    }
}

fn to_json<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap()
}

#[test]
fn clap_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn queue_create_options_become_the_policy_patches() {
    let line = "queue create jobs --group workers --lease-ms 1000 --backoff list:10,20 \
                --max-entries 50 --overflow drop-oldest --retention workqueue";
    let Command::Queue(args) = parse(line).unwrap() else {
        panic!("not a queue command");
    };
    let QueueCommand::Create(create) = &args.command else {
        panic!("not queue create");
    };
    assert_eq!(
        to_json(&CreateQueue::from_args(create)),
        json!({
            "name": "jobs",
            "group": "workers",
            "policy": {"max_entries": 50, "overflow": "drop-oldest", "retention": "workqueue"},
            "group_policy": {"lease_ms": 1000, "backoff": {"kind": "list", "delays_ms": [10, 20]}}
        })
    );
}

#[test]
fn a_bad_backoff_spec_is_a_usage_error() {
    let err = parse("queue create jobs --backoff exp:1,2").unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    assert!(err.to_string().contains("too few numbers"), "{err}");
}

#[test]
fn publish_fields_keep_equals_signs_in_values() {
    let line = "publish jobs --key k-7 --delay-ms 250 url=https://x/?a=1&b=2 n=3";
    let Command::Publish(args) = parse(line).unwrap() else {
        panic!("not publish");
    };
    let body = Publish {
        fields: Fields::new(args.fields).unwrap(),
        delay_ms: args.delay_ms,
        deliver_at_ms: args.at_ms,
        idempotency_key: args.key,
    };
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"fields":{"url":"https://x/?a=1&b=2","n":"3"},"delay_ms":250,"idempotency_key":"k-7"}"#
    );
}

#[test]
fn publish_argument_without_equals_sign_is_a_usage_error() {
    let err = parse("publish jobs body").unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    assert!(
        err.to_string().contains("'body' is not FIELD=VALUE"),
        "{err}"
    );
}

#[test]
fn publish_needs_fields_or_stdin_and_not_both() {
    let none = parse("publish jobs").unwrap_err();
    assert_eq!(none.kind(), clap::error::ErrorKind::MissingRequiredArgument);
    let both = parse("publish jobs --stdin a=1").unwrap_err();
    assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
    let delays = parse("publish jobs --delay-ms 1 --at-ms 2 a=1").unwrap_err();
    assert_eq!(delays.kind(), clap::error::ErrorKind::ArgumentConflict);
    assert!(parse("publish jobs --stdin --delay-ms 5").is_ok());
}

#[test]
fn consume_options_become_the_receive_and_settle() {
    let line = "consume jobs --group g --consumer c1 --count 5 --wait-ms 100 --lease-ms 9000 \
                --nack --reason flaky --delay-ms 30";
    let Command::Consume(args) = parse(line).unwrap() else {
        panic!("not consume");
    };
    let receive = Receive::from_args(&args, "c1".to_owned(), 100);
    assert_eq!(
        to_json(&receive),
        json!({"group": "g", "consumer": "c1", "max_messages": 5, "lease_ms": 9000, "wait_ms": 100})
    );
    let nack = Settle::Nack {
        reason: Some("flaky".to_owned()),
        delay_ms: Some(30),
    };
    assert_eq!(args.settle(), nack);
}

#[test]
fn consume_settle_flags_exclude_each_other_and_fit_their_options() {
    let two = parse("consume jobs --ack --term").unwrap_err();
    assert_eq!(two.kind(), clap::error::ErrorKind::ArgumentConflict);
    assert!(parse("consume jobs --ack --reason x").is_err());
    assert!(parse("consume jobs --reason x").is_err());
    assert!(parse("consume jobs --term --delay-ms 5").is_err());
    assert!(parse("consume jobs --delay-ms 5").is_err());
    let Command::Consume(term) = parse("consume jobs --term --reason bad").unwrap() else {
        panic!("not consume");
    };
    let want = Settle::Term {
        reason: Some("bad".to_owned()),
    };
    assert_eq!(term.settle(), want);
}

#[test]
fn global_options_are_accepted_after_the_subcommand() {
    let line = "dlq redrive orders:dlq --to orders --count 10 --json --url 127.0.0.1:9";
    let Command::Dlq(args) = parse(line).unwrap() else {
        panic!("not dlq");
    };
    assert!(args.conn.json);
    assert_eq!(args.conn.url, "127.0.0.1:9");
    let DlqCommand::Redrive(redrive) = &args.command else {
        panic!("not redrive");
    };
    assert_eq!(
        to_json(&Redrive::from_args(redrive)),
        json!({"to": "orders", "count": 10})
    );
}
