//! XAUTOCLAIM: the cursor, deleted ids, and how deleted ids use up COUNT.

use conquiet_core::*;

use crate::util::*;

fn autoclaim(
    consumer: &str,
    idle_min_ms: u64,
    start: StreamId,
    count: u64,
    just_id: bool,
) -> Command {
    Command::AutoClaim(AutoClaim {
        key: k("s"),
        group: k("g"),
        consumer: k(consumer),
        idle_min_ms,
        start,
        count,
        just_id,
    })
}

fn ms(list: &[u64]) -> Vec<StreamId> {
    list.iter().map(|&m| id(m, 0)).collect()
}

/// (cursor, claimed ids, deleted ids).
fn run_autoclaim(
    e: &mut Engine,
    now: u64,
    command: &Command,
) -> (StreamId, Vec<StreamId>, Vec<StreamId>) {
    match ok(e, now, command) {
        Reply::AutoClaimed {
            next,
            entries,
            ids,
            deleted,
        } => {
            let claimed = if ids.is_empty() {
                ids_of(&entries)
            } else {
                ids
            };
            (next, claimed, deleted)
        }
        other => panic!("XAUTOCLAIM answered {other:?}"),
    }
}

#[test]
fn xautoclaim_matches_redis_on_cursor_deleted_ids_and_counts() {
    // Redis 7.0.15: 8 entries read by `a`, a history read of 4, 2-0 3-0 5-0 deleted.
    let mut e = engine();
    add_many(&mut e, "s", 1..=8);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, None);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: ms(&[2, 3, 5]),
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
    // A deleted id uses up COUNT like a claimed one.
    assert_eq!(
        run_autoclaim(&mut e, 30, &autoclaim("b", 0, ZERO, 2, false)),
        (id(3, 0), ms(&[1]), ms(&[2]))
    );
    assert_eq!(
        run_autoclaim(&mut e, 30, &autoclaim("b", 0, id(4, 0), 1, false)),
        (id(5, 0), ms(&[4]), ms(&[]))
    );
    let all = run_autoclaim(&mut e, 40, &autoclaim("c", 0, ZERO, 10, true));
    assert_eq!(all, (ZERO, ms(&[1, 4, 6, 7, 8]), ms(&[3, 5])));
    let expected: Vec<(StreamId, String, u64)> = [(1, 3), (4, 3), (6, 1), (7, 1), (8, 1)]
        .iter()
        .map(|&(m, n)| (id(m, 0), "c".to_string(), n))
        .collect();
    assert_eq!(pel(&mut e, "s", "g"), expected);
    check_groups(&e);
}

#[test]
fn xautoclaim_answers_entries_with_their_data_and_counts_the_delivery() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=2);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, None);
    let Reply::AutoClaimed {
        next,
        entries,
        ids,
        deleted,
    } = ok(&mut e, 500, &autoclaim("b", 100, ZERO, 1, false))
    else {
        panic!("XAUTOCLAIM answers AutoClaimed");
    };
    assert_eq!((next, ids, deleted), (id(2, 0), Vec::new(), Vec::new()));
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].id, entries[0].data.to_fields()),
        (id(1, 0), fields(&[("f", "v")]))
    );
    assert_eq!(pel(&mut e, "s", "g")[0], (id(1, 0), "b".to_string(), 2));
}

#[test]
fn xautoclaim_of_nothing_idle_enough_creates_no_consumer() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, None);
    assert_eq!(
        run_autoclaim(&mut e, 20, &autoclaim("zz", 1_000_000, ZERO, 100, false)),
        (ZERO, ms(&[]), ms(&[]))
    );
    assert_eq!(consumer_names(&mut e, "s", "g"), vec![k("a")]);
}

#[test]
fn xautoclaim_looks_at_most_ten_ids_per_count_and_resumes_at_the_next() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=25);
    create_group(&mut e, "s", "g", ZERO);
    read_group(&mut e, 10, "g", "a", "s", GroupReadFrom::New, None);
    read_group(
        &mut e,
        1000,
        "g",
        "a",
        "s",
        GroupReadFrom::PendingAfter(ZERO),
        Some(22),
    );
    // 1..=22 were delivered again at 1000, too fresh at 1010: COUNT 2 allows 20 looks, so
    // the cursor stops at 21-0 with nothing claimed.
    let first = run_autoclaim(&mut e, 1010, &autoclaim("b", 500, ZERO, 2, false));
    assert_eq!(first, (id(21, 0), ms(&[]), ms(&[])));
    let second = run_autoclaim(&mut e, 1600, &autoclaim("b", 1000, id(21, 0), 2, false));
    assert_eq!(second, (id(25, 0), ms(&[23, 24]), ms(&[])));
    let third = run_autoclaim(&mut e, 1600, &autoclaim("b", 1000, id(25, 0), 2, false));
    assert_eq!(third, (ZERO, ms(&[25]), ms(&[])));
}

#[test]
fn xautoclaim_count_zero_and_too_large_are_refused() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=1);
    create_group(&mut e, "s", "g", ZERO);
    let zero = err(&mut e, 0, &autoclaim("b", 0, ZERO, 0, false));
    assert_eq!(zero.to_string(), "ERR COUNT must be > 0");
    let max = limits::AUTOCLAIM_COUNT_MAX;
    let huge = err(&mut e, 0, &autoclaim("b", 0, ZERO, max + 1, false));
    assert_eq!(
        huge.to_string(),
        format!("ERR XAUTOCLAIM COUNT is {}, limit is {max}", max + 1)
    );
    assert!(run(&mut e, 0, &autoclaim("b", 0, ZERO, max, false)).is_ok());
}

#[test]
fn xautoclaim_without_the_group_is_nogroup() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=1);
    let error = err(&mut e, 0, &autoclaim("b", 0, ZERO, 1, false));
    assert_eq!(
        error.to_string(),
        "NOGROUP No such key 's' or consumer group 'g'"
    );
}
