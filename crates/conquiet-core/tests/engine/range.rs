//! XRANGE, XREVRANGE and XREAD.

use conquiet_core::*;

use crate::util::*;

fn range(e: &mut Engine, start: StreamId, end: StreamId, count: Option<u64>) -> Vec<StreamId> {
    let command = Command::Range {
        key: k("s"),
        start,
        end,
        count,
        rev: false,
    };
    ids_of(&entries(ok(e, 0, &command)))
}

/// XREVRANGE: `start` is the high bound, written first as in the command.
fn rev(e: &mut Engine, start: StreamId, end: StreamId, count: Option<u64>) -> Vec<StreamId> {
    let command = Command::Range {
        key: k("s"),
        start,
        end,
        count,
        rev: true,
    };
    ids_of(&entries(ok(e, 0, &command)))
}

fn ms(list: &[u64]) -> Vec<StreamId> {
    list.iter().map(|&m| id(m, 0)).collect()
}

#[test]
fn xrange_bounds_are_inclusive_and_count_limits_from_the_start() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=5);
    assert_eq!(range(&mut e, id(2, 0), id(4, 0), None), ms(&[2, 3, 4]));
    assert_eq!(range(&mut e, id(2, 1), id(4, 0), None), ms(&[3, 4]));
    assert_eq!(range(&mut e, ZERO, MAX, Some(2)), ms(&[1, 2]));
    assert_eq!(range(&mut e, id(4, 0), id(2, 0), None), ms(&[]));
    // COUNT 0 answers nothing in XRANGE (unlike XREAD).
    assert_eq!(range(&mut e, ZERO, MAX, Some(0)), ms(&[]));
    assert_eq!(
        range(&mut e, ZERO, MAX, Some(u64::MAX)),
        ms(&[1, 2, 3, 4, 5])
    );
}

#[test]
fn xrevrange_walks_backwards_from_the_high_bound() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=5);
    assert_eq!(rev(&mut e, MAX, ZERO, None), ms(&[5, 4, 3, 2, 1]));
    assert_eq!(rev(&mut e, id(4, 0), id(2, 0), Some(2)), ms(&[4, 3]));
    assert_eq!(rev(&mut e, id(2, 0), id(4, 0), None), ms(&[]));
    assert_eq!(rev(&mut e, MAX, ZERO, Some(0)), ms(&[]));
}

#[test]
fn ranges_skip_deleted_entries_across_node_boundaries() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=250);
    let gone: Vec<StreamId> = (95..=205).map(|m| id(m, 0)).collect();
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: gone,
        },
    );
    assert_eq!(
        range(&mut e, id(93, 0), MAX, Some(4)),
        ms(&[93, 94, 206, 207])
    );
    assert_eq!(
        rev(&mut e, id(207, 0), ZERO, Some(4)),
        ms(&[207, 206, 94, 93])
    );
    assert_eq!(range(&mut e, id(100, 0), id(200, 0), None), ms(&[]));
}

#[test]
fn xrange_of_a_missing_key_is_empty() {
    let mut e = engine();
    let command = Command::Range {
        key: k("s"),
        start: ZERO,
        end: MAX,
        count: None,
        rev: false,
    };
    assert_eq!(ok(&mut e, 0, &command), Reply::Entries(Vec::new()));
}

fn xread(e: &mut Engine, streams: &[(&str, ReadFrom)], count: Option<u64>) -> Reply {
    let streams = streams.iter().map(|(key, from)| (k(key), *from)).collect();
    ok(e, 0, &Command::Read { streams, count })
}

fn shape(reply: Reply) -> Option<Vec<(String, Vec<StreamId>)>> {
    let Reply::Read(streams) = reply else {
        panic!("XREAD answered {reply:?}");
    };
    streams.map(|streams| {
        streams
            .into_iter()
            .map(|s| {
                let key = String::from_utf8(s.key).expect("text key");
                let ids = s.items.iter().map(|i| {
                    assert!(i.data.is_some(), "XREAD never answers a null entry");
                    i.id
                });
                (key, ids.collect())
            })
            .collect()
    })
}

#[test]
fn xread_answers_only_streams_with_newer_entries_in_the_order_named() {
    let mut e = engine();
    add_many(&mut e, "a", 1..=3);
    add_many(&mut e, "b", 1..=2);
    let after = |m| ReadFrom::After(id(m, 0));
    let reply = xread(
        &mut e,
        &[("b", after(1)), ("missing", after(0)), ("a", after(1))],
        None,
    );
    let expected = vec![("b".to_string(), ms(&[2])), ("a".to_string(), ms(&[2, 3]))];
    assert_eq!(shape(reply), Some(expected));
    let reply = xread(&mut e, &[("a", after(3)), ("b", after(2))], None);
    assert_eq!(shape(reply), None);
}

#[test]
fn xread_count_applies_per_stream_and_zero_means_no_limit() {
    let mut e = engine();
    add_many(&mut e, "a", 1..=3);
    add_many(&mut e, "b", 1..=3);
    let zero = ReadFrom::After(ZERO);
    let reply = shape(xread(&mut e, &[("a", zero), ("b", zero)], Some(2)));
    let expected = vec![
        ("a".to_string(), ms(&[1, 2])),
        ("b".to_string(), ms(&[1, 2])),
    ];
    assert_eq!(reply, Some(expected));
    let reply = shape(xread(&mut e, &[("a", zero)], Some(0)));
    assert_eq!(reply, Some(vec![("a".to_string(), ms(&[1, 2, 3]))]));
}

#[test]
fn xread_after_a_deleted_tail_answers_null() {
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
        shape(xread(&mut e, &[("s", ReadFrom::After(id(2, 0)))], None)),
        None
    );
    let reply = xread(&mut e, &[("s", ReadFrom::After(MAX))], None);
    assert_eq!(shape(reply), None);
}

#[test]
fn dollar_resolves_to_the_last_id_at_call_time_and_zero_for_a_missing_key() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=2);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(2, 0)],
        },
    );
    let mut streams = vec![(k("s"), ReadFrom::Last), (k("new"), ReadFrom::Last)];
    e.resolve_last(&mut streams);
    assert_eq!(
        streams,
        vec![
            (k("s"), ReadFrom::After(id(2, 0))),
            (k("new"), ReadFrom::After(ZERO))
        ]
    );
    // Unresolved `$` reads nothing: the entries a blocked reader waits for come later.
    let unresolved = xread(&mut e, &[("s", ReadFrom::Last)], None);
    assert_eq!(shape(unresolved), None);
    add(&mut e, "s", 3, 0);
    add(&mut e, "new", 1, 0);
    let reply = shape(ok(
        &mut e,
        0,
        &Command::Read {
            streams,
            count: None,
        },
    ));
    let expected = vec![("s".to_string(), ms(&[3])), ("new".to_string(), ms(&[1]))];
    assert_eq!(reply, Some(expected));
}
