//! Ack after commit for conquiet: database sessions, safe primitives, exactly-once effects
//! through an inbox, and a transactional outbox, on sqlx for PostgreSQL and MySQL/MariaDB.
//!
//! - [`Db`]: a sqlx [`Pool`] with metrics and table names; [`Db::transaction`] runs one
//!   [`Session`] (one transaction on one connection) and never leaves a connection checked
//!   out or returns one with a transaction open.
//! - [`Session`]'s primitives: [`Session::insert_if_absent`], [`Session::update_if`],
//!   [`Session::optimistic_update`], [`Session::lock_row`], [`Session::advisory_lock`].
//! - [`transactional`]: a worker handler (for `conquiet_client::Worker`) that runs a job in a
//!   session with an inbox row, so the worker acks only after COMMIT and a redelivered job
//!   whose transaction committed is skipped.
//! - [`Session::publish`] and [`OutboxRelay`]: publish from inside a transaction.
//! - [`SqlMetrics`]: counts and durations by operation and status, true to the outcome.
//!
//! Guarantees, tables and the example service: docs/sql.md.

#![deny(missing_docs)]

mod conn;
mod consumer;
mod error;
mod metrics;
mod outbox;
mod session;
mod tables;
mod value;

pub use conn::{Backend, Pool, Row};
pub use consumer::{JobError, Transactional, TxHandler, purge_inbox, transactional};
pub use error::{Result, SqlError};
pub use metrics::{SqlMetrics, Status};
pub use outbox::{OnPublished, OutboxRelay, RelayOptions, SENT_MS_MALFORMED};
pub use session::{Db, Session, Tables, tx};
pub use value::Value;
