//! One-way sends with fan-out: CQ.SEND publishes one message to each recipient's queue in one
//! op, so every recipient gets its copy or none does. A recipient is a queue, named as any
//! queue is (the stream key; create it with CQ.CREATE); a recipient that does not exist is
//! refused, not created, so a typo cannot start a queue nobody reads. `decide` checks every
//! recipient as a publish would (its limits: a full queue refuses the whole send) and resolves
//! each copy's entry id; `apply` appends the copies. Semantics: docs/coordination.md.

use std::collections::BTreeSet;

use crate::StreamId;
use crate::command::{IdSpec, Op};
use crate::engine::{Decision, Engine, check_entry, check_name, next_id};
use crate::entry::{EntryData, Field};
use crate::error::{CommandError, show};
use crate::limits::{SEND_COPIES_BYTES_MAX, SEND_RECIPIENTS_MAX};
use crate::queue_apply::publish_into;
use crate::queue_exec::check_room;
use crate::reply::Reply;
use crate::stream::data_bytes;

/// CQ.SEND: `fields` to each of `recipients` (queue names, in the order given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    pub recipients: Vec<Vec<u8>>,
    pub fields: Vec<Field>,
}

impl Engine {
    pub(crate) fn decide_send(&self, now: u64, send: &Send) -> Result<Decision, CommandError> {
        let n = send.recipients.len();
        if n == 0 || n > SEND_RECIPIENTS_MAX {
            return Err(CommandError::InvalidArgument(format!(
                "a send has 1..={SEND_RECIPIENTS_MAX} recipients, not {n}"
            )));
        }
        check_entry(&send.fields)?;
        if send.fields.is_empty() {
            return Err(CommandError::InvalidArgument(
                "a message needs at least one field".into(),
            ));
        }
        let data = EntryData::pack(&send.fields);
        let bytes = data_bytes(&data);
        let copies = usize::try_from(bytes)
            .unwrap_or(usize::MAX)
            .saturating_mul(n);
        if copies > SEND_COPIES_BYTES_MAX {
            return Err(CommandError::limit(
                "bytes of a send's copies",
                copies,
                SEND_COPIES_BYTES_MAX,
            ));
        }
        let mut seen = BTreeSet::new();
        let mut sends = Vec::with_capacity(n);
        for key in &send.recipients {
            check_name("key", key)?;
            if !seen.insert(key.as_slice()) {
                return Err(CommandError::InvalidArgument(format!(
                    "recipient '{}' is listed twice",
                    show(key)
                )));
            }
            let stream = self
                .streams
                .get(key)
                .ok_or_else(|| CommandError::NoRecipient { key: show(key) })?;
            // The same check as a publish: one recipient's refusal refuses the whole send.
            check_room(stream, key, 1, bytes)?;
            let id = next_id(now, stream.last_id(), IdSpec::Auto)?;
            sends.push((key.clone(), id));
        }
        Ok(Decision::Write(Op::Send { data, sends }))
    }

    pub(crate) fn apply_send(
        &mut self,
        now: u64,
        data: &EntryData,
        sends: &[(Vec<u8>, StreamId)],
    ) -> Reply {
        let node = self.config.node;
        for (key, id) in sends {
            let stream = self.streams.entry(key.clone()).or_default();
            publish_into(stream, *id, data, node, now);
        }
        Reply::Sent(sends.to_vec())
    }
}
