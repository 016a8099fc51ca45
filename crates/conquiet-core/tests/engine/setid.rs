//! XSETID: its errors, ENTRIESADDED and MAXDELETEDID.

use conquiet_core::*;

use crate::util::*;

fn setid(last: StreamId, added: Option<u64>, max_deleted: Option<StreamId>) -> Command {
    Command::SetId {
        key: k("s"),
        last_id: last,
        entries_added: added,
        max_deleted_id: max_deleted,
    }
}

fn two_entries() -> Engine {
    let mut e = engine();
    add(&mut e, "s", 5, 0);
    add(&mut e, "s", 6, 0);
    e
}

#[test]
fn xsetid_refuses_a_missing_key_with_redis_text() {
    let mut e = engine();
    let error = err(&mut e, 0, &setid(id(1, 0), None, None));
    assert_eq!(error.to_string(), "ERR no such key");
}

#[test]
fn xsetid_refuses_an_id_below_the_last_entry() {
    let mut e = two_entries();
    let error = err(&mut e, 0, &setid(id(5, 0), None, None));
    assert_eq!(
        error.to_string(),
        "ERR The ID specified in XSETID is smaller than the target stream top item"
    );
    // Equal to the last entry is fine.
    assert_eq!(ok(&mut e, 0, &setid(id(6, 0), None, None)), Reply::Ok);
}

#[test]
fn xsetid_refuses_entries_added_below_the_length() {
    let mut e = two_entries();
    let error = err(&mut e, 0, &setid(id(7, 0), Some(1), None));
    assert_eq!(
        error.to_string(),
        "ERR The entries_added specified in XSETID is smaller than the target stream length"
    );
}

#[test]
fn xsetid_refuses_a_max_deleted_id_above_the_new_id_even_for_a_missing_key() {
    let mut e = two_entries();
    let error = err(&mut e, 0, &setid(id(7, 0), None, Some(id(8, 0))));
    let text = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
    assert_eq!(error.to_string(), text);
    let mut empty = engine();
    assert_eq!(
        err(&mut empty, 0, &setid(id(7, 0), None, Some(id(8, 0)))).to_string(),
        text
    );
}

#[test]
fn xsetid_sets_last_id_entries_added_and_max_deleted_id() {
    let mut e = two_entries();
    assert_eq!(
        ok(&mut e, 0, &setid(id(7, 0), Some(10), Some(id(3, 0)))),
        Reply::Ok
    );
    let info = info(&mut e, "s");
    assert_eq!(
        (
            info.last_generated_id,
            info.entries_added,
            info.max_deleted_id
        ),
        (id(7, 0), 10, id(3, 0))
    );
    // MAXDELETEDID 0-0 leaves the value alone, as in Redis.
    ok(&mut e, 0, &setid(id(7, 0), None, Some(ZERO)));
    assert_eq!(crate::util::info(&mut e, "s").max_deleted_id, id(3, 0));
    assert_eq!(
        ok(&mut e, 0, &add_cmd("s", IdSpec::AutoSeq(7), &[("f", "v")])),
        Reply::Id(id(7, 1))
    );
    assert_eq!(crate::util::info(&mut e, "s").entries_added, 11);
}

#[test]
fn xsetid_on_an_emptied_stream_may_go_below_the_old_last_id() {
    let mut e = two_entries();
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(5, 0), id(6, 0)],
        },
    );
    assert_eq!(ok(&mut e, 0, &setid(id(1, 0), Some(0), None)), Reply::Ok);
    let info = info(&mut e, "s");
    assert_eq!(
        (
            info.length,
            info.last_generated_id,
            info.max_deleted_id,
            info.entries_added
        ),
        (0, id(1, 0), id(6, 0), 0)
    );
    assert_eq!(add(&mut e, "s", 2, 0), id(2, 0));
}
