//! Model-based property test: random command sequences run on the engine and on the plain
//! reference model in `model_ref`, every reply compared. A twin engine gets each write only
//! as an encoded-then-decoded log record, and the engine under test is replaced mid-sequence
//! by its own snapshot decoded; the two must keep answering alike, and every group must pass
//! `Group::check` after every step. proptest prints the shrunk failing sequence.
//! PROPTEST_CASES raises the case count for a longer soak.

use std::collections::BTreeMap;

use conquiet_core::codec::{decode_record, decode_snapshot, encode_record, encode_snapshot};
use conquiet_core::*;
use proptest::prelude::*;

use crate::model_gen::{GROUPS, KEYS, Step, aim, step};
use crate::model_ref::*;
use crate::observe::observe;
use crate::util::check_groups;

/// What the reference model answers.
fn model_execute(m: &mut Model, now: u64, command: &Command) -> Result<Reply, CommandError> {
    let nokey = |key: &[u8], group: &[u8]| CommandError::NoConsumerGroup {
        key: String::from_utf8_lossy(key).into_owned(),
        group: String::from_utf8_lossy(group).into_owned(),
    };
    match command {
        Command::Add {
            key,
            id,
            fields,
            no_create,
            ..
        } => {
            if *no_create && !m.streams.contains_key(key) && *id != IdSpec::Explicit(StreamId::ZERO)
            {
                return Ok(Reply::Nil);
            }
            m.add(now, key, *id, fields)
        }
        Command::Delete { key, ids } => Ok(m.delete(key, ids)),
        Command::Trim { key, trim } => Ok(m.trim(key, trim.to)),
        Command::Len { key } => Ok(Reply::Int(
            m.streams.get(key).map_or(0, |s| s.entries.len() as i64),
        )),
        Command::Range {
            key,
            start,
            end,
            count,
            rev,
        } => {
            let Some(s) = m.streams.get(key) else {
                return Ok(Reply::Entries(Vec::new()));
            };
            let (low, high) = if *rev { (*end, *start) } else { (*start, *end) };
            let count = count.map_or(usize::MAX, |n| n as usize);
            let inside = s
                .entries
                .keys()
                .copied()
                .filter(|id| low <= *id && *id <= high);
            let ids: Vec<StreamId> = if *rev {
                inside.rev().take(count).collect()
            } else {
                inside.take(count).collect()
            };
            Ok(Reply::Entries(
                ids.into_iter().filter_map(|id| s.entry(id)).collect(),
            ))
        }
        Command::GroupCreate {
            key,
            group,
            start,
            make_stream,
            ..
        } => m.group_create(key, group, *start, *make_stream),
        Command::GroupSetId {
            key,
            group,
            start,
            entries_read,
        } => {
            let s = m.streams.get_mut(key).ok_or(CommandError::GroupNeedsKey)?;
            let last = s.last_id;
            let g = s.groups.get_mut(group).ok_or_else(|| nokey(key, group))?;
            g.last_id = match start {
                GroupStart::Id(id) => *id,
                GroupStart::Last => last,
            };
            g.entries_read = *entries_read;
            Ok(Reply::Ok)
        }
        Command::ConsumerDelete {
            key,
            group,
            consumer,
        } => {
            let s = m.streams.get_mut(key).ok_or(CommandError::GroupNeedsKey)?;
            let g = s.groups.get_mut(group).ok_or_else(|| nokey(key, group))?;
            if g.consumers.remove(consumer).is_none() {
                return Ok(Reply::Int(0));
            }
            let before = g.pel.len();
            g.pel.retain(|_, p| p.owner != *consumer);
            Ok(Reply::Int((before - g.pel.len()) as i64))
        }
        Command::ReadGroup {
            group,
            consumer,
            streams,
            count,
            no_ack,
        } => {
            for (key, _) in streams {
                if !m
                    .streams
                    .get(key)
                    .is_some_and(|s| s.groups.contains_key(group))
                {
                    return Err(no_group_read(key, group));
                }
            }
            let count = match count {
                None | Some(0) => usize::MAX,
                Some(n) => *n as usize,
            };
            let out: Vec<StreamRead> = streams
                .iter()
                .filter_map(|(key, from)| {
                    m.read_group_one(
                        now,
                        key,
                        &GroupReadArgs {
                            group,
                            consumer,
                            from: *from,
                            count,
                            no_ack: *no_ack,
                        },
                    )
                })
                .collect();
            Ok(Reply::Read((!out.is_empty()).then_some(out)))
        }
        Command::Ack { key, group, ids } => {
            let Some(g) = m.streams.get_mut(key).and_then(|s| s.groups.get_mut(group)) else {
                return Ok(Reply::Int(0));
            };
            Ok(Reply::Int(
                ids.iter().filter(|id| g.pel.remove(id).is_some()).count() as i64,
            ))
        }
        Command::Claim(claim) => m.claim(now, claim),
        Command::AutoClaim(claim) => m.autoclaim(now, claim),
        Command::Pending { key, group, range } => m.pending(now, key, group, range),
        Command::InfoStream { key, .. } => {
            let s = m.streams.get(key).ok_or(CommandError::NoSuchKey)?;
            Ok(Reply::StreamInfo(Box::new(StreamInfo {
                length: s.entries.len() as u64,
                nodes: 0,
                last_generated_id: s.last_id,
                max_deleted_id: s.max_deleted,
                entries_added: s.added,
                first_id: s.first_id(),
                groups: s.groups.len() as u64,
                first_entry: s.entries.keys().next().and_then(|id| s.entry(*id)),
                last_entry: s.entries.keys().next_back().and_then(|id| s.entry(*id)),
            })))
        }
        Command::InfoGroups { key } => {
            let s = m.streams.get(key).ok_or(CommandError::NoSuchKey)?;
            Ok(Reply::Groups(
                s.groups
                    .iter()
                    .map(|(name, g)| s.group_info(name, g))
                    .collect(),
            ))
        }
        Command::InfoConsumers { key, group } => {
            let s = m.streams.get(key).ok_or(CommandError::NoSuchKey)?;
            let g = s.groups.get(group).ok_or_else(|| nokey(key, group))?;
            let mut owned: BTreeMap<&[u8], u64> = BTreeMap::new();
            for p in g.pel.values() {
                *owned.entry(p.owner.as_slice()).or_default() += 1;
            }
            let consumers = g
                .consumers
                .iter()
                .map(|(name, (seen, active))| ConsumerInfo {
                    name: name.clone(),
                    pending: owned.get(name.as_slice()).copied().unwrap_or(0),
                    idle_ms: now - seen,
                    inactive_ms: active.map(|t| now - t),
                });
            Ok(Reply::Consumers(consumers.collect()))
        }
        other => panic!("the model does not generate {other:?}"),
    }
}

/// The engine under test and its twin, fed only decoded log records.
struct Engines {
    live: Engine,
    twin: Engine,
}

impl Engines {
    fn execute(&mut self, now: u64, command: &Command) -> Result<Reply, CommandError> {
        let decision = self.live.decide(now, command);
        assert_eq!(
            self.twin.decide(now, command),
            decision,
            "twin decided otherwise"
        );
        match decision? {
            Decision::Read(reply) => Ok(reply),
            Decision::Write(op) => {
                let reply = self.live.apply(now, &op);
                let record = Record {
                    time_ms: now,
                    ops: vec![op],
                };
                let decoded = decode_record(&encode_record(&record)).expect("own record decodes");
                assert_eq!(
                    self.twin.apply_record(&decoded),
                    vec![reply.clone()],
                    "twin replied otherwise"
                );
                Ok(reply)
            }
        }
    }

    fn snapshot(&mut self) {
        let mut bytes = Vec::new();
        encode_snapshot(&self.live, &mut bytes).expect("writing to a Vec cannot fail");
        self.live = decode_snapshot(&mut bytes.as_slice()).expect("own snapshot decodes");
    }
}

/// Node counts are the engine's business: the model has no nodes.
fn without_nodes(reply: Result<Reply, CommandError>) -> Result<Reply, CommandError> {
    match reply {
        Ok(Reply::StreamInfo(mut info)) => {
            info.nodes = 0;
            Ok(Reply::StreamInfo(info))
        }
        other => other,
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_engine_answers_like_the_reference_model(steps in prop::collection::vec(step(), 10..100)) {
        let mut engines = Engines { live: Engine::new(EngineConfig::default()), twin: Engine::new(EngineConfig::default()) };
        let mut model = Model::default();
        let mut now = 0u64;
        // Both keys start with group "g", so most group commands find it; "h" comes and goes.
        for key in KEYS {
            let create = Command::GroupCreate {
                key: key.as_bytes().to_vec(),
                group: GROUPS[0].as_bytes().to_vec(),
                start: GroupStart::Id(StreamId::ZERO),
                make_stream: true,
                entries_read: None,
            };
            prop_assert_eq!(engines.execute(now, &create), model_execute(&mut model, now, &create));
        }
        for (at, step) in steps.iter().enumerate() {
            match step {
                Step::Tick(ms) => now += ms,
                Step::Snapshot => engines.snapshot(),
                Step::Run(command, seed) => {
                    let mut command = command.clone();
                    aim(&mut command, &model, *seed);
                    let command = &command;
                    let got = without_nodes(engines.execute(now, command));
                    let expected = model_execute(&mut model, now, command);
                    prop_assert_eq!(got, expected, "step {} {:?}", at, command);
                }
            }
            check_groups(&engines.live);
            check_groups(&engines.twin);
        }
        prop_assert_eq!(observe(&engines.live, now), observe(&engines.twin, now));
    }
}
