//! conquiet through its Rust SDK (`conquiet-client`): producers publish with the SDK's
//! client, and each consumer is an SDK `Worker` (concurrency 32, a handler that does
//! nothing but hand the payload over), so the run measures what the SDK costs beside the raw
//! CQ commands of `cq.rs` on the same server. The workload's receive batch applies as to the
//! other systems: a worker asks for up to `batch` messages at a time, holding those beyond
//! its 32 handlers as prefetch.
//!
//! A worker acks on its own, after its handler; this adapter hands the driver only as many
//! ids as the worker's metrics say were acked (`succeeded`), so a message counts once its
//! ack was confirmed, as in every other adapter. Any ack that did not apply fails the run.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use conquiet_client::{
    Client, ClientConfig, ErrorKind, Job, Message, Outcome, QueueOptions, RunningWorker, Worker,
    WorkerConfig, WorkerMetrics,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::resp_value::PAYLOAD_FIELD;
use super::{Broker, Consumer, Description, Producer};
use crate::limits::RECEIVE_WAIT;
use crate::payload;

/// Jobs one worker runs at once, as the workload names it.
pub const WORKER_CONCURRENCY: usize = 32;

/// Payloads the handler may hand over before the adapter takes them: the worker's slots
/// (concurrency plus prefetch) bound what is in flight, so this never fills in practice.
const HANDOVER_CAPACITY: usize = 1024;

/// How often the adapter looks for newly confirmed acks while it waits.
const POLL: Duration = Duration::from_millis(1);

pub struct Sdk {
    addr: String,
    description: Description,
    /// The producers' pool size: one connection per publish in flight.
    window: usize,
    /// Most messages one receive takes (the workload's batch).
    batch: usize,
}

impl Sdk {
    pub fn new(addr: String, description: Description, window: usize, batch: usize) -> Sdk {
        Sdk {
            addr,
            description,
            window,
            batch,
        }
    }

    fn client(&self, pool_size: usize) -> Client {
        let mut config = ClientConfig::new(self.addr.clone());
        config.pool_size = pool_size.max(1);
        Client::new(config)
    }
}

impl Broker for Sdk {
    type Producer = SdkProducer;
    type Consumer = SdkConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let options = QueueOptions {
            work_queue_retention: Some(true),
            ..QueueOptions::default()
        };
        self.client(1)
            .create_queue(queue, &options)
            .await
            .with_context(|| format!("creating {queue} with the SDK"))
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        self.client(1).command(&["DEL", queue]).await?;
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<SdkProducer> {
        let client = self.client(self.window);
        client.ping().await.context("SDK producer")?;
        Ok(SdkProducer {
            client,
            queue: queue.to_string(),
        })
    }

    async fn consumer(&self, queue: &str, name: &str) -> Result<SdkConsumer> {
        let client = self.client(2);
        client.ping().await.context("SDK consumer")?;
        let mut config = WorkerConfig::new(queue);
        config.consumer = name.to_string();
        config.concurrency = WORKER_CONCURRENCY;
        config.prefetch = self.batch.saturating_sub(WORKER_CONCURRENCY);
        config.batch = u32::try_from(self.batch.max(1)).unwrap_or(u32::MAX);
        config.receive_wait = RECEIVE_WAIT;
        let (handover, payloads) = mpsc::channel::<Bytes>(HANDOVER_CAPACITY);
        let worker = Worker::new(client, config, move |job: Job| {
            let handover = handover.clone();
            async move {
                let Some(payload) = job.field(PAYLOAD_FIELD) else {
                    return Outcome::fail("no payload field");
                };
                match handover.send(Bytes::copy_from_slice(payload)).await {
                    Ok(()) => Outcome::Success,
                    Err(_) => Outcome::retry("the bench stopped reading"),
                }
            }
        });
        let worker = worker.spawn();
        Ok(SdkConsumer {
            payloads,
            taken: Vec::new(),
            released: 0,
            metrics: worker.metrics().clone(),
            _worker: worker,
        })
    }
}

pub struct SdkProducer {
    client: Client,
    queue: String,
}

impl Producer for SdkProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let message = Message::new().field(PAYLOAD_FIELD, payload.as_ref());
        match self.client.publish(&self.queue, &message).await {
            Ok(p) if !p.duplicate => Ok(()),
            Ok(p) => bail!("publish answered duplicate {}", p.id),
            Err(e) if e.kind() == ErrorKind::Full => bail!("queue full: {e}"),
            Err(e) => Err(e).context("SDK publish"),
        }
    }
}

pub struct SdkConsumer {
    payloads: mpsc::Receiver<Bytes>,
    /// Payloads handed over whose acks are not yet known to be confirmed.
    taken: Vec<Bytes>,
    /// Ids given to the driver so far; never more than the worker's confirmed acks.
    released: u64,
    metrics: WorkerMetrics,
    /// Dropped with the consumer, which starts the worker's drain.
    _worker: RunningWorker,
}

impl Consumer for SdkConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let deadline = Instant::now() + RECEIVE_WAIT;
        loop {
            while let Ok(payload) = self.payloads.try_recv() {
                self.taken.push(payload);
            }
            let stats = self.metrics.snapshot();
            if stats.settle_failed > 0 || stats.failed > 0 {
                bail!("the SDK worker could not settle every job: {stats:?}");
            }
            let confirmed = stats.succeeded.saturating_sub(self.released);
            let n = self
                .taken
                .len()
                .min(max)
                .min(usize::try_from(confirmed).unwrap_or(usize::MAX));
            if n > 0 {
                for payload in self.taken.drain(..n) {
                    ids.push(payload::decode(&payload, size)?);
                }
                self.released += n as u64;
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
