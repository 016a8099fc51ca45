//! XINFO STREAM (and FULL), GROUPS and CONSUMERS.

use conquiet_core::*;

use crate::util::*;

fn full(e: &mut Engine, now: u64, count: u64) -> StreamInfoFull {
    match ok(
        e,
        now,
        &Command::InfoStream {
            key: k("s"),
            full: Some(count),
        },
    ) {
        Reply::StreamInfoFull(full) => *full,
        other => panic!("XINFO STREAM FULL answered {other:?}"),
    }
}

/// Redis 7.0.15's example: 8 entries, `a` read all, 2-0 3-0 5-0 deleted, a history read of 4,
/// then autoclaims by `b` and `c`.
fn busy() -> Engine {
    let mut e = engine();
    add_many(&mut e, "s", 1..=8);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, None);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(2, 0), id(3, 0), id(5, 0)],
        },
    );
    read_group(
        &mut e,
        20,
        "g",
        "a",
        "s",
        GroupReadFrom::PendingAfter(ZERO),
        Some(4),
    );
    let autoclaim = |consumer: &str, count| {
        Command::AutoClaim(AutoClaim {
            key: k("s"),
            group: k("g"),
            consumer: k(consumer),
            idle_min_ms: 0,
            start: ZERO,
            count,
            just_id: false,
        })
    };
    ok(&mut e, 30, &autoclaim("b", 2));
    ok(&mut e, 40, &autoclaim("c", 10));
    e
}

#[test]
fn xinfo_stream_reports_counters_nodes_and_edge_entries() {
    let mut e = busy();
    let info = info(&mut e, "s");
    assert_eq!(info.length, 5);
    assert_eq!(info.nodes, 1);
    assert_eq!(info.last_generated_id, id(8, 0));
    assert_eq!(info.max_deleted_id, id(5, 0));
    assert_eq!(info.entries_added, 8);
    assert_eq!(info.first_id, id(1, 0));
    assert_eq!(info.groups, 1);
    assert_eq!(info.first_entry.map(|e| e.id), Some(id(1, 0)));
    assert_eq!(info.last_entry.map(|e| e.id), Some(id(8, 0)));
    let error = err(
        &mut e,
        0,
        &Command::InfoStream {
            key: k("nokey"),
            full: None,
        },
    );
    assert_eq!(error.to_string(), "ERR no such key");
}

#[test]
fn xinfo_stream_full_limits_entries_and_every_pel_by_count() {
    let mut e = busy();
    let one = full(&mut e, 50, 1);
    assert_eq!((one.length, one.nodes, one.entries_added), (5, 1, 8));
    assert_eq!(ids_of(&one.entries), vec![id(1, 0)]);
    let g = &one.groups[0];
    assert_eq!(
        (
            g.info.name.clone(),
            g.info.pending,
            g.info.entries_read,
            g.info.lag
        ),
        (k("g"), 5, Some(8), Some(0))
    );
    assert_eq!(g.pending.len(), 1);
    assert_eq!(
        (
            g.pending[0].id,
            g.pending[0].consumer.clone(),
            g.pending[0].delivery_count
        ),
        (id(1, 0), k("c"), 4)
    );
    let names: Vec<Vec<u8>> = g.consumers.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, vec![k("a"), k("b"), k("c")]);
    let c = &g.consumers[2];
    assert_eq!((c.seen_time, c.pel_count, c.pending.len()), (40, 5, 1));
    assert_eq!(
        (c.pending[0].delivery_time, c.pending[0].delivery_count),
        (40, 4)
    );
    // COUNT 0 means everything.
    let all = full(&mut e, 50, 0);
    assert_eq!(
        ids_of(&all.entries),
        [1, 4, 6, 7, 8]
            .iter()
            .map(|&m| id(m, 0))
            .collect::<Vec<_>>()
    );
    assert_eq!(all.groups[0].pending.len(), 5);
    assert_eq!(all.groups[0].consumers[2].pending.len(), 5);
}

#[test]
fn xinfo_groups_lists_groups_by_name_and_needs_the_key() {
    let mut e = busy();
    create_group(&mut e, "s", "another", id(8, 0));
    let all = groups(&mut e, 0, "s");
    let names: Vec<Vec<u8>> = all.iter().map(|g| g.name.clone()).collect();
    assert_eq!(names, vec![k("another"), k("g")]);
    assert_eq!(
        (all[1].consumers, all[1].pending, all[1].last_delivered_id),
        (3, 5, id(8, 0))
    );
    let error = err(&mut e, 0, &Command::InfoGroups { key: k("nokey") });
    assert_eq!(error.to_string(), "ERR no such key");
}

#[test]
fn xinfo_groups_on_a_never_used_stream_has_lag_zero() {
    let mut e = engine();
    let create = Command::GroupCreate {
        key: k("s"),
        group: k("g"),
        start: GroupStart::Last,
        make_stream: true,
        entries_read: None,
    };
    ok(&mut e, 0, &create);
    let g = group_info(&mut e, "s", "g");
    assert_eq!((g.entries_read, g.lag), (None, Some(0)));
}

#[test]
fn xinfo_consumers_reports_pending_idle_and_inactive_times() {
    let mut e = busy();
    let got = consumers(&mut e, 100, "s", "g");
    let rows: Vec<(Vec<u8>, u64, u64, Option<u64>)> = got
        .into_iter()
        .map(|c| (c.name, c.pending, c.idle_ms, c.inactive_ms))
        .collect();
    // `b` claimed 1-0, then `c` took it: b's last claim was at 30.
    assert_eq!(
        rows,
        vec![
            (k("a"), 0, 80, Some(80)),
            (k("b"), 0, 70, Some(70)),
            (k("c"), 5, 60, Some(60))
        ]
    );
    let error = err(
        &mut e,
        0,
        &Command::InfoConsumers {
            key: k("s"),
            group: k("x"),
        },
    );
    assert_eq!(
        error.to_string(),
        "NOGROUP No such consumer group 'x' for key name 's'"
    );
    let error = err(
        &mut e,
        0,
        &Command::InfoConsumers {
            key: k("nokey"),
            group: k("g"),
        },
    );
    assert_eq!(error.to_string(), "ERR no such key");
}

#[test]
fn info_commands_are_reads() {
    let e = busy();
    for command in [
        Command::InfoStream {
            key: k("s"),
            full: None,
        },
        Command::InfoStream {
            key: k("s"),
            full: Some(0),
        },
        Command::InfoGroups { key: k("s") },
        Command::InfoConsumers {
            key: k("s"),
            group: k("g"),
        },
        Command::Pending {
            key: k("s"),
            group: k("g"),
            range: None,
        },
    ] {
        assert!(!is_write(&e, 0, &command), "{command:?}");
        assert!(!command.is_write(), "{command:?}");
    }
}
