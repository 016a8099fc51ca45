//! NATS JetStream: a work-queue stream on file storage with one replica, a durable pull
//! consumer with explicit acks shared by all consumers, and asynchronous publishes that each
//! wait for their own PubAck (the window keeps several outstanding on the connection).

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt;

use super::{Broker, Consumer, Description, Producer};
use crate::limits::{CONNECT_TIMEOUT, RECEIVE_WAIT};
use crate::payload;

/// The durable consumer every benchmark consumer pulls through.
const DURABLE: &str = "bench";

pub async fn connect(addr: &str) -> Result<async_nats::Client> {
    async_nats::ConnectOptions::new()
        .connection_timeout(CONNECT_TIMEOUT)
        .connect(addr)
        .await
        .with_context(|| format!("connecting to NATS at {addr}"))
}

pub struct Nats {
    addr: String,
    description: Description,
    /// Deliveries the durable consumer may have unacknowledged at once: enough for every
    /// consumer's batch twice over, so the limit never throttles the benchmark.
    ack_pending_max: i64,
}

impl Nats {
    pub async fn open(addr: &str, consumers: usize, batch: usize) -> Result<Nats> {
        let client = connect(addr).await?;
        let info = client.server_info();
        if !info.jetstream {
            bail!("the NATS server at {addr} runs without JetStream (start it with -js)");
        }
        let description = Description {
            server: format!("nats-server {}", info.version),
            durability: "fsync every 2 min".to_string(),
            durability_note: "file storage, 1 replica; the PubAck follows the write to the OS, \
                and the server fsyncs every sync_interval, 2 minutes by default (NATS docs; the \
                setting is not readable over the client protocol). Acks are fire-and-forget, \
                flushed once per batch."
                .to_string(),
        };
        let ack_pending_max =
            i64::try_from(consumers.saturating_mul(batch).saturating_mul(2)).unwrap_or(i64::MAX);
        Ok(Nats {
            addr: addr.to_string(),
            description,
            ack_pending_max,
        })
    }

    async fn context(&self) -> Result<jetstream::Context> {
        Ok(jetstream::new(connect(&self.addr).await?))
    }
}

fn subject(queue: &str) -> String {
    format!("bench.{queue}")
}

impl Broker for Nats {
    type Producer = NatsProducer;
    type Consumer = NatsConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let context = self.context().await?;
        let stream = context
            .create_stream(stream::Config {
                name: queue.to_string(),
                subjects: vec![subject(queue)],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                num_replicas: 1,
                ..Default::default()
            })
            .await
            .map_err(|e| anyhow!("creating stream {queue}: {e}"))?;
        stream
            .create_consumer(consumer::pull::Config {
                durable_name: Some(DURABLE.to_string()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(30),
                max_ack_pending: self.ack_pending_max,
                ..Default::default()
            })
            .await
            .map_err(|e| anyhow!("creating consumer {DURABLE} on {queue}: {e}"))?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let context = self.context().await?;
        context
            .delete_stream(queue)
            .await
            .map_err(|e| anyhow!("deleting stream {queue}: {e}"))?;
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<NatsProducer> {
        Ok(NatsProducer {
            context: self.context().await?,
            subject: subject(queue),
        })
    }

    async fn consumer(&self, queue: &str, _name: &str) -> Result<NatsConsumer> {
        let client = connect(&self.addr).await?;
        let context = jetstream::new(client.clone());
        let stream = context
            .get_stream(queue)
            .await
            .map_err(|e| anyhow!("stream {queue}: {e}"))?;
        let consumer = stream
            .get_consumer(DURABLE)
            .await
            .map_err(|e| anyhow!("consumer {DURABLE} on {queue}: {e}"))?;
        Ok(NatsConsumer { client, consumer })
    }
}

pub struct NatsProducer {
    context: jetstream::Context,
    subject: String,
}

impl Producer for NatsProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let ack = self
            .context
            .publish(self.subject.clone(), payload)
            .await
            .map_err(|e| anyhow!("publish: {e}"))?
            .await
            .map_err(|e| anyhow!("PubAck: {e}"))?;
        if ack.duplicate {
            bail!("JetStream answered a publish without a message id as a duplicate");
        }
        Ok(())
    }
}

pub struct NatsConsumer {
    client: async_nats::Client,
    consumer: consumer::Consumer<consumer::pull::Config>,
}

impl Consumer for NatsConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let mut batch = self
            .consumer
            .batch()
            .max_messages(max)
            .expires(RECEIVE_WAIT)
            .messages()
            .await
            .map_err(|e| anyhow!("pull request: {e}"))?;
        let mut received = 0;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|e| anyhow!("pull: {e}"))?;
            ids.push(payload::decode(&message.payload, size)?);
            message.ack().await.map_err(|e| anyhow!("ack: {e}"))?;
            received += 1;
        }
        if received > 0 {
            // Acks are plain publishes; the flush's round trip means the server has them.
            self.client.flush().await.context("flushing acks")?;
        }
        Ok(())
    }
}
