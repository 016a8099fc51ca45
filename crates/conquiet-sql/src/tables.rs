//! The inbox and outbox tables, per backend. Names were checked as plain identifiers when
//! the [`Db`](crate::Db) was made.
//!
//! | table  | column     | PostgreSQL       | MySQL/MariaDB             | meaning |
//! |--------|------------|------------------|---------------------------|---------|
//! | inbox  | queue      | TEXT             | VARBINARY(1024)           | the queue (stream) |
//! | inbox  | grp        | TEXT             | VARBINARY(1024)           | the consumer group |
//! | inbox  | entry_id   | VARCHAR(64)      | VARBINARY(64)             | the entry id, `ms-seq` |
//! | inbox  | done_ms    | BIGINT           | BIGINT                    | when its transaction ran (Unix ms) |
//! | outbox | id         | BIGSERIAL        | BIGINT AUTO_INCREMENT     | order of publishing; the dedup key's suffix |
//! | outbox | queue      | TEXT             | VARBINARY(1024)           | where to publish |
//! | outbox | payload    | BYTEA            | LONGBLOB                  | the fields, encoded by `outbox::encode` |
//! | outbox | created_ms | BIGINT           | BIGINT                    | when it was written |
//! | outbox | sent_ms    | BIGINT NULL      | BIGINT NULL               | when the relay had it confirmed; NULL: not yet |
//!
//! The inbox's primary key is (queue, grp, entry_id); the outbox has an index for its unsent
//! rows in id order.

use crate::conn::Backend;
use crate::session::Tables;

/// The statements that make the tables, each safe to run again.
pub(crate) fn create(backend: Backend, t: &Tables) -> Vec<String> {
    let (inbox, outbox) = (&t.inbox, &t.outbox);
    match backend {
        Backend::Postgres => vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {inbox} (queue TEXT NOT NULL, grp TEXT NOT NULL, \
                 entry_id VARCHAR(64) NOT NULL, done_ms BIGINT NOT NULL, \
                 PRIMARY KEY (queue, grp, entry_id))"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {outbox} (id BIGSERIAL PRIMARY KEY, queue TEXT NOT NULL, \
                 payload BYTEA NOT NULL, created_ms BIGINT NOT NULL, sent_ms BIGINT)"
            ),
            format!(
                "CREATE INDEX IF NOT EXISTS {outbox}_unsent ON {outbox} (id) WHERE sent_ms IS NULL"
            ),
        ],
        Backend::MySql => vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {inbox} (queue VARBINARY(1024) NOT NULL, \
                 grp VARBINARY(1024) NOT NULL, entry_id VARBINARY(64) NOT NULL, \
                 done_ms BIGINT NOT NULL, PRIMARY KEY (queue, grp, entry_id)) ENGINE=InnoDB"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {outbox} (id BIGINT AUTO_INCREMENT PRIMARY KEY, \
                 queue VARBINARY(1024) NOT NULL, payload LONGBLOB NOT NULL, \
                 created_ms BIGINT NOT NULL, sent_ms BIGINT NULL, \
                 INDEX {outbox}_unsent (sent_ms, id)) ENGINE=InnoDB"
            ),
        ],
    }
}

/// Milliseconds since the Unix epoch, for the tables' time columns.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
