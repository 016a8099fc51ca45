//! What one receive will do, worked out from the state alone. `decide` plans to learn whether
//! the receive changes anything (an empty plan needs no log record); `apply` plans again on
//! the same state at the same time and carries the plan out, so both always agree.
//!
//! Order: expired leases first (oldest lease end first), then waiting entries whose time came
//! (earliest first), then new entries after the group's cursor. An entry that failed its last
//! allowed delivery is dead-lettered instead of delivered.

use crate::StreamId;
use crate::group::Group;
use crate::queue::Receive;
use crate::stream::Stream;

/// Most entries with a running publish delay one receive moves aside while looking for new
/// entries, so one receive's work stays bounded.
pub(crate) const DEFER_SCAN_MAX: usize = 1024;

/// Why an entry is handed out again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Again {
    /// Its lease ended while pending (it stays in the PEL, moving to the reader).
    Expired,
    /// It waited outside the PEL (nacked, or published with a delay); the count so far.
    Waited { deliveries: u64 },
}

#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Expired deliveries that were the last allowed: dead-lettered with their count.
    pub dead: Vec<(StreamId, u64)>,
    /// Pending or waiting entries gone from the stream: they leave the group.
    pub gone: Vec<(StreamId, Again)>,
    pub again: Vec<(StreamId, Again)>,
    pub new: Vec<StreamId>,
    /// New entries whose publish delay still runs: they wait in the group until then.
    pub deferred: Vec<(StreamId, u64)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.dead.is_empty()
            && self.gone.is_empty()
            && self.again.is_empty()
            && self.new.is_empty()
            && self.deferred.is_empty()
    }

    pub fn deliveries(&self) -> usize {
        self.again.len() + self.new.len()
    }

    /// Deliveries of entries already pending (expired leases).
    pub fn expired(&self) -> usize {
        self.again
            .iter()
            .filter(|(_, again)| *again == Again::Expired)
            .count()
    }
}

/// How many more deliveries the group and the consumer have room for.
fn room(g: &Group, consumer: &[u8], count: u64) -> (usize, usize) {
    let policy = g.policy.as_ref();
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let group_room = match policy.map_or(0, |p| p.pending_max) {
        0 => usize::MAX,
        max => usize::try_from(max)
            .unwrap_or(usize::MAX)
            .saturating_sub(g.pel.len()),
    };
    let held = g.consumers.get(consumer).map_or(0, |c| c.pel.len());
    let consumer_room = match policy.map_or(0, |p| p.pending_per_consumer_max) {
        0 => usize::MAX,
        max => usize::try_from(max)
            .unwrap_or(usize::MAX)
            .saturating_sub(held),
    };
    (count.min(consumer_room), group_room)
}

pub(crate) fn plan(stream: &Stream, g: &Group, receive: &Receive, now: u64) -> Plan {
    let mut plan = Plan::default();
    let (mut take, mut group_room) = room(g, &receive.consumer, receive.count);
    let deliveries_max = g.policy.as_ref().map_or(0, |p| p.deliveries_max);
    // Expired leases: still in the PEL, so they need consumer room but no group room.
    for &(until, id) in &g.leases {
        if until > now || take == 0 {
            break;
        }
        let pending = &g.pel[&id];
        if stream.get(id).is_none() {
            plan.gone.push((id, Again::Expired));
        } else if deliveries_max > 0 && pending.delivery_count >= deliveries_max {
            plan.dead.push((id, pending.delivery_count));
        } else {
            plan.again.push((id, Again::Expired));
            take -= 1;
        }
    }
    for &(due, id) in &g.waiting_due {
        if due > now || take == 0 || group_room == 0 {
            break;
        }
        let deliveries = g.waiting[&id].delivery_count;
        if stream.get(id).is_none() {
            plan.gone.push((id, Again::Waited { deliveries }));
            continue;
        }
        plan.again.push((id, Again::Waited { deliveries }));
        take -= 1;
        group_room -= 1;
    }
    let Some(start) = g.last_id.next() else {
        return plan;
    };
    let want = take.min(group_room);
    if want == 0 {
        return plan;
    }
    let scan = want.saturating_add(DEFER_SCAN_MAX);
    for entry in stream.range(start, StreamId::MAX, scan, false) {
        if plan.new.len() >= want {
            break;
        }
        // Past the cursor yet already pending or waiting: XCLAIM FORCE, or XGROUP SETID back.
        // Those are handed out from where they are, never a second time as new.
        if g.pel.contains_key(&entry.id) || g.waiting.contains_key(&entry.id) {
            continue;
        }
        match stream.queue.delays.get(&entry.id) {
            Some(&at) if at > now => plan.deferred.push((entry.id, at)),
            _ => plan.new.push(entry.id),
        }
    }
    plan
}

/// The first time after `now` at which a receive on `g` may find something it cannot now:
/// the next lease end, waiting time or publish delay. `Some(now)` when entries past the
/// cursor are deliverable already (a receive stopped at its scan bound).
pub(crate) fn wake_time(stream: &Stream, g: &Group, receive: &Receive, now: u64) -> Option<u64> {
    let mut next: Option<u64> = None;
    let mut consider = |t: u64| {
        if t > now {
            next = Some(next.map_or(t, |n| n.min(t)));
        }
    };
    if let Some((until, _)) = g.leases.first() {
        consider(*until);
    }
    if let Some((due, _)) = g.waiting_due.first() {
        consider(*due);
    }
    let start = g.last_id.next()?;
    for (_, at) in stream.queue.delays.range(start..) {
        consider(*at);
    }
    let (take, group_room) = room(g, &receive.consumer, receive.count);
    let ready = stream
        .range(start, StreamId::MAX, 1, false)
        .first()
        .is_some_and(|e| stream.queue.delays.get(&e.id).is_none_or(|at| *at <= now));
    // With no room, acks wake the reader (they touch the stream); a recheck would only spin.
    if ready && take > 0 && group_room > 0 {
        return Some(now);
    }
    next
}
