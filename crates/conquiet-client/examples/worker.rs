//! A worker that handles a queue's jobs until SIGTERM or Ctrl-C, then drains and prints its
//! figures and its Prometheus metrics.
//!
//! ```sh
//! cargo run --release --bin conquiet -- serve &
//! cargo run -p conquiet-client --example publish -- jobs 100
//! cargo run -p conquiet-client --example worker -- jobs
//! ```
//!
//! A job whose `n` field is a multiple of 7 takes too long and is finished by the fallback;
//! one that is a multiple of 11 fails for good (dead-lettered); the rest succeed.

use std::time::Duration;

use conquiet_client::{
    Client, ClientConfig, Job, Outcome, Worker, WorkerConfig, WorkerMetrics, shutdown_signal,
};
use prometheus_client::registry::Registry;

fn number(job: &Job) -> u64 {
    job.field("n")
        .and_then(|n| std::str::from_utf8(n).ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let queue = std::env::args().nth(1).unwrap_or_else(|| "jobs".into());
    let addr = std::env::var("CONQUIET_ADDR").unwrap_or_else(|_| "127.0.0.1:6390".into());
    let client = Client::new(ClientConfig::new(addr));
    client.ping().await?;

    let mut config = WorkerConfig::new(queue.clone()).lease(Duration::from_secs(15));
    config.concurrency = 8;
    config.job_timeout = Duration::from_millis(500);
    let metrics = WorkerMetrics::default();
    let mut registry = Registry::default();
    metrics.register(&mut registry, &queue, &config.group);

    let worker = Worker::builder(client, config, |job: Job| async move {
        let n = number(&job);
        if n.is_multiple_of(11) && n > 0 {
            return Outcome::fail(format!("job {n} cannot be done"));
        }
        if n.is_multiple_of(7) && n > 0 {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        println!(
            "job {} n={n} (delivery {}, token {})",
            job.id, job.deliveries, job.token
        );
        Outcome::Success
    })
    .fallback(|job: Job| async move {
        println!("job {} finished by the fallback", job.id);
        Outcome::Success
    })
    .on_breaker_change(|from, to| println!("breaker {from:?} -> {to:?}"))
    .metrics(metrics.clone())
    .build();

    println!("working on {queue}; Ctrl-C to stop");
    let report = worker.run(shutdown_signal()).await;
    println!("drained: {report:?}");
    println!("{:?}", metrics.snapshot());
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)?;
    print!("{text}");
    Ok(())
}
