//! RabbitMQ over AMQP 0-9-1: a durable queue (classic or quorum), persistent messages,
//! publisher confirms (each publish awaits its own; the window keeps several outstanding on
//! the channel), and consumers with a prefetch and manual acks (one `multiple` ack per batch).

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use lapin::Confirmation;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

use super::{Broker, Consumer, Description, Producer, amqp_start};
use crate::limits::{CONNECT_TIMEOUT, RECEIVE_WAIT};
use crate::payload;

/// AMQP's delivery mode for messages the broker must write to disk.
const PERSISTENT: u8 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueType {
    Classic,
    Quorum,
}

impl QueueType {
    fn as_str(self) -> &'static str {
        match self {
            QueueType::Classic => "classic",
            QueueType::Quorum => "quorum",
        }
    }
}

async fn connect(uri: &str) -> Result<Connection> {
    tokio::time::timeout(
        CONNECT_TIMEOUT,
        Connection::connect(uri, ConnectionProperties::default()),
    )
    .await
    .map_err(|_| anyhow!("connecting to RabbitMQ: no answer in {CONNECT_TIMEOUT:?}"))?
    .context("connecting to RabbitMQ")
}

pub struct Rabbit {
    uri: String,
    kind: QueueType,
    /// Deliveries a consumer may hold unacknowledged: two batches, so the next batch is on
    /// its way while one is acknowledged.
    prefetch: u16,
    description: Description,
}

impl Rabbit {
    pub async fn open(uri: &str, kind: QueueType, batch: usize) -> Result<Rabbit> {
        connect(uri).await?;
        let server = amqp_start::server_version(&amqp_start::host_port(uri)?)
            .await
            .unwrap_or_else(|e| format!("RabbitMQ (version unknown: {e:#})"));
        let (durability, durability_note) = match kind {
            QueueType::Classic => (
                "fsync before confirm",
                "durable classic queue, persistent messages, publisher confirms: the broker \
                 confirms a persistent message once the queue has written it to disk (its \
                 message store fsyncs in batches before confirming)",
            ),
            QueueType::Quorum => (
                "fsync before confirm (Raft)",
                "quorum queue on one node, persistent messages, publisher confirms: the broker \
                 confirms once the message is in the Raft log and the log is fsynced",
            ),
        };
        Ok(Rabbit {
            uri: uri.to_string(),
            kind,
            prefetch: u16::try_from(batch.saturating_mul(2)).unwrap_or(u16::MAX),
            description: Description {
                server,
                durability: durability.to_string(),
                durability_note: durability_note.to_string(),
            },
        })
    }

    async fn channel(&self) -> Result<(Connection, Channel)> {
        let connection = connect(&self.uri).await?;
        let channel = connection.create_channel().await?;
        Ok((connection, channel))
    }
}

impl Broker for Rabbit {
    type Producer = RabbitProducer;
    type Consumer = RabbitConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let (_connection, channel) = self.channel().await?;
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(self.kind.as_str().into()),
        );
        let options = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.into(), options, arguments)
            .await
            .with_context(|| format!("declaring {} queue {queue}", self.kind.as_str()))?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let (_connection, channel) = self.channel().await?;
        channel
            .queue_delete(queue.into(), QueueDeleteOptions::default())
            .await
            .with_context(|| format!("deleting queue {queue}"))?;
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<RabbitProducer> {
        let (connection, channel) = self.channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(RabbitProducer {
            _connection: connection,
            channel,
            queue: queue.to_string(),
        })
    }

    async fn consumer(&self, queue: &str, name: &str) -> Result<RabbitConsumer> {
        let (connection, channel) = self.channel().await?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await?;
        let deliveries = channel
            .basic_consume(
                queue.into(),
                name.into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .with_context(|| format!("consuming from {queue}"))?;
        Ok(RabbitConsumer {
            _connection: connection,
            deliveries,
        })
    }
}

pub struct RabbitProducer {
    /// Held so the connection lives as long as its channel.
    _connection: Connection,
    channel: Channel,
    queue: String,
}

impl Producer for RabbitProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let properties = BasicProperties::default().with_delivery_mode(PERSISTENT);
        let confirmation = self
            .channel
            .basic_publish(
                "".into(),
                self.queue.as_str().into(),
                options,
                &payload,
                properties,
            )
            .await
            .context("basic.publish")?
            .await
            .context("publisher confirm")?;
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(returned)) => {
                bail!("message returned as unroutable: {:?}", returned.reply_text)
            }
            other => bail!("publish not confirmed: {other:?}"),
        }
    }
}

pub struct RabbitConsumer {
    _connection: Connection,
    deliveries: lapin::Consumer,
}

impl Consumer for RabbitConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let Ok(first) = tokio::time::timeout(RECEIVE_WAIT, self.deliveries.next()).await else {
            return Ok(());
        };
        // The first delivery may wait; the rest of the batch is what already arrived.
        let mut next = first;
        let mut taken = 0;
        let last = loop {
            let delivery = match next {
                Some(delivery) => delivery.context("delivery")?,
                None => bail!("the broker cancelled the consumer"),
            };
            ids.push(payload::decode(&delivery.data, size)?);
            taken += 1;
            if taken >= max {
                break delivery;
            }
            match self.deliveries.next().now_or_never() {
                Some(more) => next = more,
                None => break delivery,
            }
        };
        let options = BasicAckOptions { multiple: true };
        last.ack(options).await.context("basic.ack")?;
        Ok(())
    }
}
