//! A plain reference model of Redis 7.0 streams for the property test: ordered maps of live
//! entries and pending entries, no nodes, no sharing, no cleverness. Written from Redis's
//! documented and observed behaviour, not from the engine, so the two can disagree.

use std::collections::{BTreeMap, BTreeSet};

use conquiet_core::*;

#[derive(Clone, Debug, Default)]
pub struct Model {
    pub streams: BTreeMap<Vec<u8>, MStream>,
}

#[derive(Clone, Debug, Default)]
pub struct MStream {
    pub entries: BTreeMap<StreamId, Vec<Field>>,
    pub last_id: StreamId,
    pub max_deleted: StreamId,
    pub added: u64,
    pub groups: BTreeMap<Vec<u8>, MGroup>,
    /// Every id ever added, deleted or not: what generated commands aim at.
    pub history: BTreeSet<StreamId>,
}

#[derive(Clone, Debug, Default)]
pub struct MGroup {
    pub last_id: StreamId,
    pub entries_read: Option<u64>,
    pub pel: BTreeMap<StreamId, MPending>,
    /// name -> (seen time, active time)
    pub consumers: BTreeMap<Vec<u8>, (u64, Option<u64>)>,
}

#[derive(Clone, Debug)]
pub struct MPending {
    pub owner: Vec<u8>,
    pub time: u64,
    pub count: u64,
}

impl MStream {
    pub fn first_id(&self) -> StreamId {
        self.entries.keys().next().copied().unwrap_or_default()
    }

    pub fn entry(&self, id: StreamId) -> Option<Entry> {
        let fields = self.entries.get(&id)?;
        Some(Entry {
            id,
            data: EntryData::pack(fields),
        })
    }

    /// Whether the largest deleted id may lie in `start..` (Redis keeps only that one).
    fn tombstone_from(&self, start: StreamId) -> bool {
        if self.entries.is_empty() || self.max_deleted.is_zero() {
            return false;
        }
        self.first_id() <= self.max_deleted && start <= self.max_deleted
    }

    /// How many entries were ever added up to `id`, when that is knowable.
    fn read_count_at(&self, id: StreamId) -> Option<u64> {
        let len = self.entries.len() as u64;
        if self.added == 0 {
            Some(0)
        } else if (len == 0 && id <= self.last_id) || id == self.last_id {
            Some(self.added)
        } else if id > self.last_id {
            None
        } else if self.max_deleted.is_zero() || self.max_deleted < self.first_id() {
            match id.cmp(&self.first_id()) {
                std::cmp::Ordering::Less => Some(self.added - len),
                std::cmp::Ordering::Equal => Some(self.added - len + 1),
                std::cmp::Ordering::Greater => None,
            }
        } else {
            None
        }
    }

    pub fn lag(&self, g: &MGroup) -> Option<i64> {
        if self.added == 0 {
            return Some(0);
        }
        let read = match g.entries_read {
            Some(read) if !self.tombstone_from(g.last_id) => Some(read),
            _ => self.read_count_at(g.last_id),
        };
        read.map(|r| self.added as i64 - r as i64)
    }

    /// A group handing out `id` as new moves its cursor and its read counter.
    fn advance(&mut self, group: &[u8], id: StreamId) {
        let tombstone = self.tombstone_from(id);
        let estimate = self.read_count_at(id);
        let added = self.added;
        let g = self.groups.get_mut(group).expect("group exists");
        if id <= g.last_id {
            return;
        }
        g.entries_read = match g.entries_read {
            Some(read) if !tombstone => Some(read + 1),
            _ if added > 0 => estimate,
            other => other,
        };
        g.last_id = id;
    }

    pub fn group_info(&self, name: &[u8], g: &MGroup) -> GroupInfo {
        GroupInfo {
            name: name.to_vec(),
            consumers: g.consumers.len() as u64,
            pending: g.pel.len() as u64,
            last_delivered_id: g.last_id,
            entries_read: g.entries_read,
            lag: self.lag(g),
        }
    }
}

impl MGroup {
    pub fn touch(&mut self, consumer: &[u8], now: u64) {
        self.consumers
            .entry(consumer.to_vec())
            .or_insert((now, None))
            .0 = now;
    }

    pub fn activate(&mut self, consumer: &[u8], now: u64) {
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.1 = Some(now);
        }
    }

    pub fn owned(&self, consumer: &[u8]) -> impl Iterator<Item = StreamId> + '_ {
        let consumer = consumer.to_vec();
        self.pel
            .iter()
            .filter(move |(_, p)| p.owner == consumer)
            .map(|(id, _)| *id)
    }
}

/// What one stream of an XREADGROUP asks of the model.
#[derive(Clone, Copy)]
pub struct GroupReadArgs<'a> {
    pub group: &'a [u8],
    pub consumer: &'a [u8],
    pub from: GroupReadFrom,
    pub count: usize,
    pub no_ack: bool,
}

pub fn no_group_read(key: &[u8], group: &[u8]) -> CommandError {
    CommandError::NoGroupRead {
        key: String::from_utf8_lossy(key).into_owned(),
        group: String::from_utf8_lossy(group).into_owned(),
    }
}

pub fn no_group(key: &[u8], group: &[u8]) -> CommandError {
    CommandError::NoGroupForKey {
        key: String::from_utf8_lossy(key).into_owned(),
        group: String::from_utf8_lossy(group).into_owned(),
    }
}

impl Model {
    pub fn add(
        &mut self,
        now: u64,
        key: &[u8],
        spec: IdSpec,
        fields: &[Field],
    ) -> Result<Reply, CommandError> {
        if spec == IdSpec::Explicit(StreamId::ZERO) {
            return Err(CommandError::IdZero);
        }
        let last = self.streams.get(key).map_or(StreamId::ZERO, |s| s.last_id);
        if last == StreamId::MAX {
            return Err(CommandError::IdExhausted);
        }
        let id = match spec {
            IdSpec::Auto if now > last.ms => StreamId::new(now, 0),
            IdSpec::Auto => StreamId::new(last.ms, last.seq + 1),
            IdSpec::AutoSeq(ms) if ms == last.ms => StreamId::new(
                ms,
                last.seq.checked_add(1).ok_or(CommandError::SeqExhausted)?,
            ),
            IdSpec::AutoSeq(ms) => StreamId::new(ms, 0),
            IdSpec::Explicit(id) => id,
        };
        if id <= last {
            return Err(CommandError::IdTooSmall);
        }
        let s = self.streams.entry(key.to_vec()).or_default();
        s.entries.insert(id, fields.to_vec());
        s.history.insert(id);
        s.last_id = id;
        s.added += 1;
        Ok(Reply::Id(id))
    }

    pub fn delete(&mut self, key: &[u8], ids: &[StreamId]) -> Reply {
        let Some(s) = self.streams.get_mut(key) else {
            return Reply::Int(0);
        };
        let mut n = 0;
        for id in ids {
            if s.entries.remove(id).is_some() {
                n += 1;
                s.max_deleted = s.max_deleted.max(*id);
            }
        }
        Reply::Int(n)
    }

    pub fn trim(&mut self, key: &[u8], to: TrimTo) -> Reply {
        let Some(s) = self.streams.get_mut(key) else {
            return Reply::Int(0);
        };
        let before = s.entries.len();
        match to {
            TrimTo::MaxLen(max) => {
                while s.entries.len() as u64 > max {
                    s.entries.pop_first();
                }
            }
            TrimTo::MinId(min) => s.entries.retain(|id, _| *id >= min),
        }
        Reply::Int((before - s.entries.len()) as i64)
    }

    pub fn group_create(
        &mut self,
        key: &[u8],
        group: &[u8],
        start: GroupStart,
        mkstream: bool,
    ) -> Result<Reply, CommandError> {
        if !self.streams.contains_key(key) && !mkstream {
            return Err(CommandError::GroupNeedsKey);
        }
        let s = self.streams.entry(key.to_vec()).or_default();
        if s.groups.contains_key(group) {
            return Err(CommandError::BusyGroup);
        }
        let last_id = match start {
            GroupStart::Id(id) => id,
            GroupStart::Last => s.last_id,
        };
        s.groups.insert(
            group.to_vec(),
            MGroup {
                last_id,
                ..MGroup::default()
            },
        );
        Ok(Reply::Ok)
    }

    /// One stream's part of XREADGROUP; `None` when it has nothing to say.
    pub fn read_group_one(
        &mut self,
        now: u64,
        key: &[u8],
        r: &GroupReadArgs<'_>,
    ) -> Option<StreamRead> {
        let GroupReadArgs {
            group,
            consumer,
            from,
            count,
            no_ack,
        } = *r;
        let s = self.streams.get_mut(key).expect("checked");
        let items = match from {
            GroupReadFrom::New => {
                let after = s.groups[group].last_id;
                let ids: Vec<StreamId> = s
                    .entries
                    .keys()
                    .copied()
                    .filter(|id| *id > after)
                    .take(count)
                    .collect();
                if ids.is_empty() {
                    return None;
                }
                let g = s.groups.get_mut(group).expect("checked");
                g.touch(consumer, now);
                g.activate(consumer, now);
                for id in &ids {
                    s.advance(group, *id);
                    if !no_ack {
                        let pending = MPending {
                            owner: consumer.to_vec(),
                            time: now,
                            count: 1,
                        };
                        s.groups
                            .get_mut(group)
                            .expect("checked")
                            .pel
                            .insert(*id, pending);
                    }
                }
                ids.iter()
                    .map(|id| ReadItem {
                        id: *id,
                        data: s.entry(*id).map(|e| e.data),
                    })
                    .collect()
            }
            GroupReadFrom::PendingAfter(after) => {
                let g = s.groups.get_mut(group).expect("checked");
                g.touch(consumer, now);
                let ids: Vec<StreamId> = g
                    .owned(consumer)
                    .filter(|id| *id > after)
                    .take(count)
                    .collect();
                let mut items = Vec::new();
                for id in ids {
                    let data = s.entry(id).map(|e| e.data);
                    let g = s.groups.get_mut(group).expect("checked");
                    if data.is_some() {
                        let p = g.pel.get_mut(&id).expect("owned");
                        (p.time, p.count) = (now, p.count + 1);
                        g.activate(consumer, now);
                    }
                    items.push(ReadItem { id, data });
                }
                items
            }
        };
        Some(StreamRead {
            key: key.to_vec(),
            items,
        })
    }

    pub fn claim(&mut self, now: u64, c: &Claim) -> Result<Reply, CommandError> {
        let s = self
            .streams
            .get_mut(&c.key)
            .ok_or_else(|| no_group(&c.key, &c.group))?;
        let live: Vec<bool> = c.ids.iter().map(|id| s.entries.contains_key(id)).collect();
        let g = s
            .groups
            .get_mut(&c.group)
            .ok_or_else(|| no_group(&c.key, &c.group))?;
        if let Some(last) = c.last_id {
            g.last_id = g.last_id.max(last);
        }
        let time = match (c.time_ms, c.idle_ms) {
            (Some(t), _) => t.min(now),
            (None, Some(idle)) if idle <= now => now - idle,
            _ => now,
        };
        let mut claimed = Vec::new();
        for (id, live) in c.ids.iter().zip(live) {
            let pending = g.pel.contains_key(id);
            if !live {
                g.pel.remove(id);
                continue;
            }
            if !pending && !c.force {
                continue;
            }
            if pending && c.idle_min_ms > 0 && now - g.pel[id].time < c.idle_min_ms {
                continue;
            }
            let p = g.pel.entry(*id).or_insert(MPending {
                owner: Vec::new(),
                time: now,
                count: 1,
            });
            p.owner = c.consumer.clone();
            p.time = time;
            match c.retry_count {
                Some(n) => p.count = n,
                None if !c.just_id => p.count += 1,
                None => {}
            }
            g.touch(&c.consumer, now);
            g.activate(&c.consumer, now);
            claimed.push(*id);
        }
        Ok(if c.just_id {
            Reply::Ids(claimed)
        } else {
            Reply::Entries(claimed.iter().filter_map(|id| s.entry(*id)).collect())
        })
    }

    pub fn autoclaim(&mut self, now: u64, c: &AutoClaim) -> Result<Reply, CommandError> {
        if c.count == 0 {
            return Err(CommandError::CountNotPositive);
        }
        let s = self
            .streams
            .get_mut(&c.key)
            .ok_or_else(|| no_group(&c.key, &c.group))?;
        let g = s
            .groups
            .get_mut(&c.group)
            .ok_or_else(|| no_group(&c.key, &c.group))?;
        let (mut count, mut attempts) = (c.count, c.count * 10);
        let (mut claimed, mut deleted, mut next) = (Vec::new(), Vec::new(), StreamId::ZERO);
        let candidates: Vec<StreamId> = g.pel.range(c.start..).map(|(id, _)| *id).collect();
        for id in candidates {
            if attempts == 0 || count == 0 {
                next = id;
                break;
            }
            attempts -= 1;
            if !s.entries.contains_key(&id) {
                g.pel.remove(&id);
                deleted.push(id);
                count -= 1;
                continue;
            }
            let p = g.pel.get_mut(&id).expect("listed");
            if now - p.time < c.idle_min_ms {
                continue;
            }
            p.owner = c.consumer.clone();
            p.time = now;
            if !c.just_id {
                p.count += 1;
            }
            g.touch(&c.consumer, now);
            g.activate(&c.consumer, now);
            claimed.push(id);
            count -= 1;
        }
        let (entries, ids) = if c.just_id {
            (Vec::new(), claimed)
        } else {
            (
                claimed.iter().filter_map(|id| s.entry(*id)).collect(),
                Vec::new(),
            )
        };
        Ok(Reply::AutoClaimed {
            next,
            entries,
            ids,
            deleted,
        })
    }

    pub fn pending(
        &self,
        now: u64,
        key: &[u8],
        group: &[u8],
        range: &Option<PendingRange>,
    ) -> Result<Reply, CommandError> {
        let g = self
            .streams
            .get(key)
            .and_then(|s| s.groups.get(group))
            .ok_or_else(|| no_group(key, group))?;
        let Some(r) = range else {
            let mut per: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
            for p in g.pel.values() {
                *per.entry(p.owner.clone()).or_default() += 1;
            }
            let bounds = g
                .pel
                .keys()
                .next()
                .map(|first| (*first, *g.pel.keys().next_back().expect("non-empty")));
            let summary = PendingSummary {
                count: g.pel.len() as u64,
                bounds,
                consumers: per.into_iter().collect(),
            };
            return Ok(Reply::PendingSummary(summary));
        };
        let items = g
            .pel
            .iter()
            .filter(|(id, p)| {
                **id >= r.start
                    && **id <= r.end
                    && r.consumer.as_ref().is_none_or(|c| *c == p.owner)
            })
            .filter(|(_, p)| r.idle_min_ms.is_none_or(|min| now - p.time >= min))
            .take(r.count as usize)
            .map(|(id, p)| PendingItem {
                id: *id,
                consumer: p.owner.clone(),
                idle_ms: now - p.time,
                delivery_count: p.count,
            })
            .collect();
        Ok(Reply::PendingRange(items))
    }
}
