//! Request/reply: a request is a publish to a service queue whose entry carries a correlation
//! id (the entry's own id) and the time the caller stops waiting; the reply is routed by the
//! store's writer to the caller waiting under that correlation id. The engine decides the
//! request (a `Op::Publish`, logged and replayed like any publish, so the handlers' queue
//! keeps it across restarts) and checks a reply's arguments; whether a caller still waits is
//! the writer's to know (its waiter list), so a reply changes no engine state and is not
//! logged. Semantics: docs/coordination.md.

use crate::StreamId;
use crate::command::{IdSpec, Op};
use crate::engine::{Decision, Engine, check_entry, check_name, next_id};
use crate::entry::Field;
use crate::error::CommandError;
use crate::limits::REQUEST_TIMEOUT_MS_MAX;
use crate::queue::{Delay, Publish};
use crate::reply::Reply;
use crate::stream::Stream;

/// The first field of a request entry: its correlation id, the entry's own id.
pub const CORRELATION_FIELD: &[u8] = b"cq-correlation";
/// The second: clock ms at which the caller stops waiting (a handler may skip a request past
/// it, since its reply would be dropped).
pub const REPLY_BY_FIELD: &[u8] = b"cq-reply-by-ms";

/// CQ.REQUEST: publish `fields` to `service` and wait up to `timeout_ms` for the reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub service: Vec<u8>,
    pub timeout_ms: u64,
    pub fields: Vec<Field>,
}

/// CQ.REPLY: the answer to the request `correlation` of `service`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    pub service: Vec<u8>,
    pub correlation: StreamId,
    pub status: ReplyStatus,
    pub fields: Vec<Field>,
}

/// Whether the handler succeeded (`ok`) or answers an error (`error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyStatus {
    Ok,
    Error,
}

impl ReplyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::Ok => "ok",
            ReplyStatus::Error => "error",
        }
    }
}

/// What the caller of CQ.REQUEST gets: the reply a handler sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestAnswer {
    pub correlation: StreamId,
    pub status: ReplyStatus,
    pub fields: Vec<Field>,
}

impl Engine {
    /// A request is the publish of its entry: the correlation and reply-by fields first,
    /// then the caller's. The entry's id is the correlation id, so it is resolved here as
    /// the publish will resolve it (same clock, same last id) and checked against it.
    pub(crate) fn decide_request(
        &self,
        now: u64,
        request: &Request,
    ) -> Result<Decision, CommandError> {
        check_name("key", &request.service)?;
        if request.timeout_ms == 0 || request.timeout_ms > REQUEST_TIMEOUT_MS_MAX {
            return Err(CommandError::InvalidArgument(format!(
                "request timeout is {} ms, must be 1 to {REQUEST_TIMEOUT_MS_MAX}",
                request.timeout_ms
            )));
        }
        if request.fields.is_empty() {
            return Err(CommandError::InvalidArgument(
                "a request needs at least one field".into(),
            ));
        }
        let last = self
            .streams
            .get(&request.service)
            .map_or(StreamId::ZERO, Stream::last_id);
        let id = next_id(now, last, IdSpec::Auto)?;
        let reply_by = now.saturating_add(request.timeout_ms);
        let mut fields = Vec::with_capacity(request.fields.len() + 2);
        fields.push((CORRELATION_FIELD.to_vec(), id.to_string().into_bytes()));
        fields.push((REPLY_BY_FIELD.to_vec(), reply_by.to_string().into_bytes()));
        fields.extend(request.fields.iter().cloned());
        let publish = Publish {
            key: request.service.clone(),
            fields,
            delay: Delay::None,
            dedup_key: None,
        };
        let decision = self.decide_publish(now, &publish)?;
        if let Decision::Write(Op::Publish { id: published, .. }) = &decision {
            assert_eq!(
                *published, id,
                "a request's id is the one its publish resolves"
            );
        }
        Ok(decision)
    }

    /// A reply changes no engine state: its arguments are checked here, and the writer
    /// delivers it if a caller waits. Without a writer (tests) nobody waits.
    pub(crate) fn decide_reply(&self, reply: &ReplyTo) -> Result<Decision, CommandError> {
        check_name("key", &reply.service)?;
        check_entry(&reply.fields)?;
        Ok(Decision::Read(Reply::Delivered(0)))
    }
}
