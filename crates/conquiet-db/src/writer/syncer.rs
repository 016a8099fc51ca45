//! The syncer thread and the replies waiting for it. The writer appends, holds each reply with
//! the lsn that must be durable first, and leaves the newest `PendingSync` here; the syncer runs
//! one fdatasync after another, each covering what the writer had written when it asked, and
//! answers the held replies the moment a sync covers them. Neither step waits for the writer:
//! a finished sync starts the next at once and its replies leave from this thread, while the
//! writer goes on with its batch. The writer learns the outcome later (`take_done`) to keep the
//! log's watermark and to stop after a failure.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use conquiet_wal::{PendingSync, SyncDone};
use tokio::sync::mpsc;

use super::{Answer, LatencyHistogram};

/// What the writer and the syncer share.
#[derive(Default)]
pub(super) struct Durability {
    state: Mutex<State>,
    /// Wakes the syncer when a sync is asked for or it must stop.
    work: Condvar,
}

#[derive(Default)]
struct State {
    /// The newest sync asked for and not started; a newer one replaces it (it covers more).
    next: Option<PendingSync>,
    stop: bool,
    /// Replies waiting for durability, in the order they were held: (lsn that must be synced,
    /// answer).
    held: VecDeque<(u64, Answer)>,
    /// Commands whose replies are in `held` (a batch's answer holds many).
    held_commands: usize,
    /// Every lsn below this is durable.
    synced: u64,
    /// Set by the first failure: every held reply not yet durable is answered with it.
    failed: Option<String>,
    /// The newest outcome of the syncer's syncs the writer has not taken; a failure is kept
    /// over later outcomes.
    done: Option<SyncDone>,
    syncs: u64,
    sync_failures: u64,
    fsync_latency: LatencyHistogram,
}

/// The syncer's counters, for the writer's stats.
pub(super) struct SyncStats {
    pub syncs: u64,
    pub sync_failures: u64,
    pub fsync_latency: LatencyHistogram,
}

impl State {
    /// Takes the held replies that may go now: durable ones, or all after a failure, each with
    /// the failure when it was not durable.
    fn take_ready(&mut self) -> Vec<(Answer, Option<String>)> {
        let mut ready = Vec::new();
        while let Some((needed, _)) = self.held.front() {
            let durable = *needed <= self.synced;
            if !durable && self.failed.is_none() {
                break;
            }
            if let Some((_, answer)) = self.held.pop_front() {
                self.held_commands -= answer.commands();
                let failure = (!durable).then(|| self.failed.clone()).flatten();
                ready.push((answer, failure));
            }
        }
        ready
    }
}

fn send_all(ready: Vec<(Answer, Option<String>)>) {
    for (answer, failure) in ready {
        answer.send(failure.as_deref());
    }
}

impl Durability {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation completes before anything that could panic.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds replies until the lsn each names is durable.
    pub(super) fn hold(&self, answers: impl IntoIterator<Item = (u64, Answer)>) {
        let mut state = self.lock();
        for (needed, answer) in answers {
            state.held_commands += answer.commands();
            state.held.push_back((needed, answer));
        }
    }

    /// Commands whose replies wait for a sync.
    pub(super) fn held_commands(&self) -> usize {
        self.lock().held_commands
    }

    /// Leaves `pending` for the syncer, replacing an older one it has not started.
    pub(super) fn ask(&self, pending: PendingSync) {
        self.lock().next = Some(pending);
        self.work.notify_one();
    }

    /// Records a sync the writer ran itself (every lsn below `up_to` is durable) and answers
    /// what that covers.
    pub(super) fn synced(&self, up_to: u64) {
        let ready = {
            let mut state = self.lock();
            state.synced = state.synced.max(up_to);
            state.take_ready()
        };
        send_all(ready);
    }

    /// From now on nothing more becomes durable: replies not yet durable get `reason`.
    pub(super) fn fail(&self, reason: &str) {
        let ready = {
            let mut state = self.lock();
            state.failed.get_or_insert_with(|| reason.to_string());
            state.take_ready()
        };
        send_all(ready);
    }

    /// Every held reply, answered at once as if durable: the deliberately broken store of the
    /// crash tests.
    #[cfg(test)]
    pub(super) fn release_all_unsynced(&self) {
        let ready: Vec<_> = {
            let mut state = self.lock();
            state.held_commands = 0;
            state.held.drain(..).collect()
        };
        for (_, answer) in ready {
            answer.send(None);
        }
    }

    /// The outcome of the syncer's newest sync the writer has not seen, if any.
    pub(super) fn take_done(&self) -> Option<SyncDone> {
        self.lock().done.take()
    }

    /// The failure that stopped the syncer, if one did.
    pub(super) fn failure(&self) -> Option<String> {
        self.lock().failed.clone()
    }

    pub(super) fn stats(&self) -> SyncStats {
        let state = self.lock();
        SyncStats {
            syncs: state.syncs,
            sync_failures: state.sync_failures,
            fsync_latency: state.fsync_latency.clone(),
        }
    }

    /// The syncer's loop: runs the newest sync asked for, answers what it made durable, tells
    /// the writer, and waits for the next.
    fn run(&self, notify: &mpsc::Sender<()>) {
        loop {
            let pending = {
                let mut state = self.lock();
                loop {
                    if state.stop {
                        return;
                    }
                    if let Some(pending) = state.next.take() {
                        break pending;
                    }
                    state = self.work.wait(state).unwrap_or_else(|p| p.into_inner());
                }
            };
            let started = Instant::now();
            let done = pending.run();
            let elapsed = started.elapsed();
            let ready = {
                let mut state = self.lock();
                state.fsync_latency.record(elapsed);
                match done.failure() {
                    None => {
                        state.syncs += 1;
                        state.synced = state.synced.max(done.up_to().0);
                    }
                    Some(reason) => {
                        state.sync_failures += 1;
                        state.failed.get_or_insert(reason);
                    }
                }
                if state.done.as_ref().is_none_or(SyncDone::is_ok) {
                    state.done = Some(done);
                }
                state.take_ready()
            };
            send_all(ready);
            // A full channel already holds a wake-up the writer has not taken.
            let _ = notify.try_send(());
        }
    }
}

/// The syncer thread.
pub(super) struct Syncer {
    thread: JoinHandle<()>,
}

impl Syncer {
    /// Starts the thread; `notify` gets a message (coalesced) after each sync.
    pub(super) fn start(
        durability: Arc<Durability>,
        notify: mpsc::Sender<()>,
    ) -> std::io::Result<Syncer> {
        let thread = std::thread::Builder::new()
            .name("conquiet-syncer".into())
            .spawn(move || durability.run(&notify))?;
        Ok(Syncer { thread })
    }

    /// Lets the sync in progress finish (one asked for but not started is dropped) and
    /// joins the thread; `false` if it panicked.
    pub(super) fn stop(self, durability: &Durability) -> bool {
        durability.lock().stop = true;
        durability.work.notify_all();
        self.thread.join().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use conquiet_core::Reply;
    use conquiet_wal::{Lsn, SimStorage, Wal, WalOptions};
    use tokio::sync::{mpsc, oneshot};

    use super::{Durability, Syncer};
    use crate::DbError;
    use crate::writer::Answer;

    fn held(durability: &Durability, needed: Lsn) -> oneshot::Receiver<Result<Reply, DbError>> {
        let (reply, answer) = oneshot::channel();
        durability.hold([(needed.0, Answer::Reply(reply, Ok(Reply::Ok)))]);
        answer
    }

    /// The writer holds two replies and asks for a sync that covers only the first: the syncer
    /// answers that one by itself, the other only once a sync covers it, and after a failed
    /// sync the rest get the failure.
    #[test]
    fn the_syncer_answers_exactly_what_its_syncs_cover() {
        let storage = SimStorage::new();
        let (mut wal, _) = Wal::open(
            Arc::new(storage.clone()),
            WalOptions::default(),
            Lsn(1),
            &mut |_, _| Ok(()),
        )
        .expect("open");
        let durability = Arc::new(Durability::default());
        let (notify, mut notices) = mpsc::channel(1);
        let syncer = Syncer::start(durability.clone(), notify).expect("syncer");

        wal.append(b"one").expect("append");
        let first = held(&durability, wal.next_lsn());
        let covers_first = wal.begin_sync().expect("begin").expect("unsynced");
        wal.append(b"two").expect("append");
        let mut second = held(&durability, wal.next_lsn());
        durability.ask(covers_first);
        let result = first.blocking_recv().expect("sent");
        assert!(matches!(result, Ok(Reply::Ok)), "{result:?}");
        assert!(
            notices.blocking_recv().is_some(),
            "the writer hears of the sync"
        );
        assert!(second.try_recv().is_err(), "not durable yet, not answered");

        wal.append(b"three").expect("append");
        let third = held(&durability, wal.next_lsn());
        storage.fail_sync_once_at(1);
        durability.ask(wal.begin_sync().expect("begin").expect("unsynced"));
        for answer in [second, third] {
            let result = answer.blocking_recv().expect("sent");
            assert!(matches!(result, Err(DbError::Poisoned(_))), "{result:?}");
        }
        assert!(durability.failure().is_some());
        let done = durability.take_done().expect("the failed outcome is kept");
        assert!(!done.is_ok());
        assert!(syncer.stop(&durability));
    }
}
