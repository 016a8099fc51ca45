//! A busy engine to snapshot, and `observe`: every read an engine answers, so two engines can
//! be compared whole.

use conquiet_core::*;

use crate::util::*;

/// Several streams with multi-node entries, deletions, trims, groups, consumers and PELs.
pub fn busy_engine() -> Engine {
    let mut e = engine();
    for i in 1..=230u64 {
        let value = "x".repeat((i % 90) as usize);
        let pairs = if i % 4 == 0 {
            vec![("other", value.as_str())]
        } else {
            vec![("f", value.as_str()), ("n", "12")]
        };
        ok(
            &mut e,
            i,
            &add_cmd("s", IdSpec::Explicit(id(i, i % 3)), &pairs),
        );
    }
    let gone: Vec<StreamId> = (50..=60).map(|m| id(m, m % 3)).collect();
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: gone,
        },
    );
    let trim = Trim {
        to: TrimTo::MinId(id(5, 0)),
        approx: false,
        limit: 0,
    };
    ok(&mut e, 0, &Command::Trim { key: k("s"), trim });
    create_group(&mut e, "s", "g", ZERO);
    create_group(&mut e, "s", "late", id(200, 0));
    read_group(&mut e, 300, "g", "a", "s", GroupReadFrom::New, Some(40));
    read_group(&mut e, 310, "g", "b", "s", GroupReadFrom::New, Some(30));
    read_group(&mut e, 320, "late", "z", "s", GroupReadFrom::New, None);
    ok(
        &mut e,
        330,
        &Command::Ack {
            key: k("s"),
            group: k("g"),
            ids: vec![id(10, 1), id(11, 2)],
        },
    );
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("s"),
            ids: vec![id(12, 0), id(61, 1)],
        },
    );
    ok(
        &mut e,
        340,
        &Command::ConsumerCreate {
            key: k("s"),
            group: k("g"),
            consumer: k("idle"),
        },
    );
    let mut claim = Claim {
        key: k("s"),
        group: k("g"),
        consumer: k("c"),
        idle_min_ms: 0,
        ids: vec![id(13, 1), id(14, 2), id(150, 0)],
        idle_ms: None,
        time_ms: None,
        retry_count: None,
        force: true,
        just_id: false,
        last_id: None,
    };
    ok(&mut e, 350, &Command::Claim(claim.clone()));
    claim.ids = vec![id(15, 0)];
    claim.retry_count = Some(9);
    ok(&mut e, 360, &Command::Claim(claim));
    let create = Command::GroupCreate {
        key: k("empty"),
        group: k("g"),
        start: GroupStart::Last,
        make_stream: true,
        entries_read: Some(3),
    };
    ok(&mut e, 0, &create);
    add_many(&mut e, "t", 1..=3);
    let setid = Command::SetId {
        key: k("t"),
        last_id: id(10, 0),
        entries_added: Some(50),
        max_deleted_id: Some(id(9, 0)),
    };
    ok(&mut e, 0, &setid);
    e
}

/// Every read the engine answers, for every key, group and consumer it holds.
pub fn observe(e: &Engine, now: u64) -> Vec<Result<Reply, CommandError>> {
    let read = |command: &Command| match e.decide(now, command) {
        Ok(Decision::Read(reply)) => Ok(reply),
        Ok(Decision::Write(op)) => panic!("{command:?} wants to write {op:?}"),
        Err(error) => Err(error),
    };
    let Ok(Reply::Keys(keys)) = read(&Command::Keys) else {
        panic!("KEYS answers keys");
    };
    let mut out = vec![Ok(Reply::Keys(keys.clone()))];
    for key in keys {
        out.push(read(&Command::Len { key: key.clone() }));
        for rev in [false, true] {
            let (start, end) = if rev { (MAX, ZERO) } else { (ZERO, MAX) };
            out.push(read(&Command::Range {
                key: key.clone(),
                start,
                end,
                count: None,
                rev,
            }));
        }
        out.push(read(&Command::InfoStream {
            key: key.clone(),
            full: None,
        }));
        out.push(read(&Command::InfoStream {
            key: key.clone(),
            full: Some(0),
        }));
        out.push(read(&Command::InfoGroups { key: key.clone() }));
        let stream = e.stream(&key).expect("listed key exists");
        for (group, g) in stream.groups() {
            let group = group.to_vec();
            out.push(read(&Command::InfoConsumers {
                key: key.clone(),
                group: group.clone(),
            }));
            out.push(read(&Command::Pending {
                key: key.clone(),
                group: group.clone(),
                range: None,
            }));
            let mut names: Vec<Option<Vec<u8>>> = g.consumers.keys().cloned().map(Some).collect();
            names.push(None);
            for consumer in names {
                let range = PendingRange {
                    idle_min_ms: None,
                    start: ZERO,
                    end: MAX,
                    count: 1_000_000,
                    consumer,
                };
                out.push(read(&Command::Pending {
                    key: key.clone(),
                    group: group.clone(),
                    range: Some(range),
                }));
            }
        }
    }
    out
}
