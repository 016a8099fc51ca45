//! Exactly once across crashes: worker processes are killed at random points, over and over
//! (aborting inside the transaction before COMMIT, after COMMIT before the ack, and SIGKILLed
//! from outside at random times, which lands anywhere, after acks too) and restarted; at the
//! end every message's effect is in the database exactly once.

use std::time::Duration;

use conquiet_client::{
    Backoff, Client, ClientConfig, Handler, Job, Message, Outcome, QueueOptions, Worker,
    WorkerConfig,
};
use conquiet_server::testing::TestServer;
use conquiet_sql::{Backend, Db, Tables, Value, transactional};

use crate::support::{BACKENDS, count, ddl, pool, unique};

const MESSAGES: usize = 150;
const CYCLES_MAX: u64 = 80;
const CHILD_ENV: &str = "CONQUIET_SQL_TEST_CHILD";
/// The seed of a child that never crashes on purpose.
const NO_CRASH: u64 = u64::MAX;

/// Whether the child crashes at `point` for this delivery: about 4 in 100, decided by a
/// hash of the seed, the entry, its delivery count and the point, so a run can be replayed.
fn crash(seed: u64, job: &Job, point: u64) -> bool {
    if seed == NO_CRASH {
        return false;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(31) ^ point;
    for b in job
        .id
        .to_string()
        .bytes()
        .chain(job.deliveries.to_le_bytes())
    {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h % 100 < 4
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
    }
}

/// Not a test of its own: the body of the worker process the test below starts and kills.
#[test]
#[ignore = "the child process of every_effect_happens_once_across_worker_crashes"]
fn child_exactly_once_worker() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<String> = spec.split('|').map(String::from).collect();
    let [addr, backend, inbox, outbox, effects, seed] = parts.as_slice() else {
        panic!("bad child spec {spec}");
    };
    let backend = if backend == "postgres" {
        Backend::Postgres
    } else {
        Backend::MySql
    };
    let seed: u64 = seed.parse().expect("seed");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let tables = Tables {
            inbox: inbox.clone(),
            outbox: outbox.clone(),
        };
        let db = Db::with_tables(pool(backend, 4).await, tables).expect("db");
        let insert = format!("INSERT INTO {effects} (entry, token) VALUES (?, ?)");
        let inner = transactional(db, move |s, job| {
            let insert = insert.clone();
            Box::pin(async move {
                let token = i64::try_from(job.token).unwrap_or(i64::MAX);
                s.execute(
                    &insert,
                    &[Value::Text(job.id.to_string()), Value::Int(token)],
                )
                .await?;
                if crash(seed, job, 1) {
                    std::process::abort(); // inside the transaction, before COMMIT
                }
                Ok(())
            })
        });
        let handler = move |job: Job| {
            let done = inner.handle(job.clone());
            async move {
                let outcome = done.await;
                if outcome == Outcome::Success && crash(seed, &job, 2) {
                    std::process::abort(); // after COMMIT, before the ack
                }
                outcome
            }
        };
        let client = Client::new(ClientConfig::new(addr.clone()));
        let mut config = WorkerConfig::new("orders").lease(Duration::from_millis(600));
        config.concurrency = 4;
        config.receive_wait = Duration::from_millis(100);
        Worker::new(client, config, handler)
            .run(std::future::pending())
            .await;
    });
}

async fn acked(client: &Client) -> u64 {
    let info = client.queue_info("orders").await.expect("info");
    info.group("default").expect("group").acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres on 5432 and mariadb on 3306"]
async fn every_effect_happens_once_across_worker_crashes() {
    for backend in BACKENDS {
        let server = TestServer::start();
        let client = Client::new(ClientConfig::new(server.addr.to_string()));
        let options = QueueOptions {
            lease: Some(Duration::from_millis(600)),
            max_deliveries: Some(0),
            backoff: Some(Backoff::None),
            ..QueueOptions::default()
        };
        client
            .create_queue("orders", &options)
            .await
            .expect("queue");
        let messages: Vec<Message> = (0..MESSAGES)
            .map(|n| Message::new().field("order", n.to_string()))
            .collect();
        for published in client.publish_batch("orders", &messages).await {
            published.expect("publish");
        }
        let db = crate::support::db(backend, 2).await;
        let effects = unique("effects");
        ddl(
            backend,
            &format!("CREATE TABLE {effects} (entry VARCHAR(64) NOT NULL, token BIGINT NOT NULL)"),
        )
        .await;

        let mut crashes = 0;
        let mut cycle = 0;
        while acked(&client).await < MESSAGES as u64 {
            let seed = if cycle < CYCLES_MAX { cycle } else { NO_CRASH };
            let spec = [
                server.addr.to_string(),
                backend_name(backend).to_string(),
                db.tables().inbox.clone(),
                db.tables().outbox.clone(),
                effects.clone(),
                seed.to_string(),
            ]
            .join("|");
            let mut child = std::process::Command::new(std::env::current_exe().expect("exe"))
                .args([
                    "exactly_once::child_exactly_once_worker",
                    "--exact",
                    "--ignored",
                ])
                .env(CHILD_ENV, spec)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("child");
            // Killed from outside after 300..1500 ms unless it crashed by itself first; the
            // last child (no crashes) gets until the queue is drained.
            let life = Duration::from_millis(300 + (cycle * 379) % 1200);
            let started = std::time::Instant::now();
            loop {
                if child.try_wait().expect("try_wait").is_some() {
                    crashes += 1;
                    break;
                }
                let drained = acked(&client).await >= MESSAGES as u64;
                let out_of_time = seed != NO_CRASH && started.elapsed() >= life;
                if drained || out_of_time || started.elapsed() > Duration::from_secs(60) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            cycle += 1;
            assert!(
                cycle <= CYCLES_MAX + 1,
                "{backend:?}: not drained after {cycle} workers"
            );
        }
        let all = count(backend, &format!("FROM {effects}")).await;
        let distinct = count(
            backend,
            &format!("FROM (SELECT DISTINCT entry FROM {effects}) d"),
        )
        .await;
        assert_eq!(
            (all, distinct),
            (MESSAGES as i64, MESSAGES as i64),
            "{backend:?}: effects not exactly once after {cycle} workers, {crashes} of them crashed on purpose"
        );
        let inbox = count(backend, &format!("FROM {}", db.tables().inbox)).await;
        assert_eq!(inbox, MESSAGES as i64);
        assert!(
            crashes >= 3,
            "{backend:?}: only {crashes} crashes: the test did not test much"
        );
        eprintln!("{backend:?}: {cycle} worker processes, {crashes} crashed on purpose");
    }
}
