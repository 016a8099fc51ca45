//! CQ.STATUS, state by state on the fake clock: waiting, delayed (by a publish delay and after
//! a nack), in flight, acked, dead-lettered (by term and by max deliveries), unknown, and the
//! errors. Every status is a read: it never asks for a log record.

use conquiet_core::queue::*;
use conquiet_core::*;

use crate::queue::{create, publish, publish_cmd, receive, settle, simple};
use crate::util::*;

fn status_cmd(group: &str, id: StreamId) -> Command {
    Command::QueueStatus {
        key: k("q"),
        group: k(group),
        id,
    }
}

fn status(e: &mut Engine, now: u64, id: StreamId) -> EntryStatus {
    let command = status_cmd("g", id);
    assert!(!is_write(e, now, &command), "a status is a read");
    match ok(e, now, &command) {
        Reply::Status(status) => *status,
        other => panic!("status answered {other:?}"),
    }
}

/// What a status says besides its state and fields, for short comparisons.
fn summary(s: &EntryStatus) -> (EntryState, Option<u64>, Option<u64>, Option<u64>) {
    (s.state, s.deliveries, s.until_ms, s.token)
}

fn body_of(s: &EntryStatus) -> Option<Vec<u8>> {
    s.data.as_ref().map(|d| d.to_fields()[0].1.clone())
}

#[test]
fn a_published_entry_not_yet_received_is_waiting_with_its_fields() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    let s = status(&mut e, 20, a);
    assert_eq!(summary(&s), (EntryState::Waiting, None, None, None));
    assert_eq!((s.id, s.group.clone()), (a, k("g")));
    assert_eq!(body_of(&s), Some(k("a")));
    assert_eq!((s.consumer, s.dead_letter, s.reason), (None, None, None));
}

#[test]
fn a_delayed_publish_is_delayed_until_its_time_then_waiting() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let published = ok(
        &mut e,
        10,
        &publish_cmd("q", "a", Delay::AfterMs(500), None),
    );
    let Reply::Published { id: a, .. } = published else {
        panic!("publish answered {published:?}");
    };
    assert_eq!(
        summary(&status(&mut e, 20, a)),
        (EntryState::Delayed, None, Some(510), None)
    );
    // A receive before its time passes it and keeps it in the group's waiting entries.
    assert!(receive(&mut e, 30, "c", 1).is_empty());
    assert_eq!(
        summary(&status(&mut e, 40, a)),
        (EntryState::Delayed, None, Some(510), None)
    );
    assert_eq!(
        summary(&status(&mut e, 510, a)),
        (EntryState::Waiting, None, None, None)
    );
}

#[test]
fn an_entry_in_flight_names_its_consumer_token_count_and_lease_end() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    let got = receive(&mut e, 20, "c1", 1);
    let s = status(&mut e, 30, a);
    assert_eq!(
        summary(&s),
        (
            EntryState::InFlight,
            Some(1),
            Some(1020),
            Some(got[0].token)
        )
    );
    assert_eq!(s.consumer, Some(k("c1")));
    assert_eq!(body_of(&s), Some(k("a")));
}

#[test]
fn a_nacked_entry_is_delayed_until_its_redelivery_with_its_reason() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    let token = receive(&mut e, 20, "c1", 1)[0].token;
    let nack = Settle::Nack {
        delay_ms: Some(100),
        reason: k("busy"),
    };
    settle(&mut e, 30, nack, &[(a, token)]);
    let s = status(&mut e, 40, a);
    assert_eq!(summary(&s), (EntryState::Delayed, Some(1), Some(130), None));
    assert_eq!((s.consumer, s.reason), (None, Some(k("busy"))));
    let s = status(&mut e, 130, a);
    assert_eq!(summary(&s), (EntryState::Waiting, Some(1), None, None));
}

#[test]
fn an_acked_entry_still_in_the_stream_is_acked_and_unknown_once_deleted() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    let token = receive(&mut e, 20, "c1", 1)[0].token;
    settle(&mut e, 30, Settle::Ack, &[(a, token)]);
    let s = status(&mut e, 40, a);
    assert_eq!(summary(&s), (EntryState::Acked, None, None, None));
    assert_eq!(body_of(&s), Some(k("a")));
    let delete = Command::Delete {
        key: k("q"),
        ids: vec![a],
    };
    ok(&mut e, 50, &delete);
    let s = status(&mut e, 60, a);
    assert_eq!(summary(&s), (EntryState::Unknown, None, None, None));
    assert_eq!(s.data, None);
}

#[test]
fn work_queue_retention_makes_an_acked_entry_unknown() {
    let mut e = engine();
    let retention = StreamPolicyPatch {
        retention: Some(Retention::WorkQueue),
        ..StreamPolicyPatch::default()
    };
    create(&mut e, "q", retention, GroupPolicyPatch::default());
    let a = publish(&mut e, 10, "a");
    let token = receive(&mut e, 20, "c1", 1)[0].token;
    settle(&mut e, 30, Settle::Ack, &[(a, token)]);
    assert_eq!(status(&mut e, 40, a).state, EntryState::Unknown);
}

#[test]
fn a_terminated_entry_is_dead_lettered_with_its_dead_letter_and_reason() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    let token = receive(&mut e, 20, "c1", 1)[0].token;
    let outcome = settle(&mut e, 30, Settle::Term { reason: k("bad") }, &[(a, token)]);
    let SettleOutcome::DeadLettered { dead_letter, id } = outcome[0].clone() else {
        panic!("term answered {outcome:?}");
    };
    let s = status(&mut e, 40, a);
    assert_eq!(summary(&s), (EntryState::DeadLettered, Some(1), None, None));
    assert_eq!(s.dead_letter, Some((dead_letter, id)));
    assert_eq!(s.reason, Some(k("bad")));
    // Still in the source stream (limits retention), so its fields are shown.
    assert_eq!(body_of(&s), Some(k("a")));
}

#[test]
fn an_entry_past_max_deliveries_is_dead_lettered_with_its_count() {
    let mut e = engine();
    simple(&mut e, 100, 2);
    let a = publish(&mut e, 10, "a");
    receive(&mut e, 20, "c1", 1);
    receive(&mut e, 200, "c1", 1);
    // The second lease ends at 300; the next receive dead-letters the entry.
    assert!(receive(&mut e, 400, "c1", 1).is_empty());
    let s = status(&mut e, 500, a);
    assert_eq!(summary(&s), (EntryState::DeadLettered, Some(2), None, None));
    assert_eq!(s.reason, Some(k("lease expired")));
    let (dead_letter, _) = s.dead_letter.expect("a dead letter");
    assert_eq!(dead_letter, k("q:dlq"));
}

#[test]
fn another_groups_dead_letter_does_not_count() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    create_group(&mut e, "q", "h", ZERO);
    let token = receive(&mut e, 20, "c1", 1)[0].token;
    settle(&mut e, 30, Settle::Term { reason: k("x") }, &[(a, token)]);
    let command = status_cmd("h", a);
    let Reply::Status(s) = ok(&mut e, 40, &command) else {
        panic!("status did not answer a status");
    };
    assert_eq!(s.state, EntryState::Waiting);
}

#[test]
fn a_dead_letter_past_the_scan_bound_is_not_found() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    for _ in 0..limits::STATUS_DEAD_LETTER_SCAN_MAX {
        ok(&mut e, 20, &add_cmd("q:dlq", IdSpec::Auto, &[("f", "v")]));
    }
    let token = receive(&mut e, 30, "c1", 1)[0].token;
    settle(&mut e, 40, Settle::Term { reason: k("x") }, &[(a, token)]);
    assert_eq!(status(&mut e, 50, a).state, EntryState::Acked);
}

#[test]
fn ids_never_published_are_unknown() {
    let mut e = engine();
    simple(&mut e, 1000, 3);
    let a = publish(&mut e, 10, "a");
    for missing in [id(5, 0), id(a.ms, a.seq + 1), id(99, 0)] {
        let s = status(&mut e, 20, missing);
        assert_eq!(summary(&s), (EntryState::Unknown, None, None, None));
        assert_eq!(s.data, None);
    }
}

#[test]
fn plain_groups_have_no_delayed_state_and_no_lease() {
    let mut e = engine();
    let published = ok(
        &mut e,
        10,
        &publish_cmd("q", "a", Delay::AfterMs(500), None),
    );
    let Reply::Published { id: a, .. } = published else {
        panic!("publish answered {published:?}");
    };
    create_group(&mut e, "q", "g", ZERO);
    assert_eq!(
        summary(&status(&mut e, 20, a)),
        (EntryState::Waiting, None, None, None)
    );
    read_group(&mut e, 30, "g", "c", "q", GroupReadFrom::New, None);
    let s = status(&mut e, 40, a);
    assert_eq!(summary(&s), (EntryState::InFlight, Some(1), None, Some(1)));
    let ack = Command::Ack {
        key: k("q"),
        group: k("g"),
        ids: vec![a],
    };
    ok(&mut e, 50, &ack);
    assert_eq!(status(&mut e, 60, a).state, EntryState::Acked);
}

#[test]
fn a_missing_key_or_group_is_refused() {
    let mut e = engine();
    assert_eq!(
        err(&mut e, 0, &status_cmd("g", id(1, 0))),
        CommandError::NoSuchKey
    );
    simple(&mut e, 1000, 3);
    assert_eq!(
        err(&mut e, 0, &status_cmd("nope", id(1, 0))).to_string(),
        "NOGROUP No such key 'q' or consumer group 'nope'"
    );
}
