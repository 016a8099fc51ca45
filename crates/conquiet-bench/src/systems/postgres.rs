//! PostgreSQL as a job queue: a table of (id, payload); a publish is one INSERT committed on
//! its own (the window's concurrent INSERTs are pipelined on the producer's connection, and
//! its server process commits them one after another); a consumer locks a batch with
//! `FOR UPDATE SKIP LOCKED`, deletes it and commits, which is its ack. `synchronous_commit` is
//! on, so a commit returns after its WAL is flushed.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use tokio_postgres::{Client, NoTls, Statement};

use super::{Broker, Consumer, Description, Producer};
use crate::limits::{CONNECT_TIMEOUT, POSTGRES_POLL};
use crate::payload;

async fn connect(config: &str) -> Result<Client> {
    let (client, connection) =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio_postgres::connect(config, NoTls))
            .await
            .with_context(|| format!("connecting to PostgreSQL ({config}): timed out"))?
            .with_context(|| format!("connecting to PostgreSQL ({config})"))?;
    // The connection task does the socket I/O; a failure there fails the client's next call.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    // Whatever the server's default, each session asks for commits that wait for the WAL
    // flush.
    client
        .batch_execute("SET synchronous_commit TO on")
        .await
        .context("SET synchronous_commit")?;
    Ok(client)
}

pub struct Postgres {
    config: String,
    description: Description,
}

impl Postgres {
    pub async fn open(config: &str) -> Result<Postgres> {
        let client = connect(config).await?;
        let row = client
            .query_one(
                "SELECT version(), current_setting('fsync'), current_setting('wal_sync_method')",
                &[],
            )
            .await?;
        let version: String = row.get(0);
        let fsync: String = row.get(1);
        let method: String = row.get(2);
        let server = version.split(" on ").next().unwrap_or(&version).to_string();
        let durability_note = format!(
            "synchronous_commit=on, fsync={fsync}, wal_sync_method={method}: each publish and \
             each consumer batch is a transaction whose commit waits for its WAL flush \
             (concurrent commits share flushes); consumers poll every {} ms when the table is \
             empty",
            POSTGRES_POLL.as_millis()
        );
        if fsync != "on" {
            eprintln!("warning: PostgreSQL runs with fsync={fsync}: commits are not durable");
        }
        Ok(Postgres {
            config: config.to_string(),
            description: Description {
                server,
                durability: "fsync per commit".to_string(),
                durability_note,
            },
        })
    }
}

impl Broker for Postgres {
    type Producer = PgProducer;
    type Consumer = PgConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let client = connect(&self.config).await?;
        let sql =
            format!("CREATE TABLE {queue} (id bigserial PRIMARY KEY, payload bytea NOT NULL)");
        client
            .batch_execute(&sql)
            .await
            .with_context(|| format!("creating table {queue}"))?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let client = connect(&self.config).await?;
        client
            .batch_execute(&format!("DROP TABLE IF EXISTS {queue}"))
            .await
            .with_context(|| format!("dropping table {queue}"))?;
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<PgProducer> {
        let client = connect(&self.config).await?;
        let insert = client
            .prepare(&format!("INSERT INTO {queue} (payload) VALUES ($1)"))
            .await?;
        Ok(PgProducer { client, insert })
    }

    async fn consumer(&self, queue: &str, _name: &str) -> Result<PgConsumer> {
        let client = connect(&self.config).await?;
        let select = client
            .prepare(&format!(
                "SELECT id, payload FROM {queue} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
            ))
            .await?;
        let delete = client
            .prepare(&format!("DELETE FROM {queue} WHERE id = ANY($1)"))
            .await?;
        Ok(PgConsumer {
            client,
            select,
            delete,
        })
    }
}

pub struct PgProducer {
    client: Client,
    insert: Statement,
}

impl Producer for PgProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let payload: &[u8] = &payload;
        let inserted = self
            .client
            .execute(&self.insert, &[&payload])
            .await
            .context("INSERT")?;
        if inserted != 1 {
            bail!("INSERT inserted {inserted} rows");
        }
        Ok(())
    }
}

pub struct PgConsumer {
    client: Client,
    select: Statement,
    delete: Statement,
}

impl Consumer for PgConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let limit = i64::try_from(max).context("batch fits an i64")?;
        let transaction = self.client.transaction().await?;
        let rows = transaction.query(&self.select, &[&limit]).await?;
        if rows.is_empty() {
            transaction.rollback().await?;
            tokio::time::sleep(POSTGRES_POLL).await;
            return Ok(());
        }
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            keys.push(row.get::<_, i64>(0));
            ids.push(payload::decode(row.get::<_, &[u8]>(1), size)?);
        }
        let deleted = transaction.execute(&self.delete, &[&keys]).await?;
        if deleted != keys.len() as u64 {
            bail!("deleted {deleted} of {} locked rows", keys.len());
        }
        transaction.commit().await.context("COMMIT")?;
        Ok(())
    }
}
