//! XCLAIM and XAUTOCLAIM: moving pending entries to another consumer. Redis 7.0's rules: an
//! entry deleted from the stream leaves the PEL instead of being claimed, the claiming consumer
//! is created only once something is claimed, and JUSTID leaves delivery counts alone.

use crate::StreamId;
use crate::command::{AutoClaim, Claim};
use crate::engine::Engine;
use crate::entry::Entry;
use crate::group::Group;
use crate::limits::{AUTOCLAIM_SCAN_FACTOR, PENDING_PER_GROUP_MAX};
use crate::reply::Reply;

impl Engine {
    pub(crate) fn apply_claim(&mut self, now: u64, claim: &Claim) -> Reply {
        let stream = self
            .streams
            .get_mut(&claim.key)
            .expect("decide checked the stream");
        let exists: Vec<bool> = claim
            .ids
            .iter()
            .map(|id| stream.get(*id).is_some())
            .collect();
        let g = stream
            .groups
            .get_mut(&claim.group)
            .expect("decide checked the group");
        if let Some(last_id) = claim.last_id
            && last_id > g.last_id
        {
            g.last_id = last_id;
        }
        let delivery_time = claim_delivery_time(claim, now);
        let mut claimed = Vec::new();
        for (&id, exists) in claim.ids.iter().zip(exists) {
            if claim_one(g, claim, id, exists, delivery_time, now) {
                claimed.push(id);
            }
        }
        if claim.just_id {
            return Reply::Ids(claimed);
        }
        let entries = claimed
            .into_iter()
            .filter_map(|id| {
                let data = stream.get(id)?.clone();
                Some(Entry { id, data })
            })
            .collect();
        Reply::Entries(entries)
    }

    /// Scans the PEL from `claim.start` like Redis's XAUTOCLAIM: at most `count` ids are
    /// claimed or found deleted, at most `count * 10` ids are looked at, and the cursor is the
    /// first id not looked at (0-0 once the PEL is exhausted). Walks the PEL one lookup per
    /// id, so a large COUNT never copies the PEL.
    pub(crate) fn apply_autoclaim(&mut self, now: u64, claim: &AutoClaim) -> Reply {
        let stream = self
            .streams
            .get_mut(&claim.key)
            .expect("decide checked the stream");
        let mut count = claim.count;
        let mut attempts = claim.count.saturating_mul(AUTOCLAIM_SCAN_FACTOR);
        let (mut entries, mut ids, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
        let mut next = StreamId::ZERO;
        let mut from = Some(claim.start);
        while let Some(id) = from.and_then(|start| {
            let g = &stream.groups[&claim.group];
            g.pel.range(start..).next().map(|(id, _)| *id)
        }) {
            if attempts == 0 || count == 0 {
                next = id;
                break;
            }
            attempts -= 1;
            from = id.next();
            let data = stream.get(id).cloned();
            let g = stream
                .groups
                .get_mut(&claim.group)
                .expect("decide checked the group");
            let Some(data) = data else {
                g.ack(id);
                deleted.push(id);
                count -= 1;
                continue;
            };
            if now.saturating_sub(g.pel[&id].delivery_time) < claim.idle_min_ms {
                continue;
            }
            g.touch_consumer(&claim.consumer, now);
            g.reassign(id, &claim.consumer, now);
            let pending = g.pel.get_mut(&id).expect("claimed entry is pending");
            pending.delivery_time = now;
            if !claim.just_id {
                pending.delivery_count = pending.delivery_count.saturating_add(1);
            }
            g.mark_active(&claim.consumer, now);
            if claim.just_id {
                ids.push(id);
            } else {
                entries.push(Entry { id, data });
            }
            count -= 1;
        }
        Reply::AutoClaimed {
            next,
            entries,
            ids,
            deleted,
        }
    }
}

/// XCLAIM's new delivery time. Redis takes whichever of IDLE and TIME came last (so adapters
/// pass only that one; given both, TIME wins here), and a time after `now` or before 0 becomes
/// `now`.
fn claim_delivery_time(claim: &Claim, now: u64) -> u64 {
    match (claim.time_ms, claim.idle_ms) {
        (Some(time), _) if time <= now => time,
        (Some(_), _) => now,
        (None, Some(idle)) => now.checked_sub(idle).unwrap_or(now),
        (None, None) => now,
    }
}

/// One id of XCLAIM; returns whether it was claimed.
fn claim_one(
    g: &mut Group,
    claim: &Claim,
    id: StreamId,
    exists: bool,
    delivery_time: u64,
    now: u64,
) -> bool {
    let pending = g.pel.contains_key(&id);
    if !exists {
        // The entry is gone from the stream: nobody can process it, so it leaves the PEL.
        if pending {
            g.ack(id);
        }
        return false;
    }
    if !pending {
        if !claim.force || g.pel.len() >= PENDING_PER_GROUP_MAX {
            return false;
        }
    } else if claim.idle_min_ms > 0
        && now.saturating_sub(g.pel[&id].delivery_time) < claim.idle_min_ms
    {
        return false;
    }
    g.touch_consumer(&claim.consumer, now);
    if pending {
        g.reassign(id, &claim.consumer, now);
    } else {
        // FORCE: the entry starts as a first delivery, then this claim counts as usual.
        g.deliver(id, &claim.consumer, now);
    }
    let entry = g.pel.get_mut(&id).expect("claimed entry is pending");
    entry.delivery_time = delivery_time;
    match claim.retry_count {
        Some(count) => entry.delivery_count = count,
        // RETRYCOUNT may have set any count: saturate rather than overflow.
        None if !claim.just_id => entry.delivery_count = entry.delivery_count.saturating_add(1),
        None => {}
    }
    g.mark_active(&claim.consumer, now);
    true
}
