//! Counters the server keeps beside the store's own, for `/metrics`: commands by name and
//! outcome, publishes refused because a queue is full, open HTTP connections. Both adapters
//! (RESP in `connection`, HTTP in `http`) feed them through [`Counters::note`], at the moment
//! the store's answer is known, so the two transports count the same way.
//!
//! Every map here is bounded: command names are a fixed set (`command_name`), and refused
//! publishes are tracked for at most `REJECTED_FULL_QUEUES_MAX` queues.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use conquiet_core::conversation::ConvCommand;
use conquiet_core::queue::Settle;
use conquiet_core::room::RoomCommand;
use conquiet_core::{Command, CommandError, Reply};
use conquiet_db::DbError;

use crate::limits::REJECTED_FULL_QUEUES_MAX;

/// Whether a command's store result was a success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Error,
}

/// The server-wide counters; one instance lives in `server::Shared`.
#[derive(Default)]
pub struct Counters {
    /// `[ok, error]` per command name.
    commands: Mutex<BTreeMap<&'static str, [u64; 2]>>,
    rejected_full: Mutex<HashMap<Vec<u8>, u64>>,
    /// Refusals for queues that did not fit in `rejected_full`.
    rejected_full_untracked: AtomicU64,
    http_connections: AtomicUsize,
}

/// Decrements the open HTTP connection count when dropped, so an aborted connection task is
/// counted out too.
pub struct HttpConnection<'a>(&'a Counters);

impl Drop for HttpConnection<'_> {
    fn drop(&mut self) {
        self.0.http_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Counters {
    /// Counts `command`'s result. Any store error (a refused command, a failed write, a
    /// poisoned or closed store) is an error: nothing that failed to become durable counts as
    /// ok.
    pub fn note(&self, command: &Command, result: Result<&Reply, &DbError>) {
        let outcome = match result {
            Ok(_) => Outcome::Ok,
            Err(DbError::Command(error)) => {
                self.note_refusal(command, error);
                Outcome::Error
            }
            Err(_) => Outcome::Error,
        };
        self.note_outcome(command, outcome);
    }

    /// Counts a command that ran inside a transaction (its error is the engine's own).
    pub fn note_in_transaction(&self, command: &Command, result: Result<&Reply, &CommandError>) {
        let outcome = match result {
            Ok(_) => Outcome::Ok,
            Err(error) => {
                self.note_refusal(command, error);
                Outcome::Error
            }
        };
        self.note_outcome(command, outcome);
    }

    fn note_outcome(&self, command: &Command, outcome: Outcome) {
        if let Ok(mut commands) = self.commands.lock() {
            let counts = commands.entry(command_name(command)).or_default();
            counts[outcome as usize] += 1;
        }
    }

    fn note_refusal(&self, command: &Command, error: &CommandError) {
        if !matches!(error, CommandError::QueueFull { .. }) {
            return;
        }
        let Some(key) = command.keys().first().map(|k| k.to_vec()) else {
            return;
        };
        let Ok(mut rejected) = self.rejected_full.lock() else {
            return;
        };
        if let Some(count) = rejected.get_mut(&key) {
            *count += 1;
        } else if rejected.len() < REJECTED_FULL_QUEUES_MAX {
            rejected.insert(key, 1);
        } else {
            self.rejected_full_untracked.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `(name, ok, error)` for every command counted so far, by name.
    pub fn commands(&self) -> Vec<(&'static str, u64, u64)> {
        match self.commands.lock() {
            Ok(commands) => commands.iter().map(|(n, c)| (*n, c[0], c[1])).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Publishes refused as full for `queue` so far.
    pub fn rejected_full(&self, queue: &[u8]) -> u64 {
        self.rejected_full
            .lock()
            .map(|r| r.get(queue).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Refusals not tracked per queue (the map was full).
    pub fn rejected_full_untracked(&self) -> u64 {
        self.rejected_full_untracked.load(Ordering::Relaxed)
    }

    /// Forgets queues that no longer exist, so deleted queues free their slots. Their counts
    /// are lost; a queue created again under the name starts from 0, as its other counters do.
    pub fn retain_queues(&self, live: &[&[u8]]) {
        if let Ok(mut rejected) = self.rejected_full.lock() {
            rejected.retain(|k, _| live.contains(&k.as_slice()));
        }
    }

    pub fn http_connection_opened(&self) -> HttpConnection<'_> {
        self.http_connections.fetch_add(1, Ordering::Relaxed);
        HttpConnection(self)
    }

    pub fn http_connections(&self) -> usize {
        self.http_connections.load(Ordering::Relaxed)
    }
}

/// The name a command is counted under: the RESP command (lowercase, `|subcommand` as Redis's
/// command stats write it) whichever transport sent it, so a publish over HTTP and one over
/// RESP add to the same series.
pub fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Add { .. } => "xadd",
        Command::Len { .. } => "xlen",
        Command::Range { rev: false, .. } => "xrange",
        Command::Range { rev: true, .. } => "xrevrange",
        Command::Read { .. } => "xread",
        Command::Delete { .. } => "xdel",
        Command::Trim { .. } => "xtrim",
        Command::SetId { .. } => "xsetid",
        Command::GroupCreate { .. } => "xgroup|create",
        Command::GroupSetId { .. } => "xgroup|setid",
        Command::GroupDestroy { .. } => "xgroup|destroy",
        Command::ConsumerCreate { .. } => "xgroup|createconsumer",
        Command::ConsumerDelete { .. } => "xgroup|delconsumer",
        Command::ReadGroup { .. } => "xreadgroup",
        Command::Ack { .. } => "xack",
        Command::Pending { .. } => "xpending",
        Command::Claim(_) => "xclaim",
        Command::AutoClaim(_) => "xautoclaim",
        Command::InfoStream { .. } => "xinfo|stream",
        Command::InfoGroups { .. } => "xinfo|groups",
        Command::InfoConsumers { .. } => "xinfo|consumers",
        Command::DeleteKeys { .. } => "del",
        Command::Exists { .. } => "exists",
        Command::Keys => "keys",
        Command::Rename { .. } => "rename",
        Command::SetConfig { .. } => "config|set",
        Command::QueueCreate { .. } => "cq.create",
        Command::QueueConfigure { .. } => "cq.set",
        Command::QueueInfo { .. } => "cq.info",
        Command::QueueStatus { .. } => "cq.status",
        Command::QueueList {
            dead_letters_only: false,
        } => "cq.queues",
        Command::QueueList {
            dead_letters_only: true,
        } => "cq.dlq|list",
        Command::Publish(_) => "cq.publish",
        Command::Receive(_) => "cq.receive",
        Command::Settle { action, .. } => match action {
            Settle::Ack => "cq.ack",
            Settle::Nack { .. } => "cq.nack",
            Settle::Touch { .. } => "cq.touch",
            Settle::Term { .. } => "cq.term",
        },
        Command::Redrive(_) => "cq.dlq|redrive",
        Command::Purge { .. } => "cq.dlq|purge",
        Command::LockAcquire(_) => "cq.lock",
        Command::LockRelease { .. } => "cq.unlock",
        Command::LockRenew { .. } => "cq.renew",
        Command::LockInfo { .. } => "cq.lockinfo",
        // Not a client's command: the server sends it when a connection holding bound locks
        // closes, and at start.
        Command::LockReleaseBound { .. } => "cq.unlock|bound",
        Command::Room(room) => match room {
            RoomCommand::Create { .. } => "cq.room|create",
            RoomCommand::Start { .. } => "cq.room|start",
            RoomCommand::Speak { .. } => "cq.room|speak",
            RoomCommand::Pass { .. } => "cq.room|pass",
            RoomCommand::End { .. } => "cq.room|end",
            RoomCommand::Info { .. } => "cq.room|info",
            // Not a client's command: the store's timer at a turn's end.
            RoomCommand::Expire { .. } => "cq.room|expire",
        },
        Command::Send(_) => "cq.send",
        Command::Conv(conv) => match conv {
            ConvCommand::Create { .. } => "cq.conv.create",
            ConvCommand::Post { .. } => "cq.conv.post",
            ConvCommand::Info { .. } => "cq.conv.info",
        },
        Command::Request(_) => "cq.request",
        Command::Reply(_) => "cq.reply",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use conquiet_core::queue::{Delay, Publish};

    fn publish(key: &[u8]) -> Command {
        Command::Publish(Publish {
            key: key.to_vec(),
            fields: vec![(b"f".to_vec(), b"v".to_vec())],
            delay: Delay::None,
            dedup_key: None,
        })
    }

    fn full(key: &str) -> DbError {
        DbError::Command(CommandError::QueueFull {
            key: key.into(),
            what: "entries",
            value: 2,
            limit: 1,
        })
    }

    #[test]
    fn store_errors_count_as_errors_and_full_refusals_per_queue() {
        let counters = Counters::default();
        counters.note(&publish(b"q"), Ok(&Reply::Ok));
        counters.note(&publish(b"q"), Err(&DbError::Poisoned("sync".into())));
        counters.note(&publish(b"q"), Err(&DbError::Closed));
        counters.note(&publish(b"q"), Err(&full("q")));
        assert_eq!(counters.commands(), vec![("cq.publish", 1, 3)]);
        assert_eq!(counters.rejected_full(b"q"), 1);
        assert_eq!(counters.rejected_full(b"other"), 0);
        counters.retain_queues(&[b"other"]);
        assert_eq!(counters.rejected_full(b"q"), 0);
    }

    #[test]
    fn refusals_past_the_map_limit_are_counted_together() {
        let counters = Counters::default();
        for i in 0..REJECTED_FULL_QUEUES_MAX + 3 {
            let key = format!("q{i}");
            counters.note(&publish(key.as_bytes()), Err(&full(&key)));
        }
        assert_eq!(counters.rejected_full_untracked(), 3);
        assert_eq!(counters.rejected_full(b"q0"), 1);
    }

    #[test]
    fn an_http_connection_is_counted_until_its_guard_drops() {
        let counters = Counters::default();
        let guard = counters.http_connection_opened();
        assert_eq!(counters.http_connections(), 1);
        drop(guard);
        assert_eq!(counters.http_connections(), 0);
    }
}
