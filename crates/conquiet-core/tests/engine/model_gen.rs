//! What the property test generates: steps over two keys, two groups and three consumers,
//! with ids drawn small and then mostly aimed (`aim`) at ids the stream has had.

use conquiet_core::*;
use proptest::prelude::*;

use crate::model_ref::Model;
use crate::util::id;

pub const KEYS: [&str; 2] = ["a", "b"];
pub const GROUPS: [&str; 2] = ["g", "h"];
const CONSUMERS: [&str; 3] = ["x", "y", "z"];

// Steps live in short vectors; boxing the command would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Step {
    /// Advance the clock.
    Tick(u64),
    /// Replace the engine under test by its snapshot, decoded.
    Snapshot,
    /// A command and a seed that aims some of its ids at ids the stream has had.
    Run(Command, u64),
}

/// Mostly the first key and group, so that most commands find their group.
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => Just(KEYS[0]), 1 => Just(KEYS[1])].prop_map(|k| k.as_bytes().to_vec())
}

fn group() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => Just(GROUPS[0]), 1 => Just(GROUPS[1])].prop_map(|g| g.as_bytes().to_vec())
}

fn consumer() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(&CONSUMERS[..]).prop_map(|c| c.as_bytes().to_vec())
}

fn sid() -> impl Strategy<Value = StreamId> {
    (0..40u64, 0..3u64).prop_map(|(ms, seq)| id(ms, seq))
}

fn ids() -> impl Strategy<Value = Vec<StreamId>> {
    prop::collection::vec(sid(), 1..5)
}

fn add() -> impl Strategy<Value = Command> {
    let spec = prop_oneof![
        2 => Just(IdSpec::Auto),
        1 => (0..40u64).prop_map(IdSpec::AutoSeq),
        2 => sid().prop_map(IdSpec::Explicit),
    ];
    let value = (0..1000u32, any::<bool>()).prop_map(|(n, two)| {
        let mut fields = vec![(b"f".to_vec(), n.to_string().into_bytes())];
        if two {
            fields.push((b"g".to_vec(), vec![b'v'; (n % 50) as usize]));
        }
        fields
    });
    (key(), spec, value, any::<bool>()).prop_map(|(key, id, fields, no_create)| Command::Add {
        key,
        id,
        fields,
        no_create,
        trim: None,
    })
}

fn group_commands() -> impl Strategy<Value = Command> {
    let start = prop_oneof![Just(GroupStart::Last), sid().prop_map(GroupStart::Id)];
    let from = prop_oneof![
        3 => Just(GroupReadFrom::New),
        1 => Just(GroupReadFrom::PendingAfter(StreamId::ZERO)),
        1 => sid().prop_map(GroupReadFrom::PendingAfter),
    ];
    let count = prop::option::of(0..5u64);
    prop_oneof![
        3 => (key(), group(), start.clone(), any::<bool>()).prop_map(|(key, group, start, make_stream)| {
            Command::GroupCreate { key, group, start, make_stream, entries_read: None }
        }),
        1 => (key(), group(), start).prop_map(|(key, group, start)| Command::GroupSetId {
            key,
            group,
            start,
            entries_read: None,
        }),
        1 => (key(), group(), consumer()).prop_map(|(key, group, consumer)| {
            Command::ConsumerDelete { key, group, consumer }
        }),
        9 => (group(), consumer(), prop_oneof![4 => Just(1usize), 1 => Just(2usize)].prop_flat_map(move |n| prop::collection::vec((key(), from.clone()), n)), count, prop::bool::weighted(0.1))
            .prop_map(|(group, consumer, streams, count, no_ack)| Command::ReadGroup {
                group,
                consumer,
                streams,
                count,
                no_ack,
            }),
        2 => (key(), group(), ids()).prop_map(|(key, group, ids)| Command::Ack { key, group, ids }),
    ]
}

fn claims() -> impl Strategy<Value = Command> {
    let idle_min = || prop_oneof![Just(0u64), 0..12u64];
    let claim = (
        key(),
        group(),
        consumer(),
        idle_min(),
        ids(),
        any::<[bool; 2]>(),
        any::<[Option<u8>; 4]>(),
    )
        .prop_map(
            |(
                key,
                group,
                consumer,
                idle_min_ms,
                ids,
                [force, just_id],
                [idle, time, retry, last],
            )| {
                Command::Claim(Claim {
                    key,
                    group,
                    consumer,
                    idle_min_ms,
                    ids,
                    idle_ms: idle.map(u64::from),
                    time_ms: time.map(u64::from),
                    retry_count: retry.map(|n| u64::from(n % 5)),
                    force,
                    just_id,
                    last_id: last.map(|ms| id(u64::from(ms % 40), 0)),
                })
            },
        );
    let start = prop_oneof![Just(StreamId::ZERO), sid()];
    let count = prop_oneof![1 => Just(0u64), 9 => 1..5u64];
    let autoclaim = (
        key(),
        group(),
        consumer(),
        idle_min(),
        start,
        count,
        any::<bool>(),
    )
        .prop_map(
            |(key, group, consumer, idle_min_ms, start, count, just_id)| {
                Command::AutoClaim(AutoClaim {
                    key,
                    group,
                    consumer,
                    idle_min_ms,
                    start,
                    count,
                    just_id,
                })
            },
        );
    prop_oneof![claim, autoclaim]
}

fn reads() -> impl Strategy<Value = Command> {
    let pending = (
        key(),
        group(),
        prop::option::of((
            prop::option::of(0..30u64),
            sid(),
            sid(),
            0..6u64,
            prop::option::of(consumer()),
        )),
    )
        .prop_map(|(key, group, range)| Command::Pending {
            key,
            group,
            range: range.map(|(idle_min_ms, start, end, count, consumer)| PendingRange {
                idle_min_ms,
                start,
                end,
                count,
                consumer,
            }),
        });
    prop_oneof![
        2 => pending,
        2 => (key(), sid(), sid(), prop::option::of(0..6u64), any::<bool>())
            .prop_map(|(key, start, end, count, rev)| Command::Range { key, start, end, count, rev }),
        1 => key().prop_map(|key| Command::Len { key }),
        1 => key().prop_map(|key| Command::InfoStream { key, full: None }),
        1 => key().prop_map(|key| Command::InfoGroups { key }),
        1 => (key(), group()).prop_map(|(key, group)| Command::InfoConsumers { key, group }),
    ]
}

pub fn step() -> impl Strategy<Value = Step> {
    let trim_to = prop_oneof![
        (0..8u64).prop_map(TrimTo::MaxLen),
        sid().prop_map(TrimTo::MinId)
    ];
    let command = prop_oneof![
        6 => add(),
        2 => (key(), ids()).prop_map(|(key, ids)| Command::Delete { key, ids }),
        1 => (key(), trim_to)
            .prop_map(|(key, to)| Command::Trim { key, trim: Trim { to, approx: false, limit: 0 } }),
        8 => group_commands(),
        4 => claims(),
        4 => reads(),
    ];
    prop_oneof![
        25 => (command, any::<u64>()).prop_map(|(command, seed)| Step::Run(command, seed)),
        4 => (0..6u64).prop_map(Step::Tick),
        1 => Just(Step::Snapshot),
    ]
}

/// Re-aims three in four of the ids a command names at ids its stream has had (deleted ones
/// included), so deletes, acks, claims and history reads mostly hit something. 0-0 stays, as
/// "from the start". Deterministic in `seed`, so proptest can replay and shrink.
pub fn aim(command: &mut Command, m: &Model, seed: u64) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let history = |key: &[u8]| -> Vec<StreamId> {
        m.streams
            .get(key)
            .map(|s| s.history.iter().copied().collect())
            .unwrap_or_default()
    };
    let mut aim_at = |known: &[StreamId], id: &mut StreamId| {
        if !known.is_empty() && !id.is_zero() && next() % 4 != 0 {
            *id = known[(next() % known.len() as u64) as usize];
        }
    };
    match command {
        Command::Delete { key, ids } | Command::Ack { key, ids, .. } => {
            let known = history(key);
            ids.iter_mut().for_each(|id| aim_at(&known, id));
        }
        Command::Trim {
            key,
            trim: Trim {
                to: TrimTo::MinId(id),
                ..
            },
        } => aim_at(&history(key), id),
        Command::Range {
            key, start, end, ..
        } => {
            let known = history(key);
            aim_at(&known, start);
            aim_at(&known, end);
        }
        Command::GroupCreate {
            key,
            start: GroupStart::Id(id),
            ..
        }
        | Command::GroupSetId {
            key,
            start: GroupStart::Id(id),
            ..
        } => aim_at(&history(key), id),
        Command::ReadGroup { streams, .. } => {
            for (key, from) in streams.iter_mut() {
                if let GroupReadFrom::PendingAfter(id) = from
                    && !id.is_zero()
                {
                    aim_at(&history(key), id);
                    *id = id.prev().unwrap_or_default();
                }
            }
        }
        Command::Claim(claim) => {
            let known = history(&claim.key);
            claim.ids.iter_mut().for_each(|id| aim_at(&known, id));
        }
        Command::AutoClaim(claim) => aim_at(&history(&claim.key), &mut claim.start),
        Command::Pending {
            key,
            range: Some(range),
            ..
        } => {
            let known = history(key);
            aim_at(&known, &mut range.start);
            aim_at(&known, &mut range.end);
        }
        _ => {}
    }
}
