//! Work-queue commands: decide and apply.

use crate::command::{Command, Op};
use crate::engine::{Decision, Engine};
use crate::error::CommandError;
use crate::reply::Reply;

impl Engine {
    pub(crate) fn decide_queue(
        &self,
        _now: u64,
        _command: &Command,
    ) -> Result<Decision, CommandError> {
        Err(CommandError::InvalidArgument("not implemented yet".into()))
    }

    /// When a blocked `command` that found nothing should be tried again although nothing
    /// was appended: the earliest lease end or delay in its group after `now`.
    pub fn wake_time(&self, _now: u64, _command: &Command) -> Option<u64> {
        None
    }

    pub(crate) fn apply_queue(&mut self, _now: u64, op: &Op) -> Reply {
        unreachable!("no queue op is decided yet: {op:?}")
    }
}
