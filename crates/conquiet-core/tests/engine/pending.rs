//! XPENDING, summary and extended.

use conquiet_core::*;

use crate::util::*;

/// `a` holds 1 and 2 (delivered at 100), `b` holds 3 (at 300), `c` exists with nothing.
fn setup() -> Engine {
    let mut e = engine();
    add_many(&mut e, "s", 1..=4);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 100, "g", "a", "s", GroupReadFrom::New, Some(2));
    read_group(&mut e, 300, "g", "b", "s", GroupReadFrom::New, Some(1));
    ok(
        &mut e,
        0,
        &Command::ConsumerCreate {
            key: k("s"),
            group: k("g"),
            consumer: k("c"),
        },
    );
    e
}

fn range(
    idle: Option<u64>,
    start: StreamId,
    end: StreamId,
    count: u64,
    consumer: Option<&str>,
) -> PendingRange {
    PendingRange {
        idle_min_ms: idle,
        start,
        end,
        count,
        consumer: consumer.map(k),
    }
}

fn rows(items: Vec<PendingItem>) -> Vec<(StreamId, Vec<u8>, u64, u64)> {
    items
        .into_iter()
        .map(|p| (p.id, p.consumer, p.idle_ms, p.delivery_count))
        .collect()
}

#[test]
fn the_summary_counts_bounds_and_consumers_with_something_pending() {
    let mut e = setup();
    let command = Command::Pending {
        key: k("s"),
        group: k("g"),
        range: None,
    };
    let expected = PendingSummary {
        count: 3,
        bounds: Some((id(1, 0), id(3, 0))),
        consumers: vec![(k("a"), 2), (k("b"), 1)],
    };
    assert_eq!(ok(&mut e, 0, &command), Reply::PendingSummary(expected));
    ok(
        &mut e,
        0,
        &Command::Ack {
            key: k("s"),
            group: k("g"),
            ids: vec![id(1, 0), id(2, 0), id(3, 0)],
        },
    );
    let empty = PendingSummary {
        count: 0,
        bounds: None,
        consumers: Vec::new(),
    };
    assert_eq!(ok(&mut e, 0, &command), Reply::PendingSummary(empty));
}

#[test]
fn the_extended_form_answers_id_owner_idle_and_count_within_bounds() {
    let mut e = setup();
    let all = pending_range(&mut e, 400, "s", "g", range(None, ZERO, MAX, 10, None));
    let expected = vec![
        (id(1, 0), k("a"), 300, 1),
        (id(2, 0), k("a"), 300, 1),
        (id(3, 0), k("b"), 100, 1),
    ];
    assert_eq!(rows(all), expected);
    let inner = pending_range(
        &mut e,
        400,
        "s",
        "g",
        range(None, id(2, 0), id(3, 0), 1, None),
    );
    assert_eq!(rows(inner), vec![(id(2, 0), k("a"), 300, 1)]);
    let reversed = pending_range(
        &mut e,
        400,
        "s",
        "g",
        range(None, id(3, 0), id(2, 0), 10, None),
    );
    assert_eq!(reversed, Vec::new());
}

#[test]
fn count_zero_answers_nothing() {
    let mut e = setup();
    assert_eq!(
        pending_range(&mut e, 400, "s", "g", range(None, ZERO, MAX, 0, None)),
        Vec::new()
    );
}

#[test]
fn the_consumer_filter_keeps_its_entries_and_an_unknown_consumer_has_none() {
    let mut e = setup();
    let b = pending_range(&mut e, 400, "s", "g", range(None, ZERO, MAX, 10, Some("b")));
    assert_eq!(rows(b), vec![(id(3, 0), k("b"), 100, 1)]);
    assert_eq!(
        pending_range(&mut e, 400, "s", "g", range(None, ZERO, MAX, 10, Some("c"))),
        Vec::new()
    );
    assert_eq!(
        pending_range(&mut e, 400, "s", "g", range(None, ZERO, MAX, 10, Some("x"))),
        Vec::new()
    );
}

#[test]
fn the_idle_filter_skips_fresh_entries_without_using_up_count() {
    let mut e = setup();
    let old = pending_range(&mut e, 400, "s", "g", range(Some(200), ZERO, MAX, 10, None));
    assert_eq!(
        old.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![id(1, 0), id(2, 0)]
    );
    let fresh_first = pending_range(
        &mut e,
        400,
        "s",
        "g",
        range(Some(150), id(3, 0), MAX, 1, None),
    );
    assert_eq!(fresh_first, Vec::new());
    let with_owner = pending_range(
        &mut e,
        400,
        "s",
        "g",
        range(Some(100), ZERO, MAX, 10, Some("b")),
    );
    assert_eq!(rows(with_owner), vec![(id(3, 0), k("b"), 100, 1)]);
}

#[test]
fn xpending_without_the_group_is_nogroup() {
    let mut e = setup();
    for (key, group) in [("s", "x"), ("nokey", "g")] {
        let command = Command::Pending {
            key: k(key),
            group: k(group),
            range: None,
        };
        let text = format!("NOGROUP No such key '{key}' or consumer group '{group}'");
        assert_eq!(err(&mut e, 0, &command).to_string(), text);
    }
}
