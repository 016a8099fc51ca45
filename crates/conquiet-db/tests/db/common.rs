//! Helpers shared by the integration tests.

use conquiet_core::{Command, GroupReadFrom, GroupStart, IdSpec, Reply, StreamId};

pub fn add(key: &str, fields: &[(&str, &str)]) -> Command {
    Command::Add {
        key: key.as_bytes().to_vec(),
        id: IdSpec::Auto,
        fields: fields
            .iter()
            .map(|(f, v)| (f.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect(),
        no_create: false,
        trim: None,
    }
}

pub fn range_all(key: &str) -> Command {
    Command::Range {
        key: key.as_bytes().to_vec(),
        start: StreamId::ZERO,
        end: StreamId::MAX,
        count: None,
        rev: false,
    }
}

pub fn group_create(key: &str, group: &str) -> Command {
    Command::GroupCreate {
        key: key.as_bytes().to_vec(),
        group: group.as_bytes().to_vec(),
        start: GroupStart::Id(StreamId::ZERO),
        make_stream: true,
        entries_read: None,
    }
}

pub fn read_group(key: &str, group: &str, consumer: &str, count: u64) -> Command {
    Command::ReadGroup {
        group: group.as_bytes().to_vec(),
        consumer: consumer.as_bytes().to_vec(),
        streams: vec![(key.as_bytes().to_vec(), GroupReadFrom::New)],
        count: Some(count),
        no_ack: false,
    }
}

pub fn entries(reply: Reply) -> Vec<conquiet_core::Entry> {
    match reply {
        Reply::Entries(entries) => entries,
        other => panic!("expected entries, got {other:?}"),
    }
}

/// A small seeded generator (xorshift64*), so runs can be replayed from a printed seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
