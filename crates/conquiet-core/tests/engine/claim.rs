//! XCLAIM and all its options.

use conquiet_core::*;

use crate::util::*;

fn claim(consumer: &str, idle_min_ms: u64, ids: &[StreamId]) -> Claim {
    Claim {
        key: k("s"),
        group: k("g"),
        consumer: k(consumer),
        idle_min_ms,
        ids: ids.to_vec(),
        idle_ms: None,
        time_ms: None,
        retry_count: None,
        force: false,
        just_id: false,
        last_id: None,
    }
}

fn ms(list: &[u64]) -> Vec<StreamId> {
    list.iter().map(|&m| id(m, 0)).collect()
}

/// Five entries; `a` read 1..=3 at time 100.
fn setup() -> Engine {
    let mut e = engine();
    add_many(&mut e, "s", 1..=5);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 100, "g", "a", "s", GroupReadFrom::New, Some(3));
    e
}

fn idle_of(e: &mut Engine, now: u64) -> Vec<u64> {
    let range = PendingRange {
        idle_min_ms: None,
        start: ZERO,
        end: MAX,
        count: 100,
        consumer: None,
    };
    pending_range(e, now, "s", "g", range)
        .into_iter()
        .map(|p| p.idle_ms)
        .collect()
}

#[test]
fn xclaim_moves_idle_entries_counts_a_delivery_and_answers_them() {
    let mut e = setup();
    let reply = ok(&mut e, 200, &Command::Claim(claim("b", 100, &ms(&[1, 2]))));
    assert_eq!(ids_of(&entries(reply)), ms(&[1, 2]));
    let expected = vec![
        (id(1, 0), "b".into(), 2),
        (id(2, 0), "b".into(), 2),
        (id(3, 0), "a".into(), 1),
    ];
    assert_eq!(pel(&mut e, "s", "g"), expected);
    assert_eq!(idle_of(&mut e, 250), vec![50, 50, 150]);
    check_groups(&e);
}

#[test]
fn xclaim_skips_entries_not_idle_enough_and_creates_no_consumer_for_nothing() {
    let mut e = setup();
    let reply = ok(&mut e, 150, &Command::Claim(claim("b", 100, &ms(&[1, 2]))));
    assert_eq!(reply, Reply::Entries(Vec::new()));
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("a")]);
    // Not pending at all, without FORCE: nothing either.
    let reply = ok(&mut e, 150, &Command::Claim(claim("b", 0, &ms(&[4]))));
    assert_eq!(reply, Reply::Entries(Vec::new()));
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("a")]);
}

#[test]
fn xclaim_idle_and_time_set_the_delivery_time_clamped_to_now() {
    let mut e = setup();
    let mut c = claim("b", 0, &ms(&[1]));
    c.idle_ms = Some(70);
    ok(&mut e, 1000, &Command::Claim(c.clone()));
    assert_eq!(idle_of(&mut e, 1000)[0], 70);
    // An IDLE longer than the clock means "now", as in Redis.
    c.idle_ms = Some(5000);
    ok(&mut e, 1000, &Command::Claim(c.clone()));
    assert_eq!(idle_of(&mut e, 1000)[0], 0);
    c.idle_ms = None;
    c.time_ms = Some(400);
    ok(&mut e, 1000, &Command::Claim(c.clone()));
    assert_eq!(idle_of(&mut e, 1000)[0], 600);
    c.time_ms = Some(99_999);
    ok(&mut e, 1000, &Command::Claim(c));
    assert_eq!(idle_of(&mut e, 1000)[0], 0);
}

#[test]
fn xclaim_retrycount_sets_the_count_and_justid_leaves_it() {
    let mut e = setup();
    let mut c = claim("b", 0, &ms(&[1, 2]));
    c.retry_count = Some(7);
    ok(&mut e, 200, &Command::Claim(c));
    let mut c = claim("c", 0, &ms(&[1, 3]));
    c.just_id = true;
    assert_eq!(ok(&mut e, 300, &Command::Claim(c)), Reply::Ids(ms(&[1, 3])));
    let expected = vec![
        (id(1, 0), "c".into(), 7),
        (id(2, 0), "b".into(), 7),
        (id(3, 0), "c".into(), 1),
    ];
    assert_eq!(pel(&mut e, "s", "g"), expected);
    assert_eq!(idle_of(&mut e, 300), vec![0, 100, 0]);
}

#[test]
fn xclaim_force_creates_pending_entries_only_for_existing_entries() {
    let mut e = setup();
    let mut c = claim("f", 1_000_000, &ms(&[4, 9]));
    c.force = true;
    // FORCE ignores the min idle time for entries it creates; 9-0 does not exist.
    assert_eq!(
        ids_of(&entries(ok(&mut e, 200, &Command::Claim(c.clone())))),
        ms(&[4])
    );
    c.ids = ms(&[5]);
    c.just_id = true;
    assert_eq!(ok(&mut e, 200, &Command::Claim(c)), Reply::Ids(ms(&[5])));
    let forced: Vec<(StreamId, String, u64)> = pel(&mut e, "s", "g").into_iter().skip(3).collect();
    assert_eq!(
        forced,
        vec![(id(4, 0), "f".into(), 2), (id(5, 0), "f".into(), 1)]
    );
    check_groups(&e);
}

#[test]
fn xclaim_drops_deleted_entries_from_the_pel_without_answering_them() {
    let mut e = setup();
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: ms(&[2, 4]),
        },
    );
    let mut c = claim("b", 0, &ms(&[2, 3, 4]));
    c.force = true;
    c.just_id = true;
    assert_eq!(ok(&mut e, 200, &Command::Claim(c)), Reply::Ids(ms(&[3])));
    let expected = vec![(id(1, 0), "a".into(), 1), (id(3, 0), "b".into(), 1)];
    assert_eq!(pel(&mut e, "s", "g"), expected);
    check_groups(&e);
}

#[test]
fn xclaim_lastid_only_moves_the_group_forward_even_when_nothing_is_claimed() {
    let mut e = setup();
    let mut c = claim("b", 1_000_000, &ms(&[1]));
    c.last_id = Some(id(4, 0));
    ok(&mut e, 200, &Command::Claim(c.clone()));
    assert_eq!(group_info(&mut e, "s", "g").last_delivered_id, id(4, 0));
    c.last_id = Some(id(2, 0));
    ok(&mut e, 200, &Command::Claim(c));
    assert_eq!(group_info(&mut e, "s", "g").last_delivered_id, id(4, 0));
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("a")]);
}

#[test]
fn xclaim_without_the_group_is_nogroup() {
    let mut e = setup();
    let mut c = claim("b", 0, &ms(&[1]));
    c.group = k("x");
    let error = err(&mut e, 0, &Command::Claim(c.clone()));
    assert_eq!(
        error.to_string(),
        "NOGROUP No such key 's' or consumer group 'x'"
    );
    c.key = k("nokey");
    c.group = k("g");
    let error = err(&mut e, 0, &Command::Claim(c));
    assert_eq!(
        error.to_string(),
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    );
}
