//! Shorthands shared by the tests. Every write goes through the log path: `decide`, then the
//! op is encoded as a record, decoded, and applied, so each test also exercises the codec.

use conquiet_core::codec::{decode_record, encode_record};
use conquiet_core::*;

pub const MAX: StreamId = StreamId::MAX;
pub const ZERO: StreamId = StreamId::ZERO;

pub fn id(ms: u64, seq: u64) -> StreamId {
    StreamId::new(ms, seq)
}

pub fn k(name: &str) -> Vec<u8> {
    name.as_bytes().to_vec()
}

pub fn fields(pairs: &[(&str, &str)]) -> Vec<Field> {
    pairs.iter().map(|(f, v)| (k(f), k(v))).collect()
}

pub fn engine() -> Engine {
    Engine::new(EngineConfig::default())
}

/// Runs `command` at `now` the way the server does, with the op round-tripped through the
/// record codec.
pub fn run(e: &mut Engine, now: u64, command: &Command) -> Result<Reply, CommandError> {
    match e.decide(now, command)? {
        Decision::Read(reply) => Ok(reply),
        Decision::Write(op) => {
            let record = Record {
                time_ms: now,
                ops: vec![op],
            };
            let decoded = decode_record(&encode_record(&record)).expect("own record decodes");
            assert_eq!(decoded, record);
            let mut replies = e.apply_record(&decoded);
            assert_eq!(replies.len(), 1);
            Ok(replies.remove(0))
        }
    }
}

pub fn ok(e: &mut Engine, now: u64, command: &Command) -> Reply {
    run(e, now, command).unwrap_or_else(|err| panic!("{command:?} failed: {err}"))
}

pub fn err(e: &mut Engine, now: u64, command: &Command) -> CommandError {
    match run(e, now, command) {
        Ok(reply) => panic!("{command:?} should fail, got {reply:?}"),
        Err(err) => err,
    }
}

/// Whether `decide` asks for a log record: reads and no-ops must not.
pub fn is_write(e: &Engine, now: u64, command: &Command) -> bool {
    matches!(e.decide(now, command), Ok(Decision::Write(_)))
}

pub fn add_cmd(key: &str, id: IdSpec, pairs: &[(&str, &str)]) -> Command {
    Command::Add {
        key: k(key),
        id,
        fields: fields(pairs),
        no_create: false,
        trim: None,
    }
}

/// XADD `key` `ms-seq` f v.
pub fn add(e: &mut Engine, key: &str, ms: u64, seq: u64) -> StreamId {
    let reply = ok(
        e,
        ms,
        &add_cmd(key, IdSpec::Explicit(id(ms, seq)), &[("f", "v")]),
    );
    match reply {
        Reply::Id(added) => added,
        other => panic!("XADD answered {other:?}"),
    }
}

/// Adds `ms-0` for every ms in `range`.
pub fn add_many(e: &mut Engine, key: &str, range: std::ops::RangeInclusive<u64>) {
    for ms in range {
        add(e, key, ms, 0);
    }
}

pub fn len(e: &mut Engine, key: &str) -> i64 {
    match ok(e, 0, &Command::Len { key: k(key) }) {
        Reply::Int(n) => n,
        other => panic!("XLEN answered {other:?}"),
    }
}

pub fn int(reply: Reply) -> i64 {
    match reply {
        Reply::Int(n) => n,
        other => panic!("expected an integer, got {other:?}"),
    }
}

pub fn entries(reply: Reply) -> Vec<Entry> {
    match reply {
        Reply::Entries(entries) => entries,
        other => panic!("expected entries, got {other:?}"),
    }
}

pub fn ids_of(entries: &[Entry]) -> Vec<StreamId> {
    entries.iter().map(|e| e.id).collect()
}

/// XRANGE key - + as ids.
pub fn all_ids(e: &mut Engine, key: &str) -> Vec<StreamId> {
    let range = Command::Range {
        key: k(key),
        start: ZERO,
        end: MAX,
        count: None,
        rev: false,
    };
    ids_of(&entries(ok(e, 0, &range)))
}

pub fn info(e: &mut Engine, key: &str) -> StreamInfo {
    match ok(
        e,
        0,
        &Command::InfoStream {
            key: k(key),
            full: None,
        },
    ) {
        Reply::StreamInfo(info) => *info,
        other => panic!("XINFO STREAM answered {other:?}"),
    }
}

pub fn groups(e: &mut Engine, now: u64, key: &str) -> Vec<GroupInfo> {
    match ok(e, now, &Command::InfoGroups { key: k(key) }) {
        Reply::Groups(groups) => groups,
        other => panic!("XINFO GROUPS answered {other:?}"),
    }
}

pub fn group_info(e: &mut Engine, key: &str, group: &str) -> GroupInfo {
    let all = groups(e, 0, key);
    all.into_iter()
        .find(|g| g.name == k(group))
        .unwrap_or_else(|| panic!("no group {group}"))
}

pub fn consumers(e: &mut Engine, now: u64, key: &str, group: &str) -> Vec<ConsumerInfo> {
    let command = Command::InfoConsumers {
        key: k(key),
        group: k(group),
    };
    match ok(e, now, &command) {
        Reply::Consumers(consumers) => consumers,
        other => panic!("XINFO CONSUMERS answered {other:?}"),
    }
}

pub fn consumer_names(e: &mut Engine, key: &str, group: &str) -> Vec<Vec<u8>> {
    consumers(e, 0, key, group)
        .into_iter()
        .map(|c| c.name)
        .collect()
}

pub fn create_group(e: &mut Engine, key: &str, group: &str, start: StreamId) {
    let command = Command::GroupCreate {
        key: k(key),
        group: k(group),
        start: GroupStart::Id(start),
        make_stream: false,
        entries_read: None,
    };
    assert_eq!(ok(e, 0, &command), Reply::Ok);
}

pub fn read_group_cmd(
    group: &str,
    consumer: &str,
    key: &str,
    from: GroupReadFrom,
    count: Option<u64>,
) -> Command {
    Command::ReadGroup {
        group: k(group),
        consumer: k(consumer),
        streams: vec![(k(key), from)],
        count,
        no_ack: false,
    }
}

/// XREADGROUP of one stream, as (id, has data) pairs; empty when the reply is null.
pub fn read_group(
    e: &mut Engine,
    now: u64,
    group: &str,
    consumer: &str,
    key: &str,
    from: GroupReadFrom,
    count: Option<u64>,
) -> Vec<(StreamId, bool)> {
    let command = read_group_cmd(group, consumer, key, from, count);
    match ok(e, now, &command) {
        Reply::Read(None) => Vec::new(),
        Reply::Read(Some(streams)) => {
            assert_eq!(streams.len(), 1);
            let items = &streams[0].items;
            items.iter().map(|i| (i.id, i.data.is_some())).collect()
        }
        other => panic!("XREADGROUP answered {other:?}"),
    }
}

pub fn pending_range(
    e: &mut Engine,
    now: u64,
    key: &str,
    group: &str,
    range: PendingRange,
) -> Vec<PendingItem> {
    let command = Command::Pending {
        key: k(key),
        group: k(group),
        range: Some(range),
    };
    match ok(e, now, &command) {
        Reply::PendingRange(items) => items,
        other => panic!("XPENDING answered {other:?}"),
    }
}

/// XPENDING key group - + 1000 as (id, consumer, delivery count).
pub fn pel(e: &mut Engine, key: &str, group: &str) -> Vec<(StreamId, String, u64)> {
    let range = PendingRange {
        idle_min_ms: None,
        start: ZERO,
        end: MAX,
        count: 1000,
        consumer: None,
    };
    pending_range(e, 0, key, group, range)
        .into_iter()
        .map(|p| {
            let name = String::from_utf8(p.consumer).expect("test names are text");
            (p.id, name, p.delivery_count)
        })
        .collect()
}

/// Asserts every group of every stream is consistent (`Group::check`).
pub fn check_groups(e: &Engine) {
    let Ok(Decision::Read(Reply::Keys(keys))) = e.decide(0, &Command::Keys) else {
        panic!("KEYS answers keys");
    };
    for key in keys {
        let stream = e.stream(&key).expect("listed key exists");
        for (_, g) in stream.groups() {
            g.check();
        }
    }
}
