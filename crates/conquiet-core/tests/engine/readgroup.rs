//! XREADGROUP and XACK.

use conquiet_core::*;

use crate::util::*;

const NEW: GroupReadFrom = GroupReadFrom::New;

fn history(after: StreamId) -> GroupReadFrom {
    GroupReadFrom::PendingAfter(after)
}

fn live(ids: &[u64]) -> Vec<(StreamId, bool)> {
    ids.iter().map(|&m| (id(m, 0), true)).collect()
}

fn setup() -> Engine {
    let mut e = engine();
    add_many(&mut e, "s", 1..=5);
    create_group(&mut e, "s", "g", ZERO);
    e
}

fn ack(e: &mut Engine, ids: &[StreamId]) -> i64 {
    int(ok(
        e,
        0,
        &Command::Ack {
            key: k("s"),
            group: k("g"),
            ids: ids.to_vec(),
        },
    ))
}

#[test]
fn new_reads_deliver_in_order_advance_the_group_and_fill_the_pel() {
    let mut e = setup();
    assert_eq!(
        read_group(&mut e, 10, "g", "a", "s", NEW, Some(2)),
        live(&[1, 2])
    );
    assert_eq!(
        read_group(&mut e, 20, "g", "b", "s", NEW, None),
        live(&[3, 4, 5])
    );
    let g = group_info(&mut e, "s", "g");
    assert_eq!(
        (g.last_delivered_id, g.entries_read, g.lag, g.pending),
        (id(5, 0), Some(5), Some(0), 5)
    );
    let expected: Vec<(StreamId, String, u64)> = (1..=5)
        .map(|m| (id(m, 0), if m <= 2 { "a" } else { "b" }.to_string(), 1))
        .collect();
    assert_eq!(pel(&mut e, "s", "g"), expected);
    assert_eq!(read_group(&mut e, 30, "g", "a", "s", NEW, None), Vec::new());
    check_groups(&e);
}

#[test]
fn count_zero_reads_everything() {
    let mut e = setup();
    assert_eq!(
        read_group(&mut e, 10, "g", "a", "s", NEW, Some(0)),
        live(&[1, 2, 3, 4, 5])
    );
    assert_eq!(
        read_group(&mut e, 10, "g", "a", "s", history(ZERO), Some(0)),
        live(&[1, 2, 3, 4, 5])
    );
}

#[test]
fn a_new_read_with_nothing_to_deliver_changes_nothing_not_even_the_consumer() {
    let mut e = setup();
    read_group(&mut e, 10, "g", "a", "s", NEW, None);
    let command = read_group_cmd("g", "a", "s", NEW, None);
    assert!(
        !is_write(&e, 500, &command),
        "an empty read needs no log record"
    );
    assert_eq!(ok(&mut e, 500, &command), Reply::Read(None));
    // Redis does not refresh the seen-time, nor create a new consumer.
    assert_eq!(consumers(&mut e, 1000, "s", "g")[0].idle_ms, 990);
    assert_eq!(
        read_group(&mut e, 500, "g", "newcomer", "s", NEW, None),
        Vec::new()
    );
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("a")]);
    // Entries after the last id that are all deleted are nothing to deliver either.
    add(&mut e, "s", 6, 0);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(6, 0)],
        },
    );
    assert!(!is_write(
        &e,
        500,
        &read_group_cmd("g", "newcomer", "s", NEW, None)
    ));
}

#[test]
fn a_history_read_creates_the_consumer_and_answers_the_stream_even_when_empty() {
    let mut e = setup();
    let reply = ok(
        &mut e,
        10,
        &read_group_cmd("g", "c", "s", history(ZERO), None),
    );
    let expected = StreamRead {
        key: k("s"),
        items: Vec::new(),
    };
    assert_eq!(reply, Reply::Read(Some(vec![expected])));
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("c")]);
}

#[test]
fn history_reads_return_own_pending_entries_after_the_id_and_count_deliveries() {
    let mut e = setup();
    read_group(&mut e, 10, "g", "a", "s", NEW, Some(3));
    read_group(&mut e, 10, "g", "b", "s", NEW, None);
    assert_eq!(
        read_group(&mut e, 20, "g", "a", "s", history(id(1, 0)), None),
        live(&[2, 3])
    );
    assert_eq!(
        read_group(&mut e, 20, "g", "a", "s", history(ZERO), Some(1)),
        live(&[1])
    );
    let counts: Vec<u64> = pel(&mut e, "s", "g").into_iter().map(|p| p.2).collect();
    assert_eq!(counts, vec![2, 2, 2, 1, 1]);
    // The group's last id does not move on a history read.
    assert_eq!(group_info(&mut e, "s", "g").last_delivered_id, id(5, 0));
}

#[test]
fn history_reads_answer_deleted_entries_with_no_data_and_leave_their_count() {
    // Redis 7.0.15: 8 entries read by `a`, 2-0 3-0 5-0 deleted, then COUNT 4 from 0.
    let mut e = engine();
    add_many(&mut e, "s", 1..=8);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", NEW, None);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(2, 0), id(3, 0), id(5, 0)],
        },
    );
    let got = read_group(&mut e, 20, "g", "a", "s", history(ZERO), Some(4));
    let expected = vec![
        (id(1, 0), true),
        (id(2, 0), false),
        (id(3, 0), false),
        (id(4, 0), true),
    ];
    assert_eq!(got, expected);
    let counts: Vec<u64> = pel(&mut e, "s", "g").into_iter().map(|p| p.2).collect();
    assert_eq!(counts, vec![2, 1, 1, 2, 1, 1, 1, 1]);
}

#[test]
fn noack_reads_advance_the_group_without_pending_entries() {
    let mut e = setup();
    let mut command = read_group_cmd("g", "n", "s", NEW, Some(2));
    if let Command::ReadGroup { no_ack, .. } = &mut command {
        *no_ack = true;
    }
    ok(&mut e, 10, &command);
    let g = group_info(&mut e, "s", "g");
    assert_eq!(
        (g.last_delivered_id, g.entries_read, g.pending, g.consumers),
        (id(2, 0), Some(2), 0, 1)
    );
}

#[test]
fn a_new_read_after_setid_redelivers_to_the_new_reader_with_count_one() {
    let mut e = setup();
    read_group(&mut e, 10, "g", "a", "s", NEW, Some(2));
    read_group(&mut e, 20, "g", "a", "s", history(ZERO), None);
    assert_eq!(pel(&mut e, "s", "g")[0].2, 2);
    let setid = Command::GroupSetId {
        key: k("s"),
        group: k("g"),
        start: GroupStart::Id(ZERO),
        entries_read: None,
    };
    ok(&mut e, 0, &setid);
    assert_eq!(
        read_group(&mut e, 30, "g", "b", "s", NEW, Some(1)),
        live(&[1])
    );
    let expected = vec![
        (id(1, 0), "b".to_string(), 1),
        (id(2, 0), "a".to_string(), 2),
    ];
    assert_eq!(pel(&mut e, "s", "g"), expected);
    let c: Vec<(Vec<u8>, u64)> = consumers(&mut e, 30, "s", "g")
        .into_iter()
        .map(|c| (c.name, c.pending))
        .collect();
    assert_eq!(c, vec![(k("a"), 1), (k("b"), 1)]);
    check_groups(&e);
}

#[test]
fn a_read_of_several_streams_answers_those_with_something_in_order() {
    let mut e = setup();
    add(&mut e, "t", 1, 0);
    create_group(&mut e, "t", "g", ZERO);
    let mkstream = Command::GroupCreate {
        key: k("empty"),
        group: k("g"),
        start: GroupStart::Last,
        make_stream: true,
        entries_read: None,
    };
    ok(&mut e, 0, &mkstream);
    let command = Command::ReadGroup {
        group: k("g"),
        consumer: k("c"),
        streams: vec![(k("t"), NEW), (k("empty"), NEW), (k("s"), NEW)],
        count: Some(1),
        no_ack: false,
    };
    let Reply::Read(Some(streams)) = ok(&mut e, 10, &command) else {
        panic!("something to read");
    };
    let keys: Vec<Vec<u8>> = streams.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys, vec![k("t"), k("s")]);
    // Only the groups that delivered got the consumer.
    assert_eq!(consumer_names(&mut e, "empty", "g"), Vec::<Vec<u8>>::new());
    assert_eq!(consumer_names(&mut e, "t", "g"), vec![k("c")]);
}

#[test]
fn a_missing_key_or_group_is_nogroup_with_redis_text() {
    let mut e = setup();
    for (key, group) in [("s", "x"), ("nokey", "g")] {
        let error = err(&mut e, 0, &read_group_cmd(group, "c", key, NEW, None));
        let text = format!(
            "NOGROUP No such key '{key}' or consumer group '{group}' in XREADGROUP with GROUP option"
        );
        assert_eq!(error.to_string(), text);
    }
}

#[test]
fn xack_counts_acknowledged_entries_once() {
    let mut e = setup();
    read_group(&mut e, 10, "g", "a", "s", NEW, Some(3));
    assert_eq!(
        ack(&mut e, &[id(1, 0), id(1, 0), id(3, 0), id(4, 0), id(9, 0)]),
        2
    );
    assert_eq!(pel(&mut e, "s", "g"), vec![(id(2, 0), "a".to_string(), 1)]);
    assert!(!is_write(
        &e,
        0,
        &Command::Ack {
            key: k("s"),
            group: k("g"),
            ids: vec![id(1, 0)]
        }
    ));
    assert_eq!(ack(&mut e, &[id(1, 0)]), 0);
    let missing = Command::Ack {
        key: k("nokey"),
        group: k("g"),
        ids: vec![id(1, 0)],
    };
    assert_eq!(ok(&mut e, 0, &missing), Reply::Int(0));
    assert_eq!(consumers(&mut e, 10, "s", "g")[0].pending, 1);
    check_groups(&e);
}

#[test]
fn entries_read_and_lag_follow_redis_through_deletes_and_trims() {
    // Each step checked against Redis 7.0.15.
    let mut e = setup();
    let state = |e: &mut Engine, g: &str| {
        let info = group_info(e, "s", g);
        (info.entries_read, info.lag)
    };
    assert_eq!(state(&mut e, "g"), (None, Some(5)));
    read_group(&mut e, 10, "g", "c", "s", NEW, Some(2));
    assert_eq!(state(&mut e, "g"), (Some(2), Some(3)));
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(4, 0)],
        },
    );
    assert_eq!(state(&mut e, "g"), (Some(2), None));
    read_group(&mut e, 10, "g", "c", "s", NEW, Some(1));
    assert_eq!(state(&mut e, "g"), (None, None));
    read_group(&mut e, 10, "g", "c", "s", NEW, None);
    assert_eq!(state(&mut e, "g"), (Some(5), Some(0)));
    create_group(&mut e, "s", "i", id(1, 0));
    let create_j = Command::GroupCreate {
        key: k("s"),
        group: k("j"),
        start: GroupStart::Id(ZERO),
        make_stream: false,
        entries_read: Some(0),
    };
    ok(&mut e, 0, &create_j);
    assert_eq!(state(&mut e, "i"), (None, None));
    assert_eq!(state(&mut e, "j"), (Some(0), None));
    let trim = Trim {
        to: TrimTo::MaxLen(1),
        approx: false,
        limit: 0,
    };
    ok(&mut e, 0, &Command::Trim { key: k("s"), trim });
    assert_eq!(state(&mut e, "i"), (None, Some(1)));
    assert_eq!(state(&mut e, "j"), (Some(0), Some(5)));
}

#[test]
fn entries_read_and_lag_follow_redis_through_deletes_before_and_after_the_group() {
    // Each step checked against Redis 7.0.15.
    let mut e = setup();
    let state = |e: &mut Engine| {
        let info = group_info(e, "s", "g");
        (info.last_delivered_id.ms, info.entries_read, info.lag)
    };
    let del = |e: &mut Engine, ms| {
        ok(
            e,
            0,
            &Command::Delete {
                key: k("s"),
                ids: vec![id(ms, 0)],
            },
        )
    };
    read_group(&mut e, 10, "g", "c", "s", NEW, Some(2));
    assert_eq!(state(&mut e), (2, Some(2), Some(3)));
    // Deletes at or before the first entry leave no tombstone ahead of the group.
    del(&mut e, 1);
    del(&mut e, 2);
    assert_eq!(state(&mut e), (2, Some(2), Some(3)));
    read_group(&mut e, 10, "g", "c", "s", NEW, Some(1));
    assert_eq!(state(&mut e), (3, Some(3), Some(2)));
    del(&mut e, 5);
    assert_eq!(state(&mut e), (3, Some(3), None));
    add(&mut e, "s", 6, 0);
    assert_eq!(state(&mut e), (3, Some(3), None));
    read_group(&mut e, 10, "g", "c", "s", NEW, Some(1));
    assert_eq!(state(&mut e), (4, None, None));
    read_group(&mut e, 10, "g", "c", "s", NEW, None);
    assert_eq!(state(&mut e), (6, Some(6), Some(0)));
    let trim = Trim {
        to: TrimTo::MaxLen(0),
        approx: false,
        limit: 0,
    };
    ok(&mut e, 0, &Command::Trim { key: k("s"), trim });
    assert_eq!(state(&mut e), (6, Some(6), Some(0)));
    add(&mut e, "s", 7, 0);
    assert_eq!(state(&mut e), (6, Some(6), Some(1)));
    for start in [0, 3] {
        let setid = Command::GroupSetId {
            key: k("s"),
            group: k("g"),
            start: GroupStart::Id(id(start, 0)),
            entries_read: None,
        };
        ok(&mut e, 0, &setid);
        assert_eq!(state(&mut e), (start, None, Some(1)));
    }
}
