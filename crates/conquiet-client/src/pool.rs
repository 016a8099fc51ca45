//! The bounded connection pool, on deadpool: `max_size` is never exceeded, a connect that
//! fails frees its slot (deadpool gives the slot back before the error reaches the caller),
//! a broken connection is detached instead of returned, and every acquire waits at most the
//! acquire timeout. Our tests (tests/client/pool.rs) prove each of these with a counting
//! connector rather than trusting the crate.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool::managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult};

use conquiet_resp::Frame;

use crate::conn::{Connection, Connector, Handshake, Reply, within};
use crate::error::{Error, Result};

/// A connection idle this long is pinged before it is lent again.
const IDLE_PING_AFTER: Duration = Duration::from_secs(1);

/// Opens connections for the pool and counts what it did.
pub(crate) struct Manager {
    connector: Arc<dyn Connector>,
    handshake: Handshake,
    connect_timeout: Duration,
    created: AtomicU64,
    failed_creates: AtomicU64,
}

impl managed::Manager for Manager {
    type Type = Connection;
    type Error = Error;

    async fn create(&self) -> Result<Connection> {
        let opened = within(self.connect_timeout, async {
            let transport = self.connector.connect().await.map_err(Error::io)?;
            Connection::open(transport, &self.handshake).await
        })
        .await;
        match &opened {
            Ok(_) => self.created.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.failed_creates.fetch_add(1, Ordering::Relaxed),
        };
        opened
    }

    async fn recycle(&self, conn: &mut Connection, metrics: &Metrics) -> RecycleResult<Error> {
        if !conn.is_alive() {
            return Err(RecycleError::message("connection is broken"));
        }
        // The end-of-file check sees a close only once the runtime has noticed it; a
        // connection idle for a while is asked outright.
        if metrics.last_used() >= IDLE_PING_AFTER {
            let pong = within(self.connect_timeout, conn.call(&["PING"])).await;
            if !matches!(pong, Ok(Reply(Frame::Simple(ref s))) if s == b"PONG") {
                return Err(RecycleError::message("idle connection did not answer PING"));
            }
        }
        Ok(())
    }
}

/// A pool's figures at one moment. `open` counts every connection the pool holds, idle or
/// lent; a slot being connected counts once its connect succeeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Most connections the pool may hold.
    pub max_size: usize,
    /// Connections open now (idle plus in use).
    pub open: usize,
    /// Open connections waiting in the pool.
    pub idle: usize,
    /// Open connections lent to callers.
    pub in_use: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
    /// Connections opened since the pool was made.
    pub created: u64,
    /// Connects (TCP or handshake) that failed since the pool was made.
    pub failed_creates: u64,
}

/// Settings of one pool.
#[derive(Clone, Debug)]
pub(crate) struct PoolOptions {
    pub max_size: usize,
    pub acquire_timeout: Duration,
    pub connect_timeout: Duration,
}

/// A bounded pool of connections.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: managed::Pool<Manager>,
    acquire_timeout: Duration,
}

impl Pool {
    pub(crate) fn new(
        connector: Arc<dyn Connector>,
        handshake: Handshake,
        options: &PoolOptions,
    ) -> Pool {
        let manager = Manager {
            connector,
            handshake,
            connect_timeout: options.connect_timeout,
            created: AtomicU64::new(0),
            failed_creates: AtomicU64::new(0),
        };
        // Timeouts are ours, not deadpool's: `get` bounds the whole acquire (wait, checks and
        // connect) by the acquire timeout, and `Manager::create` each connect by the connect
        // timeout, each with its own error.
        let inner = managed::Pool::builder(manager)
            .max_size(options.max_size.max(1))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .expect("the builder fails only for timeouts without a runtime, and one is set");
        Pool {
            inner,
            acquire_timeout: options.acquire_timeout,
        }
    }

    /// A connection, waiting at most the acquire timeout. Cancellation-safe: deadpool gives a
    /// slot back when the future is dropped.
    pub(crate) async fn get(&self) -> Result<Pooled> {
        let timed_out = || Error::PoolTimeout(self.acquire_timeout, self.inner.status().max_size);
        let Ok(got) = tokio::time::timeout(self.acquire_timeout, self.inner.get()).await else {
            return Err(timed_out());
        };
        match got {
            Ok(conn) => Ok(Pooled(Some(conn))),
            Err(PoolError::Backend(e)) => Err(e),
            Err(PoolError::Timeout(_)) => Err(timed_out()),
            Err(PoolError::Closed) => Err(Error::Closed),
            Err(e) => Err(Error::Protocol(format!("pool: {e}"))),
        }
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let status = self.inner.status();
        let manager = self.inner.manager();
        PoolStats {
            max_size: status.max_size,
            open: status.size,
            idle: status.available,
            in_use: status.size.saturating_sub(status.available),
            waiting: status.waiting,
            created: manager.created.load(Ordering::Relaxed),
            failed_creates: manager.failed_creates.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn close(&self) {
        self.inner.close();
    }
}

/// A lent connection. Dropping it returns it to the pool, unless it broke: then it is
/// detached and closed at once, so the pool's count drops with it and no later caller gets
/// a connection with a reply still owed.
pub(crate) struct Pooled(Option<Object<Manager>>);

impl Pooled {
    pub(crate) fn conn(&mut self) -> &mut Connection {
        self.0
            .as_deref_mut()
            .expect("only Drop takes the object out")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(object) = self.0.take()
            && !object.is_usable()
        {
            drop(Object::take(object));
        }
    }
}
