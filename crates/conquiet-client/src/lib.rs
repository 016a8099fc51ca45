//! The Rust SDK of conquiet: talk to `conquiet serve` from an application.
//!
//! - [`Client`]: typed async calls for the whole work-queue surface (queues and policies,
//!   publish, receive, ack / nack / touch / term with one outcome per handle, dead letters,
//!   figures, job status), over RESP with the project's own frame encoder and decoder.
//! - Two bounded connection pools inside the client (on deadpool): one for ordinary commands,
//!   one for blocking receives, so neither starves the other. [`PoolStats`] says what each
//!   holds; an acquire waits at most its timeout.
//! - [`Worker`]: runs a [`Handler`] over a queue with a concurrency limit, a per-job timeout
//!   and fallback, heartbeats, a circuit breaker, graceful drain and [`WorkerMetrics`].
//! - Coordination: named locks with fencing tokens ([`Client::lock`], and
//!   [`Client::lock_bound`] whose [`BoundLock`] guard releases on drop) and turn-based rooms
//!   ([`Client::speak`], [`Client::room_events`]); request/reply ([`Client::request`], and
//!   [`service`], a worker handler whose return value is the reply).
//! - [`Error`]: one error type; a refused command is a variant ([`ErrorKind::Full`], ...).
//!
//! ```no_run
//! use conquiet_client::{Client, ClientConfig, Job, Message, Outcome, Worker, WorkerConfig};
//!
//! # async fn run() -> conquiet_client::Result<()> {
//! let client = Client::new(ClientConfig::new("127.0.0.1:6390"));
//! client.publish("emails", &Message::new().field("to", "a@example.com")).await?;
//! let worker = Worker::new(client, WorkerConfig::new("emails"), |job: Job| async move {
//!     match job.field("to") {
//!         Some(_) => Outcome::Success,
//!         None => Outcome::fail("no recipient"),
//!     }
//! });
//! worker.run(conquiet_client::shutdown_signal()).await;
//! # Ok(()) }
//! ```
//!
//! Semantics are at-least-once: a delivery whose settle is lost comes back after its lease,
//! with a higher delivery count and a new fencing token, so a handler can tell.

#![deny(missing_docs)]

mod client;
mod conn;
mod coord;
mod decode;
mod error;
pub mod limits;
mod pool;
mod publisher;
mod service;
mod types;
mod worker;

pub use client::{Client, ClientConfig};
pub use conn::{BoxFuture, Connection, Connector, Handshake, Reply, TcpConnector, Transport};
pub use conquiet_resp::Frame;
pub use coord::{BoundLock, LockGrant, LockInfo, Room, RoomEvent};
pub use error::{Error, ErrorKind, Result};
pub use pool::PoolStats;
pub use service::{CORRELATION_FIELD, Response, Service, ServiceResult, service};
pub use types::{
    Backoff, DATA_FIELD, DeadLetter, Delivery, EntryId, GroupInfo, Handle, JobState, JobStatus,
    Message, NackOptions, Overflow, Published, QueueInfo, QueueOptions, ReceiveOptions,
    RedriveOptions, SettleOutcome, Settled,
};
pub use worker::{
    BreakerConfig, BreakerHook, BreakerState, DrainReport, FailureRate, Handler, Job, Outcome,
    RunningWorker, Worker, WorkerBuilder, WorkerConfig, WorkerMetrics, WorkerStats,
    shutdown_signal,
};
