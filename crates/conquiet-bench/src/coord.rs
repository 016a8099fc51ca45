//! `conquiet-bench coord`: the coordination operations of issue 14 measured through the SDK,
//! beside PostgreSQL advisory locks doing the same locking the way applications built on a
//! database do it today.
//!
//! - Locks: one client acquires and releases one lock, again and again; each sample is the
//!   pair. conquiet's grant and release are each logged and fsynced before the reply;
//!   PostgreSQL's session advisory locks are in memory only (nothing is written).
//! - Request/reply: callers send requests to a service queue served by SDK workers whose
//!   handler returns the reply; round trips per second and each round trip's latency, with
//!   one caller and with many.
//! - Turn change: two agents in a room hand the turn back and forth; each sample is the time
//!   from one agent's speak (with PASS) to the other agent's reader seeing the turn-changed
//!   event on the room's event stream.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use conquiet_client::{
    Client, ClientConfig, Job, LockGrant, Message, QueueOptions, Worker, WorkerConfig, service,
};
use serde::Serialize;

use crate::cli::Endpoints;
use crate::latency::Percentiles;
use crate::spawn;

#[derive(Args, Debug)]
pub struct CoordArgs {
    /// Lock acquire+release pairs per system.
    #[arg(long, default_value_t = 2_000)]
    pub locks: u64,
    /// Requests in all, per run of callers.
    #[arg(long, default_value_t = 4_000)]
    pub requests: u64,
    /// Concurrent callers in the many-callers run.
    #[arg(long, default_value_t = 16)]
    pub callers: u64,
    /// Service workers answering requests.
    #[arg(long, default_value_t = 4)]
    pub handlers: usize,
    /// Turn changes.
    #[arg(long, default_value_t = 1_000)]
    pub turns: u64,
    /// Print one line of JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub endpoints: Endpoints,
}

/// One measured line.
#[derive(Debug, Serialize)]
pub struct Figure {
    pub what: String,
    pub samples: u64,
    pub per_s: f64,
    pub latency: Option<Percentiles>,
}

pub async fn run(args: &CoordArgs) -> Result<Vec<Figure>> {
    let (_server, addr) = match &args.endpoints.spawn_conquiet {
        Some(binary) => {
            let (server, addrs) = spawn::conquiet(binary, &args.endpoints.work_dir()).await?;
            (Some(server), addrs.resp)
        }
        None => (None, args.endpoints.conquiet_resp.clone()),
    };
    let client = Client::new(ClientConfig::new(addr));
    client.ping().await.context("conquiet")?;
    let mut figures = vec![locks(&client, args.locks).await?];
    match postgres_locks(&args.endpoints.postgres, args.locks).await {
        Ok(figure) => figures.push(figure),
        Err(error) => eprintln!("note: postgres advisory locks not measured: {error:#}"),
    }
    figures.push(requests(&client, args, 1).await?);
    figures.push(requests(&client, args, args.callers).await?);
    figures.push(turns(&client, args.turns).await?);
    Ok(figures)
}

fn figure(what: &str, samples: Vec<u64>, elapsed: Duration) -> Figure {
    let n = samples.len() as u64;
    Figure {
        what: what.to_string(),
        samples: n,
        per_s: n as f64 / elapsed.as_secs_f64().max(1e-9),
        latency: Percentiles::from_samples(samples),
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

async fn locks(client: &Client, n: u64) -> Result<Figure> {
    let ttl = Duration::from_secs(30);
    let name = format!("bench-lock-{}", std::process::id());
    let mut samples = Vec::with_capacity(n as usize);
    let started = Instant::now();
    for _ in 0..n {
        let t0 = Instant::now();
        let LockGrant::Granted { token, .. } = client.lock(&name, "bench", ttl, None).await? else {
            bail!("the benchmark's own lock was held by someone else");
        };
        if !client.unlock(&name, "bench", token).await? {
            bail!("a release found its grant ended");
        }
        samples.push(nanos(t0.elapsed()));
    }
    Ok(figure(
        "lock acquire+release, conquiet (logged, fsync always), 1 client",
        samples,
        started.elapsed(),
    ))
}

async fn postgres_locks(config: &str, n: u64) -> Result<Figure> {
    let (pg, connection) = tokio::time::timeout(
        Duration::from_secs(5),
        tokio_postgres::connect(config, tokio_postgres::NoTls),
    )
    .await
    .context("connecting to postgres")??;
    let driver = tokio::spawn(connection);
    let lock = pg.prepare("SELECT pg_advisory_lock($1)").await?;
    let unlock = pg.prepare("SELECT pg_advisory_unlock($1)").await?;
    let key: i64 = 0x0c09_17e7;
    let mut samples = Vec::with_capacity(n as usize);
    let started = Instant::now();
    for _ in 0..n {
        let t0 = Instant::now();
        pg.execute(&lock, &[&key]).await?;
        pg.execute(&unlock, &[&key]).await?;
        samples.push(nanos(t0.elapsed()));
    }
    let elapsed = started.elapsed();
    drop(pg);
    driver.abort();
    Ok(figure(
        "lock acquire+release, PostgreSQL pg_advisory_lock (in memory), 1 client",
        samples,
        elapsed,
    ))
}

async fn requests(client: &Client, args: &CoordArgs, callers: u64) -> Result<Figure> {
    let queue = format!("bench-svc-{}-{callers}", std::process::id());
    client
        .create_queue(&queue, &QueueOptions::default())
        .await?;
    let mut workers = Vec::new();
    for _ in 0..args.handlers.max(1) {
        let answer = service(client.clone(), &queue, |job: Job| async move {
            Ok(Message::new().field("echo", job.field("n").unwrap_or_default()))
        });
        let mut config = WorkerConfig::new(queue.clone());
        config.concurrency = 16;
        config.receive_wait = Duration::from_millis(100);
        workers.push(Worker::new(client.clone(), config, answer).spawn());
    }
    let per_caller = (args.requests / callers).max(1);
    let samples = Arc::new(std::sync::Mutex::new(Vec::with_capacity(
        args.requests as usize,
    )));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..callers {
        let (client, queue, samples) = (client.clone(), queue.clone(), samples.clone());
        tasks.spawn(async move {
            for i in 0..per_caller {
                let n = format!("{c}-{i}");
                let t0 = Instant::now();
                let reply = client
                    .request(
                        &queue,
                        &Message::new().field("n", n.as_bytes()),
                        Duration::from_secs(10),
                    )
                    .await?;
                if reply.field("echo") != Some(n.as_bytes()) {
                    bail!("request {n} got someone else's reply");
                }
                samples
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push(nanos(t0.elapsed()));
            }
            Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let elapsed = started.elapsed();
    for worker in workers {
        worker.stop().await;
    }
    let samples = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    let what = format!(
        "request/reply, {callers} caller(s), {} handler workers, fsync always",
        args.handlers
    );
    Ok(figure(&what, samples, elapsed))
}

async fn turns(client: &Client, n: u64) -> Result<Figure> {
    let room = format!("bench-room-{}", std::process::id());
    let info = client.create_room(&room, &["a", "b"], None).await?;
    let sent = Arc::new(std::sync::Mutex::new(Instant::now()));
    let samples = Arc::new(std::sync::Mutex::new(Vec::with_capacity(n as usize)));
    let per_agent = n / 2;
    let mut agents = tokio::task::JoinSet::new();
    for me in ["a", "b"] {
        let (client, room, events) = (client.clone(), room.clone(), info.events_stream.clone());
        let (sent, samples) = (sent.clone(), samples.clone());
        agents.spawn(async move {
            let mut after = None;
            let mut spoken = 0;
            while spoken < per_agent {
                let batch = client
                    .room_events(&events, after, 100, Some(Duration::from_secs(5)))
                    .await?;
                let Some(last) = batch.last() else { continue };
                after = Some(last.id);
                let mine = batch.iter().find(|e| {
                    matches!(e.event.as_str(), "started" | "turn-changed")
                        && e.field("speaker").as_deref() == Some(me)
                });
                let Some(mine) = mine else { continue };
                let now = Instant::now();
                if mine.event == "turn-changed" {
                    let at = *sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
                    samples
                        .lock()
                        .map_err(|_| anyhow::anyhow!("poisoned"))?
                        .push(nanos(now - at));
                }
                *sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))? = Instant::now();
                client.speak(&room, me, "ok", true).await?;
                spoken += 1;
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    let started = Instant::now();
    client.start_room(&room).await?;
    while let Some(done) = agents.join_next().await {
        done??;
    }
    let elapsed = started.elapsed();
    client.end_room(&room).await?;
    let samples = std::mem::take(&mut *samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(figure(
        "turn change: speak with PASS to the next speaker's reader seeing it",
        samples,
        elapsed,
    ))
}

/// The table.
pub fn render(figures: &[Figure]) -> String {
    let mut out = String::from(
        "| what | samples | per s | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for f in figures {
        let (p50, p99, max) = f.latency.map_or((f64::NAN, f64::NAN, f64::NAN), |p| {
            (p.p50_ms, p.p99_ms, p.max_ms)
        });
        out.push_str(&format!(
            "| {} | {} | {:.0} | {p50:.3} | {p99:.3} | {max:.3} |\n",
            f.what, f.samples, f.per_s
        ));
    }
    out
}
