//! conquiet's engine: streams and consumer groups with Redis 7.0's semantics, and nothing
//! else. No I/O, no clock, no tasks: time is a parameter, so every result can be replayed.
//!
//! - [`Engine`] holds every [`Stream`]. Each command goes through [`Engine::decide`] (reads
//!   state, returns a [`Reply`] or the resolved [`Op`] to log) and [`Engine::apply`] (the only
//!   mutator, also used to replay the log).
//! - [`Command`] is what callers ask; [`Op`] and [`Record`] are what the log stores;
//!   [`codec`] turns records and whole-engine snapshots into bytes and back.
//! - [`lock`]: named locks with fencing tokens, engine ops like the queue ops.
//! - [`room`]: turn-based rooms with a turn timeout and an events stream per room.
//! - [`send`]: one-way sends to one or many recipient queues in one op (fan-out).
//! - [`conversation`]: threads of messages between participants, in order, with an optimistic
//!   check against forks.
//! - [`StreamId`] is an entry id; [`EntryData`] an entry's fields; limits live in [`limits`].

mod claim;
pub mod codec;
pub mod command;
pub mod conversation;
pub mod engine;
pub mod entry;
pub mod error;
mod group;
mod group_read;
mod groups;
pub mod id;
mod info;
pub mod limits;
mod listpack;
pub mod lock;
pub mod queue;
mod queue_apply;
mod queue_exec;
mod queue_info;
mod queue_plan;
mod queue_policy;
pub mod queue_state;
mod queue_status;
pub mod reply;
pub mod request;
pub mod room;
pub mod send;
pub mod stream;

pub use command::{
    AutoClaim, Claim, Command, GroupReadFrom, GroupStart, IdSpec, Op, PendingRange, ReadFrom,
    Record,
};
pub use engine::{Decision, Engine, EngineConfig, TRIM_LIMIT_DEFAULT};
pub use entry::{Entry, EntryData, Field};
pub use error::CommandError;
pub use group::{Consumer, Group, Pending};
pub use id::StreamId;
pub use reply::*;
pub use stream::{Stream, Trim, TrimTo};

/// When a stream node is full: Redis's `stream-node-max-entries` and `stream-node-max-bytes`
/// (0 means no limit, as in Redis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimits {
    pub entries_max: u64,
    pub bytes_max: u64,
}

impl NodeLimits {
    /// The byte limit in force: 0 or anything above Redis's listpack ceiling means the ceiling.
    pub fn bytes_max(self) -> u64 {
        if self.bytes_max == 0 || self.bytes_max > limits::NODE_BYTES_CEILING {
            limits::NODE_BYTES_CEILING
        } else {
            self.bytes_max
        }
    }
}
