//! Request/reply in the writer: a CQ.REQUEST is logged as the publish of its entry (the
//! engine decides it) and its caller then waits in the waiter list under its correlation
//! (service, entry id), with the request's timeout as its deadline; a CQ.REPLY takes that
//! waiter and hands it the reply. Whether a caller still waits is known only here, so a
//! reply is routed, not logged: a reply nobody waits for (timed out, its caller gone, an
//! unknown correlation, or any reply after a restart) is dropped and counted.

use conquiet_core::limits::REQUESTS_PENDING_MAX;
use conquiet_core::request::{ReplyTo, RequestAnswer};
use conquiet_core::{Command, CommandError, Reply};

use super::Writer;
use crate::waiters::{ReplySender, Waiter};
use crate::{DbError, WAITERS_MAX};

impl Writer {
    /// Publishes the request and parks its caller until the reply or the timeout. A request
    /// always waits, whatever `Block` it came with: waiting is what it is for.
    pub(super) fn handle_request(&mut self, now: u64, command: Command, reply: ReplySender) {
        let Command::Request(request) = &command else {
            self.hold(reply, Err(DbError::Closed));
            return;
        };
        let pending = self.waiters.requests();
        if pending >= REQUESTS_PENDING_MAX {
            let error = CommandError::Limit {
                what: "pending request count",
                value: pending as u64,
                limit: REQUESTS_PENDING_MAX as u64,
            };
            self.hold(reply, Err(error.into()));
            return;
        }
        if self.waiters.len() >= WAITERS_MAX {
            self.hold(reply, Err(DbError::TooManyWaiters(WAITERS_MAX)));
            return;
        }
        let service = request.service.clone();
        let deadline = now.saturating_add(request.timeout_ms);
        match self.execute(now, &command) {
            Ok(Reply::Published { id, .. }) => self.waiters.add(Waiter {
                command,
                deadline: Some(deadline),
                recheck: None,
                reply,
                correlation: Some((service, id)),
            }),
            result => self.hold(reply, result),
        }
    }

    /// Hands the reply to the caller waiting for it: `Delivered(1)`; or drops it, counted,
    /// when nobody waits any more (a caller whose timeout came by `now` gets its timeout,
    /// even if the writer's timer had not answered it yet): `Delivered(0)`.
    pub(super) fn route_reply(&mut self, now: u64, reply: &ReplyTo) -> Reply {
        let Some(waiter) = self.waiters.take_request(&reply.service, reply.correlation) else {
            self.stats.replies_dropped += 1;
            return Reply::Delivered(0);
        };
        if waiter.reply.is_closed() {
            self.stats.replies_dropped += 1;
            return Reply::Delivered(0);
        }
        if waiter.deadline.is_some_and(|d| d <= now) {
            self.time_out_request(waiter);
            self.stats.replies_dropped += 1;
            return Reply::Delivered(0);
        }
        let answer = RequestAnswer {
            correlation: reply.correlation,
            status: reply.status,
            fields: reply.fields.clone(),
        };
        self.hold(waiter.reply, Ok(Reply::RequestAnswer(Box::new(answer))));
        self.stats.replies_delivered += 1;
        Reply::Delivered(1)
    }

    /// Answers a request whose timeout came with the `TIMEOUT` error.
    pub(super) fn time_out_request(&mut self, waiter: Waiter) {
        let (Command::Request(request), Some((service, id))) =
            (&waiter.command, &waiter.correlation)
        else {
            return;
        };
        let error = CommandError::RequestTimeout {
            id: id.to_string(),
            service: String::from_utf8_lossy(service).into_owned(),
            timeout_ms: request.timeout_ms,
        };
        self.stats.requests_timed_out += 1;
        self.hold(waiter.reply, Err(error.into()));
    }
}
