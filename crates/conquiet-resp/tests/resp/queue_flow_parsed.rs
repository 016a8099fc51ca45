//! The `CQ.*` message flow, parsed: CQ.PUBLISH, CQ.RECEIVE, CQ.ACK / NACK / TOUCH / TERM and
//! CQ.DLQ (helpers in `queue_parsed`).

use conquiet_core::queue::{Delay, Handle, Publish, Receive, Redrive, Settle};
use conquiet_core::{Command, StreamId};
use conquiet_resp::{CQ_DLQ_HELP, Parsed, parse};

use crate::queue_parsed::{args, command, engine, error, id};

fn publish(words: &str) -> Publish {
    match command(words) {
        Command::Publish(publish) => publish,
        other => panic!("{words}: {other:?}"),
    }
}

#[test]
fn publish_reads_options_then_pairs() {
    assert_eq!(
        publish("CQ.PUBLISH jobs f v g w"),
        Publish {
            key: b"jobs".to_vec(),
            fields: vec![
                (b"f".to_vec(), b"v".to_vec()),
                (b"g".to_vec(), b"w".to_vec())
            ],
            delay: Delay::None,
            dedup_key: None,
        }
    );
    assert_eq!(
        publish("CQ.PUBLISH jobs key order-7 DELAY 500 f v"),
        Publish {
            key: b"jobs".to_vec(),
            fields: vec![(b"f".to_vec(), b"v".to_vec())],
            delay: Delay::AfterMs(500),
            dedup_key: Some(b"order-7".to_vec()),
        }
    );
    assert_eq!(
        publish("CQ.PUBLISH jobs AT 1700000000000 f v").delay,
        Delay::AtMs(1_700_000_000_000)
    );
    // Once the pairs start, option names are plain fields and values.
    let p = publish("CQ.PUBLISH jobs f v DELAY 5");
    assert_eq!(p.delay, Delay::None);
    assert_eq!(p.fields[1], (b"DELAY".to_vec(), b"5".to_vec()));
}

#[test]
fn publish_refuses_odd_or_missing_pairs_and_bad_delays() {
    let cases = [
        (
            "CQ.PUBLISH jobs",
            "ERR wrong number of arguments for 'cq.publish' command",
        ),
        (
            "CQ.PUBLISH jobs f",
            "ERR wrong number of arguments for 'cq.publish' command",
        ),
        (
            "CQ.PUBLISH jobs f v g",
            "ERR wrong number of arguments for 'cq.publish' command, expected field value pairs",
        ),
        (
            "CQ.PUBLISH jobs KEY k",
            "ERR wrong number of arguments for 'cq.publish' command, expected field value pairs",
        ),
        (
            "CQ.PUBLISH jobs DELAY 5 AT 6 f v",
            "ERR DELAY and AT cannot be used together",
        ),
        (
            "CQ.PUBLISH jobs DELAY -5 f v",
            "ERR DELAY must be an integer from 0 to 18446744073709551615, got '-5'",
        ),
        (
            "CQ.PUBLISH jobs AT soon f v",
            "ERR AT must be an integer from 0 to 18446744073709551615, got 'soon'",
        ),
        (
            "CQ.PUBLISH jobs KEY k DELAY",
            "ERR syntax error, DELAY needs a value",
        ),
    ];
    for (words, text) in cases {
        assert_eq!(error(words), text, "{words}");
    }
}

#[test]
fn receive_defaults_to_one_message_without_block() {
    assert_eq!(
        engine("CQ.RECEIVE jobs g c"),
        (
            Command::Receive(Receive {
                key: b"jobs".to_vec(),
                group: b"g".to_vec(),
                consumer: b"c".to_vec(),
                count: 1,
                lease_ms: None,
            }),
            None
        )
    );
    assert_eq!(
        engine("cq.receive jobs g c block 0 Lease 250 COUNT 10"),
        (
            Command::Receive(Receive {
                key: b"jobs".to_vec(),
                group: b"g".to_vec(),
                consumer: b"c".to_vec(),
                count: 10,
                lease_ms: Some(250),
            }),
            Some(0)
        )
    );
    assert_eq!(engine("CQ.RECEIVE jobs g c BLOCK 1500").1, Some(1500));
}

#[test]
fn receive_refuses_bad_options() {
    let cases = [
        (
            "CQ.RECEIVE jobs g",
            "ERR wrong number of arguments for 'cq.receive' command",
        ),
        (
            "CQ.RECEIVE jobs g c COUNT -1",
            "ERR COUNT must be an integer from 0 to 18446744073709551615, got '-1'",
        ),
        (
            "CQ.RECEIVE jobs g c BLOCK 1s",
            "ERR BLOCK must be an integer from 0 to 18446744073709551615, got '1s'",
        ),
        (
            "CQ.RECEIVE jobs g c LEASE",
            "ERR syntax error, LEASE needs a value",
        ),
        (
            "CQ.RECEIVE jobs g c NOACK",
            "ERR unknown option 'NOACK' for 'cq.receive'",
        ),
    ];
    for (words, text) in cases {
        assert_eq!(error(words), text, "{words}");
    }
}

fn settle(words: &str) -> (Settle, Vec<Handle>) {
    match command(words) {
        Command::Settle {
            key,
            group,
            action,
            handles,
        } => {
            assert_eq!((key, group), (b"jobs".to_vec(), b"g".to_vec()), "{words}");
            (action, handles)
        }
        other => panic!("{words}: {other:?}"),
    }
}

fn handle(ms: u64, seq: u64, token: u64) -> Handle {
    Handle {
        id: id(ms, seq),
        token,
    }
}

#[test]
fn settle_commands_carry_their_action_and_handles_in_order() {
    assert_eq!(
        settle("CQ.ACK jobs g 5-1 7 6 18446744073709551615"),
        (Settle::Ack, vec![handle(5, 1, 7), handle(6, 0, u64::MAX)])
    );
    assert_eq!(
        settle("CQ.NACK jobs g 1-1 3"),
        (
            Settle::Nack {
                delay_ms: None,
                reason: Vec::new()
            },
            vec![handle(1, 1, 3)]
        )
    );
    assert_eq!(
        settle("cq.nack jobs g reason timeout DELAY 2000 1-1 3 2-2 4"),
        (
            Settle::Nack {
                delay_ms: Some(2000),
                reason: b"timeout".to_vec()
            },
            vec![handle(1, 1, 3), handle(2, 2, 4)]
        )
    );
    assert_eq!(
        settle("CQ.TOUCH jobs g 1-1 3"),
        (Settle::Touch { lease_ms: None }, vec![handle(1, 1, 3)])
    );
    assert_eq!(
        settle("CQ.TOUCH jobs g LEASE 60000 1-1 3"),
        (
            Settle::Touch {
                lease_ms: Some(60_000)
            },
            vec![handle(1, 1, 3)]
        )
    );
    assert_eq!(
        settle("CQ.TERM jobs g REASON poison 1-1 3"),
        (
            Settle::Term {
                reason: b"poison".to_vec()
            },
            vec![handle(1, 1, 3)]
        )
    );
    assert_eq!(
        settle("CQ.TERM jobs g 1-1 3").0,
        Settle::Term { reason: Vec::new() }
    );
}

#[test]
fn settle_commands_refuse_unpaired_handles_and_bad_ids_or_tokens() {
    let cases = [
        (
            "CQ.ACK jobs g 1-1",
            "ERR wrong number of arguments for 'cq.ack' command",
        ),
        (
            "CQ.ACK jobs g 1-1 3 2-2",
            "ERR wrong number of arguments for 'cq.ack' command, expected id token pairs",
        ),
        (
            "CQ.ACK jobs g x 3",
            "ERR Invalid stream ID specified as stream command argument",
        ),
        (
            "CQ.ACK jobs g 1-1 -3",
            "ERR token must be an integer from 0 to 18446744073709551615, got '-3'",
        ),
        (
            "CQ.NACK jobs g DELAY 5",
            "ERR wrong number of arguments for 'cq.nack' command, expected id token pairs",
        ),
        (
            "CQ.NACK jobs g DELAY x 1-1 3",
            "ERR DELAY must be an integer from 0 to 18446744073709551615, got 'x'",
        ),
        (
            "CQ.NACK jobs g 1-1 3 REASON",
            "ERR wrong number of arguments for 'cq.nack' command, expected id token pairs",
        ),
        (
            "CQ.TOUCH jobs g LEASE 1-1 3",
            "ERR LEASE must be an integer from 0 to 18446744073709551615, got '1-1'",
        ),
        (
            "CQ.TERM jobs g REASON",
            "ERR wrong number of arguments for 'cq.term' command",
        ),
        (
            "CQ.TERM jobs g REASON x 1-1",
            "ERR wrong number of arguments for 'cq.term' command, expected id token pairs",
        ),
    ];
    for (words, text) in cases {
        assert_eq!(error(words), text, "{words}");
    }
}

#[test]
fn dlq_subcommands_list_redrive_purge_and_help() {
    assert_eq!(
        command("CQ.DLQ list"),
        Command::QueueList {
            dead_letters_only: true
        }
    );
    assert_eq!(
        command("CQ.DLQ REDRIVE jobs:dlq"),
        Command::Redrive(Redrive {
            dead_letter: b"jobs:dlq".to_vec(),
            to: None,
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: 0,
        })
    );
    assert_eq!(
        command("cq.dlq redrive jobs:dlq COUNT 5 to retry START (1-1 END 9"),
        Command::Redrive(Redrive {
            dead_letter: b"jobs:dlq".to_vec(),
            to: Some(b"retry".to_vec()),
            start: id(1, 2),
            end: id(9, u64::MAX),
            count: 5,
        })
    );
    assert_eq!(
        command("CQ.DLQ REDRIVE d START - END +"),
        Command::Redrive(Redrive {
            dead_letter: b"d".to_vec(),
            to: None,
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: 0,
        })
    );
    assert_eq!(
        command("CQ.DLQ PURGE jobs:dlq"),
        Command::Purge {
            key: b"jobs:dlq".to_vec()
        }
    );
    match parse(&args("CQ.DLQ HELP")) {
        Ok(Parsed::Help(lines)) => {
            assert_eq!(lines, CQ_DLQ_HELP.to_vec());
            for sub in ["LIST", "REDRIVE", "PURGE", "HELP"] {
                assert!(lines.iter().any(|l| l.starts_with(sub)), "{sub}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn dlq_refuses_unknown_subcommands_arity_and_options() {
    let cases = [
        (
            "CQ.DLQ",
            "ERR wrong number of arguments for 'cq.dlq' command",
        ),
        (
            "CQ.DLQ DROP x",
            "ERR unknown subcommand 'DROP'. Try CQ.DLQ HELP.",
        ),
        (
            "CQ.DLQ LIST x",
            "ERR wrong number of arguments for 'cq.dlq|list' command",
        ),
        (
            "CQ.DLQ PURGE",
            "ERR wrong number of arguments for 'cq.dlq|purge' command",
        ),
        (
            "CQ.DLQ PURGE a b",
            "ERR wrong number of arguments for 'cq.dlq|purge' command",
        ),
        (
            "CQ.DLQ REDRIVE",
            "ERR wrong number of arguments for 'cq.dlq|redrive' command",
        ),
        (
            "CQ.DLQ REDRIVE d COUNT -1",
            "ERR COUNT must be an integer from 0 to 18446744073709551615, got '-1'",
        ),
        (
            "CQ.DLQ REDRIVE d START x",
            "ERR Invalid stream ID specified as stream command argument",
        ),
        ("CQ.DLQ REDRIVE d TO", "ERR syntax error, TO needs a value"),
        (
            "CQ.DLQ REDRIVE d LIMIT 5",
            "ERR unknown option 'LIMIT' for 'cq.dlq|redrive'",
        ),
    ];
    for (words, text) in cases {
        assert_eq!(error(words), text, "{words}");
    }
}
