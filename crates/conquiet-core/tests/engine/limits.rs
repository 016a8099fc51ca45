//! conquiet's own limits: each refusal names the value and the limit, and changes nothing.

use conquiet_core::limits::*;
use conquiet_core::*;

use crate::util::*;

fn long(n: usize) -> Vec<u8> {
    vec![b'n'; n]
}

fn limit_text(what: &str, value: usize, limit: usize) -> String {
    format!("ERR {what} is {value}, limit is {limit}")
}

#[test]
fn names_longer_than_the_limit_are_refused_for_keys_groups_and_consumers() {
    let mut e = engine();
    let too_long = NAME_BYTES_MAX + 1;
    let add = Command::Add {
        key: long(too_long),
        id: IdSpec::Auto,
        fields: fields(&[("f", "v")]),
        no_create: false,
        trim: None,
    };
    assert_eq!(
        err(&mut e, 1, &add).to_string(),
        limit_text("key length", too_long, NAME_BYTES_MAX)
    );
    let mkstream = Command::GroupCreate {
        key: long(too_long),
        group: k("g"),
        start: GroupStart::Last,
        make_stream: true,
        entries_read: None,
    };
    assert_eq!(
        err(&mut e, 1, &mkstream).to_string(),
        limit_text("key length", too_long, NAME_BYTES_MAX)
    );
    add_many(&mut e, "s", 1..=1);
    let group = Command::GroupCreate {
        key: k("s"),
        group: long(too_long),
        start: GroupStart::Last,
        make_stream: false,
        entries_read: None,
    };
    assert_eq!(
        err(&mut e, 1, &group).to_string(),
        limit_text("group name length", too_long, NAME_BYTES_MAX)
    );
    create_group(&mut e, "s", "g", ZERO);
    let consumer = String::from_utf8(long(too_long)).expect("ascii");
    let read = read_group_cmd("g", &consumer, "s", GroupReadFrom::New, None);
    assert_eq!(
        err(&mut e, 1, &read).to_string(),
        limit_text("consumer name length", too_long, NAME_BYTES_MAX)
    );
    let create = Command::ConsumerCreate {
        key: k("s"),
        group: k("g"),
        consumer: long(too_long),
    };
    assert_eq!(
        err(&mut e, 1, &create).to_string(),
        limit_text("consumer name length", too_long, NAME_BYTES_MAX)
    );
    // Exactly at the limit is fine.
    let at_limit = Command::ConsumerCreate {
        key: k("s"),
        group: k("g"),
        consumer: long(NAME_BYTES_MAX),
    };
    assert_eq!(ok(&mut e, 1, &at_limit), Reply::Int(1));
}

#[test]
fn entries_with_too_many_fields_or_bytes_are_refused() {
    let mut e = engine();
    let entry = |fields: Vec<Field>| Command::Add {
        key: k("s"),
        id: IdSpec::Auto,
        fields,
        no_create: false,
        trim: None,
    };
    let many = vec![(Vec::new(), Vec::new()); ENTRY_FIELDS_MAX + 1];
    let error = err(&mut e, 1, &entry(many));
    assert_eq!(
        error.to_string(),
        limit_text(
            "fields in the entry",
            ENTRY_FIELDS_MAX + 1,
            ENTRY_FIELDS_MAX
        )
    );
    let big_value = vec![(k("f"), vec![0u8; FIELD_BYTES_MAX + 1])];
    let error = err(&mut e, 1, &entry(big_value));
    assert_eq!(
        error.to_string(),
        limit_text("field or value size", FIELD_BYTES_MAX + 1, FIELD_BYTES_MAX)
    );
    let half = ENTRY_BYTES_MAX / 2;
    let big_entry = vec![(vec![1u8; half], vec![2u8; half]), (k("x"), Vec::new())];
    let error = err(&mut e, 1, &entry(big_entry));
    assert_eq!(
        error.to_string(),
        limit_text("entry size in bytes", ENTRY_BYTES_MAX + 1, ENTRY_BYTES_MAX)
    );
    assert_eq!(e.stream_count(), 0);
    // The largest allowed entry goes in, and out again through the log.
    let largest = vec![(vec![1u8; half], vec![2u8; half])];
    assert_eq!(ok(&mut e, 1, &entry(largest)), Reply::Id(id(1, 0)));
}

#[test]
fn commands_naming_too_many_ids_or_streams_are_refused() {
    let mut e = engine();
    add_many(&mut e, "s", 1..=1);
    create_group(&mut e, "s", "g", ZERO);
    let ids = vec![id(1, 0); IDS_PER_COMMAND_MAX + 1];
    let text = limit_text(
        "ids in one command",
        IDS_PER_COMMAND_MAX + 1,
        IDS_PER_COMMAND_MAX,
    );
    assert_eq!(
        err(
            &mut e,
            0,
            &Command::Delete {
                key: k("s"),
                ids: ids.clone()
            }
        )
        .to_string(),
        text
    );
    assert_eq!(
        err(
            &mut e,
            0,
            &Command::Ack {
                key: k("s"),
                group: k("g"),
                ids: ids.clone()
            }
        )
        .to_string(),
        text
    );
    let claim = Claim {
        key: k("s"),
        group: k("g"),
        consumer: k("c"),
        idle_min_ms: 0,
        ids,
        idle_ms: None,
        time_ms: None,
        retry_count: None,
        force: false,
        just_id: false,
        last_id: None,
    };
    assert_eq!(err(&mut e, 0, &Command::Claim(claim)).to_string(), text);
    let streams = vec![(k("s"), ReadFrom::After(ZERO)); READ_STREAMS_MAX + 1];
    let text = limit_text(
        "streams in one read",
        READ_STREAMS_MAX + 1,
        READ_STREAMS_MAX,
    );
    assert_eq!(
        err(
            &mut e,
            0,
            &Command::Read {
                streams,
                count: None
            }
        )
        .to_string(),
        text
    );
    let streams = vec![(k("s"), GroupReadFrom::New); READ_STREAMS_MAX + 1];
    let read = Command::ReadGroup {
        group: k("g"),
        consumer: k("c"),
        streams,
        count: None,
        no_ack: false,
    };
    assert_eq!(err(&mut e, 0, &read).to_string(), text);
}

#[test]
fn reads_answer_at_most_the_count_limit() {
    let mut e = engine();
    let batch: Vec<StreamId> = (1..=READ_COUNT_MAX as u64 + 1)
        .map(|ms| id(ms, 0))
        .collect();
    let data = EntryData::pack(&fields(&[("f", "v")]));
    for &at in &batch {
        e.apply(
            0,
            &Op::Add {
                key: k("s"),
                id: at,
                data: data.clone(),
                trim: None,
            },
        );
    }
    let range = Command::Range {
        key: k("s"),
        start: ZERO,
        end: MAX,
        count: None,
        rev: false,
    };
    assert_eq!(entries(ok(&mut e, 0, &range)).len(), READ_COUNT_MAX);
    let read = Command::Read {
        streams: vec![(k("s"), ReadFrom::After(ZERO))],
        count: Some(u64::MAX),
    };
    let Reply::Read(Some(streams)) = ok(&mut e, 0, &read) else {
        panic!("XREAD finds entries");
    };
    assert_eq!(streams[0].items.len(), READ_COUNT_MAX);
}

#[test]
fn the_stream_group_and_consumer_counts_stop_at_their_limits() {
    let mut e = engine();
    let create = |name: String| Command::GroupCreate {
        key: k("s"),
        group: name.into_bytes(),
        start: GroupStart::Last,
        make_stream: true,
        entries_read: None,
    };
    for g in 0..GROUPS_PER_STREAM_MAX {
        ok(&mut e, 1, &create(format!("g{g}")));
    }
    let refused = err(&mut e, 1, &create("one-more".into()));
    assert_eq!(
        refused.to_string(),
        limit_text(
            "groups on the stream",
            GROUPS_PER_STREAM_MAX,
            GROUPS_PER_STREAM_MAX
        )
    );
    let consumer = |name: String| Command::ConsumerCreate {
        key: k("s"),
        group: k("g0"),
        consumer: name.into_bytes(),
    };
    for c in 0..CONSUMERS_PER_GROUP_MAX {
        ok(&mut e, 1, &consumer(format!("c{c}")));
    }
    let refused = err(&mut e, 1, &consumer("one-more".into()));
    assert_eq!(
        refused.to_string(),
        limit_text(
            "consumers in the group",
            CONSUMERS_PER_GROUP_MAX,
            CONSUMERS_PER_GROUP_MAX
        )
    );
    assert_eq!(
        consumers(&mut e, 1, "s", "g0").len(),
        CONSUMERS_PER_GROUP_MAX
    );
}

#[test]
fn the_stream_count_stops_at_its_limit() {
    let mut e = engine();
    for s in 0..STREAMS_MAX {
        let add = Command::Add {
            key: format!("s{s}").into_bytes(),
            id: IdSpec::Explicit(id(1, 0)),
            fields: fields(&[("f", "v")]),
            no_create: false,
            trim: None,
        };
        ok(&mut e, 1, &add);
    }
    let one_more = add_cmd("one-more", IdSpec::Auto, &[("f", "v")]);
    assert_eq!(
        err(&mut e, 1, &one_more).to_string(),
        limit_text("stream count", STREAMS_MAX, STREAMS_MAX)
    );
    assert_eq!(e.stream_count(), STREAMS_MAX);
    add(&mut e, "s0", 2, 0);
}

#[test]
fn rename_moves_a_stream_and_config_changes_apply_to_later_entries() {
    let mut e = engine();
    add(&mut e, "a", 1, 0);
    let missing = Command::Rename {
        from: k("nope"),
        to: k("b"),
    };
    assert_eq!(err(&mut e, 1, &missing), CommandError::NoSuchKey);
    ok(
        &mut e,
        1,
        &Command::Rename {
            from: k("a"),
            to: k("b"),
        },
    );
    assert_eq!(all_ids(&mut e, "b"), vec![id(1, 0)]);
    assert_eq!(len(&mut e, "a"), 0);
    let node = NodeLimits {
        entries_max: 2,
        bytes_max: 4096,
    };
    ok(&mut e, 1, &Command::SetConfig { node });
    assert_eq!(e.config().node, node);
    add_many(&mut e, "c", 1..=5);
    assert_eq!(
        info(&mut e, "c").nodes,
        3,
        "two entries per node after CONFIG SET"
    );
    for op in [
        Op::Rename {
            from: k("x"),
            to: k("y"),
        },
        Op::SetConfig { node },
    ] {
        let record = Record {
            time_ms: 7,
            ops: vec![op],
        };
        let bytes = conquiet_core::codec::encode_record(&record);
        assert_eq!(conquiet_core::codec::decode_record(&bytes).unwrap(), record);
    }
}
