//! XTRIM and XADD's trimming: exact trims, and approximate trims that only drop whole nodes,
//! with nodes filling exactly where Redis's listpacks fill. The node sizes below were read from
//! Redis 7.0.15 by peeling nodes with `XTRIM MINID ~`.

use conquiet_core::*;

use crate::util::*;

fn trim(e: &mut Engine, key: &str, to: TrimTo, approx: bool, limit: u64) -> i64 {
    let trim = Trim { to, approx, limit };
    int(ok(e, 0, &Command::Trim { key: k(key), trim }))
}

fn add_fields(e: &mut Engine, key: &str, at: StreamId, pairs: &[(String, String)]) {
    let fields = pairs
        .iter()
        .map(|(f, v)| (f.clone().into_bytes(), v.clone().into_bytes()));
    let command = Command::Add {
        key: k(key),
        id: IdSpec::Explicit(at),
        fields: fields.collect(),
        no_create: false,
        trim: None,
    };
    ok(e, 0, &command);
}

/// Live entries per node, oldest first, found as Redis's were: by how much the length drops
/// when an approximate MINID trim passes each entry.
fn node_sizes(e: &Engine, key: &str) -> Vec<u64> {
    let ids = all_ids(&mut e.clone(), key);
    let mut prev = ids.len() as u64;
    let mut sizes = Vec::new();
    for at in ids {
        let mut copy = e.clone();
        let min = at.next().expect("test ids are small");
        trim(&mut copy, key, TrimTo::MinId(min), true, TRIM_LIMIT_DEFAULT);
        let now = len(&mut copy, key) as u64;
        if now != prev {
            sizes.push(prev - now);
            prev = now;
        }
    }
    sizes
}

fn x(n: usize) -> String {
    "x".repeat(n)
}

#[test]
fn nodes_fill_at_100_entries_and_approximate_trims_drop_whole_nodes() {
    let mut e = engine();
    (1..=250).for_each(|i| add_fields(&mut e, "a", id(i, 0), &[("f".into(), format!("v{i}"))]));
    assert_eq!(info(&mut e, "a").nodes, 3);
    assert_eq!(node_sizes(&e, "a"), vec![100, 100, 50]);
    assert_eq!(
        trim(&mut e, "a", TrimTo::MaxLen(120), true, TRIM_LIMIT_DEFAULT),
        100
    );
    assert_eq!(len(&mut e, "a"), 150);
    // LIMIT smaller than a node: nothing can go.
    assert_eq!(trim(&mut e, "a", TrimTo::MaxLen(0), true, 40), 0);
    assert_eq!(
        trim(
            &mut e,
            "a",
            TrimTo::MinId(id(230, 0)),
            true,
            TRIM_LIMIT_DEFAULT
        ),
        100
    );
    assert_eq!(len(&mut e, "a"), 50);
    assert_eq!(trim(&mut e, "a", TrimTo::MinId(id(230, 0)), false, 0), 29);
    let info = info(&mut e, "a");
    assert_eq!(
        (info.length, info.nodes, info.first_id),
        (21, 1, id(230, 0))
    );
    // Trimming never moves max-deleted-entry-id.
    assert_eq!(info.max_deleted_id, ZERO);
    assert_eq!(info.entries_added, 250);
}

#[test]
fn the_default_limit_is_100_node_entries_and_an_explicit_limit_counts_whole_nodes() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=300);
    let mut copy = e.clone();
    assert_eq!(
        trim(&mut copy, "s", TrimTo::MaxLen(0), true, TRIM_LIMIT_DEFAULT),
        300
    );
    assert_eq!(trim(&mut e, "s", TrimTo::MaxLen(0), true, 250), 200);
    assert_eq!(trim(&mut e, "s", TrimTo::MaxLen(0), true, 0), 100);
    assert_eq!(info(&mut e, "s").nodes, 0);
    // With 3 entries a node, the default limit (300) stops after 100 nodes.
    let config = EngineConfig {
        node: NodeLimits {
            entries_max: 3,
            bytes_max: 4096,
        },
    };
    let mut small = Engine::new(config);
    add_many(&mut small, "s", 1..=400);
    assert_eq!(
        trim(&mut small, "s", TrimTo::MaxLen(0), true, TRIM_LIMIT_DEFAULT),
        300
    );
}

#[test]
fn byte_limited_nodes_match_redis_for_same_field_entries() {
    let mut e = engine();
    (1..=100).for_each(|i| add_fields(&mut e, "b", id(i, 0), &[("field".into(), x(100))]));
    assert_eq!(node_sizes(&e, "b"), vec![36, 36, 28]);
    assert_eq!(
        trim(&mut e, "b", TrimTo::MaxLen(50), true, TRIM_LIMIT_DEFAULT),
        36
    );
    assert_eq!(all_ids(&mut e, "b")[0], id(37, 0));
}

#[test]
fn byte_limited_nodes_match_redis_for_mixed_fields_and_integer_values() {
    let mut e = engine();
    for i in 1..=200u64 {
        let pairs = if i % 3 == 0 {
            vec![("other".to_string(), x(((i * 7) % 200 + 1) as usize))]
        } else {
            vec![
                (format!("f{}", i % 2), (i * 37).to_string()),
                ("g".into(), format!("-{i}")),
            ]
        };
        add_fields(&mut e, "mix", id(i, i), &pairs);
    }
    assert_eq!(node_sizes(&e, "mix"), vec![78, 77, 45]);
}

#[test]
fn byte_limited_nodes_match_redis_for_large_values() {
    let mut e = engine();
    (1..=40).for_each(|i| {
        add_fields(
            &mut e,
            "big",
            id(i, 0),
            &[("k".into(), "y".repeat(i as usize * 150))],
        )
    });
    let mut expected = vec![6, 3, 2, 2];
    expected.extend([1; 27]);
    assert_eq!(node_sizes(&e, "big"), expected);
}

#[test]
fn byte_limited_nodes_match_redis_for_numbers_that_are_and_are_not_integers() {
    let mut e = engine();
    for i in 1..=150u64 {
        let pairs = [
            ("a".to_string(), (i * i * i * i * 1000).to_string()),
            ("b".to_string(), format!("0{i}")),
            ("c".to_string(), format!("-{}", i * 99_999)),
            ("d".to_string(), format!("9223372036854775807{}", i % 2)),
        ];
        add_fields(&mut e, "num", id(i * 1000, 0), &pairs);
    }
    assert_eq!(node_sizes(&e, "num"), vec![80, 70]);
}

#[test]
fn byte_limited_nodes_match_redis_for_wide_entries_with_alternating_field_names() {
    let mut e = engine();
    for i in 1..=60u64 {
        let pairs: Vec<(String, String)> = (1..=30u64)
            .map(|j| {
                if i % 2 == 0 {
                    (format!("f{j}"), (i * j).to_string())
                } else {
                    (format!("g{j}"), format!("v{}x", i * j))
                }
            })
            .collect();
        add_fields(&mut e, "wide", id(i, 0), &pairs);
    }
    assert_eq!(node_sizes(&e, "wide"), vec![18, 17, 17, 8]);
}

#[test]
fn large_and_negative_id_deltas_take_redis_sizes() {
    let mut e = engine();
    let y = "y".repeat(30);
    for i in 1..=120u64 {
        let at = id(i * 1_000_000_007, (i * 7919) % 1000);
        add_fields(
            &mut e,
            "ids",
            at,
            &[("v".into(), format!("{}{y}", i as i64 - 60))],
        );
    }
    assert_eq!(node_sizes(&e, "ids"), vec![79, 41]);
    for i in 1..=130u64 {
        add_fields(
            &mut e,
            "seqs",
            id(5, i * i * i * i * 1000),
            &[("v".into(), y.clone())],
        );
    }
    assert_eq!(node_sizes(&e, "seqs"), vec![88, 42]);
}

#[test]
fn deleted_entries_still_fill_their_node() {
    let mut e = engine();
    add_many(&mut e, "del", 1..=90);
    let odd: Vec<StreamId> = (1..=89).step_by(2).map(|m| id(m, 0)).collect();
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("del"),
            ids: odd,
        },
    );
    add_many(&mut e, "del", 91..=120);
    assert_eq!(node_sizes(&e, "del"), vec![55, 20]);
    assert_eq!(info(&mut e, "del").nodes, 2);
}

#[test]
fn exact_trims_cut_inside_a_node() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=150);
    assert_eq!(trim(&mut e, "s", TrimTo::MaxLen(45), false, 0), 105);
    assert_eq!(all_ids(&mut e, "s")[0], id(106, 0));
    assert_eq!(trim(&mut e, "s", TrimTo::MinId(id(120, 1)), false, 0), 15);
    assert_eq!(all_ids(&mut e, "s")[0], id(121, 0));
    assert_eq!(trim(&mut e, "s", TrimTo::MaxLen(100), false, 0), 0);
    assert_eq!(info(&mut e, "s").first_id, id(121, 0));
}

#[test]
fn an_exact_minid_trim_can_leave_an_empty_node_as_redis_does() {
    let mut e = engine();
    add_many(&mut e, "z", 1..=10);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("z"),
            ids: vec![id(10, 0)],
        },
    );
    assert_eq!(trim(&mut e, "z", TrimTo::MinId(id(10, 0)), false, 0), 9);
    let info = info(&mut e, "z");
    assert_eq!((info.length, info.nodes, info.first_id), (0, 1, ZERO));
    add(&mut e, "z", 11, 0);
    assert_eq!(crate::util::info(&mut e, "z").nodes, 1);
    ok(
        &mut e,
        0,
        &Command::Delete {
            key: k("z"),
            ids: vec![id(11, 0)],
        },
    );
    assert_eq!(crate::util::info(&mut e, "z").nodes, 0);
}

#[test]
fn xadd_trims_after_adding() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=3);
    let command = Command::Add {
        key: k("s"),
        id: IdSpec::Explicit(id(4, 0)),
        fields: fields(&[("f", "v")]),
        no_create: false,
        trim: Some(Trim {
            to: TrimTo::MaxLen(2),
            approx: false,
            limit: 0,
        }),
    };
    assert_eq!(ok(&mut e, 0, &command), Reply::Id(id(4, 0)));
    assert_eq!(all_ids(&mut e, "s"), vec![id(3, 0), id(4, 0)]);
    let minid = Command::Add {
        key: k("s"),
        id: IdSpec::Explicit(id(5, 0)),
        fields: fields(&[("f", "v")]),
        no_create: false,
        trim: Some(Trim {
            to: TrimTo::MinId(id(5, 0)),
            approx: false,
            limit: 0,
        }),
    };
    ok(&mut e, 0, &minid);
    assert_eq!(all_ids(&mut e, "s"), vec![id(5, 0)]);
    // MAXLEN 0 empties the stream but keeps the key.
    let mut zero = minid.clone();
    if let Command::Add { id: spec, trim, .. } = &mut zero {
        *spec = IdSpec::Explicit(id(6, 0));
        *trim = Some(Trim {
            to: TrimTo::MaxLen(0),
            approx: false,
            limit: 0,
        });
    }
    ok(&mut e, 0, &zero);
    assert_eq!((len(&mut e, "s"), e.stream_count()), (0, 1));
}

#[test]
fn xadd_with_an_approximate_maxlen_drops_the_oldest_node_once_it_can() {
    let mut e = engine();
    let approx = Trim {
        to: TrimTo::MaxLen(100),
        approx: true,
        limit: TRIM_LIMIT_DEFAULT,
    };
    for ms in 1..=201 {
        let command = Command::Add {
            key: k("s"),
            id: IdSpec::Explicit(id(ms, 0)),
            fields: fields(&[("f", "v")]),
            no_create: false,
            trim: Some(approx),
        };
        ok(&mut e, 0, &command);
    }
    // 1..=100 went when 200 arrived (200 - 100 >= 100); 101..=200 then stays whole.
    assert_eq!(len(&mut e, "s"), 101);
    assert_eq!(all_ids(&mut e, "s")[0], id(101, 0));
}

#[test]
fn xtrim_of_a_missing_key_is_zero_and_not_logged() {
    let mut e = engine();
    let command = Command::Trim {
        key: k("s"),
        trim: Trim {
            to: TrimTo::MaxLen(0),
            approx: false,
            limit: 0,
        },
    };
    assert!(!is_write(&e, 0, &command));
    assert_eq!(ok(&mut e, 0, &command), Reply::Int(0));
}
