//! conquiet's work-queue commands over RESP: CQ.CREATE, CQ.PUBLISH, CQ.RECEIVE, CQ.ACK.
//!
//! The queue keeps the default group policy (lease 30 s) and work-queue retention, so an
//! acknowledged entry is deleted as NATS, RabbitMQ and the PostgreSQL table delete theirs.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use redis::Value;
use redis::aio::MultiplexedConnection;

use super::resp_value::{self, PAYLOAD_FIELD};
use super::streams::{block_ms, connect};
use super::{Broker, Consumer, Description, Producer};
use crate::limits::RECEIVE_WAIT;
use crate::payload;

/// The group CQ.CREATE makes when none is named.
const GROUP: &str = "default";

pub struct Cq {
    addr: String,
    description: Description,
}

impl Cq {
    pub fn new(addr: String, description: Description) -> Cq {
        Cq { addr, description }
    }
}

impl Broker for Cq {
    type Producer = CqProducer;
    type Consumer = CqConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let mut con = connect(&self.addr).await?;
        let () = redis::cmd("CQ.CREATE")
            .arg(queue)
            .arg("RETENTION")
            .arg("workqueue")
            .query_async(&mut con)
            .await
            .with_context(|| format!("CQ.CREATE {queue}"))?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let mut con = connect(&self.addr).await?;
        let _: i64 = redis::cmd("DEL").arg(queue).query_async(&mut con).await?;
        Ok(())
    }

    /// The queue is a stream: the backlog is appended with XADD and the default group moved
    /// past it.
    async fn fill_backlog(
        &self,
        queue: &str,
        first_id: u64,
        count: u64,
        size: usize,
        bar: &indicatif::ProgressBar,
    ) -> Result<Option<u64>> {
        super::streams::fill_backlog(&self.addr, queue, GROUP, first_id, count, size, bar).await
    }

    async fn producer(&self, queue: &str) -> Result<CqProducer> {
        Ok(CqProducer {
            con: connect(&self.addr).await?,
            queue: queue.to_string(),
        })
    }

    async fn consumer(&self, queue: &str, name: &str) -> Result<CqConsumer> {
        Ok(CqConsumer {
            con: connect(&self.addr).await?,
            queue: queue.to_string(),
            name: name.to_string(),
        })
    }
}

pub struct CqProducer {
    con: MultiplexedConnection,
    queue: String,
}

impl Producer for CqProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        // A clone is a handle on the same socket: concurrent publishes are pipelined on it.
        let mut con = self.con.clone();
        let reply: Value = redis::cmd("CQ.PUBLISH")
            .arg(&self.queue)
            .arg(PAYLOAD_FIELD)
            .arg(payload.as_ref())
            .query_async(&mut con)
            .await
            .context("CQ.PUBLISH")?;
        match resp_value::items(&reply) {
            Some([id, duplicate])
                if resp_value::text(id).is_some() && resp_value::int(duplicate) == Some(0) =>
            {
                Ok(())
            }
            _ => bail!("CQ.PUBLISH answered {reply:?} instead of [id, 0]"),
        }
    }
}

pub struct CqConsumer {
    con: MultiplexedConnection,
    queue: String,
    name: String,
}

impl Consumer for CqConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let reply: Value = redis::cmd("CQ.RECEIVE")
            .arg(&self.queue)
            .arg(GROUP)
            .arg(&self.name)
            .arg("COUNT")
            .arg(max)
            .arg("BLOCK")
            .arg(block_ms(RECEIVE_WAIT))
            .query_async(&mut self.con)
            .await
            .context("CQ.RECEIVE")?;
        let messages = resp_value::cq_messages(&reply)?;
        if messages.is_empty() {
            return Ok(());
        }
        let mut ack = redis::cmd("CQ.ACK");
        ack.arg(&self.queue).arg(GROUP);
        for message in &messages {
            ids.push(payload::decode(&message.payload, size)?);
            ack.arg(&message.id).arg(message.token);
        }
        let reply: Value = ack.query_async(&mut self.con).await.context("CQ.ACK")?;
        let outcomes = resp_value::cq_outcomes(&reply)?;
        if outcomes.len() != messages.len() || outcomes.iter().any(|o| o != "acked") {
            bail!(
                "CQ.ACK of {} messages answered {outcomes:?}",
                messages.len()
            );
        }
        Ok(())
    }
}
