//! The listeners and their lifecycle: lock the data directory, recover the store, accept RESP
//! clients up to the limit (and HTTP clients in `http::serve`), and on shutdown stop accepting,
//! let commands in flight finish, wake blocked readers and long-polls with their empty reply,
//! sync and close the log, all within a deadline.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use conquiet_db::{Db, DbOptions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::config::Config;
use crate::connection;
use crate::counters::Counters;
use crate::http;
use crate::lockfile::{self, DirLock, LockError};

/// Why the server could not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("opening the store in {dir}: {message}")]
    Store { dir: String, message: String },
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("closing the store: {0}")]
    Close(String),
    #[error("shutdown took longer than {0} ms; {1} connections were cut")]
    ShutdownTimeout(u128, usize),
}

/// A connected client, as CLIENT LIST and CLIENT KILL see it.
pub struct ClientEntry {
    pub addr: SocketAddr,
    pub name: Vec<u8>,
    pub created: Instant,
    pub last_command: Vec<u8>,
    /// Set to true to make the connection close (CLIENT KILL).
    pub kill: watch::Sender<bool>,
}

/// State every connection shares.
pub struct Shared {
    pub db: Db,
    pub config: Config,
    pub clients: Mutex<BTreeMap<u64, ClientEntry>>,
    pub next_client_id: AtomicU64,
    /// Bytes buffered by every client together (input and output), against
    /// `ClientLimits::all_clients_bytes_max`.
    pub buffered_bytes: AtomicUsize,
    pub started: Instant,
    pub commands_processed: AtomicU64,
    pub connections_received: AtomicU64,
    pub connections_rejected: AtomicU64,
    /// Commands, refusals and HTTP connections, for `/metrics`.
    pub counters: Counters,
}

/// A running server.
pub struct Running {
    pub resp_addr: SocketAddr,
    /// Where the HTTP API listens; `None` when it is off.
    pub http_addr: Option<SocketAddr>,
    shutdown: Stopper,
    task: JoinHandle<Result<(), ServerError>>,
}

/// Starts a graceful shutdown from anywhere (a signal handler, a test).
#[derive(Clone)]
pub struct Stopper(Arc<watch::Sender<bool>>);

impl Stopper {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Running {
    /// Starts a graceful shutdown; [`Running::wait`] returns when it is done.
    pub fn shutdown(&self) {
        self.shutdown.stop();
    }

    pub fn stopper(&self) -> Stopper {
        self.shutdown.clone()
    }

    pub async fn wait(self) -> Result<(), ServerError> {
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(ServerError::Close(format!("server task failed: {e}"))),
        }
    }
}

/// Locks the data directory, recovers the store, binds, and starts serving.
pub async fn start(config: Config) -> Result<Running, ServerError> {
    start_on(config, None).await
}

/// As [`start`], with the store on `storage` instead of the data directory's files (the
/// directory is still locked): tests use a storage that fails writes or fsyncs on demand.
pub async fn start_with_storage(
    config: Config,
    storage: Arc<dyn conquiet_db::Storage>,
) -> Result<Running, ServerError> {
    start_on(config, Some(storage)).await
}

async fn start_on(
    config: Config,
    storage: Option<Arc<dyn conquiet_db::Storage>>,
) -> Result<Running, ServerError> {
    let lock = lockfile::lock(&config.data_dir)?;
    let dir = config.data_dir.clone();
    let options = DbOptions {
        fsync: config.fsync,
        ..DbOptions::default()
    };
    let opened = tokio::task::spawn_blocking(move || match storage {
        Some(storage) => Db::open(storage, options, Arc::new(conquiet_db::SystemClock)),
        None => Db::open_dir(&dir, options),
    })
    .await;
    let store_error = |message: String| ServerError::Store {
        dir: config.data_dir.display().to_string(),
        message,
    };
    let (db, report) = opened
        .map_err(|e| store_error(e.to_string()))?
        .map_err(|e| store_error(e.to_string()))?;
    tracing::info!(
        snapshot = ?report.snapshot.map(|l| l.0),
        records_replayed = report.records_replayed,
        torn_tail = ?report.torn_tail,
        skipped_snapshots = ?report.snapshots_skipped,
        elapsed_ms = report.elapsed_ms,
        "store recovered"
    );
    release_bound_locks(&db)
        .await
        .map_err(|e| store_error(e.to_string()))?;
    let (listener, resp_addr) = bind(config.resp_addr).await?;
    let (http_listener, http_addr) = match config.http_addr {
        Some(addr) => {
            let (listener, bound) = bind(addr).await?;
            (Some(listener), Some(bound))
        }
        None => (None, None),
    };
    tracing::info!(%resp_addr, ?http_addr, fsync = ?config.fsync, data_dir = %config.data_dir.display(), "listening");
    let shared = Arc::new(Shared {
        db,
        config,
        clients: Mutex::new(BTreeMap::new()),
        next_client_id: AtomicU64::new(1),
        buffered_bytes: AtomicUsize::new(0),
        started: Instant::now(),
        commands_processed: AtomicU64::new(0),
        connections_received: AtomicU64::new(0),
        connections_rejected: AtomicU64::new(0),
        counters: Counters::default(),
    });
    let (shutdown, watcher) = watch::channel(false);
    let http = http_listener.map(|l| tokio::spawn(http::serve(l, shared.clone(), watcher.clone())));
    let task = tokio::spawn(serve(listener, http, shared, watcher, lock));
    Ok(Running {
        resp_addr,
        http_addr,
        shutdown: Stopper(Arc::new(shutdown)),
        task,
    })
}

/// Releases the locks bound to connections of an earlier run: those connections closed with
/// it, and this run's connection ids start again at 1, so a new connection must never be
/// taken for an old one. Logged releases, a bounded slice at a time.
async fn release_bound_locks(db: &Db) -> Result<(), conquiet_db::DbError> {
    loop {
        let command = conquiet_core::Command::LockReleaseBound { connection: None };
        match db.submit(command).await? {
            conquiet_core::Reply::Int(n) if n > 0 => {
                tracing::info!(
                    released = n,
                    "released locks bound to connections of the last run"
                );
            }
            _ => return Ok(()),
        }
    }
}

/// A listener on `addr` and the address it got (the port, when `addr` asked for port 0).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), ServerError> {
    let bind_error = |source| ServerError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    Ok((listener, bound))
}

async fn serve(
    listener: TcpListener,
    http: Option<JoinHandle<usize>>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    lock: DirLock,
) -> Result<(), ServerError> {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (mut stream, addr) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: pause instead of spinning on accept.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                shared.connections_received.fetch_add(1, Ordering::Relaxed);
                if connections.len() >= shared.config.limits.clients_max {
                    shared.connections_rejected.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
                    continue;
                }
                let id = shared.next_client_id.fetch_add(1, Ordering::Relaxed);
                connections.spawn(connection::run(stream, addr, id, shared.clone(), shutdown.clone()));
            }
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    tracing::info!(
        connections = connections.len(),
        "shutting down: no new connections"
    );
    let deadline = shared.config.shutdown_timeout;
    let started = Instant::now();
    // Closing the store finishes what was queued and answers blocked readers empty; the
    // connections then write those replies and close.
    let db = shared.db.clone();
    let closing = tokio::task::spawn_blocking(move || db.close());
    let drained = tokio::time::timeout(deadline, async {
        let closed = closing.await;
        while connections.join_next().await.is_some() {}
        closed
    })
    .await;
    let mut cut = 0;
    let mut timed_out = false;
    let mut result = match drained {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(ServerError::Close(e.to_string())),
        Ok(Err(e)) => Err(ServerError::Close(e.to_string())),
        Err(_) => {
            timed_out = true;
            cut = connections.len();
            connections.abort_all();
            while connections.join_next().await.is_some() {}
            Ok(())
        }
    };
    // The HTTP task drains its own connections under the same deadline (it started counting
    // when it saw the same shutdown signal), so this wait ends by then too.
    if let Some(http) = http {
        match http.await {
            Ok(http_cut) => cut += http_cut,
            Err(e) => tracing::warn!(error = %e, "the http task failed"),
        }
    }
    if (timed_out || cut > 0) && result.is_ok() {
        result = Err(ServerError::ShutdownTimeout(
            started.elapsed().as_millis(),
            cut,
        ));
    }
    drop(lock);
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        ok = result.is_ok(),
        "stopped"
    );
    result
}
