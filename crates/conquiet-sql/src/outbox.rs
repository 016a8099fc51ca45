//! The transactional outbox: [`Session::publish`] writes a message into the outbox table in
//! the application's own transaction (so a rolled-back transaction publishes nothing), and
//! [`OutboxRelay`] publishes committed rows to conquiet in id order, with `cq-outbox:<table>:<id>`
//! as the idempotency key, then marks them sent. A relay that dies between a publish and its
//! mark publishes the row again when it comes back, and the queue's dedup window answers
//! that publish as a duplicate: nothing lost, nothing twice, as long as the relay is back
//! within the window (set the queue's `DEDUP-WINDOW` to cover it; conquiet's default is
//! 2 minutes).
//!
//! One relay publishes at a time: each holds a lock on a dedicated connection (PostgreSQL
//! `pg_try_advisory_lock`, MySQL `GET_LOCK`), which a crashed relay loses with its
//! connection; others wait as standbys. So order is kept even with several relays running.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use conquiet_client::{Client, Message};

use crate::conn::{Backend, Conn};
use crate::error::{Result, SqlError};
use crate::metrics::Status;
use crate::session::{Db, Session};
use crate::tables::now_ms;
use crate::value::Value;

/// Most fields one outbox message may carry (conquiet's own limit per entry).
const FIELDS_MAX: u32 = 65_536;

/// Most field and value bytes one outbox message may carry (conquiet's entry limit): a larger
/// one could never be relayed, so it is refused inside the application's transaction.
const ENTRY_BYTES_MAX: usize = 8 * 1024 * 1024;

/// `sent_ms` of a row the relay could not read back as a message: set aside, never sent.
pub const SENT_MS_MALFORMED: i64 = -1;

/// The payload column's bytes for `fields`: a u32 count, then each name and value as a u32
/// length and its bytes, little-endian. Paired with [`decode`].
pub(crate) fn encode(fields: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let size: usize = fields.iter().map(|(f, v)| 8 + f.len() + v.len()).sum();
    let mut out = Vec::with_capacity(4 + size);
    let count = u32::try_from(fields.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&count.to_le_bytes());
    for (f, v) in fields {
        for part in [f, v] {
            let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

/// The fields of a payload column; `None` if the bytes are not what [`encode`] writes.
pub(crate) fn decode(bytes: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (bytes.get(..n)?, bytes.get(n..)?);
        *bytes = rest;
        Some(head)
    }
    fn len(bytes: &mut &[u8]) -> Option<usize> {
        let raw: [u8; 4] = take(bytes, 4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(raw)).ok()
    }
    let mut rest = bytes;
    let count = len(&mut rest)?;
    if count > FIELDS_MAX as usize {
        return None;
    }
    let mut fields = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let n = len(&mut rest)?;
        let name = take(&mut rest, n)?.to_vec();
        let n = len(&mut rest)?;
        let value = take(&mut rest, n)?.to_vec();
        fields.push((name, value));
    }
    rest.is_empty().then_some(fields)
}

impl Session {
    /// Publishes `message`'s fields to `queue` once this transaction commits (its key and
    /// delay are not carried: the relay's key is the outbox row's). Answers the outbox id.
    pub async fn publish(&mut self, queue: &str, message: &Message) -> Result<i64> {
        let started = Instant::now();
        let fields = message.fields();
        let bytes: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        if fields.is_empty() || fields.len() > FIELDS_MAX as usize || bytes > ENTRY_BYTES_MAX {
            return Err(SqlError::Message(format!(
                "{} fields of {bytes} bytes; conquiet takes 1 to {FIELDS_MAX} fields of at most \
                 {ENTRY_BYTES_MAX} bytes",
                fields.len()
            )));
        }
        let outbox = self.db().tables().outbox.clone();
        let args = [
            Value::Text(queue.to_string()),
            Value::Bytes(encode(message.fields())),
            Value::Int(now_ms()),
        ];
        let result = match self.backend() {
            Backend::Postgres => {
                let sql = format!(
                    "INSERT INTO {outbox} (queue, payload, created_ms) VALUES (?, ?, ?) RETURNING id"
                );
                match self.fetch_optional(&sql, &args).await {
                    Ok(Some(row)) => row.int("id"),
                    Ok(None) => Err(SqlError::Database(sqlx::Error::RowNotFound)),
                    Err(e) => Err(e),
                }
            }
            Backend::MySql => {
                let sql =
                    format!("INSERT INTO {outbox} (queue, payload, created_ms) VALUES (?, ?, ?)");
                match self.execute(&sql, &args).await {
                    Ok(_) => match self
                        .fetch_optional("SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS id", &[])
                        .await
                    {
                        Ok(Some(row)) => row.int("id"),
                        Ok(None) => Err(SqlError::Database(sqlx::Error::RowNotFound)),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                }
            }
        };
        let status = if result.is_ok() {
            Status::Ok
        } else {
            Status::Error
        };
        self.db()
            .metrics()
            .record("outbox_publish", status, started);
        result
    }
}

/// Called with the outbox ids of a batch the relay has had confirmed by conquiet, before it
/// marks them sent (for metrics or logs).
pub type OnPublished = Arc<dyn Fn(&[i64]) + Send + Sync>;

/// How the relay works. Defaults: batches of 100, a look every 100 ms when idle.
#[derive(Clone)]
pub struct RelayOptions {
    /// Most rows published per round.
    pub batch: u32,
    /// How long to wait when nothing is unsent (or another relay holds the lead).
    pub idle: Duration,
    /// See [`OnPublished`].
    pub on_published: Option<OnPublished>,
    /// Names this outbox in the idempotency keys (`cq-outbox:<source>:<id>`), so two
    /// databases' outboxes that publish to the same queue never share a key. Default: the
    /// database's name and the outbox table's (`current_database()` / `DATABASE()`); set it
    /// when several databases of the same name (shards, environments) feed one conquiet.
    pub source: Option<String>,
}

impl Default for RelayOptions {
    fn default() -> RelayOptions {
        RelayOptions {
            batch: 100,
            idle: Duration::from_millis(100),
            on_published: None,
            source: None,
        }
    }
}

/// Most rows per relay round: bounds the memory of one round and one `IN (...)` list.
const RELAY_BATCH_MAX: u32 = 10_000;

/// Publishes the outbox's committed rows to conquiet. See the module documentation.
pub struct OutboxRelay {
    db: Db,
    client: Client,
    options: RelayOptions,
}

impl OutboxRelay {
    /// A relay for `db`'s outbox, publishing with `client`.
    pub fn new(db: Db, client: Client, options: RelayOptions) -> OutboxRelay {
        OutboxRelay {
            db,
            client,
            options,
        }
    }

    /// Relays until `shutdown` resolves: takes the lead (or waits as a standby), then
    /// publishes rounds of unsent rows. Answers how many rows it marked sent. A failed round
    /// (conquiet or the database away) is retried after the idle wait.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<u64> {
        tokio::pin!(shutdown);
        let mut sent = 0;
        loop {
            // Any failure (the database or conquiet away, the pool exhausted) is waited out
            // and tried again: a relay that stops would strand every later message.
            let lead = tokio::select! {
                () = &mut shutdown => return Ok(sent),
                lead = self.lead() => lead,
            };
            let mut lead = match lead {
                Ok(Some(lead)) => lead,
                Ok(None) | Err(_) => {
                    tokio::select! {
                        () = &mut shutdown => return Ok(sent),
                        () = tokio::time::sleep(self.options.idle) => continue,
                    }
                }
            };
            let source = match self.source(lead.conn()).await {
                Ok(source) => source,
                Err(_) => {
                    drop(lead);
                    tokio::time::sleep(self.options.idle).await;
                    continue;
                }
            };
            loop {
                let round = tokio::select! {
                    () = &mut shutdown => {
                        self.resign(lead).await;
                        return Ok(sent);
                    }
                    round = self.round(lead.conn(), &source) => round,
                };
                match round {
                    Ok(0) => {}
                    Ok(n) => {
                        sent += n as u64;
                        continue;
                    }
                    // The lead's connection may be gone: take the lead again.
                    Err(_) => break,
                }
                tokio::select! {
                    () = &mut shutdown => {
                        self.resign(lead).await;
                        return Ok(sent);
                    }
                    () = tokio::time::sleep(self.options.idle) => {}
                }
            }
            drop(lead);
            tokio::time::sleep(self.options.idle).await;
        }
    }

    /// The outbox's name in idempotency keys: the option, or the database's and table's.
    async fn source(&self, conn: &mut Conn) -> Result<String> {
        if let Some(source) = &self.options.source {
            return Ok(source.clone());
        }
        let sql = match conn.backend() {
            Backend::Postgres => "SELECT current_database() AS v",
            Backend::MySql => "SELECT DATABASE() AS v",
        };
        let rows = conn.fetch_all(sql, &[]).await.map_err(SqlError::Database)?;
        let database = rows
            .first()
            .map(|r| r.text("v"))
            .transpose()?
            .unwrap_or_default();
        Ok(format!("{database}.{}", self.db.tables().outbox))
    }

    /// The lock name or key that makes one relay the leader for this outbox.
    fn lead_key(&self) -> (i64, String) {
        let name = format!("conquiet-sql-relay:{}", self.db.tables().outbox);
        // A stable 63-bit key from the name (FNV-1a).
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        (i64::try_from(hash >> 1).unwrap_or(0), name)
    }

    /// A connection holding the relay lock, or `None` when another relay holds it.
    async fn lead(&self) -> Result<Option<Lead>> {
        let mut conn = self.db.pool().acquire().await?;
        let (key, name) = self.lead_key();
        let (sql, arg) = match conn.backend() {
            Backend::Postgres => (
                "SELECT CAST(CAST(pg_try_advisory_lock(?) AS INT) AS BIGINT) AS got",
                Value::Int(key),
            ),
            Backend::MySql => ("SELECT GET_LOCK(?, 0) AS got", Value::Text(name)),
        };
        let rows = match conn.fetch_all(sql, &[arg]).await {
            Ok(rows) => rows,
            Err(e) => {
                conn.close();
                return Err(SqlError::Database(e));
            }
        };
        let got = rows
            .first()
            .map(|r| r.opt_int("got"))
            .transpose()?
            .flatten();
        if got == Some(1) {
            Ok(Some(Lead(Some(conn))))
        } else {
            Ok(None)
        }
    }

    /// Gives the lead up: unlocks and returns the connection; if that fails or is cancelled,
    /// the guard closes it (which unlocks).
    async fn resign(&self, mut lead: Lead) {
        let (key, name) = self.lead_key();
        let (sql, arg) = match lead.conn().backend() {
            Backend::Postgres => ("SELECT pg_advisory_unlock(?)", Value::Int(key)),
            Backend::MySql => ("SELECT RELEASE_LOCK(?)", Value::Text(name)),
        };
        if lead.conn().execute(sql, &[arg]).await.is_ok() {
            lead.unlocked();
        }
    }

    /// One round: the oldest unsent rows, published in id order up to the first failure,
    /// then marked sent. Answers how many were marked.
    async fn round(&self, conn: &mut Conn, source: &str) -> Result<usize> {
        let started = Instant::now();
        let result = self.round_inner(conn, source).await;
        let status = match &result {
            Ok(0) => Status::NotApplied,
            Ok(_) => Status::Ok,
            Err(_) => Status::Error,
        };
        self.db.metrics().record("relay", status, started);
        result
    }

    async fn round_inner(&self, conn: &mut Conn, source: &str) -> Result<usize> {
        let outbox = &self.db.tables().outbox;
        let batch = i64::from(self.options.batch.clamp(1, RELAY_BATCH_MAX));
        let sql = format!(
            "SELECT id, queue, payload FROM {outbox} WHERE sent_ms IS NULL ORDER BY id LIMIT ?"
        );
        let rows = conn
            .fetch_all(&sql, &[Value::Int(batch)])
            .await
            .map_err(SqlError::Database)?;
        let mut published = Vec::with_capacity(rows.len());
        let mut malformed = None;
        for row in &rows {
            let id = row.int("id")?;
            let queue = row.text("queue")?;
            let Some(fields) = row.bytes("payload").ok().and_then(|p| decode(&p)) else {
                // Set aside, so it neither blocks the rows after it nor makes the ones
                // before it be published again round after round.
                malformed = Some(id);
                break;
            };
            let mut message = Message::new().key(format!("cq-outbox:{source}:{id}"));
            for (f, v) in fields {
                message = message.field(f, v);
            }
            // In order: a failure stops the round, so a later row never goes before it.
            match self.client.publish(&queue, &message).await {
                Ok(_) => published.push(id),
                Err(e) if published.is_empty() => return Err(SqlError::Queue(e)),
                Err(_) => break,
            }
        }
        if let Some(id) = malformed {
            let sql = format!("UPDATE {outbox} SET sent_ms = ? WHERE id = ?");
            conn.execute(&sql, &[Value::Int(SENT_MS_MALFORMED), Value::Int(id)])
                .await
                .map_err(SqlError::Database)?;
        }
        if published.is_empty() {
            return Ok(0);
        }
        if let Some(hook) = &self.options.on_published {
            hook(&published);
        }
        let marks = vec!["?"; published.len()].join(", ");
        let sql = format!("UPDATE {outbox} SET sent_ms = ? WHERE id IN ({marks})");
        let mut args = vec![Value::Int(now_ms())];
        args.extend(published.iter().map(|id| Value::Int(*id)));
        conn.execute(&sql, &args)
            .await
            .map_err(SqlError::Database)?;
        Ok(published.len())
    }

    /// Deletes rows sent before `older_than_ms` (Unix ms); answers how many.
    pub async fn purge_sent(&self, older_than_ms: i64) -> Result<u64> {
        let sql = format!(
            "DELETE FROM {} WHERE sent_ms IS NOT NULL AND sent_ms < ?",
            self.db.tables().outbox
        );
        self.db
            .transaction(|s| {
                Box::pin(async move { s.execute(&sql, &[Value::Int(older_than_ms)]).await })
            })
            .await
    }
}

/// The leader's connection: closed on drop unless its lock was released, so a relay that is
/// dropped, cancelled or panics mid-round never returns a connection that still holds the
/// relay lock to the pool.
struct Lead(Option<Conn>);

impl Lead {
    fn conn(&mut self) -> &mut Conn {
        self.0
            .as_mut()
            .expect("only Drop and unlocked take the connection")
    }

    /// The lock was released: the connection may go back to the pool.
    fn unlocked(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Lead {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            conn.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_is_refused() {
        let fields = vec![(b"a".to_vec(), b"1".to_vec()), (b"".to_vec(), vec![0, 255])];
        assert_eq!(decode(&encode(&fields)), Some(fields.clone()));
        let bytes = encode(&fields);
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(decode(&long), None);
        assert_eq!(decode(&u32::MAX.to_le_bytes()), None);
    }
}
