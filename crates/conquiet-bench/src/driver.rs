//! The workload, the same for every system, in three phases on fresh queues:
//!
//! 1. produce: P producers publish N messages, each keeping a window of W publishes in flight
//!    and counting each once confirmed, with no consumer running;
//! 2. consume: C consumers receive and acknowledge that backlog;
//! 3. end-to-end: on a new queue, producers and consumers run together, timed from the
//!    first publish to the last acknowledgement.
//!
//! Producers take ids from one counter, so every id in `0..N` is published once. Consumers
//! record each id in a `Ledger` after acknowledging it; a phase ends when every id has
//! arrived, or when nothing moved for the stall timeout, which leaves messages missing and
//! fails the run. Connections are opened before a phase's clock starts.

#[cfg(test)]
mod tests;
mod workers;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::latency::Percentiles;
use crate::ledger::Ledger;
use crate::report::PhaseRow;
use crate::systems::Broker;
use workers::{run_consumers, run_producers, watchdog};

#[derive(Clone, Debug)]
pub struct Workload {
    pub messages: u64,
    pub size: usize,
    pub producers: usize,
    /// Publishes each producer keeps in flight.
    pub window: usize,
    pub consumers: usize,
    /// Most messages one receive takes.
    pub batch: usize,
    /// Entries stored in each queue before its phases, never delivered (0: an empty queue).
    pub backlog: u64,
    /// How long nothing may move before a phase gives up.
    pub stall: Duration,
}

/// Progress bars on stderr, one per phase (two for end-to-end); hidden when asked or when
/// stderr is not a terminal.
pub struct Bars {
    multi: MultiProgress,
}

impl Bars {
    pub fn new(visible: bool) -> Bars {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bars {
            multi: MultiProgress::with_draw_target(target),
        }
    }

    fn bar(&self, system: &str, phase: &str, len: u64) -> ProgressBar {
        let style = ProgressStyle::with_template(
            "{prefix:>16} {msg:<12} [{bar:32}] {pos:>8}/{len:8} {rate:>10} eta {eta}",
        )
        .expect("the template is valid")
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                // A failed write only garbles one frame of the bar.
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        )
        .progress_chars("=> ");
        let bar = self.multi.add(ProgressBar::new(len));
        bar.set_style(style);
        bar.set_prefix(system.to_string());
        bar.set_message(phase.to_string());
        bar
    }
}

/// What `measure` found: the phases that ran, and the error that stopped it, if any.
pub struct Measured {
    pub phases: Vec<PhaseRow>,
    /// How much the server's resident memory grew while the first backlog was stored.
    pub backlog_memory_bytes: Option<u64>,
    pub error: Option<anyhow::Error>,
}

/// A queue name no earlier run used: letters, digits and `_`, which every system accepts.
fn queue_name(suffix: &str) -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("cqbench_{ms}_{}_{suffix}", std::process::id())
}

pub async fn measure<B: Broker>(
    broker: Arc<B>,
    workload: &Workload,
    bars: &Bars,
    system: &str,
) -> Measured {
    let mut phases = Vec::new();
    let mut backlog_memory_bytes = None;
    let error = run_phases(
        &broker,
        workload,
        bars,
        system,
        &mut phases,
        &mut backlog_memory_bytes,
    )
    .await
    .err();
    Measured {
        phases,
        backlog_memory_bytes,
        error,
    }
}

/// Makes `queue` and stores the workload's backlog in it (ids from N up, so that a backlog
/// entry delivered by mistake fails the ledger); returns the memory growth the fill caused.
async fn prepare_queue<B: Broker>(
    broker: &B,
    queue: &str,
    w: &Workload,
    bars: &Bars,
    system: &str,
) -> Result<Option<u64>> {
    broker.create_queue(queue).await?;
    if w.backlog == 0 {
        return Ok(None);
    }
    let bar = bars.bar(system, "backlog", w.backlog);
    broker
        .fill_backlog(queue, w.messages, w.backlog, w.size, &bar)
        .await
        .context("storing the backlog")
}

async fn run_phases<B: Broker>(
    broker: &Arc<B>,
    workload: &Workload,
    bars: &Bars,
    system: &str,
    phases: &mut Vec<PhaseRow>,
    backlog_memory_bytes: &mut Option<u64>,
) -> Result<()> {
    let queue = queue_name("split");
    let split = async {
        *backlog_memory_bytes =
            prepare_queue(broker.as_ref(), &queue, workload, bars, system).await?;
        let bar = bars.bar(system, "produce", workload.messages);
        phases.push(produce(broker, &queue, workload, bar).await?);
        let bar = bars.bar(system, "consume", workload.messages);
        phases.push(consume(broker, &queue, workload, bar).await?);
        Ok::<_, anyhow::Error>(())
    }
    .await;
    remove_queue(broker.as_ref(), &queue).await;
    split?;
    check(phases)?;
    let queue = queue_name("e2e");
    let joint = async {
        prepare_queue(broker.as_ref(), &queue, workload, bars, system).await?;
        end_to_end(broker, &queue, workload, bars, system).await
    }
    .await;
    remove_queue(broker.as_ref(), &queue).await;
    phases.push(joint?);
    check(phases)
}

/// Fails when the last phase lost messages.
fn check(phases: &[PhaseRow]) -> Result<()> {
    match phases.last() {
        Some(phase) if phase.missing > 0 => bail!(
            "{} of {} messages never arrived in the {} phase",
            phase.missing,
            phase.messages,
            phase.name
        ),
        _ => Ok(()),
    }
}

/// Deletes a queue, warning instead of failing: the measurement stands either way.
async fn remove_queue<B: Broker>(broker: &B, queue: &str) {
    if let Err(error) = broker.delete_queue(queue).await {
        eprintln!("warning: could not delete queue {queue}: {error:#}");
    }
}

async fn open_producers<B: Broker>(
    broker: &Arc<B>,
    queue: &str,
    n: usize,
) -> Result<Vec<B::Producer>> {
    let mut producers = Vec::with_capacity(n);
    for _ in 0..n {
        producers.push(broker.producer(queue).await.context("opening a producer")?);
    }
    Ok(producers)
}

async fn open_consumers<B: Broker>(
    broker: &Arc<B>,
    queue: &str,
    n: usize,
) -> Result<Vec<B::Consumer>> {
    let mut consumers = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("c{i}");
        consumers.push(
            broker
                .consumer(queue, &name)
                .await
                .context("opening a consumer")?,
        );
    }
    Ok(consumers)
}

fn rate(messages: u64, elapsed: Duration) -> f64 {
    messages as f64 / elapsed.as_secs_f64().max(1e-9)
}

async fn produce<B: Broker>(
    broker: &Arc<B>,
    queue: &str,
    w: &Workload,
    bar: ProgressBar,
) -> Result<PhaseRow> {
    let producers = open_producers(broker, queue, w.producers).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let samples = run_producers(producers, w, bar.clone(), stop).await?;
    let elapsed = start.elapsed();
    bar.finish();
    Ok(PhaseRow {
        name: "produce".to_string(),
        messages: w.messages,
        seconds: elapsed.as_secs_f64(),
        msgs_per_s: rate(w.messages, elapsed),
        publish_confirm_ms: Percentiles::from_samples(samples),
        duplicates: 0,
        missing: 0,
    })
}

async fn consume<B: Broker>(
    broker: &Arc<B>,
    queue: &str,
    w: &Workload,
    bar: ProgressBar,
) -> Result<PhaseRow> {
    let consumers = open_consumers(broker, queue, w.consumers).await?;
    let ledger = Arc::new(Ledger::new(w.messages));
    let stop = Arc::new(AtomicBool::new(false));
    let watched = ledger.clone();
    let watchdog = tokio::spawn(watchdog(move || watched.unique(), w.stall, stop.clone()));
    let start = Instant::now();
    let done = run_consumers(consumers, w, ledger.clone(), bar.clone(), stop).await;
    watchdog.abort();
    let done = done?;
    bar.finish();
    Ok(consumed_row(
        "consume",
        w,
        &ledger,
        done.unwrap_or_else(Instant::now) - start,
        None,
    ))
}

async fn end_to_end<B: Broker>(
    broker: &Arc<B>,
    queue: &str,
    w: &Workload,
    bars: &Bars,
    system: &str,
) -> Result<PhaseRow> {
    let consumers = open_consumers(broker, queue, w.consumers).await?;
    let producers = open_producers(broker, queue, w.producers).await?;
    let published_bar = bars.bar(system, "e2e publish", w.messages);
    let acked_bar = bars.bar(system, "e2e ack", w.messages);
    let ledger = Arc::new(Ledger::new(w.messages));
    let stop = Arc::new(AtomicBool::new(false));
    let (watched, counted) = (ledger.clone(), published_bar.clone());
    let progress = move || watched.unique() + counted.position();
    let watchdog = tokio::spawn(watchdog(progress, w.stall, stop.clone()));
    let start = Instant::now();
    let publishing = run_producers(producers, w, published_bar.clone(), stop.clone());
    let consuming = run_consumers(
        consumers,
        w,
        ledger.clone(),
        acked_bar.clone(),
        stop.clone(),
    );
    // The first error drops the other side, whose tasks a dropped JoinSet aborts.
    let joined = tokio::try_join!(publishing, consuming);
    watchdog.abort();
    let (samples, done) = joined?;
    published_bar.finish();
    acked_bar.finish();
    let latency = Percentiles::from_samples(samples);
    Ok(consumed_row(
        "end-to-end",
        w,
        &ledger,
        done.unwrap_or_else(Instant::now) - start,
        latency,
    ))
}

fn consumed_row(
    name: &str,
    w: &Workload,
    ledger: &Ledger,
    elapsed: Duration,
    latency: Option<Percentiles>,
) -> PhaseRow {
    let tally = ledger.tally();
    if tally.missing > 0 {
        eprintln!(
            "{name}: {} messages missing, first ids {:?}",
            tally.missing,
            ledger.missing_ids(10)
        );
    }
    PhaseRow {
        name: name.to_string(),
        messages: w.messages,
        seconds: elapsed.as_secs_f64(),
        msgs_per_s: rate(w.messages - tally.missing, elapsed),
        publish_confirm_ms: latency,
        duplicates: tally.duplicates,
        missing: tally.missing,
    }
}
