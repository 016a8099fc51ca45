//! The `CQ.*` work-queue commands (conquiet's own): the typed commands `parse` hands the
//! server, and the errors for bad syntax, numbers and option values. The engine's answers are
//! not involved, so these hold whether or not the queue logic has landed. This file: queue
//! set-up (CQ.CREATE, CQ.SET and their policy options, CQ.INFO, CQ.QUEUES) and the helpers;
//! `queue_flow_parsed`: the message flow (publish, receive, settle, dead letters).

use conquiet_core::queue::{Backoff, GroupPolicyPatch, Overflow, Retention, StreamPolicyPatch};
use conquiet_core::{Command, StreamId};
use conquiet_resp::{Parsed, parse};

pub fn args(words: &str) -> Vec<Vec<u8>> {
    words.split(' ').map(|w| w.as_bytes().to_vec()).collect()
}

pub fn engine(words: &str) -> (Command, Option<u64>) {
    match parse(&args(words)) {
        Ok(Parsed::Engine { command, block }) => (command, block),
        other => panic!("{words}: {other:?}"),
    }
}

pub fn command(words: &str) -> Command {
    let (command, block) = engine(words);
    assert_eq!(block, None, "{words}");
    command
}

pub fn error(words: &str) -> String {
    match parse(&args(words)) {
        Err(error) => error.to_string(),
        Ok(parsed) => panic!("{words} parsed as {parsed:?}"),
    }
}

pub fn id(ms: u64, seq: u64) -> StreamId {
    StreamId::new(ms, seq)
}

fn patches(words: &str) -> (StreamPolicyPatch, GroupPolicyPatch) {
    match command(words) {
        Command::QueueCreate {
            stream_policy,
            group_policy,
            ..
        } => (stream_policy, group_policy),
        other => panic!("{words}: {other:?}"),
    }
}

fn backoff(words: &str) -> Option<Backoff> {
    patches(words).1.backoff
}

#[test]
fn create_without_options_makes_the_default_group_with_empty_patches() {
    assert_eq!(
        command("cq.create jobs"),
        Command::QueueCreate {
            key: b"jobs".to_vec(),
            group: b"default".to_vec(),
            stream_policy: StreamPolicyPatch::default(),
            group_policy: GroupPolicyPatch::default(),
        }
    );
    assert_eq!(
        error("CQ.CREATE"),
        "ERR wrong number of arguments for 'cq.create' command"
    );
}

#[test]
fn create_reads_every_policy_option_in_any_order() {
    let words = "CQ.CREATE jobs MAX-PENDING-PER-CONSUMER 10 group workers MAXLEN 10 \
                 MAXBYTES 2048 OVERFLOW drop-oldest DEDUP-WINDOW 60000 RETENTION WorkQueue \
                 LEASE 5000 MAX-DELIVERIES 3 BACKOFF EXP 100 1.5 10000 10 SEED 42 DLQ dead \
                 MAX-PENDING 100";
    assert_eq!(
        command(words),
        Command::QueueCreate {
            key: b"jobs".to_vec(),
            group: b"workers".to_vec(),
            stream_policy: StreamPolicyPatch {
                entries_max: Some(10),
                bytes_max: Some(2048),
                overflow: Some(Overflow::DropOldest),
                dedup_window_ms: Some(60_000),
                retention: Some(Retention::WorkQueue),
            },
            group_policy: GroupPolicyPatch {
                lease_ms: Some(5000),
                deliveries_max: Some(3),
                backoff: Some(Backoff::Exponential {
                    base_ms: 100,
                    factor_milli: 1500,
                    max_ms: 10_000,
                    jitter_percent: 10,
                    seed: 42,
                }),
                dead_letter: Some(Some(b"dead".to_vec())),
                pending_max: Some(100),
                pending_per_consumer_max: Some(10),
            },
        }
    );
    let (stream, _) = patches("CQ.CREATE q OVERFLOW REJECT RETENTION limits MAXLEN 0");
    assert_eq!(stream.overflow, Some(Overflow::Reject));
    assert_eq!(stream.retention, Some(Retention::Limits));
    assert_eq!(stream.entries_max, Some(0));
    let (_, group) = patches("CQ.CREATE q LEASE 1 LEASE 2");
    assert_eq!(
        group.lease_ms,
        Some(2),
        "the last of a repeated option wins"
    );
}

#[test]
fn backoff_has_three_forms_and_dlq_default_resets_the_name() {
    assert_eq!(backoff("CQ.CREATE q BACKOFF none"), Some(Backoff::None));
    assert_eq!(
        backoff("CQ.CREATE q BACKOFF exp 1000 2 60000 20"),
        Some(Backoff::Exponential {
            base_ms: 1000,
            factor_milli: 2000,
            max_ms: 60_000,
            jitter_percent: 20,
            seed: 0,
        })
    );
    assert_eq!(
        backoff("CQ.CREATE q BACKOFF EXP 1 0.125 2 3 seed 18446744073709551615"),
        Some(Backoff::Exponential {
            base_ms: 1,
            factor_milli: 125,
            max_ms: 2,
            jitter_percent: 3,
            seed: u64::MAX,
        })
    );
    let (_, group) = patches("CQ.CREATE q BACKOFF LIST 3 10 20 30 LEASE 7");
    assert_eq!(group.backoff, Some(Backoff::List(vec![10, 20, 30])));
    assert_eq!(group.lease_ms, Some(7), "options continue after the list");
    assert_eq!(
        backoff("CQ.CREATE q BACKOFF LIST 0"),
        Some(Backoff::List(Vec::new()))
    );
    assert_eq!(patches("CQ.CREATE q DLQ default").1.dead_letter, Some(None));
    assert_eq!(
        patches("CQ.CREATE q DLQ q:dead").1.dead_letter,
        Some(Some(b"q:dead".to_vec()))
    );
}

#[test]
fn policy_options_refuse_bad_numbers_and_values() {
    let cases = [
        (
            "CQ.CREATE q MAXLEN -1",
            "ERR MAXLEN must be an integer from 0 to 18446744073709551615, got '-1'",
        ),
        (
            "CQ.CREATE q LEASE 1.5",
            "ERR LEASE must be an integer from 0 to 18446744073709551615, got '1.5'",
        ),
        (
            "CQ.CREATE q MAX-PENDING 18446744073709551616",
            "ERR MAX-PENDING must be an integer from 0 to 18446744073709551615, got \
             '18446744073709551616'",
        ),
        (
            "CQ.CREATE q DEDUP-WINDOW ten",
            "ERR DEDUP-WINDOW must be an integer from 0 to 18446744073709551615, got 'ten'",
        ),
        (
            "CQ.CREATE q OVERFLOW block",
            "ERR OVERFLOW must be reject or drop-oldest, got 'block'",
        ),
        (
            "CQ.CREATE q RETENTION forever",
            "ERR RETENTION must be limits or workqueue, got 'forever'",
        ),
        (
            "CQ.CREATE q BACKOFF LINEAR 5",
            "ERR BACKOFF must be NONE, EXP or LIST, got 'LINEAR'",
        ),
        (
            "CQ.CREATE q BACKOFF EXP 1000 1.2345 60000 20",
            "ERR BACKOFF EXP factor must be a decimal with at most 3 decimal places (like 2 or \
             1.5), got '1.2345'",
        ),
        (
            "CQ.CREATE q BACKOFF EXP 1000 -2 60000 20",
            "ERR BACKOFF EXP factor must be a decimal with at most 3 decimal places (like 2 or \
             1.5), got '-2'",
        ),
        (
            "CQ.CREATE q BACKOFF EXP 1000 2 60000",
            "ERR syntax error, BACKOFF EXP needs base-ms factor max-ms jitter-percent",
        ),
        (
            "CQ.CREATE q BACKOFF EXP 1000 2 60000 -20",
            "ERR BACKOFF EXP jitter-percent must be an integer from 0 to 18446744073709551615, \
             got '-20'",
        ),
        (
            "CQ.CREATE q BACKOFF EXP 1 2 3 4 SEED",
            "ERR syntax error, SEED needs a value",
        ),
        (
            "CQ.CREATE q BACKOFF LIST 3 10 20",
            "ERR BACKOFF LIST announces 3 delays, 2 arguments follow",
        ),
        (
            "CQ.CREATE q BACKOFF LIST 18446744073709551615 1",
            "ERR BACKOFF LIST announces 18446744073709551615 delays, 1 arguments follow",
        ),
        (
            "CQ.CREATE q BACKOFF LIST 2 10 x",
            "ERR BACKOFF LIST delay must be an integer from 0 to 18446744073709551615, got 'x'",
        ),
        (
            "CQ.CREATE q BACKOFF",
            "ERR syntax error, BACKOFF needs a value",
        ),
        ("CQ.CREATE q LEASE", "ERR syntax error, LEASE needs a value"),
        ("CQ.CREATE q GROUP", "ERR syntax error, GROUP needs a value"),
        (
            "CQ.CREATE q MAXLEN 5 FOO 1",
            "ERR unknown option 'FOO' for 'cq.create'",
        ),
    ];
    for (words, text) in cases {
        assert_eq!(error(words), text, "{words}");
    }
}

#[test]
fn set_needs_an_option_and_group_options_default_to_the_default_group() {
    assert_eq!(
        command("CQ.SET q MAXLEN 5"),
        Command::QueueConfigure {
            key: b"q".to_vec(),
            group: None,
            stream_policy: StreamPolicyPatch {
                entries_max: Some(5),
                ..StreamPolicyPatch::default()
            },
            group_policy: GroupPolicyPatch::default(),
        }
    );
    assert_eq!(
        command("CQ.SET q GROUP g LEASE 9 DLQ DEFAULT"),
        Command::QueueConfigure {
            key: b"q".to_vec(),
            group: Some(b"g".to_vec()),
            stream_policy: StreamPolicyPatch::default(),
            group_policy: GroupPolicyPatch {
                lease_ms: Some(9),
                dead_letter: Some(None),
                ..GroupPolicyPatch::default()
            },
        }
    );
    assert_eq!(
        error("CQ.SET q"),
        "ERR wrong number of arguments for 'cq.set' command"
    );
    assert_eq!(
        error("CQ.SET q GROUP g"),
        "ERR CQ.SET needs at least one policy option"
    );
    assert_eq!(
        command("CQ.SET q MAXLEN 5 LEASE 100"),
        Command::QueueConfigure {
            key: b"q".to_vec(),
            group: Some(b"default".to_vec()),
            stream_policy: StreamPolicyPatch {
                entries_max: Some(5),
                ..StreamPolicyPatch::default()
            },
            group_policy: GroupPolicyPatch {
                lease_ms: Some(100),
                ..GroupPolicyPatch::default()
            },
        },
        "group options without GROUP mean the default group, as in HTTP"
    );
    assert_eq!(
        error("CQ.SET q OVERFLOW drop_oldest"),
        "ERR OVERFLOW must be reject or drop-oldest, got 'drop_oldest'"
    );
    assert_eq!(
        error("CQ.SET q NOPE"),
        "ERR unknown option 'NOPE' for 'cq.set'"
    );
}

#[test]
fn info_and_queues_take_exact_arguments() {
    assert_eq!(
        command("CQ.INFO jobs"),
        Command::QueueInfo {
            key: b"jobs".to_vec()
        }
    );
    assert_eq!(
        command("cq.queues"),
        Command::QueueList {
            dead_letters_only: false
        }
    );
    assert_eq!(
        error("CQ.INFO"),
        "ERR wrong number of arguments for 'cq.info' command"
    );
    assert_eq!(
        error("CQ.INFO a b"),
        "ERR wrong number of arguments for 'cq.info' command"
    );
    assert_eq!(
        error("CQ.QUEUES x"),
        "ERR wrong number of arguments for 'cq.queues' command"
    );
}

#[test]
fn status_reads_a_strict_id_and_defaults_the_group() {
    let status = |group: &str, id| Command::QueueStatus {
        key: b"jobs".to_vec(),
        group: group.as_bytes().to_vec(),
        id,
    };
    assert_eq!(command("CQ.STATUS jobs 5-1"), status("default", id(5, 1)));
    assert_eq!(command("cq.status jobs 5"), status("default", id(5, 0)));
    assert_eq!(
        command("CQ.STATUS jobs 5-1 group workers"),
        status("workers", id(5, 1))
    );
    assert_eq!(
        command("CQ.STATUS jobs 5-1 GROUP a GROUP b"),
        status("b", id(5, 1))
    );
    for bad in ["x", "5-x", "-", "+", "*", "5-*", "(5"] {
        assert_eq!(
            error(&format!("CQ.STATUS jobs {bad}")),
            "ERR Invalid stream ID specified as stream command argument",
            "{bad}"
        );
    }
    assert_eq!(
        error("CQ.STATUS jobs"),
        "ERR wrong number of arguments for 'cq.status' command"
    );
    assert_eq!(
        error("CQ.STATUS jobs 5-1 GROUP"),
        "ERR syntax error, GROUP needs a value"
    );
    assert_eq!(
        error("CQ.STATUS jobs 5-1 CONSUMER c"),
        "ERR unknown option 'CONSUMER' for 'cq.status'"
    );
}

#[test]
fn option_names_are_not_matched_past_their_length_or_by_prefix() {
    assert_eq!(
        error("CQ.RECEIVE q g c COUN 1"),
        "ERR unknown option 'COUN' for 'cq.receive'"
    );
    assert_eq!(
        error("CQ.CREATE q MAX-PENDING-PER 1"),
        "ERR unknown option 'MAX-PENDING-PER' for 'cq.create'"
    );
    let long = format!("CQ.CREATE q {} 1", "x".repeat(300));
    let text = error(&long);
    assert_eq!(
        text,
        format!("ERR unknown option '{}' for 'cq.create'", "x".repeat(128))
    );
}
