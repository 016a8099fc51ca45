//! Work-queue semantics, scenario by scenario on the fake clock: leases and fencing tokens,
//! nack with delay and backoff, max deliveries then dead letters, redrive and purge, delayed
//! publishes, deduplication, stream limits, pending limits, work-queue retention, and the
//! queue state surviving a snapshot.

use conquiet_core::codec::{decode_snapshot, encode_snapshot};
use conquiet_core::queue::*;
use conquiet_core::*;

use crate::util::*;

pub fn create(e: &mut Engine, key: &str, sp: StreamPolicyPatch, gp: GroupPolicyPatch) {
    let command = Command::QueueCreate {
        key: k(key),
        group: k("g"),
        stream_policy: sp,
        group_policy: gp,
    };
    assert_eq!(ok(e, 0, &command), Reply::Ok);
}

/// A queue with a lease, max deliveries and no backoff.
pub fn simple(e: &mut Engine, lease_ms: u64, deliveries_max: u64) {
    create(
        e,
        "q",
        StreamPolicyPatch::default(),
        GroupPolicyPatch {
            lease_ms: Some(lease_ms),
            deliveries_max: Some(deliveries_max),
            backoff: Some(Backoff::None),
            ..GroupPolicyPatch::default()
        },
    );
}

pub fn publish_cmd(key: &str, body: &str, delay: Delay, dedup: Option<&str>) -> Command {
    Command::Publish(Publish {
        key: k(key),
        fields: fields(&[("body", body)]),
        delay,
        dedup_key: dedup.map(k),
    })
}

pub fn publish(e: &mut Engine, now: u64, body: &str) -> StreamId {
    match ok(e, now, &publish_cmd("q", body, Delay::None, None)) {
        Reply::Published { id, duplicate } => {
            assert!(!duplicate);
            id
        }
        other => panic!("publish answered {other:?}"),
    }
}

pub fn receive_cmd(consumer: &str, count: u64, lease_ms: Option<u64>) -> Command {
    Command::Receive(Receive {
        key: k("q"),
        group: k("g"),
        consumer: k(consumer),
        count,
        lease_ms,
    })
}

pub fn receive(e: &mut Engine, now: u64, consumer: &str, count: u64) -> Vec<Message> {
    match ok(e, now, &receive_cmd(consumer, count, None)) {
        Reply::Messages(m) => m,
        other => panic!("receive answered {other:?}"),
    }
}

pub fn settle(
    e: &mut Engine,
    now: u64,
    action: Settle,
    handles: &[(StreamId, u64)],
) -> Vec<SettleOutcome> {
    let command = Command::Settle {
        key: k("q"),
        group: k("g"),
        action,
        handles: handles
            .iter()
            .map(|(id, token)| Handle {
                id: *id,
                token: *token,
            })
            .collect(),
    };
    match ok(e, now, &command) {
        Reply::Settled(outcomes) => outcomes,
        other => panic!("settle answered {other:?}"),
    }
}

fn nack(delay_ms: Option<u64>, reason: &str) -> Settle {
    Settle::Nack {
        delay_ms,
        reason: k(reason),
    }
}

pub fn info(e: &mut Engine, now: u64, key: &str) -> QueueInfo {
    match ok(e, now, &Command::QueueInfo { key: k(key) }) {
        Reply::Queues(mut q) => q.remove(0),
        other => panic!("info answered {other:?}"),
    }
}

fn body(m: &Message) -> String {
    String::from_utf8_lossy(&m.data.to_fields()[0].1).into_owned()
}

fn field(data: &EntryData, name: &str) -> String {
    let value = data
        .pairs()
        .find(|(f, _)| *f == name.as_bytes())
        .map(|(_, v)| v.to_vec())
        .unwrap_or_else(|| panic!("no field {name}"));
    String::from_utf8_lossy(&value).into_owned()
}

#[test]
fn a_delivery_carries_a_token_and_its_count_and_ack_needs_the_token() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let a = publish(&mut e, 10, "a");
    let got = receive(&mut e, 20, "c1", 10);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id, got[0].deliveries, got[0].lease_until_ms),
        (a, 1, Some(1020))
    );
    let token = got[0].token;
    assert!(token > 0);
    let wrong = settle(&mut e, 30, Settle::Ack, &[(a, token + 1)]);
    assert_eq!(wrong, vec![SettleOutcome::Stale { current: token }]);
    assert!(!is_write(
        &e,
        30,
        &Command::Settle {
            key: k("q"),
            group: k("g"),
            action: Settle::Ack,
            handles: vec![Handle {
                id: a,
                token: token + 1
            }],
        }
    ));
    assert_eq!(
        settle(&mut e, 30, Settle::Ack, &[(a, token)]),
        vec![SettleOutcome::Acked]
    );
    assert_eq!(
        settle(&mut e, 31, Settle::Ack, &[(a, token)]),
        vec![SettleOutcome::NotPending]
    );
    let q = info(&mut e, 40, "q");
    assert_eq!((q.groups[0].pending, q.groups[0].counters.acked), (0, 1));
    check_groups(&e);
}

#[test]
fn an_expired_lease_is_redelivered_with_a_new_token_and_the_old_one_is_stale() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let a = publish(&mut e, 10, "a");
    let first = receive(&mut e, 20, "c1", 1).remove(0);
    // Before the lease ends nobody else gets it.
    assert!(receive(&mut e, 1019, "c2", 1).is_empty());
    let second = receive(&mut e, 1020, "c2", 1).remove(0);
    assert_eq!(second.id, a);
    assert_eq!(second.deliveries, 2);
    assert!(second.token > first.token);
    let late = settle(&mut e, 1030, Settle::Ack, &[(a, first.token)]);
    assert_eq!(
        late,
        vec![SettleOutcome::Stale {
            current: second.token
        }]
    );
    let q = info(&mut e, 1030, "q");
    assert_eq!(q.groups[0].pending, 1, "the stale ack changed nothing");
    assert_eq!(q.groups[0].counters.redelivered, 1);
    assert_eq!(
        settle(&mut e, 1031, Settle::Ack, &[(a, second.token)]),
        vec![SettleOutcome::Acked]
    );
    check_groups(&e);
}

#[test]
fn an_ack_after_the_lease_ended_but_before_redelivery_still_counts() {
    let mut e = engine();
    simple(&mut e, 100, 5);
    let a = publish(&mut e, 0, "a");
    let m = receive(&mut e, 0, "c1", 1).remove(0);
    assert_eq!(info(&mut e, 500, "q").groups[0].expired, 1);
    assert_eq!(
        settle(&mut e, 500, Settle::Ack, &[(a, m.token)]),
        vec![SettleOutcome::Acked]
    );
    assert!(receive(&mut e, 600, "c2", 1).is_empty());
}

#[test]
fn touch_extends_the_lease() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let a = publish(&mut e, 0, "a");
    let m = receive(&mut e, 0, "c1", 1).remove(0);
    let touched = settle(
        &mut e,
        900,
        Settle::Touch { lease_ms: None },
        &[(a, m.token)],
    );
    assert_eq!(
        touched,
        vec![SettleOutcome::Touched {
            lease_until_ms: Some(1900)
        }]
    );
    assert!(receive(&mut e, 1500, "c2", 1).is_empty());
    let custom = settle(
        &mut e,
        1500,
        Settle::Touch {
            lease_ms: Some(5000),
        },
        &[(a, m.token)],
    );
    assert_eq!(
        custom,
        vec![SettleOutcome::Touched {
            lease_until_ms: Some(6500)
        }]
    );
    assert!(receive(&mut e, 6499, "c2", 1).is_empty());
    assert_eq!(receive(&mut e, 6500, "c2", 1)[0].deliveries, 2);
}

#[test]
fn a_receive_lease_overrides_the_policy() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    publish(&mut e, 0, "a");
    let Reply::Messages(m) = ok(&mut e, 0, &receive_cmd("c1", 1, Some(50))) else {
        panic!("messages");
    };
    assert_eq!(m[0].lease_until_ms, Some(50));
    assert_eq!(receive(&mut e, 50, "c2", 1).len(), 1);
}

#[test]
fn nack_with_a_delay_redelivers_not_before_it() {
    let mut e = engine();
    simple(&mut e, 0, 0);
    let a = publish(&mut e, 0, "a");
    let m = receive(&mut e, 0, "c1", 1).remove(0);
    assert_eq!(m.lease_until_ms, None);
    let out = settle(&mut e, 10, nack(Some(500), "busy"), &[(a, m.token)]);
    assert_eq!(
        out,
        vec![SettleOutcome::Nacked {
            redeliver_at_ms: 510
        }]
    );
    let q = info(&mut e, 10, "q");
    assert_eq!((q.groups[0].pending, q.groups[0].waiting), (0, 1));
    assert!(receive(&mut e, 509, "c1", 1).is_empty());
    let again = receive(&mut e, 510, "c2", 1).remove(0);
    assert_eq!((again.id, again.deliveries), (a, 2));
    assert!(again.token > m.token);
    check_groups(&e);
}

#[test]
fn redeliveries_come_before_new_entries() {
    let mut e = engine();
    simple(&mut e, 0, 0);
    let a = publish(&mut e, 0, "a");
    let m = receive(&mut e, 0, "c", 1).remove(0);
    publish(&mut e, 1, "b");
    settle(&mut e, 2, nack(Some(0), ""), &[(a, m.token)]);
    let got = receive(&mut e, 3, "c", 2);
    assert_eq!(got.iter().map(body).collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn exponential_backoff_grows_and_stops_at_its_maximum() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch::default(),
        GroupPolicyPatch {
            lease_ms: Some(0),
            deliveries_max: Some(0),
            backoff: Some(Backoff::Exponential {
                base_ms: 100,
                factor_milli: 2000,
                max_ms: 500,
                jitter_percent: 0,
                seed: 1,
            }),
            ..GroupPolicyPatch::default()
        },
    );
    let a = publish(&mut e, 0, "a");
    let mut now = 0;
    let mut waits = Vec::new();
    for _ in 0..5 {
        let m = receive(&mut e, now, "c", 1).remove(0);
        let [SettleOutcome::Nacked { redeliver_at_ms }] =
            settle(&mut e, now, nack(None, ""), &[(a, m.token)])[..]
        else {
            panic!("nacked");
        };
        waits.push(redeliver_at_ms - now);
        now = redeliver_at_ms;
    }
    assert_eq!(waits, [100, 200, 400, 500, 500]);
}

#[test]
fn jitter_is_within_its_percentage_and_the_same_on_replay() {
    let policy = |seed| GroupPolicyPatch {
        lease_ms: Some(0),
        backoff: Some(Backoff::Exponential {
            base_ms: 1000,
            factor_milli: 1000,
            max_ms: 1000,
            jitter_percent: 50,
            seed,
        }),
        ..GroupPolicyPatch::default()
    };
    let waits = |seed| {
        let mut e = engine();
        create(&mut e, "q", StreamPolicyPatch::default(), policy(seed));
        (0..20)
            .map(|i| {
                let id = publish(&mut e, i, "x");
                let m = receive(&mut e, i, "c", 1).remove(0);
                match settle(&mut e, i, nack(None, ""), &[(id, m.token)])[..] {
                    [SettleOutcome::Nacked { redeliver_at_ms }] => redeliver_at_ms - i,
                    ref other => panic!("{other:?}"),
                }
            })
            .collect::<Vec<u64>>()
    };
    let first = waits(7);
    assert!(first.iter().all(|w| (500..=1000).contains(w)), "{first:?}");
    assert!(
        first.iter().any(|w| *w != first[0]),
        "jitter varies: {first:?}"
    );
    assert_eq!(first, waits(7), "same seed, same delays");
}

#[test]
fn a_backoff_list_repeats_its_last_delay() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch::default(),
        GroupPolicyPatch {
            lease_ms: Some(0),
            backoff: Some(Backoff::List(vec![10, 30])),
            deliveries_max: Some(0),
            ..GroupPolicyPatch::default()
        },
    );
    let a = publish(&mut e, 0, "a");
    let mut now = 0;
    let mut waits = Vec::new();
    for _ in 0..3 {
        let m = receive(&mut e, now, "c", 1).remove(0);
        let [SettleOutcome::Nacked { redeliver_at_ms }] =
            settle(&mut e, now, nack(None, ""), &[(a, m.token)])[..]
        else {
            panic!("nacked");
        };
        waits.push(redeliver_at_ms - now);
        now = redeliver_at_ms;
    }
    assert_eq!(waits, [10, 30, 30]);
}

#[test]
fn the_last_allowed_delivery_failing_dead_letters_the_entry_in_one_step() {
    let mut e = engine();
    simple(&mut e, 100, 3);
    let a = publish(&mut e, 0, "a");
    let mut now = 0;
    for n in 1..=3 {
        let m = receive(&mut e, now, "c", 1).remove(0);
        assert_eq!(m.deliveries, n);
        if n < 3 {
            now += 100; // The lease runs out.
        } else {
            let out = settle(&mut e, now + 5, nack(None, "broken input"), &[(a, m.token)]);
            let [
                SettleOutcome::DeadLettered {
                    ref dead_letter,
                    id,
                },
            ] = out[..]
            else {
                panic!("dead-lettered: {out:?}");
            };
            assert_eq!(dead_letter, b"q:dlq");
            let dead = entries(ok(
                &mut e,
                now,
                &Command::Range {
                    key: k("q:dlq"),
                    start: ZERO,
                    end: MAX,
                    count: None,
                    rev: false,
                },
            ));
            assert_eq!(dead.len(), 1);
            assert_eq!(dead[0].id, id);
            let d = &dead[0].data;
            assert_eq!(field(d, "cq-source"), "q");
            assert_eq!(field(d, "cq-group"), "g");
            assert_eq!(field(d, "cq-id"), a.to_string());
            assert_eq!(field(d, "cq-deliveries"), "3");
            assert_eq!(field(d, "cq-reason"), "broken input");
            assert_eq!(field(d, "body"), "a");
        }
    }
    let q = info(&mut e, now + 10, "q");
    assert_eq!(
        (q.groups[0].pending, q.groups[0].counters.dead_lettered),
        (0, 1)
    );
    assert!(receive(&mut e, now + 1000, "c", 1).is_empty());
    let dlqs = match ok(
        &mut e,
        0,
        &Command::QueueList {
            dead_letters_only: true,
        },
    ) {
        Reply::Queues(q) => q,
        other => panic!("{other:?}"),
    };
    assert_eq!(dlqs.len(), 1);
    assert_eq!(dlqs[0].key, b"q:dlq");
    check_groups(&e);
}

#[test]
fn an_expired_last_delivery_is_dead_lettered_by_the_next_receive() {
    let mut e = engine();
    simple(&mut e, 100, 1);
    let b = publish(&mut e, 0, "b");
    receive(&mut e, 0, "c", 1);
    assert!(receive(&mut e, 100, "c", 1).is_empty());
    let dead = info(&mut e, 100, "q:dlq");
    assert_eq!(dead.length, 1);
    let entries = entries(ok(
        &mut e,
        100,
        &Command::Range {
            key: k("q:dlq"),
            start: ZERO,
            end: MAX,
            count: None,
            rev: false,
        },
    ));
    assert_eq!(field(&entries[0].data, "cq-reason"), "lease expired");
    assert_eq!(field(&entries[0].data, "cq-id"), b.to_string());
}

#[test]
fn term_dead_letters_at_once_and_redrive_brings_it_back() {
    let mut e = engine();
    simple(&mut e, 1000, 10);
    let a = publish(&mut e, 0, "a");
    let m = receive(&mut e, 0, "c", 1).remove(0);
    let out = settle(&mut e, 1, Settle::Term { reason: k("") }, &[(a, m.token)]);
    assert!(
        matches!(out[0], SettleOutcome::DeadLettered { .. }),
        "{out:?}"
    );
    assert_eq!(info(&mut e, 1, "q:dlq").length, 1);
    let redrive = Command::Redrive(Redrive {
        dead_letter: k("q:dlq"),
        to: None,
        start: ZERO,
        end: MAX,
        count: 0,
    });
    assert_eq!(ok(&mut e, 2, &redrive), Reply::Int(1));
    assert_eq!(info(&mut e, 2, "q:dlq").length, 0);
    let again = receive(&mut e, 3, "c", 1).remove(0);
    assert_ne!(again.id, a, "redriven as a new entry");
    assert_eq!(
        again.data.to_fields(),
        fields(&[("body", "a")]),
        "without the cq- fields"
    );
    assert_eq!(again.deliveries, 1);
    assert_eq!(ok(&mut e, 4, &redrive), Reply::Int(0));
    assert!(!is_write(&e, 4, &redrive));
}

#[test]
fn redrive_to_another_stream_and_purge() {
    let mut e = engine();
    simple(&mut e, 1000, 1);
    for i in 0..3 {
        let id = publish(&mut e, i, "x");
        let m = receive(&mut e, i, "c", 1).remove(0);
        settle(&mut e, i, nack(None, ""), &[(id, m.token)]);
    }
    assert_eq!(info(&mut e, 5, "q:dlq").length, 3);
    let first = info(&mut e, 5, "q:dlq").first_id.expect("entries");
    let redrive = Command::Redrive(Redrive {
        dead_letter: k("q:dlq"),
        to: Some(k("other")),
        start: first,
        end: first,
        count: 0,
    });
    assert_eq!(ok(&mut e, 6, &redrive), Reply::Int(1));
    assert_eq!(info(&mut e, 6, "other").length, 1);
    assert_eq!(
        ok(&mut e, 7, &Command::Purge { key: k("q:dlq") }),
        Reply::Int(2)
    );
    assert_eq!(info(&mut e, 7, "q:dlq").length, 0);
    let back = Command::Redrive(Redrive {
        dead_letter: k("q:dlq"),
        to: Some(k("q:dlq")),
        start: ZERO,
        end: MAX,
        count: 0,
    });
    assert_eq!(ok(&mut e, 8, &back), Reply::Int(0), "nothing left to move");
}

#[test]
fn a_delayed_publish_is_not_delivered_before_its_time_and_does_not_hold_up_others() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let late = match ok(
        &mut e,
        0,
        &publish_cmd("q", "late", Delay::AfterMs(500), None),
    ) {
        Reply::Published { id, .. } => id,
        other => panic!("{other:?}"),
    };
    publish(&mut e, 1, "now");
    assert_eq!(info(&mut e, 1, "q").delayed, 1);
    let got = receive(&mut e, 2, "c", 10);
    assert_eq!(got.iter().map(body).collect::<Vec<_>>(), ["now"]);
    assert!(receive(&mut e, 499, "c", 10).is_empty());
    assert_eq!(e.wake_time(499, &receive_cmd("c", 10, None)), Some(500));
    let got = receive(&mut e, 500, "c", 10);
    assert_eq!((got[0].id, got[0].deliveries), (late, 1));
    let at = ok(&mut e, 600, &publish_cmd("q", "at", Delay::AtMs(700), None));
    assert!(matches!(at, Reply::Published { .. }));
    assert!(receive(&mut e, 699, "c", 10).is_empty());
    assert_eq!(receive(&mut e, 700, "c", 10).len(), 1);
    check_groups(&e);
}

#[test]
fn a_repeated_idempotency_key_within_the_window_adds_nothing() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            dedup_window_ms: Some(1000),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch::default(),
    );
    let first = ok(&mut e, 0, &publish_cmd("q", "a", Delay::None, Some("k1")));
    let Reply::Published {
        id,
        duplicate: false,
    } = first
    else {
        panic!("{first:?}");
    };
    let again = publish_cmd("q", "b", Delay::None, Some("k1"));
    assert_eq!(
        ok(&mut e, 999, &again),
        Reply::Published {
            id,
            duplicate: true
        }
    );
    let q = info(&mut e, 999, "q");
    assert_eq!(
        (q.length, q.counters.published, q.counters.duplicates),
        (1, 1, 1)
    );
    let Reply::Published {
        id: later,
        duplicate: false,
    } = ok(&mut e, 1000, &again)
    else {
        panic!("a new entry once the window ended");
    };
    assert!(later > id);
}

#[test]
fn a_full_stream_rejects_or_drops_the_oldest() {
    let mut e = engine();
    let limits = |overflow| StreamPolicyPatch {
        entries_max: Some(2),
        overflow: Some(overflow),
        ..StreamPolicyPatch::default()
    };
    create(
        &mut e,
        "q",
        limits(Overflow::Reject),
        GroupPolicyPatch::default(),
    );
    publish(&mut e, 0, "a");
    publish(&mut e, 1, "b");
    let full = err(&mut e, 2, &publish_cmd("q", "c", Delay::None, None));
    assert!(
        matches!(
            full,
            CommandError::QueueFull {
                value: 3,
                limit: 2,
                ..
            }
        ),
        "{full:?}"
    );
    assert!(full.to_string().starts_with("FULL "), "{full}");
    assert_eq!(info(&mut e, 2, "q").length, 2);
    let set = Command::QueueConfigure {
        key: k("q"),
        group: None,
        stream_policy: limits(Overflow::DropOldest),
        group_policy: GroupPolicyPatch::default(),
    };
    ok(&mut e, 3, &set);
    publish(&mut e, 4, "c");
    let q = info(&mut e, 4, "q");
    assert_eq!((q.length, q.counters.dropped), (2, 1));
    let bodies: Vec<_> = receive(&mut e, 5, "c", 10).iter().map(body).collect();
    assert_eq!(bodies, ["b", "c"]);
}

#[test]
fn a_byte_limit_counts_fields_and_values() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            bytes_max: Some(10),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch::default(),
    );
    publish(&mut e, 0, "12345"); // "body" + 5 = 9 bytes
    assert_eq!(info(&mut e, 0, "q").bytes, 9);
    assert!(matches!(
        err(&mut e, 1, &publish_cmd("q", "x", Delay::None, None)),
        CommandError::QueueFull { what: "bytes", .. }
    ));
}

#[test]
fn pending_limits_hold_back_deliveries_until_acks_free_room() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch::default(),
        GroupPolicyPatch {
            pending_max: Some(3),
            pending_per_consumer_max: Some(2),
            ..GroupPolicyPatch::default()
        },
    );
    for i in 0..5 {
        publish(&mut e, i, "x");
    }
    let c1 = receive(&mut e, 10, "c1", 10);
    assert_eq!(c1.len(), 2, "consumer limit");
    let c2 = receive(&mut e, 10, "c2", 10);
    assert_eq!(c2.len(), 1, "group limit");
    assert!(receive(&mut e, 10, "c3", 10).is_empty());
    settle(&mut e, 11, Settle::Ack, &[(c1[0].id, c1[0].token)]);
    assert_eq!(receive(&mut e, 12, "c3", 10).len(), 1);
    assert_eq!(info(&mut e, 12, "q").groups[0].pending, 3);
}

#[test]
fn work_queue_retention_removes_what_every_group_acked() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            retention: Some(Retention::WorkQueue),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch::default(),
    );
    let second = Command::QueueCreate {
        key: k("q"),
        group: k("h"),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: GroupPolicyPatch::default(),
    };
    ok(&mut e, 0, &second);
    let a = publish(&mut e, 1, "a");
    let m = receive(&mut e, 2, "c", 1).remove(0);
    settle(&mut e, 3, Settle::Ack, &[(a, m.token)]);
    assert_eq!(info(&mut e, 3, "q").length, 1, "group h has not read it");
    let read = Command::ReadGroup {
        group: k("h"),
        consumer: k("c"),
        streams: vec![(k("q"), GroupReadFrom::New)],
        count: None,
        no_ack: false,
    };
    ok(&mut e, 4, &read);
    ok(
        &mut e,
        5,
        &Command::Ack {
            key: k("q"),
            group: k("h"),
            ids: vec![a],
        },
    );
    let q = info(&mut e, 5, "q");
    assert_eq!((q.length, q.bytes), (0, 0));
}

#[test]
fn one_failed_item_does_not_stop_the_rest_of_a_batch() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    for i in 0..3 {
        publish(&mut e, i, "x");
    }
    let m = receive(&mut e, 5, "c", 3);
    let handles = [
        (m[0].id, m[0].token),
        (m[1].id, m[1].token + 99),
        (id(1, 1), 1),
        (m[2].id, m[2].token),
    ];
    let out = settle(&mut e, 6, Settle::Ack, &handles);
    assert_eq!(
        out,
        vec![
            SettleOutcome::Acked,
            SettleOutcome::Stale {
                current: m[1].token
            },
            SettleOutcome::NotPending,
            SettleOutcome::Acked,
        ]
    );
    assert_eq!(info(&mut e, 6, "q").groups[0].pending, 1);
}

#[test]
fn policies_are_checked_and_changed_durably() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let bad = |gp: GroupPolicyPatch| Command::QueueConfigure {
        key: k("q"),
        group: Some(k("g")),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: gp,
    };
    let factor = GroupPolicyPatch {
        backoff: Some(Backoff::Exponential {
            base_ms: 10,
            factor_milli: 500,
            max_ms: 100,
            jitter_percent: 0,
            seed: 0,
        }),
        ..GroupPolicyPatch::default()
    };
    assert!(matches!(
        err(&mut e, 0, &bad(factor)),
        CommandError::InvalidPolicy(_)
    ));
    let lease = GroupPolicyPatch {
        lease_ms: Some(limits::LEASE_MS_MAX + 1),
        ..GroupPolicyPatch::default()
    };
    assert!(matches!(
        err(&mut e, 0, &bad(lease)),
        CommandError::InvalidPolicy(_)
    ));
    let own = GroupPolicyPatch {
        dead_letter: Some(Some(k("q"))),
        ..GroupPolicyPatch::default()
    };
    assert!(matches!(
        err(&mut e, 0, &bad(own)),
        CommandError::InvalidPolicy(_)
    ));
    let good = GroupPolicyPatch {
        lease_ms: Some(5),
        dead_letter: Some(Some(k("graveyard"))),
        ..GroupPolicyPatch::default()
    };
    ok(&mut e, 0, &bad(good));
    let policy = info(&mut e, 0, "q").groups[0]
        .policy
        .clone()
        .expect("policy");
    assert_eq!((policy.lease_ms, policy.deliveries_max), (5, 5));
    assert_eq!(policy.dead_letter.as_deref(), Some(&b"graveyard"[..]));
    let again = Command::QueueCreate {
        key: k("q"),
        group: k("g"),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: GroupPolicyPatch::default(),
    };
    assert_eq!(err(&mut e, 0, &again), CommandError::BusyGroup);
    let zero = err(&mut e, 0, &receive_cmd("c", 0, None)).to_string();
    assert!(zero.starts_with("ERR receive count"), "{zero}");
}

#[test]
fn queue_state_survives_a_snapshot() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            dedup_window_ms: Some(10_000),
            entries_max: Some(100),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch {
            lease_ms: Some(1000),
            deliveries_max: Some(3),
            backoff: Some(Backoff::List(vec![50])),
            ..GroupPolicyPatch::default()
        },
    );
    let a = publish(&mut e, 0, "a");
    publish(&mut e, 1, "b");
    ok(
        &mut e,
        2,
        &publish_cmd("q", "c", Delay::AfterMs(5000), Some("key")),
    );
    let got = receive(&mut e, 3, "c1", 1);
    settle(&mut e, 4, nack(None, "why"), &[(a, got[0].token)]);
    receive(&mut e, 60, "c2", 2);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("encode");
    let mut restored = decode_snapshot(&mut bytes.as_slice()).expect("decode");
    assert_eq!(info(&mut restored, 70, "q"), info(&mut e, 70, "q"));
    check_groups(&restored);
    let dup = publish_cmd("q", "c", Delay::None, Some("key"));
    assert_eq!(ok(&mut restored, 80, &dup), ok(&mut e, 80, &dup));
    for now in [100, 1100, 5000, 6000] {
        assert_eq!(
            ok(&mut restored, now, &receive_cmd("c3", 10, None)),
            ok(&mut e, now, &receive_cmd("c3", 10, None)),
            "at {now}"
        );
    }
}

#[test]
fn keyed_publishes_are_deduplicated_for_two_minutes_by_default() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let first = ok(&mut e, 0, &publish_cmd("q", "a", Delay::None, Some("k")));
    let Reply::Published { id, .. } = first else {
        panic!("{first:?}");
    };
    let again = publish_cmd("q", "a", Delay::None, Some("k"));
    assert_eq!(
        ok(&mut e, 119_999, &again),
        Reply::Published {
            id,
            duplicate: true
        }
    );
    assert!(matches!(
        ok(&mut e, 120_000, &again),
        Reply::Published {
            duplicate: false,
            ..
        }
    ));
}

#[test]
fn xreadgroup_on_a_policy_group_redelivers_expired_leases_first() {
    let mut e = engine();
    simple(&mut e, 100, 5);
    let a = publish(&mut e, 0, "a");
    let read = |consumer: &str| Command::ReadGroup {
        group: k("g"),
        consumer: k(consumer),
        streams: vec![(k("q"), GroupReadFrom::New)],
        count: Some(10),
        no_ack: false,
    };
    let Reply::Messages(first) = ok(&mut e, 0, &read("c1")) else {
        panic!("a receive");
    };
    assert_eq!((first[0].id, first[0].deliveries), (a, 1));
    assert_eq!(ok(&mut e, 50, &read("c2")), Reply::Messages(Vec::new()));
    assert!(!is_write(&e, 50, &read("c2")));
    assert_eq!(e.wake_time(50, &read("c2")), Some(100));
    let b = publish(&mut e, 60, "b");
    let Reply::Messages(second) = ok(&mut e, 100, &read("c2")) else {
        panic!("a receive");
    };
    let got: Vec<_> = second.iter().map(|m| (m.id, m.deliveries)).collect();
    assert_eq!(got, [(a, 2), (b, 1)]);
    let two = Command::ReadGroup {
        group: k("g"),
        consumer: k("c"),
        streams: vec![(k("q"), GroupReadFrom::New), (k("q"), GroupReadFrom::New)],
        count: None,
        no_ack: false,
    };
    assert!(matches!(
        err(&mut e, 200, &two),
        CommandError::InvalidArgument(_)
    ));
}

/// Found by review: each of these once made `apply` panic or wrote a record or snapshot that
/// could not be read back.
#[test]
fn review_cases_are_refused_in_decide_not_broken_in_apply() {
    // A key whose default dead-letter name would be over the name limit.
    let mut e = engine();
    let long = "q".repeat(limits::NAME_BYTES_MAX - 2);
    let too_long = Command::QueueCreate {
        key: k(&long),
        group: k("g"),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: GroupPolicyPatch::default(),
    };
    assert!(matches!(
        err(&mut e, 0, &too_long),
        CommandError::Limit { .. }
    ));

    // Two dead letters in one op with ids for only one left.
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let near = Command::Add {
        key: k("q:dlq"),
        id: IdSpec::Explicit(id(u64::MAX, u64::MAX - 1)),
        fields: fields(&[("f", "v")]),
        no_create: false,
        trim: None,
    };
    ok(&mut e, 0, &near);
    publish(&mut e, 1, "a");
    publish(&mut e, 2, "b");
    let m = receive(&mut e, 3, "c", 2);
    let term = Command::Settle {
        key: k("q"),
        group: k("g"),
        action: Settle::Term { reason: k("x") },
        handles: m
            .iter()
            .map(|m| Handle {
                id: m.id,
                token: m.token,
            })
            .collect(),
    };
    assert_eq!(err(&mut e, 4, &term), CommandError::IdExhausted);
    assert_eq!(info(&mut e, 4, "q").groups[0].pending, 2, "nothing changed");

    // A RENAME that makes the dead-letter stream the queue itself.
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch::default(),
        GroupPolicyPatch {
            dead_letter: Some(Some(k("d"))),
            lease_ms: Some(10),
            deliveries_max: Some(1),
            ..GroupPolicyPatch::default()
        },
    );
    ok(
        &mut e,
        0,
        &Command::Rename {
            from: k("q"),
            to: k("d"),
        },
    );
    let to_d = |n| {
        Command::Publish(Publish {
            key: k("d"),
            fields: fields(&[("n", n)]),
            delay: Delay::None,
            dedup_key: None,
        })
    };
    ok(&mut e, 1, &to_d("1"));
    let receive_d = Command::Receive(Receive {
        key: k("d"),
        group: k("g"),
        consumer: k("c"),
        count: 5,
        lease_ms: None,
    });
    assert!(matches!(
        err(&mut e, 2, &receive_d),
        CommandError::InvalidPolicy(_)
    ));

    // A dead letter naming an over-long source stream.
    let mut e = engine();
    let forged = Command::Add {
        key: k("dl"),
        id: IdSpec::Auto,
        fields: vec![
            (k("cq-source"), vec![b's'; limits::NAME_BYTES_MAX + 1]),
            (k("f"), k("v")),
        ],
        no_create: false,
        trim: None,
    };
    ok(&mut e, 0, &forged);
    let redrive = Command::Redrive(Redrive {
        dead_letter: k("dl"),
        to: None,
        start: ZERO,
        end: MAX,
        count: 0,
    });
    assert!(matches!(
        err(&mut e, 1, &redrive),
        CommandError::InvalidArgument(_)
    ));

    // XCLAIM FORCE of an entry past the cursor, then a receive.
    let mut e = engine();
    simple(&mut e, 1000, 5);
    let Reply::Published { id: later, .. } = ok(
        &mut e,
        0,
        &publish_cmd("q", "x", Delay::AfterMs(10_000), None),
    ) else {
        panic!("published");
    };
    let claim = Command::Claim(Claim {
        key: k("q"),
        group: k("g"),
        consumer: k("c"),
        idle_min_ms: 0,
        ids: vec![later],
        idle_ms: None,
        time_ms: None,
        retry_count: None,
        force: true,
        just_id: true,
        last_id: None,
    });
    ok(&mut e, 1, &claim);
    assert!(receive(&mut e, 2, "c2", 5).is_empty());
    check_groups(&e);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("encode");
    decode_snapshot(&mut bytes.as_slice()).expect("the snapshot reads back");
}

#[test]
fn xadd_keeps_a_policy_streams_limits() {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            entries_max: Some(1),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch::default(),
    );
    add(&mut e, "q", 1, 0);
    let second = add_cmd("q", IdSpec::Explicit(id(2, 0)), &[("f", "v")]);
    assert!(matches!(
        err(&mut e, 2, &second),
        CommandError::QueueFull { .. }
    ));
}

#[test]
fn a_delayed_entry_counts_as_delayed_until_its_time_even_after_a_receive_passed_it() {
    let mut e = engine();
    simple(&mut e, 1000, 5);
    ok(
        &mut e,
        0,
        &publish_cmd("q", "later", Delay::AfterMs(500), None),
    );
    assert_eq!(info(&mut e, 0, "q").delayed, 1);
    assert!(receive(&mut e, 1, "c", 1).is_empty());
    assert_eq!(info(&mut e, 1, "q").delayed, 1, "waiting in the group now");
    assert_eq!(info(&mut e, 500, "q").delayed, 0);
}

#[test]
fn a_receive_on_a_group_without_a_policy_still_wakes_at_a_delay() {
    let mut e = engine();
    ok(
        &mut e,
        0,
        &publish_cmd("q", "later", Delay::AfterMs(500), None),
    );
    create_group(&mut e, "q", "g", ZERO);
    assert!(receive(&mut e, 1, "c", 1).is_empty());
    assert_eq!(e.wake_time(1, &receive_cmd("c", 1, None)), Some(500));
    let plain = Command::ReadGroup {
        group: k("g"),
        consumer: k("c"),
        streams: vec![(k("q"), GroupReadFrom::New)],
        count: None,
        no_ack: false,
    };
    assert_eq!(
        e.wake_time(1, &plain),
        None,
        "XREADGROUP of a plain group follows Redis"
    );
}
