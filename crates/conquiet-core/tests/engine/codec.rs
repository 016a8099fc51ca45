//! Record and snapshot codecs: every op round-trips, a snapshot decodes to an engine that
//! answers every read the same and keeps behaving the same, and damaged bytes are refused
//! without a panic.

use conquiet_core::codec::*;
use conquiet_core::room::{RoomEvent, RoomOp};
use conquiet_core::*;
use proptest::prelude::*;

use crate::observe::{busy_engine, observe};
use crate::util::*;

fn sample_claim() -> Claim {
    Claim {
        key: k("s"),
        group: k("g"),
        consumer: k("c"),
        idle_min_ms: 5,
        ids: vec![id(1, 2), MAX],
        idle_ms: Some(7),
        time_ms: None,
        retry_count: Some(3),
        force: true,
        just_id: false,
        last_id: Some(id(9, 9)),
    }
}

/// One op of every kind, with the optional parts both present and absent.
pub fn every_op() -> Vec<Op> {
    let data = EntryData::pack(&fields(&[("f", "v"), ("", "x")]));
    let maxlen = Trim {
        to: TrimTo::MaxLen(10),
        approx: true,
        limit: 100,
    };
    let minid = Trim {
        to: TrimTo::MinId(id(3, 4)),
        approx: false,
        limit: 0,
    };
    let mut bare_claim = sample_claim();
    (
        bare_claim.idle_ms,
        bare_claim.time_ms,
        bare_claim.retry_count,
        bare_claim.last_id,
    ) = (None, Some(8), None, None);
    (bare_claim.force, bare_claim.just_id) = (false, true);
    vec![
        Op::Add {
            key: k("s"),
            id: id(1, 0),
            data: data.clone(),
            trim: None,
        },
        Op::Add {
            key: k(""),
            id: MAX,
            data,
            trim: Some(maxlen),
        },
        Op::Delete {
            key: k("s"),
            ids: vec![id(1, 0), id(2, 0)],
        },
        Op::Trim {
            key: k("s"),
            trim: minid,
        },
        Op::SetId {
            key: k("s"),
            last_id: id(5, 5),
            entries_added: 9,
            max_deleted_id: id(4, 0),
        },
        Op::GroupCreate {
            key: k("s"),
            group: k("g"),
            last_id: ZERO,
            entries_read: None,
        },
        Op::GroupCreate {
            key: k("s"),
            group: k("h"),
            last_id: id(1, 0),
            entries_read: Some(1),
        },
        Op::GroupSetId {
            key: k("s"),
            group: k("g"),
            last_id: id(2, 0),
            entries_read: Some(u64::MAX),
        },
        Op::GroupDestroy {
            key: k("s"),
            group: k("h"),
        },
        Op::ConsumerCreate {
            key: k("s"),
            group: k("g"),
            consumer: k("c"),
        },
        Op::ConsumerDelete {
            key: k("s"),
            group: k("g"),
            consumer: k("c"),
        },
        Op::ReadGroup {
            group: k("g"),
            consumer: k("c"),
            streams: vec![
                (k("s"), GroupReadFrom::New),
                (k("t"), GroupReadFrom::PendingAfter(id(3, 1))),
            ],
            count: Some(0),
            no_ack: true,
        },
        Op::ReadGroup {
            group: k("g"),
            consumer: k("c"),
            streams: Vec::new(),
            count: None,
            no_ack: false,
        },
        Op::Ack {
            key: k("s"),
            group: k("g"),
            ids: vec![id(1, 0)],
        },
        Op::Claim(sample_claim()),
        Op::Claim(bare_claim),
        Op::AutoClaim(AutoClaim {
            key: k("s"),
            group: k("g"),
            consumer: k("c"),
            idle_min_ms: 0,
            start: id(1, 1),
            count: 100,
            just_id: true,
        }),
        Op::DeleteKeys {
            keys: vec![k("s"), k("t")],
        },
        Op::LockAcquire {
            name: k("l"),
            owner: k("o"),
            token: 7,
            until_ms: 1500,
            connection: Some(3),
        },
        Op::LockAcquire {
            name: k("l"),
            owner: k("o"),
            token: 8,
            until_ms: 1500,
            connection: None,
        },
        Op::LockRenew {
            name: k("l"),
            token: 8,
            until_ms: 2500,
        },
        Op::LockRelease {
            locks: vec![(k("l"), 8), (k("m"), 2)],
        },
        Op::Room(RoomOp::Create {
            name: k("r"),
            stream: k("room:r:events"),
            participants: vec![k("a"), k("b")],
            turn_timeout_ms: Some(500),
        }),
        Op::Room(RoomOp::Events {
            name: k("r"),
            stream: k("room:r:events"),
            events: vec![
                (id(1, 0), RoomEvent::Started { until_ms: None }),
                (id(1, 1), RoomEvent::Spoke { text: k("hi") }),
                (id(1, 2), RoomEvent::TurnChanged { until_ms: Some(9) }),
                (id(2, 0), RoomEvent::TimedOut { turns: 3 }),
                (id(2, 1), RoomEvent::Ended),
            ],
        }),
    ]
}

#[test]
fn every_op_round_trips_alone_and_all_together() {
    for op in every_op() {
        let record = Record {
            time_ms: 42,
            ops: vec![op],
        };
        assert_eq!(
            decode_record(&encode_record(&record)).expect("decodes"),
            record
        );
    }
    let all = Record {
        time_ms: u64::MAX,
        ops: every_op(),
    };
    assert_eq!(decode_record(&encode_record(&all)).expect("decodes"), all);
    let empty = Record {
        time_ms: 0,
        ops: Vec::new(),
    };
    assert_eq!(
        decode_record(&encode_record(&empty)).expect("decodes"),
        empty
    );
}

#[test]
fn a_truncated_or_extended_record_is_an_error() {
    let bytes = encode_record(&Record {
        time_ms: 42,
        ops: every_op(),
    });
    for cut in 0..bytes.len() {
        assert!(decode_record(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        decode_record(&longer),
        Err(CodecError::Trailing(1))
    ));
    let mut version = bytes.clone();
    version[0] = 2;
    assert!(matches!(
        decode_record(&version),
        Err(CodecError::RecordVersion(2))
    ));
}

#[test]
fn a_garbled_record_never_panics() {
    let bytes = encode_record(&Record {
        time_ms: 42,
        ops: every_op(),
    });
    for at in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut garbled = bytes.clone();
            garbled[at] ^= flip;
            // Either answer is fine; only a panic or a huge allocation would not be.
            let _ = decode_record(&garbled);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_bytes_never_panic_either_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_record(&bytes);
        if let Ok(engine) = decode_snapshot(&mut bytes.as_slice()) {
            check_groups(&engine);
        }
    }
}

fn snapshot(e: &Engine) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_snapshot(e, &mut bytes).expect("writing to a Vec cannot fail");
    bytes
}

#[test]
fn a_snapshot_of_a_busy_engine_answers_every_read_the_same() {
    let e = busy_engine();
    let decoded = decode_snapshot(&mut snapshot(&e).as_slice()).expect("decodes");
    check_groups(&decoded);
    assert_eq!(decoded.config(), e.config());
    assert_eq!(observe(&decoded, 1000), observe(&e, 1000));
    assert_eq!(
        snapshot(&decoded),
        snapshot(&e),
        "encoding is deterministic"
    );
}

#[test]
fn a_decoded_snapshot_keeps_behaving_like_the_original() {
    let mut e = busy_engine();
    let mut decoded = decode_snapshot(&mut snapshot(&e).as_slice()).expect("decodes");
    let mut commands = Vec::new();
    for i in 0..150u64 {
        let pairs = [("f", "y".repeat((i % 70) as usize))];
        let fields = pairs
            .iter()
            .map(|(f, v)| (k(f), v.clone().into_bytes()))
            .collect();
        commands.push(Command::Add {
            key: k("s"),
            id: IdSpec::Auto,
            fields,
            no_create: false,
            trim: None,
        });
    }
    commands.push(read_group_cmd("g", "a", "s", GroupReadFrom::New, Some(5)));
    commands.push(read_group_cmd(
        "g",
        "c",
        "s",
        GroupReadFrom::PendingAfter(ZERO),
        None,
    ));
    commands.push(Command::AutoClaim(AutoClaim {
        key: k("s"),
        group: k("g"),
        consumer: k("d"),
        idle_min_ms: 10,
        start: ZERO,
        count: 50,
        just_id: false,
    }));
    commands.push(Command::Trim {
        key: k("s"),
        trim: Trim {
            to: TrimTo::MaxLen(200),
            approx: true,
            limit: TRIM_LIMIT_DEFAULT,
        },
    });
    commands.push(add_cmd("empty", IdSpec::Auto, &[("f", "v")]));
    commands.push(read_group_cmd("g", "e", "empty", GroupReadFrom::New, None));
    for (at, command) in commands.iter().enumerate() {
        let now = 2000 + at as u64;
        assert_eq!(
            run(&mut decoded, now, command),
            run(&mut e, now, command),
            "{command:?}"
        );
    }
    assert_eq!(observe(&decoded, 5000), observe(&e, 5000));
}

#[test]
fn a_truncated_snapshot_is_an_error() {
    let bytes = snapshot(&busy_engine());
    for cut in 0..bytes.len() {
        assert!(
            decode_snapshot(&mut &bytes[..cut]).is_err(),
            "cut at {cut} of {}",
            bytes.len()
        );
    }
    let mut version = bytes.clone();
    version[0] = 9;
    assert!(matches!(
        decode_snapshot(&mut version.as_slice()),
        Err(CodecError::SnapshotVersion(9))
    ));
}

#[test]
fn a_garbled_snapshot_never_panics_now_or_when_used_later() {
    let bytes = snapshot(&busy_engine());
    // Every third byte keeps this near a second; the record test above flips every byte.
    for at in (0..bytes.len()).step_by(3) {
        let mut garbled = bytes.clone();
        garbled[at] ^= 0x41;
        if let Ok(mut engine) = decode_snapshot(&mut garbled.as_slice()) {
            check_groups(&engine);
            let _ = observe(&engine, 1000);
            work_on(&mut engine);
            check_groups(&engine);
        }
    }
}

/// Writes that touch every stream and group, for engines decoded from damaged bytes: errors
/// are fine, panics are not.
fn work_on(e: &mut Engine) {
    let Ok(Decision::Read(Reply::Keys(keys))) = e.decide(0, &Command::Keys) else {
        panic!("KEYS answers keys");
    };
    let now = 10_000;
    for key in keys {
        let groups: Vec<Vec<u8>> = e
            .stream(&key)
            .map(|s| s.groups().map(|(g, _)| g.to_vec()).collect())
            .unwrap_or_default();
        let add = Command::Add {
            key: key.clone(),
            id: IdSpec::Auto,
            fields: fields(&[("f", "v")]),
            no_create: true,
            trim: None,
        };
        let _ = run(e, now, &add);
        for group in groups {
            let streams = vec![(key.clone(), GroupReadFrom::New)];
            let read = Command::ReadGroup {
                group: group.clone(),
                consumer: k("fuzz"),
                streams,
                count: Some(3),
                no_ack: false,
            };
            let _ = run(e, now, &read);
            let streams = vec![(key.clone(), GroupReadFrom::PendingAfter(ZERO))];
            let history = Command::ReadGroup {
                group: group.clone(),
                consumer: k("a"),
                streams,
                count: None,
                no_ack: false,
            };
            let _ = run(e, now, &history);
            let auto = AutoClaim {
                key: key.clone(),
                group: group.clone(),
                consumer: k("fuzz"),
                idle_min_ms: 0,
                start: ZERO,
                count: 20,
                just_id: false,
            };
            let _ = run(e, now, &Command::AutoClaim(auto));
        }
        let trim = Trim {
            to: TrimTo::MaxLen(100),
            approx: true,
            limit: TRIM_LIMIT_DEFAULT,
        };
        let _ = run(
            e,
            now,
            &Command::Trim {
                key: key.clone(),
                trim,
            },
        );
        let first = all_ids(e, std::str::from_utf8(&key).unwrap_or(""))
            .first()
            .copied();
        if let Some(first) = first {
            let _ = run(
                e,
                now,
                &Command::Delete {
                    key: key.clone(),
                    ids: vec![first],
                },
            );
        }
        let trim = Trim {
            to: TrimTo::MaxLen(5),
            approx: false,
            limit: 0,
        };
        let _ = run(e, now, &Command::Trim { key, trim });
    }
}

#[test]
fn a_snapshot_with_entries_out_of_order_is_refused() {
    // Two streams written in swapped order: the reader wants keys in order.
    let mut a = engine();
    add(&mut a, "b", 1, 0);
    let mut b = engine();
    add(&mut b, "a", 1, 0);
    let (first, second) = (snapshot(&a), snapshot(&b));
    let header = 4 + 8 + 8;
    let mut swapped = first[..header].to_vec();
    swapped.extend_from_slice(&2u32.to_le_bytes());
    swapped.extend_from_slice(&first[header + 4..]);
    swapped.extend_from_slice(&second[header + 4..]);
    assert!(matches!(
        decode_snapshot(&mut swapped.as_slice()),
        Err(CodecError::Malformed(_))
    ));
}
