//! XADD ids, NOMKSTREAM and XLEN.

use conquiet_core::*;

use crate::util::*;

fn add_id(e: &mut Engine, now: u64, key: &str, spec: IdSpec) -> Result<Reply, CommandError> {
    run(e, now, &add_cmd(key, spec, &[("f", "v")]))
}

#[test]
fn auto_ids_follow_the_clock_and_bump_the_sequence_when_it_stalls_or_goes_back() {
    let mut e = engine();
    let mut next = |now| add_id(&mut e, now, "s", IdSpec::Auto).expect("auto id");
    assert_eq!(next(1000), Reply::Id(id(1000, 0)));
    assert_eq!(next(1000), Reply::Id(id(1000, 1)));
    assert_eq!(next(999), Reply::Id(id(1000, 2)));
    assert_eq!(next(2000), Reply::Id(id(2000, 0)));
}

#[test]
fn ms_star_takes_the_next_sequence_of_the_same_ms_or_starts_at_zero() {
    let mut e = engine();
    let mut next = |ms| add_id(&mut e, 0, "s", IdSpec::AutoSeq(ms));
    assert_eq!(next(5), Ok(Reply::Id(id(5, 0))));
    assert_eq!(next(5), Ok(Reply::Id(id(5, 1))));
    assert_eq!(next(7), Ok(Reply::Id(id(7, 0))));
    assert_eq!(next(6), Err(CommandError::IdTooSmall));
    let mut e = engine();
    // On a new stream 0-* gives 0-1, as Redis does, since 0-0 is never a valid id.
    assert_eq!(
        add_id(&mut e, 0, "z", IdSpec::AutoSeq(0)),
        Ok(Reply::Id(id(0, 1)))
    );
}

#[test]
fn explicit_ids_must_be_greater_than_the_last_id() {
    let mut e = engine();
    assert_eq!(add(&mut e, "s", 5, 0), id(5, 0));
    for smaller in [id(5, 0), id(4, 9)] {
        let error = err(
            &mut e,
            0,
            &add_cmd("s", IdSpec::Explicit(smaller), &[("f", "v")]),
        );
        assert_eq!(error, CommandError::IdTooSmall);
        assert_eq!(
            error.to_string(),
            "ERR The ID specified in XADD is equal or smaller than the target stream top item"
        );
    }
    assert_eq!(all_ids(&mut e, "s"), vec![id(5, 0)]);
}

#[test]
fn an_id_below_a_deleted_last_entry_is_still_too_small() {
    let mut e = engine();
    add(&mut e, "s", 5, 0);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(5, 0)],
        },
    );
    let error = add_id(&mut e, 0, "s", IdSpec::Explicit(id(4, 0)));
    assert_eq!(error, Err(CommandError::IdTooSmall));
    assert_eq!(
        add_id(&mut e, 0, "s", IdSpec::Auto),
        Ok(Reply::Id(id(5, 1)))
    );
}

#[test]
fn zero_id_is_refused_and_creates_no_stream() {
    let mut e = engine();
    let error = err(
        &mut e,
        0,
        &add_cmd("s", IdSpec::Explicit(ZERO), &[("f", "v")]),
    );
    assert_eq!(
        error.to_string(),
        "ERR The ID specified in XADD must be greater than 0-0"
    );
    assert_eq!(
        ok(&mut e, 0, &Command::Exists { keys: vec![k("s")] }),
        Reply::Int(0)
    );
}

#[test]
fn ms_star_past_the_last_sequence_fails_with_redis_text_then_the_next_ms_works() {
    let mut e = engine();
    add(&mut e, "s", 5, u64::MAX);
    let error = add_id(&mut e, 0, "s", IdSpec::AutoSeq(5)).expect_err("no sequence left");
    assert_eq!(error.to_string(), "ERR Elements are too large to be stored");
    assert_eq!(
        add_id(&mut e, 0, "s", IdSpec::AutoSeq(6)),
        Ok(Reply::Id(id(6, 0)))
    );
}

#[test]
fn a_stream_at_the_last_possible_id_refuses_every_kind_of_id() {
    let mut e = engine();
    assert_eq!(
        add_id(&mut e, 0, "s", IdSpec::Explicit(MAX)),
        Ok(Reply::Id(MAX))
    );
    for spec in [
        IdSpec::Auto,
        IdSpec::AutoSeq(u64::MAX),
        IdSpec::AutoSeq(5),
        IdSpec::Explicit(id(5, 0)),
    ] {
        let error = add_id(&mut e, u64::MAX, "s", spec).expect_err("exhausted");
        assert_eq!(error, CommandError::IdExhausted, "{spec:?}");
        assert_eq!(
            error.to_string(),
            "ERR The stream has exhausted the last possible ID, unable to add more items"
        );
    }
    // 0-0 is checked first, as in Redis.
    let zero = add_id(&mut e, 0, "s", IdSpec::Explicit(ZERO));
    assert_eq!(zero, Err(CommandError::IdZero));
}

#[test]
fn xsetid_to_the_last_possible_id_exhausts_the_stream() {
    let mut e = engine();
    add(&mut e, "s", 1, 0);
    let setid = Command::SetId {
        key: k("s"),
        last_id: MAX,
        entries_added: None,
        max_deleted_id: None,
    };
    assert_eq!(ok(&mut e, 0, &setid), Reply::Ok);
    let error = add_id(&mut e, 0, "s", IdSpec::Explicit(id(2, 0)));
    assert_eq!(error, Err(CommandError::IdExhausted));
}

#[test]
fn nomkstream_on_a_missing_key_answers_nil_and_creates_nothing() {
    let mut e = engine();
    let mut command = add_cmd("s", IdSpec::Auto, &[("f", "v")]);
    if let Command::Add { no_create, .. } = &mut command {
        *no_create = true;
    }
    assert!(!is_write(&e, 10, &command));
    assert_eq!(ok(&mut e, 10, &command), Reply::Nil);
    assert_eq!(e.stream_count(), 0);
    add(&mut e, "s", 1, 0);
    assert_eq!(ok(&mut e, 10, &command), Reply::Id(id(10, 0)));
}

#[test]
fn fields_keep_their_order_duplicates_and_empty_strings() {
    let mut e = engine();
    let pairs = [("a", "1"), ("a", "2"), ("", ""), ("b", "")];
    ok(&mut e, 0, &add_cmd("s", IdSpec::Explicit(id(1, 0)), &pairs));
    let range = Command::Range {
        key: k("s"),
        start: ZERO,
        end: MAX,
        count: None,
        rev: false,
    };
    let got = entries(ok(&mut e, 0, &range));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data.to_fields(), fields(&pairs));
}

#[test]
fn xlen_counts_live_entries_and_is_zero_for_a_missing_key() {
    let mut e = engine();
    assert_eq!(len(&mut e, "s"), 0);
    add_many(&mut e, "s", 1..=3);
    assert_eq!(len(&mut e, "s"), 3);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(2, 0)],
        },
    );
    assert_eq!(len(&mut e, "s"), 2);
    assert!(!is_write(&e, 0, &Command::Len { key: k("s") }));
}

#[test]
fn del_and_exists_count_whole_streams() {
    let mut e = engine();
    add(&mut e, "a", 1, 0);
    add(&mut e, "b", 1, 0);
    let keys = vec![k("a"), k("b"), k("c")];
    assert_eq!(
        ok(&mut e, 0, &Command::Exists { keys: keys.clone() }),
        Reply::Int(2)
    );
    assert_eq!(
        ok(&mut e, 0, &Command::Keys),
        Reply::Keys(vec![k("a"), k("b")])
    );
    assert_eq!(
        ok(&mut e, 0, &Command::DeleteKeys { keys: keys.clone() }),
        Reply::Int(2)
    );
    assert!(!is_write(&e, 0, &Command::DeleteKeys { keys }));
    assert_eq!(e.stream_count(), 0);
}
