//! Streams over the Redis protocol: XADD, XREADGROUP and XACK with one consumer group. The
//! same adapter measures conquiet's RESP listener (`conquiet-resp`) and Redis itself
//! (`redis-always`, `redis-everysec`, `redis-memory`); only the description differs.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Value};

use super::resp_value::{self, PAYLOAD_FIELD};
use super::{Broker, Consumer, Description, Producer};
use crate::limits::{CONNECT_TIMEOUT, RECEIVE_WAIT};
use crate::payload;

/// The consumer group every stream consumer reads through.
const GROUP: &str = "bench";

/// A connection of its own (the `redis` crate's multiplexed connection, used by one task).
/// No response timeout: the driver bounds every call by the stall timeout instead, which a
/// slow fsync on a busy disk should not trip.
pub async fn connect(addr: &str) -> Result<MultiplexedConnection> {
    let client = redis::Client::open(format!("redis://{addr}/"))
        .with_context(|| format!("redis address {addr}"))?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(None);
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .with_context(|| format!("connecting to {addr}"))
}

/// What a Redis-protocol server says of itself: `(name and version, appendfsync)`. conquiet
/// answers INFO with `conquiet_version` next to the Redis version it mimics.
pub async fn server_facts(con: &mut MultiplexedConnection) -> Result<(String, String)> {
    let info: String = redis::cmd("INFO").arg("server").query_async(con).await?;
    let line = |name: &str| info_field(&info, name).map(str::to_string);
    let server = match (line("conquiet_version"), line("redis_version")) {
        (Some(version), _) => format!("conquiet {version}"),
        (None, Some(version)) => format!("redis-server {version}"),
        (None, None) => "unknown server".to_string(),
    };
    let fsync = config_get(con, "appendfsync").await?;
    Ok((server, fsync))
}

/// One setting as `CONFIG GET` reports it, or `unknown`.
pub async fn config_get(con: &mut MultiplexedConnection, name: &str) -> Result<String> {
    let reply: Value = redis::cmd("CONFIG")
        .arg("GET")
        .arg(name)
        .query_async(con)
        .await?;
    Ok(resp_value::field(&reply, name)
        .and_then(resp_value::text)
        .unwrap_or_else(|| "unknown".to_string()))
}

/// Longer than Redis's refresh of `used_memory_rss` (every 100 ms at its default `hz`).
const RSS_REFRESH_WAIT: Duration = Duration::from_millis(300);
/// XADDs sent per round trip while filling a backlog.
const FILL_PIPELINE: u64 = 1000;

/// `used_memory_rss` from INFO memory (Redis, and conquiet), if the server reports it. Redis
/// refreshes the figure in its cron (10 times a second by default), so this waits for one
/// refresh first.
async fn resident_bytes(con: &mut MultiplexedConnection) -> Result<Option<u64>> {
    tokio::time::sleep(RSS_REFRESH_WAIT).await;
    let info: String = redis::cmd("INFO").arg("memory").query_async(con).await?;
    Ok(info_field(&info, "used_memory_rss").and_then(|v| v.parse().ok()))
}

/// The value of `name` in INFO's `name:value` lines.
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// Appends `count` entries to the stream `queue` with pipelined XADDs, then moves `group`
/// past them (XGROUP SETID ... $), so that they stay stored but are never delivered. Returns
/// the growth of the server's resident memory across the fill.
pub async fn fill_backlog(
    addr: &str,
    queue: &str,
    group: &str,
    first_id: u64,
    count: u64,
    size: usize,
    bar: &indicatif::ProgressBar,
) -> Result<Option<u64>> {
    let mut con = connect(addr).await?;
    let before = resident_bytes(&mut con).await?;
    let end = first_id.saturating_add(count);
    let mut id = first_id;
    while id < end {
        let chunk = (end - id).min(FILL_PIPELINE);
        let mut pipe = redis::pipe();
        for i in id..id + chunk {
            pipe.cmd("XADD")
                .arg(queue)
                .arg("*")
                .arg(PAYLOAD_FIELD)
                .arg(payload::encode(i, size).as_ref())
                .ignore();
        }
        let () = pipe
            .query_async(&mut con)
            .await
            .context("XADD of the backlog")?;
        id += chunk;
        bar.inc(chunk);
    }
    let () = redis::cmd("XGROUP")
        .arg("SETID")
        .arg(queue)
        .arg(group)
        .arg("$")
        .query_async(&mut con)
        .await
        .context("XGROUP SETID past the backlog")?;
    let after = resident_bytes(&mut con).await?;
    bar.finish();
    Ok(before.zip(after).map(|(b, a)| a.saturating_sub(b)))
}

pub struct Streams {
    addr: String,
    description: Description,
}

impl Streams {
    pub fn new(addr: String, description: Description) -> Streams {
        Streams { addr, description }
    }
}

impl Broker for Streams {
    type Producer = StreamProducer;
    type Consumer = StreamConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let mut con = connect(&self.addr).await?;
        let () = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(queue)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut con)
            .await
            .with_context(|| format!("XGROUP CREATE {queue}"))?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let mut con = connect(&self.addr).await?;
        let _: i64 = redis::cmd("DEL").arg(queue).query_async(&mut con).await?;
        Ok(())
    }

    async fn fill_backlog(
        &self,
        queue: &str,
        first_id: u64,
        count: u64,
        size: usize,
        bar: &indicatif::ProgressBar,
    ) -> Result<Option<u64>> {
        fill_backlog(&self.addr, queue, GROUP, first_id, count, size, bar).await
    }

    async fn producer(&self, queue: &str) -> Result<StreamProducer> {
        Ok(StreamProducer {
            con: connect(&self.addr).await?,
            queue: queue.to_string(),
        })
    }

    async fn consumer(&self, queue: &str, name: &str) -> Result<StreamConsumer> {
        Ok(StreamConsumer {
            con: connect(&self.addr).await?,
            queue: queue.to_string(),
            name: name.to_string(),
        })
    }
}

pub struct StreamProducer {
    con: MultiplexedConnection,
    queue: String,
}

impl Producer for StreamProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        // A clone is a handle on the same socket: concurrent publishes are pipelined on it.
        let mut con = self.con.clone();
        let reply: Value = redis::cmd("XADD")
            .arg(&self.queue)
            .arg("*")
            .arg(PAYLOAD_FIELD)
            .arg(payload.as_ref())
            .query_async(&mut con)
            .await
            .context("XADD")?;
        if resp_value::text(&reply).is_none() {
            bail!("XADD answered {reply:?} instead of an id");
        }
        Ok(())
    }
}

pub struct StreamConsumer {
    con: MultiplexedConnection,
    queue: String,
    name: String,
}

impl Consumer for StreamConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let reply: Value = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg(&self.name)
            .arg("COUNT")
            .arg(max)
            .arg("BLOCK")
            .arg(block_ms(RECEIVE_WAIT))
            .arg("STREAMS")
            .arg(&self.queue)
            .arg(">")
            .query_async(&mut self.con)
            .await
            .context("XREADGROUP")?;
        let entries = resp_value::stream_entries(&reply)?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut ack = redis::cmd("XACK");
        ack.arg(&self.queue).arg(GROUP);
        for (id, payload) in &entries {
            ids.push(payload::decode(payload, size)?);
            ack.arg(id);
        }
        let acked: u64 = ack.query_async(&mut self.con).await.context("XACK")?;
        if acked != entries.len() as u64 {
            bail!("XACK acknowledged {acked} of {} entries", entries.len());
        }
        Ok(())
    }
}

pub fn block_ms(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1)
}
