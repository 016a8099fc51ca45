//! XGROUP CREATE / SETID / DESTROY / CREATECONSUMER / DELCONSUMER.

use conquiet_core::*;

use crate::util::*;

fn create(key: &str, group: &str, start: GroupStart, mkstream: bool, read: Option<u64>) -> Command {
    Command::GroupCreate {
        key: k(key),
        group: k(group),
        start,
        make_stream: mkstream,
        entries_read: read,
    }
}

fn at(ms: u64) -> GroupStart {
    GroupStart::Id(id(ms, 0))
}

#[test]
fn create_starts_at_an_id_or_at_the_last_id_with_dollar() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(3, 0)],
        },
    );
    assert_eq!(
        ok(&mut e, 0, &create("s", "g", at(1), false, None)),
        Reply::Ok
    );
    assert_eq!(
        ok(&mut e, 0, &create("s", "h", GroupStart::Last, false, None)),
        Reply::Ok
    );
    let h = group_info(&mut e, "s", "h");
    assert_eq!(
        (h.last_delivered_id, h.entries_read, h.lag),
        (id(3, 0), None, Some(0))
    );
    let g = group_info(&mut e, "s", "g");
    assert_eq!(
        (g.last_delivered_id, g.consumers, g.pending),
        (id(1, 0), 0, 0)
    );
    assert_eq!(info(&mut e, "s").groups, 2);
}

#[test]
fn create_on_a_missing_key_needs_mkstream() {
    let mut e = engine();
    let error = err(&mut e, 0, &create("s", "g", GroupStart::Last, false, None));
    assert_eq!(
        error.to_string(),
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want \
         to use the MKSTREAM option to create an empty stream automatically."
    );
    assert_eq!(e.stream_count(), 0);
    assert_eq!(
        ok(&mut e, 0, &create("s", "g", GroupStart::Last, true, None)),
        Reply::Ok
    );
    let info = info(&mut e, "s");
    assert_eq!(
        (info.length, info.groups, info.last_generated_id),
        (0, 1, ZERO)
    );
    let g = group_info(&mut e, "s", "g");
    assert_eq!((g.entries_read, g.lag), (None, Some(0)));
}

#[test]
fn create_twice_is_busygroup() {
    let mut e = engine();
    ok(&mut e, 0, &create("s", "g", at(0), true, None));
    let error = err(&mut e, 0, &create("s", "g", at(0), true, None));
    assert_eq!(
        error.to_string(),
        "BUSYGROUP Consumer Group name already exists"
    );
}

#[test]
fn create_with_entriesread_sets_the_counter_and_lag_may_go_negative() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=2);
    ok(&mut e, 0, &create("s", "g", at(0), false, Some(100)));
    ok(&mut e, 0, &create("s", "h", at(0), false, Some(1)));
    let g = group_info(&mut e, "s", "g");
    assert_eq!((g.entries_read, g.lag), (Some(100), Some(-98)));
    let h = group_info(&mut e, "s", "h");
    assert_eq!((h.entries_read, h.lag), (Some(1), Some(1)));
}

#[test]
fn setid_moves_the_group_and_resets_entries_read_unless_given() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    ok(&mut e, 0, &create("s", "g", at(0), false, Some(0)));
    let setid = |start, read| Command::GroupSetId {
        key: k("s"),
        group: k("g"),
        start,
        entries_read: read,
    };
    assert_eq!(ok(&mut e, 0, &setid(at(2), None)), Reply::Ok);
    let g = group_info(&mut e, "s", "g");
    assert_eq!(
        (g.last_delivered_id, g.entries_read, g.lag),
        (id(2, 0), None, None)
    );
    ok(&mut e, 0, &setid(GroupStart::Last, Some(3)));
    let g = group_info(&mut e, "s", "g");
    assert_eq!(
        (g.last_delivered_id, g.entries_read, g.lag),
        (id(3, 0), Some(3), Some(0))
    );
    let missing = Command::GroupSetId {
        key: k("s"),
        group: k("x"),
        start: at(0),
        entries_read: None,
    };
    assert_eq!(
        err(&mut e, 0, &missing).to_string(),
        "NOGROUP No such consumer group 'x' for key name 's'"
    );
}

#[test]
fn destroy_answers_one_then_zero_and_needs_the_key() {
    let mut e = engine();
    ok(&mut e, 0, &create("s", "g", at(0), true, None));
    let destroy = |key: &str| Command::GroupDestroy {
        key: k(key),
        group: k("g"),
    };
    assert_eq!(ok(&mut e, 0, &destroy("s")), Reply::Int(1));
    assert!(!is_write(&e, 0, &destroy("s")));
    assert_eq!(ok(&mut e, 0, &destroy("s")), Reply::Int(0));
    assert_eq!(
        err(&mut e, 0, &destroy("nokey")),
        CommandError::GroupNeedsKey
    );
    assert_eq!(groups(&mut e, 0, "s"), Vec::new());
}

#[test]
fn createconsumer_answers_one_then_zero_and_needs_the_group() {
    let mut e = engine();
    ok(&mut e, 0, &create("s", "g", at(0), true, None));
    let create_consumer = |group: &str| Command::ConsumerCreate {
        key: k("s"),
        group: k(group),
        consumer: k("c"),
    };
    assert_eq!(ok(&mut e, 50, &create_consumer("g")), Reply::Int(1));
    assert_eq!(ok(&mut e, 90, &create_consumer("g")), Reply::Int(0));
    // The second call was no change: the seen-time is still the first one's.
    let c = &consumers(&mut e, 100, "s", "g")[0];
    assert_eq!(
        (c.name.clone(), c.pending, c.idle_ms, c.inactive_ms),
        (k("c"), 0, 50, None)
    );
    let error = err(&mut e, 0, &create_consumer("x"));
    assert_eq!(
        error.to_string(),
        "NOGROUP No such consumer group 'x' for key name 's'"
    );
}

#[test]
fn delconsumer_answers_the_pending_count_and_drops_them_from_the_group() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    ok(&mut e, 0, &create("s", "g", at(0), false, None));
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, Some(2));
    read_group(&mut e, 10, "g", "b", "s", GroupReadFrom::New, None);
    let del = |consumer: &str| Command::ConsumerDelete {
        key: k("s"),
        group: k("g"),
        consumer: k(consumer),
    };
    assert_eq!(ok(&mut e, 0, &del("a")), Reply::Int(2));
    assert_eq!(pel(&mut e, "s", "g"), vec![(id(3, 0), "b".to_string(), 1)]);
    assert!(!is_write(&e, 0, &del("a")));
    assert_eq!(ok(&mut e, 0, &del("a")), Reply::Int(0));
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("b")]);
    check_groups(&e);
    let missing = Command::ConsumerDelete {
        key: k("s"),
        group: k("x"),
        consumer: k("a"),
    };
    assert_eq!(
        err(&mut e, 0, &missing).to_string(),
        "NOGROUP No such consumer group 'x' for key name 's'"
    );
}

#[test]
fn a_group_ahead_of_the_stream_has_unknown_lag_until_it_reads() {
    // Checked against Redis 7.0.15.
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    ok(&mut e, 0, &create("s", "g", at(99), false, None));
    let state = |e: &mut Engine, g: &str| {
        let info = group_info(e, "s", g);
        (info.last_delivered_id, info.entries_read, info.lag)
    };
    assert_eq!(state(&mut e, "g"), (id(99, 0), None, None));
    add(&mut e, "s", 100, 0);
    assert_eq!(state(&mut e, "g"), (id(99, 0), None, None));
    let got = read_group(&mut e, 0, "g", "c", "s", GroupReadFrom::New, None);
    assert_eq!(got, vec![(id(100, 0), true)]);
    assert_eq!(state(&mut e, "g"), (id(100, 0), Some(4), Some(0)));
    // A counter set past the truth keeps counting from there.
    ok(&mut e, 0, &create("s", "h", at(2), false, Some(7)));
    assert_eq!(state(&mut e, "h"), (id(2, 0), Some(7), Some(-3)));
    read_group(&mut e, 0, "h", "c", "s", GroupReadFrom::New, Some(1));
    assert_eq!(state(&mut e, "h"), (id(3, 0), Some(8), Some(-4)));
}
