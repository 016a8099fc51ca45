//! The driver against an in-memory broker that can lose, repeat or refuse a message.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;

use super::*;
use crate::limits::RECEIVE_WAIT;
use crate::payload;
use crate::systems::{Consumer, Producer};

/// An in-memory queue that can lose or repeat one message, or refuse one publish.
#[derive(Default)]
struct Fake {
    queues: Mutex<HashMap<String, Arc<Mutex<VecDeque<Bytes>>>>>,
    lose: Option<u64>,
    repeat: Option<u64>,
    refuse: Option<u64>,
    flight: Arc<Flight>,
    /// Whether it stores a backlog; `backlog` counts what was stored.
    holds_backlog: bool,
    backlog: AtomicU64,
    description: crate::systems::Description,
}

/// Publishes in progress across all producers, and the most there ever were at once.
#[derive(Default)]
struct Flight {
    now: AtomicUsize,
    most: AtomicUsize,
}

struct FakeClient {
    queue: Arc<Mutex<VecDeque<Bytes>>>,
    lose: Option<u64>,
    repeat: Option<u64>,
    refuse: Option<u64>,
    flight: Arc<Flight>,
}

impl Fake {
    fn client(&self, queue: &str) -> Result<FakeClient> {
        let queues = self.queues.lock().unwrap();
        Ok(FakeClient {
            queue: queues.get(queue).context("no such queue")?.clone(),
            lose: self.lose,
            repeat: self.repeat,
            refuse: self.refuse,
            flight: self.flight.clone(),
        })
    }
}

impl Broker for Fake {
    type Producer = FakeClient;
    type Consumer = FakeClient;

    fn describe(&self) -> &crate::systems::Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        self.queues
            .lock()
            .unwrap()
            .insert(queue.to_string(), Arc::default());
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        self.queues.lock().unwrap().remove(queue);
        Ok(())
    }

    async fn fill_backlog(
        &self,
        _queue: &str,
        first_id: u64,
        count: u64,
        _size: usize,
        _bar: &ProgressBar,
    ) -> Result<Option<u64>> {
        if !self.holds_backlog {
            bail!("no backlog here");
        }
        assert_eq!(first_id, 50, "backlog ids start after the workload's");
        self.backlog.fetch_add(count, Ordering::SeqCst);
        Ok(Some(count * 100))
    }

    async fn producer(&self, queue: &str) -> Result<FakeClient> {
        self.client(queue)
    }

    async fn consumer(&self, queue: &str, _name: &str) -> Result<FakeClient> {
        self.client(queue)
    }
}

impl Producer for FakeClient {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let id = payload::decode(&payload, payload.len())?;
        if Some(id) == self.refuse {
            bail!("refused");
        }
        // Stays in flight for a while, as a publish awaiting its fsync does.
        let now = self.flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.flight.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.flight.now.fetch_sub(1, Ordering::SeqCst);
        let copies = match id {
            id if Some(id) == self.lose => 0,
            id if Some(id) == self.repeat => 2,
            _ => 1,
        };
        let mut queue = self.queue.lock().unwrap();
        for _ in 0..copies {
            queue.push_back(payload.clone());
        }
        Ok(())
    }
}

impl Consumer for FakeClient {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let taken: Vec<Bytes> = {
            let mut queue = self.queue.lock().unwrap();
            let n = max.min(queue.len());
            queue.drain(..n).collect()
        };
        if taken.is_empty() {
            tokio::time::sleep(RECEIVE_WAIT).await;
        }
        for payload in taken {
            ids.push(payload::decode(&payload, size)?);
        }
        Ok(())
    }
}

fn workload() -> Workload {
    Workload {
        messages: 50,
        size: 32,
        producers: 3,
        window: 4,
        consumers: 1,
        batch: 100,
        backlog: 0,
        stall: Duration::from_secs(2),
    }
}

async fn run(fake: Fake) -> Measured {
    measure(Arc::new(fake), &workload(), &Bars::new(false), "fake").await
}

#[tokio::test(start_paused = true)]
async fn every_phase_runs_and_counts_every_message() {
    let measured = run(Fake::default()).await;
    assert!(measured.error.is_none(), "{:?}", measured.error);
    let names: Vec<&str> = measured.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["produce", "consume", "end-to-end"]);
    for phase in &measured.phases {
        assert_eq!(
            (phase.messages, phase.duplicates, phase.missing),
            (50, 0, 0)
        );
    }
    let latency = |name: &str| {
        measured
            .phases
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .publish_confirm_ms
    };
    assert!(latency("produce").is_some() && latency("end-to-end").is_some());
    assert!(latency("consume").is_none());
}

#[tokio::test(start_paused = true)]
async fn each_producer_keeps_its_window_of_publishes_in_flight() {
    let fake = Fake::default();
    let flight = fake.flight.clone();
    let measured = run(fake).await;
    assert!(measured.error.is_none(), "{:?}", measured.error);
    let w = workload();
    assert_eq!(
        flight.most.load(Ordering::SeqCst),
        w.producers * w.window,
        "3 producers with a window of 4"
    );
}

#[tokio::test(start_paused = true)]
async fn a_backlog_is_stored_in_each_queue_before_its_phases() {
    let fake = Arc::new(Fake {
        holds_backlog: true,
        ..Fake::default()
    });
    let w = Workload {
        backlog: 1000,
        ..workload()
    };
    let measured = measure(fake.clone(), &w, &Bars::new(false), "fake").await;
    assert!(measured.error.is_none(), "{:?}", measured.error);
    assert_eq!(
        fake.backlog.load(Ordering::SeqCst),
        2000,
        "split and e2e queues"
    );
    assert_eq!(measured.backlog_memory_bytes, Some(100_000));
    let row = crate::bench::row("fake", fake.describe(), w.backlog, measured);
    assert_eq!(row.memory_per_backlog_entry_bytes, Some(100.0));
}

#[tokio::test(start_paused = true)]
async fn a_backlog_on_a_system_without_one_fails_the_run() {
    let w = Workload {
        backlog: 10,
        ..workload()
    };
    let measured = measure(Arc::new(Fake::default()), &w, &Bars::new(false), "fake").await;
    let error = format!("{:#}", measured.error.expect("no backlog, no run"));
    assert_eq!(error, "storing the backlog: no backlog here");
    assert!(measured.phases.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_lost_message_stops_the_run_as_missing() {
    let measured = run(Fake {
        lose: Some(7),
        ..Fake::default()
    })
    .await;
    let error = format!(
        "{:#}",
        measured.error.expect("a lost message fails the run")
    );
    assert_eq!(error, "1 of 50 messages never arrived in the consume phase");
    assert_eq!(measured.phases.len(), 2, "no end-to-end phase after a loss");
    assert_eq!(measured.phases[1].missing, 1);
}

#[tokio::test(start_paused = true)]
async fn a_repeated_message_counts_as_a_duplicate() {
    let measured = run(Fake {
        repeat: Some(3),
        ..Fake::default()
    })
    .await;
    assert!(measured.error.is_none(), "{:?}", measured.error);
    let duplicates: Vec<u64> = measured.phases.iter().map(|p| p.duplicates).collect();
    assert_eq!(duplicates, [0, 1, 1]);
}

#[tokio::test(start_paused = true)]
async fn a_refused_publish_fails_the_run() {
    let measured = run(Fake {
        refuse: Some(5),
        ..Fake::default()
    })
    .await;
    let error = format!(
        "{:#}",
        measured.error.expect("a refused publish fails the run")
    );
    assert_eq!(error, "publishing message 5: refused");
    assert!(measured.phases.is_empty());
}
