//! The systems under test, each behind the same three small traits, so that the driver runs
//! one workload for all of them.
//!
//! - [`Broker`]: one system, connected and configured for a run; makes queues, producers
//!   and consumers, and says what its acknowledgements promise ([`Description`]).
//! - [`Producer`]: one connection that publishes, returning from each publish only once the
//!   system confirmed it as durably as it can; the driver keeps several publishes in flight
//!   on it at once (the workload's window), as an asynchronous publisher does.
//! - [`Consumer`]: one connection that receives a batch and acknowledges it.
//!
//! An adapter must not count or time anything: the driver does, the same way for every
//! system. An adapter reports a refused or unconfirmed publish, a failed ack, or a message
//! it cannot read as an error, and the run fails.

pub mod amqp_start;
pub mod cq;
pub mod disk;
pub mod http;
pub mod nats;
pub mod postgres;
pub mod rabbitmq;
pub mod resp_value;
pub mod sdk;
pub mod streams;

use std::future::Future;

use anyhow::{Result, bail};
use bytes::Bytes;
use indicatif::ProgressBar;

/// What a system is and what its acknowledgement of a publish promises.
#[derive(Clone, Debug, Default)]
pub struct Description {
    /// The server's name and version as the server reported them.
    pub server: String,
    /// A few words for the table, such as `fsync always`.
    pub durability: String,
    /// The promise in a sentence: what an acknowledged publish survives.
    pub durability_note: String,
}

/// One system set up for a run.
pub trait Broker: Send + Sync + 'static {
    type Producer: Producer;
    type Consumer: Consumer;

    fn describe(&self) -> &Description;

    /// Makes an empty queue named `queue` (a name of ASCII letters, digits and `_`), with
    /// whatever the system needs for consumers to share its messages.
    fn create_queue(&self, queue: &str) -> impl Future<Output = Result<()>> + Send;

    /// Removes `queue` and what `create_queue` made for it.
    fn delete_queue(&self, queue: &str) -> impl Future<Output = Result<()>> + Send;

    /// Stores `count` messages of `size` bytes (ids from `first_id`) in `queue` where its
    /// consumers will not receive them, so that the phases run against a queue that already
    /// holds a backlog. Returns how many bytes the server's resident memory grew meanwhile,
    /// when the system reports its memory. Only systems whose queues can hold entries past
    /// their consumers (streams) have it.
    fn fill_backlog(
        &self,
        _queue: &str,
        _first_id: u64,
        _count: u64,
        _size: usize,
        _bar: &ProgressBar,
    ) -> impl Future<Output = Result<Option<u64>>> + Send {
        async {
            bail!(
                "this system has no backlog: --backlog works with conquiet-resp, conquiet-cq and redis-*"
            )
        }
    }

    /// A producer on its own connection.
    fn producer(&self, queue: &str) -> impl Future<Output = Result<Self::Producer>> + Send;

    /// A consumer named `name` on its own connection; all consumers of a queue share its
    /// messages (each message goes to one of them).
    fn consumer(
        &self,
        queue: &str,
        name: &str,
    ) -> impl Future<Output = Result<Self::Consumer>> + Send;
}

pub trait Producer: Send + Sync + 'static {
    /// Publishes `payload` and returns once the system confirmed it. Called concurrently, up
    /// to the window, on one producer: an adapter pipelines the calls on its connection.
    fn publish(&self, payload: Bytes) -> impl Future<Output = Result<()>> + Send;
}

pub trait Consumer: Send + 'static {
    /// Waits up to about `RECEIVE_WAIT` for messages, takes up to `max`, acknowledges them,
    /// and appends their ids (decoded from payloads of `size` bytes) to `ids`. Returns with
    /// `ids` unchanged when nothing came.
    fn receive_and_ack(
        &mut self,
        max: usize,
        size: usize,
        ids: &mut Vec<u64>,
    ) -> impl Future<Output = Result<()>> + Send;
}
