//! The worker runtime against a real server: timeouts and fallbacks, a killed worker
//! process, heartbeats, the breaker, drain, panics, and metrics that only count what the
//! server confirmed.

use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conquiet_client::{
    Backoff, BreakerConfig, BreakerState, Client, Job, Message, Outcome, QueueOptions,
    ReceiveOptions, RunningWorker, Worker, WorkerConfig, WorkerStats,
};

use crate::support::Server;

/// Sets its flag when dropped: shows that a handler's future was cancelled.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Kills the child process when the test ends, whichever way it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The worker's figures now.
trait Stats {
    fn stats(&self) -> WorkerStats;
}

impl Stats for RunningWorker {
    fn stats(&self) -> WorkerStats {
        self.metrics().snapshot()
    }
}

fn spawn(worker: Worker) -> RunningWorker {
    worker.spawn()
}

/// Polls `check` until it holds or `limit` passes; then fails with `what`.
async fn eventually(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn setup(server: &Server, options: QueueOptions, messages: usize) -> Client {
    let client = server.client();
    client.create_queue("jobs", &options).await.expect("create");
    for n in 0..messages {
        client
            .publish("jobs", &Message::new().field("n", n.to_string()))
            .await
            .expect("publish");
    }
    client
}

fn config() -> WorkerConfig {
    let mut config = WorkerConfig::new("jobs");
    config.receive_wait = Duration::from_millis(100);
    config
}

async fn group(client: &Client) -> conquiet_client::GroupInfo {
    let info = client.queue_info("jobs").await.expect("info");
    info.group("default").expect("group").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_its_timeout_runs_the_fallback_and_counts_as_succeeded_by_fallback() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 1).await;
    let mut cfg = config();
    cfg.job_timeout = Duration::from_millis(100);
    let dropped = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let (on_drop, on_finish) = (dropped.clone(), finished.clone());
    let worker = Worker::builder(client.clone(), cfg, move |_job: Job| {
        let guard = SetOnDrop(on_drop.clone());
        let finished = on_finish.clone();
        async move {
            let _guard = guard;
            tokio::time::sleep(Duration::from_secs(30)).await;
            finished.store(true, Ordering::SeqCst);
            Outcome::Success
        }
    })
    .fallback(|_job: Job| async { Outcome::Success })
    .build();
    let running = spawn(worker);
    eventually("fallback success", Duration::from_secs(10), || {
        running.stats().succeeded_by_fallback == 1
    })
    .await;
    let stats = running.stats();
    assert_eq!((stats.timed_out, stats.succeeded, stats.retried), (1, 0, 0));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the timed-out handler was cancelled (dropped)"
    );
    assert!(
        !finished.load(Ordering::SeqCst),
        "and did not run to its end"
    );
    let g = group(&client).await;
    assert_eq!((g.pending, g.acked), (0, 1));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_without_fallback_retries_with_a_higher_count() {
    let server = Server::start();
    let options = QueueOptions {
        backoff: Some(Backoff::None),
        ..QueueOptions::default()
    };
    let client = setup(&server, options, 1).await;
    let mut cfg = config();
    cfg.job_timeout = Duration::from_millis(50);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let worker = Worker::new(client.clone(), cfg, move |job: Job| {
        let record = record.clone();
        async move {
            record
                .lock()
                .expect("lock")
                .push((job.deliveries, job.token));
            if job.deliveries == 1 {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            Outcome::Success
        }
    });
    let running = spawn(worker);
    eventually("second delivery succeeds", Duration::from_secs(10), || {
        running.stats().succeeded == 1
    })
    .await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].0, 2);
    assert!(seen[1].1 > seen[0].1, "tokens grow: {seen:?}");
    let stats = running.stats();
    assert_eq!(
        (stats.timed_out, stats.retried, stats.succeeded_by_fallback),
        (1, 1, 0)
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_retried_and_the_worker_goes_on() {
    let server = Server::start();
    let options = QueueOptions {
        backoff: Some(Backoff::None),
        ..QueueOptions::default()
    };
    let client = setup(&server, options, 3).await;
    let worker = Worker::new(client.clone(), config(), |job: Job| async move {
        if job.deliveries == 1 && job.field("n") == Some(&b"1"[..]) {
            panic!("handler bug on purpose");
        }
        Outcome::Success
    });
    let running = spawn(worker);
    eventually("all three acked", Duration::from_secs(10), || {
        running.stats().succeeded == 3
    })
    .await;
    let stats = running.stats();
    assert_eq!((stats.panicked, stats.retried, stats.processed), (1, 1, 4));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_keep_a_long_job_across_several_leases() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 1).await;
    let cfg = config().lease(Duration::from_millis(600));
    let worker = Worker::new(client.clone(), cfg, |_job: Job| async {
        tokio::time::sleep(Duration::from_millis(3_000)).await;
        Outcome::Success
    });
    let running = spawn(worker);
    eventually("the job started", Duration::from_secs(5), || {
        running.stats().running == 1
    })
    .await;
    // Another consumer keeps asking for the entry for five lease lengths and never gets it.
    let thief = ReceiveOptions {
        count: 1,
        wait: Some(Duration::from_millis(250)),
        lease: None,
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2_500) {
        let stolen = client
            .receive("jobs", "default", "thief", &thief)
            .await
            .expect("receive");
        assert!(
            stolen.is_empty(),
            "the lease of a live job ran out: {stolen:?}"
        );
    }
    eventually("the job finished", Duration::from_secs(10), || {
        running.stats().succeeded == 1
    })
    .await;
    assert_eq!(running.stats().lease_lost, 0);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_whose_ack_comes_back_stale_is_not_counted_as_success() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 1).await;
    let mut cfg = config().lease(Duration::from_millis(300));
    cfg.heartbeat = None;
    let worker = Worker::new(client.clone(), cfg, |_job: Job| async {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        Outcome::Success
    });
    let running = spawn(worker);
    eventually("the job started", Duration::from_secs(5), || {
        running.stats().running == 1
    })
    .await;
    let thief = ReceiveOptions {
        count: 1,
        wait: Some(Duration::from_secs(2)),
        lease: Some(Duration::from_secs(60)),
    };
    let stolen = client
        .receive("jobs", "default", "thief", &thief)
        .await
        .expect("receive");
    assert_eq!(stolen.len(), 1, "without heartbeats the lease ends");
    eventually("the worker settled", Duration::from_secs(5), || {
        let stats = running.stats();
        stats.succeeded + stats.settle_failed == 1
    })
    .await;
    let stats = running.stats();
    assert_eq!((stats.succeeded, stats.settle_failed), (0, 1), "{stats:?}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_stops_receiving_while_a_dependency_is_down_and_resumes_after() {
    let server = Server::start();
    let options = QueueOptions {
        backoff: Some(Backoff::None),
        max_deliveries: Some(5),
        ..QueueOptions::default()
    };
    let client = setup(&server, options, 20).await;
    let mut cfg = config();
    cfg.concurrency = 1;
    cfg.breaker = Some(BreakerConfig {
        consecutive_failures: 3,
        failure_rate: None,
        open_for: Duration::from_millis(400),
    });
    let down = Arc::new(AtomicBool::new(true));
    let calls = Arc::new(AtomicU64::new(0));
    let transitions = Arc::new(Mutex::new(Vec::new()));
    let (dep, counted, seen) = (down.clone(), calls.clone(), transitions.clone());
    let probed = down.clone();
    let worker = Worker::builder(client.clone(), cfg, move |_job: Job| {
        let (dep, counted) = (dep.clone(), counted.clone());
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            if dep.load(Ordering::SeqCst) {
                Outcome::retry("database unavailable")
            } else {
                Outcome::Success
            }
        }
    })
    .on_breaker_change(move |from, to| seen.lock().expect("lock").push((from, to)))
    .probe(move || {
        let probed = probed.clone();
        async move { !probed.load(Ordering::SeqCst) }
    })
    .build();
    let running = spawn(worker);
    eventually("the breaker opened", Duration::from_secs(5), || {
        running.stats().breaker == BreakerState::Open
    })
    .await;
    // Open for several open periods: the probes are health checks, so no job runs.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "only the failures that opened it ran"
    );
    assert!(
        transitions.lock().expect("lock").len() >= 3,
        "it probed and reopened"
    );
    let g = group(&client).await;
    assert_eq!(
        g.dead_lettered, 0,
        "nothing burned into the dead-letter stream"
    );
    let info = client.queue_info("jobs").await.expect("info");
    assert_eq!(info.length, 20, "the messages wait in the queue");

    down.store(false, Ordering::SeqCst);
    eventually(
        "everything processed after recovery",
        Duration::from_secs(10),
        || running.stats().succeeded == 20,
    )
    .await;
    assert_eq!(running.stats().breaker, BreakerState::Closed);
    let seen = transitions.lock().expect("lock").clone();
    assert_eq!(
        seen.first(),
        Some(&(BreakerState::Closed, BreakerState::Open))
    );
    assert!(
        seen.contains(&(BreakerState::Open, BreakerState::HalfOpen)),
        "{seen:?}"
    );
    assert_eq!(
        seen.last(),
        Some(&(BreakerState::HalfOpen, BreakerState::Closed))
    );
    assert_eq!(group(&client).await.dead_lettered, 0);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_finishes_running_work_hands_back_the_rest_and_leaves_no_task() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 4).await;
    let tasks_before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let mut cfg = config();
    cfg.concurrency = 4;
    cfg.drain_timeout = Duration::from_millis(500);
    let worker = Worker::new(client.clone(), cfg, |job: Job| async move {
        let n: u32 = std::str::from_utf8(job.field("n").unwrap_or(b"0"))
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        // Two jobs finish within the drain; two would run for an hour.
        let work = if n < 2 { 200 } else { 3_600_000 };
        tokio::time::sleep(Duration::from_millis(work)).await;
        Outcome::Success
    });
    let running = spawn(worker);
    eventually("four jobs running", Duration::from_secs(5), || {
        running.stats().running == 4
    })
    .await;
    let metrics = running.metrics().clone();
    let report = running.stop().await;
    assert!(!report.finished_in_time);
    assert_eq!(report.handed_back, 2);
    let stats = metrics.snapshot();
    assert_eq!(
        (stats.succeeded, stats.handed_back, stats.running),
        (2, 2, 0)
    );
    // Handed back without delay: another consumer gets both at once.
    let now = ReceiveOptions {
        count: 10,
        ..ReceiveOptions::default()
    };
    let taken = client
        .receive("jobs", "default", "next", &now)
        .await
        .expect("receive");
    assert_eq!(taken.len(), 2);
    assert!(taken.iter().all(|d| d.deliveries == 2));
    let tasks_after = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(tasks_after, tasks_before, "the worker left tasks behind");
}

/// Set in the child process of `a_killed_worker_process_loses_its_job_to_another_worker`.
const CHILD_ENV: &str = "CONQUIET_TEST_WORKER_CHILD_ADDR";

/// Not a test of its own: the body of the child worker process, which takes a job, says so
/// on stdout, and hangs in it until it is killed. Without the variable it does nothing.
#[test]
#[ignore = "the child process of a_killed_worker_process_loses_its_job_to_another_worker"]
fn child_worker_process() {
    let Ok(addr) = std::env::var(CHILD_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = Client::new(conquiet_client::ClientConfig::new(addr));
        let cfg = config().lease(Duration::from_millis(900));
        let worker = Worker::new(client, cfg, |job: Job| async move {
            println!("took {} {} {}", job.id, job.token, job.deliveries);
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            Outcome::Success
        });
        worker.run(std::future::pending()).await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_process_loses_its_job_to_another_worker() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 1).await;
    let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args([
            "worker::child_worker_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, server.addr.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("child worker");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = KillOnDrop(child);
    let line = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("took "))
    })
    .await
    .expect("join")
    .expect("the child took the job");
    let parts: Vec<&str> = line.split(' ').collect();
    let child_token: u64 = parts[2].parse().expect("token");
    assert_eq!(parts[3], "1", "first delivery");
    // The child heartbeats: its job stays in flight while it lives.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(group(&client).await.pending, 1);
    assert_eq!(
        group(&client).await.delivered,
        1,
        "not redelivered while the child lives"
    );
    child.0.kill().expect("SIGKILL");
    child.0.wait().expect("reaped");

    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let worker = Worker::new(client.clone(), config(), move |job: Job| {
        let record = record.clone();
        async move {
            *record.lock().expect("lock") = Some((job.deliveries, job.token));
            Outcome::Success
        }
    });
    let running = spawn(worker);
    eventually(
        "redelivered after one lease",
        Duration::from_secs(10),
        || running.stats().succeeded == 1,
    )
    .await;
    let (deliveries, token) = seen.lock().expect("lock").expect("handled");
    assert_eq!(deliveries, 2);
    assert!(token > child_token, "{token} > {child_token}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_still_running_at_the_drain_deadline_is_handed_back() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 1).await;
    let mut cfg = config();
    // The fallback runs under its own job timeout (1 s); the drain deadline falls inside it.
    cfg.job_timeout = Duration::from_millis(1_000);
    cfg.drain_timeout = Duration::from_millis(300);
    let worker = Worker::builder(client.clone(), cfg, |_job: Job| async {
        tokio::time::sleep(Duration::from_secs(3_600)).await;
        Outcome::Success
    })
    .fallback(|_job: Job| async {
        tokio::time::sleep(Duration::from_secs(3_600)).await;
        Outcome::Success
    })
    .build();
    let running = spawn(worker);
    eventually("the handler timed out", Duration::from_secs(5), || {
        running.stats().timed_out == 1
    })
    .await;
    let started = Instant::now();
    let report = running.stop().await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "drain waited for the fallback"
    );
    assert!(!report.finished_in_time);
    assert_eq!(report.handed_back, 1);
    let g = group(&client).await;
    assert_eq!((g.pending, g.acked), (0, 0), "given back, not acked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_receive_brings_during_shutdown_is_handed_back_at_once() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 0).await;
    let mut cfg = config();
    cfg.receive_wait = Duration::from_secs(2);
    let handled = Arc::new(AtomicU64::new(0));
    let count = handled.clone();
    let worker = Worker::new(client.clone(), cfg, move |_job: Job| {
        count.fetch_add(1, Ordering::SeqCst);
        async { Outcome::Success }
    });
    let running = spawn(worker);
    // The worker is waiting in a receive; shutdown comes, then a message.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    client
        .publish("jobs", &Message::new().field("n", "late"))
        .await
        .expect("publish");
    let report = stopping.await.expect("worker");
    assert_eq!(
        handled.load(Ordering::SeqCst),
        0,
        "no job starts after shutdown"
    );
    assert_eq!(report.handed_back, 1, "{report:?}");
    let now = ReceiveOptions::default();
    let taken = client
        .receive("jobs", "default", "next", &now)
        .await
        .expect("receive");
    assert_eq!(taken.len(), 1, "available at once, not after a lease");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetched_jobs_wait_for_a_handler_and_go_back_at_shutdown() {
    let server = Server::start();
    let client = setup(&server, QueueOptions::default(), 5).await;
    let mut cfg = config();
    cfg.concurrency = 2;
    cfg.prefetch = 3;
    cfg.batch = 5;
    cfg.drain_timeout = Duration::from_millis(300);
    let (now, most) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (n, m) = (now.clone(), most.clone());
    let worker = Worker::new(client.clone(), cfg, move |_job: Job| {
        let (n, m) = (n.clone(), m.clone());
        async move {
            let running = n.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(running, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            Outcome::Success
        }
    });
    let running = spawn(worker);
    let started = Instant::now();
    while group(&client).await.pending < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the worker took all five"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "never more handlers than the concurrency"
    );
    let report = running.stop().await;
    assert_eq!(report.handed_back, 5, "{report:?}");
    let g = group(&client).await;
    assert_eq!(g.pending, 0, "all given back");
}
