//! XDEL and the counters it keeps.

use conquiet_core::*;

use crate::util::*;

fn del(e: &mut Engine, key: &str, ids: &[StreamId]) -> i64 {
    int(ok(
        e,
        0,
        &Command::Delete {
            key: k(key),
            ids: ids.to_vec(),
        },
    ))
}

#[test]
fn xdel_counts_only_existing_entries_and_tracks_the_largest_deleted_id() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=5);
    assert_eq!(
        del(&mut e, "s", &[id(4, 0), id(2, 0), id(9, 0), id(4, 0)]),
        2
    );
    let info = info(&mut e, "s");
    assert_eq!(info.length, 3);
    assert_eq!(info.max_deleted_id, id(4, 0));
    assert_eq!(info.entries_added, 5);
    assert_eq!(info.first_id, id(1, 0));
    assert_eq!(info.last_generated_id, id(5, 0));
    // A smaller deleted id does not lower the maximum.
    assert_eq!(del(&mut e, "s", &[id(1, 0)]), 1);
    let info = crate::util::info(&mut e, "s");
    assert_eq!(info.max_deleted_id, id(4, 0));
    assert_eq!(info.first_id, id(3, 0));
    assert_eq!(all_ids(&mut e, "s"), vec![id(3, 0), id(5, 0)]);
}

#[test]
fn xdel_of_nothing_needs_no_log_record() {
    let mut e = engine();
    add(&mut e, "s", 1, 0);
    let missing = Command::Delete {
        key: k("s"),
        ids: vec![id(2, 0)],
    };
    assert!(!is_write(&e, 0, &missing));
    assert_eq!(ok(&mut e, 0, &missing), Reply::Int(0));
    let no_key = Command::Delete {
        key: k("nokey"),
        ids: vec![id(1, 0)],
    };
    assert_eq!(ok(&mut e, 0, &no_key), Reply::Int(0));
}

#[test]
fn deleting_every_entry_keeps_the_key_with_no_nodes_and_a_zero_first_id() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    assert_eq!(del(&mut e, "s", &[id(1, 0), id(2, 0), id(3, 0)]), 3);
    let info = info(&mut e, "s");
    assert_eq!(
        (info.length, info.nodes, info.first_id, info.max_deleted_id),
        (0, 0, ZERO, id(3, 0))
    );
    assert_eq!((info.first_entry, info.last_entry), (None, None));
    assert_eq!(e.stream_count(), 1);
}

#[test]
fn a_node_goes_when_its_last_live_entry_is_deleted() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=150);
    assert_eq!(info(&mut e, "s").nodes, 2);
    let tail: Vec<StreamId> = (101..=150).map(|ms| id(ms, 0)).collect();
    assert_eq!(del(&mut e, "s", &tail), 50);
    assert_eq!(info(&mut e, "s").nodes, 1);
    // Deleted slots still count towards the node's entry limit: 1..=100 stay one node, so the
    // next entry opens a new one.
    add(&mut e, "s", 151, 0);
    assert_eq!(info(&mut e, "s").nodes, 2);
}
