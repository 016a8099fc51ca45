//! Fan-out sends in the engine: one op appends one copy to each recipient queue, or, when any
//! recipient would refuse it (full, missing, listed twice), nothing at all; the op replays
//! from its log record.

use conquiet_core::codec::{decode_record, encode_record};
use conquiet_core::limits::SEND_RECIPIENTS_MAX;
use conquiet_core::queue::*;
use conquiet_core::send::Send;
use conquiet_core::*;

use crate::queue::create;
use crate::util::*;

fn send(to: &[&str], pairs: &[(&str, &str)]) -> Command {
    Command::Send(Send {
        recipients: to.iter().map(|r| k(r)).collect(),
        fields: fields(pairs),
    })
}

fn queue(e: &mut Engine, name: &str, entries_max: Option<u64>) {
    let sp = StreamPolicyPatch {
        entries_max,
        ..StreamPolicyPatch::default()
    };
    create(e, name, sp, GroupPolicyPatch::default());
}

#[test]
fn a_send_appends_one_copy_to_each_recipient_in_one_op() {
    let mut e = engine();
    for q in ["a", "b", "c"] {
        queue(&mut e, q, None);
    }
    add(&mut e, "b", 5_000, 0); // b's last id is ahead of the clock
    let Decision::Write(op) = e
        .decide(1_000, &send(&["a", "b", "c"], &[("m", "hi")]))
        .unwrap()
    else {
        panic!("a send is a write");
    };
    let record = Record {
        time_ms: 1_000,
        ops: vec![op],
    };
    let decoded = decode_record(&encode_record(&record)).unwrap();
    assert_eq!(decoded, record, "one record holds every copy");
    let replies = e.apply_record(&decoded);
    let expected = vec![
        (k("a"), id(1_000, 0)),
        (k("b"), id(5_000, 1)),
        (k("c"), id(1_000, 0)),
    ];
    assert_eq!(replies, vec![Reply::Sent(expected.clone())]);
    for (key, at) in expected {
        let key = String::from_utf8(key).unwrap();
        let last = *all_ids(&mut e, &key).last().unwrap();
        assert_eq!(last, at, "{key}");
        let entry = entries(ok(&mut e, 1_000, &range(&key))).pop().unwrap();
        assert_eq!(entry.data.pairs().next(), Some((&b"m"[..], &b"hi"[..])));
    }
    assert_eq!(len(&mut e, "a"), 1);
    assert_eq!(len(&mut e, "b"), 2);
}

fn range(key: &str) -> Command {
    Command::Range {
        key: k(key),
        start: StreamId::ZERO,
        end: StreamId::MAX,
        count: None,
        rev: false,
    }
}

#[test]
fn one_full_recipient_refuses_the_whole_send() {
    let mut e = engine();
    queue(&mut e, "a", None);
    queue(&mut e, "full", Some(1));
    queue(&mut e, "c", None);
    ok(&mut e, 1, &send(&["full"], &[("m", "first")]));
    let refused = err(&mut e, 2, &send(&["a", "full", "c"], &[("m", "x")]));
    assert!(
        matches!(refused, CommandError::QueueFull { ref key, .. } if key == "full"),
        "{refused}"
    );
    assert_eq!(
        (len(&mut e, "a"), len(&mut e, "full"), len(&mut e, "c")),
        (0, 1, 0)
    );
}

#[test]
fn missing_and_repeated_recipients_and_too_many_are_refused() {
    let mut e = engine();
    queue(&mut e, "a", None);
    let missing = err(&mut e, 1, &send(&["a", "nobody"], &[("m", "x")]));
    assert_eq!(
        missing.to_string(),
        "NOQUEUE no such queue 'nobody' to send to"
    );
    assert_eq!(e.stream_count(), 1, "a missing recipient is not created");
    let twice = err(&mut e, 1, &send(&["a", "a"], &[("m", "x")])).to_string();
    assert_eq!(twice, "ERR recipient 'a' is listed twice");
    let names: Vec<String> = (0..=SEND_RECIPIENTS_MAX).map(|i| format!("q{i}")).collect();
    let many: Vec<&str> = names.iter().map(String::as_str).collect();
    let too_many = err(&mut e, 1, &send(&many, &[("m", "x")])).to_string();
    assert!(
        too_many.starts_with("ERR a send has 1..=256 recipients"),
        "{too_many}"
    );
    let none = err(&mut e, 1, &send(&["a"], &[])).to_string();
    assert!(none.contains("at least one field"), "{none}");
    assert_eq!(len(&mut e, "a"), 0);
}

#[test]
fn a_send_wakes_and_counts_like_a_publish() {
    let mut e = engine();
    queue(&mut e, "a", None);
    queue(&mut e, "b", None);
    ok(&mut e, 1, &send(&["a", "b"], &[("m", "x")]));
    let m = ok(
        &mut e,
        2,
        &Command::Receive(Receive {
            key: k("b"),
            group: k("g"),
            consumer: k("c"),
            count: 10,
            lease_ms: None,
        }),
    );
    let Reply::Messages(messages) = m else {
        panic!("{m:?}");
    };
    assert_eq!(messages.len(), 1, "b's group receives its copy");
}
