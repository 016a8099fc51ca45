//! `CQ.STATUS`: where one entry is for one group, worked out from the state alone (a read: no
//! record, nothing changes). The order of the checks is the contract docs/queues.md states:
//!
//! 1. in the group's pending list: in flight;
//! 2. among the group's waiting entries (nacked, or passed while its publish delay ran):
//!    delayed until its time, then waiting;
//! 3. in the stream past the group's last delivered id: waiting, or delayed while a publish
//!    delay runs (groups with a policy only: plain groups ignore delays, as their reads do);
//! 4. otherwise its dead letter is looked for in the group's dead-letter stream (at most
//!    `STATUS_DEAD_LETTER_SCAN_MAX` entries from the entry's millisecond on, since a dead letter
//!    gets its id when it is written, after its entry was added): dead-lettered if found, else
//!    acked while the entry is still in the stream, else unknown.

use crate::StreamId;
use crate::engine::Engine;
use crate::entry::EntryData;
use crate::error::{CommandError, show};
use crate::group::Group;
use crate::id::parse_u64;
use crate::limits::STATUS_DEAD_LETTER_SCAN_MAX;
use crate::queue::{DEAD_LETTER_FIELDS, EntryState, EntryStatus};
use crate::queue_exec::dead_letter_of;
use crate::stream::Stream;

/// Dead letters read per step of the scan, so a match found early stops the copying there.
const SCAN_STEP_ENTRIES: usize = 256;

/// A dead letter found for an entry: its stream, its id and its data.
struct DeadLetter {
    stream: Vec<u8>,
    id: StreamId,
    data: EntryData,
}

impl Engine {
    /// The status of entry `id` of stream `key` for `group` at time `now`. A missing stream is
    /// `NoSuchKey` (as CQ.INFO), a missing group the NOGROUP the other CQ commands answer.
    pub(crate) fn entry_status(
        &self,
        now: u64,
        key: &[u8],
        group: &[u8],
        id: StreamId,
    ) -> Result<EntryStatus, CommandError> {
        let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
        let g = stream
            .groups
            .get(group)
            .ok_or_else(|| CommandError::NoGroupForKey {
                key: show(key),
                group: show(group),
            })?;
        let mut status = EntryStatus {
            id,
            group: group.to_vec(),
            state: EntryState::Unknown,
            deliveries: None,
            until_ms: None,
            consumer: None,
            token: None,
            dead_letter: None,
            reason: None,
            data: stream.get(id).cloned(),
        };
        if let Some(p) = g.pel.get(&id) {
            status.state = EntryState::InFlight;
            status.deliveries = Some(p.delivery_count);
            status.until_ms = p.lease_until;
            status.consumer = Some(p.consumer.to_vec());
            status.token = Some(p.token);
            status.reason = g.reasons.get(&id).cloned();
        } else if let Some(w) = g.waiting.get(&id) {
            let delayed = w.due_ms > now;
            status.state = if delayed {
                EntryState::Delayed
            } else {
                EntryState::Waiting
            };
            status.deliveries = (w.delivery_count > 0).then_some(w.delivery_count);
            status.until_ms = delayed.then_some(w.due_ms);
            status.reason = g.reasons.get(&id).cloned();
        } else if id > g.last_id && status.data.is_some() {
            match stream.queue.delays.get(&id) {
                Some(&at) if at > now && g.policy.is_some() => {
                    status.state = EntryState::Delayed;
                    status.until_ms = Some(at);
                }
                _ => status.state = EntryState::Waiting,
            }
        } else if let Some(dead) = self.find_dead_letter(key, group, g, id) {
            status.state = EntryState::DeadLettered;
            status.deliveries = dead_letter_field(&dead.data, 3).and_then(|v| parse_u64(&v));
            status.reason = dead_letter_field(&dead.data, 4);
            status.dead_letter = Some((dead.stream, dead.id));
        } else if status.data.is_some() {
            status.state = EntryState::Acked;
        }
        Ok(status)
    }

    /// The dead letter `group` wrote for entry `id` of `key`, looked for in the group's
    /// dead-letter stream from `id`'s millisecond on, at most `STATUS_DEAD_LETTER_SCAN_MAX`
    /// entries. A dead letter past the bound, or in a stream the policy named before a CQ.SET
    /// changed it, is not found.
    fn find_dead_letter(
        &self,
        key: &[u8],
        group: &[u8],
        g: &Group,
        id: StreamId,
    ) -> Option<DeadLetter> {
        let name = dead_letter_of(key, g);
        let dlq: &Stream = self.streams.get(&name)?;
        let id_text = id.to_bytes();
        let wanted: [&[u8]; 3] = [key, group, &id_text];
        let mut start = StreamId::new(id.ms, 0);
        let mut scanned = 0usize;
        while scanned < STATUS_DEAD_LETTER_SCAN_MAX {
            let step = SCAN_STEP_ENTRIES.min(STATUS_DEAD_LETTER_SCAN_MAX - scanned);
            let entries = dlq.range(start, StreamId::MAX, step, false);
            scanned += entries.len();
            for entry in &entries {
                let mut pairs = entry.data.pairs();
                let matches = DEAD_LETTER_FIELDS[..3]
                    .iter()
                    .zip(wanted)
                    .all(|(field, value)| pairs.next() == Some((*field, value)));
                if matches {
                    return Some(DeadLetter {
                        stream: name,
                        id: entry.id,
                        data: entry.data.clone(),
                    });
                }
            }
            let last = entries.last()?;
            if entries.len() < step {
                return None;
            }
            start = last.id.next()?;
        }
        None
    }
}

/// The value of dead-letter field `at` (an index into `DEAD_LETTER_FIELDS`) if the entry
/// carries it in its place.
fn dead_letter_field(data: &EntryData, at: usize) -> Option<Vec<u8>> {
    let (field, value) = data.pairs().nth(at)?;
    (field == DEAD_LETTER_FIELDS[at]).then(|| value.to_vec())
}
