//! A real server for the SDK's tests, and a connector that counts what it opens.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use conquiet_client::{BoxFuture, Client, ClientConfig, Connector, TcpConnector, Transport};
use conquiet_server::{Config, Running};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `conquiet serve` on its own runtime: the tests' runtime can then stop and restart it.
/// Its runtime is driven from a plain thread (`outside`), since the tests call it from inside
/// their own runtime, where blocking on another is refused.
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    running: Option<Running>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let mut server = Server {
            runtime: Some(runtime),
            running: None,
            addr: "127.0.0.1:0".parse().expect("addr"),
            dir,
        };
        server.restart();
        server
    }

    /// Starts the server (again) on the same address and data directory.
    pub fn restart(&mut self) {
        let config = Config {
            data_dir: self.dir.path().to_path_buf(),
            resp_addr: self.addr,
            http_addr: None,
            ..Config::default()
        };
        let runtime = self.runtime.as_ref().expect("runtime");
        let running =
            outside(|| runtime.block_on(conquiet_server::start(config))).expect("server starts");
        self.addr = running.resp_addr;
        self.running = Some(running);
    }

    /// A graceful stop: connections close, the store flushes.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown();
            let runtime = self.runtime.as_ref().expect("runtime");
            outside(|| runtime.block_on(running.wait())).expect("clean stop");
        }
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig::new(self.addr.to_string())
    }

    pub fn client(&self) -> Client {
        Client::new(self.config())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if let Some(runtime) = self.runtime.take() {
            outside(move || drop(runtime));
        }
    }
}

/// Runs `f` on a thread of its own and waits for it.
fn outside<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("helper thread"))
}

/// A TCP connector that counts the connections alive now, the most alive at once, and the
/// connects that failed (injected or real); `fail_next` makes the next connects fail.
#[derive(Clone)]
pub struct Counting {
    inner: TcpConnector,
    pub counts: Arc<Counts>,
}

#[derive(Default)]
pub struct Counts {
    pub live: AtomicUsize,
    pub most: AtomicUsize,
    pub opened: AtomicUsize,
    pub refused: AtomicUsize,
    pub fail_next: AtomicUsize,
    pub down: AtomicBool,
}

impl Counting {
    pub fn new(addr: SocketAddr) -> Counting {
        Counting {
            inner: TcpConnector::from(addr),
            counts: Arc::default(),
        }
    }
}

impl Connector for Counting {
    fn connect(&self) -> BoxFuture<'_, io::Result<Box<dyn Transport>>> {
        Box::pin(async move {
            let c = &self.counts;
            let injected = c
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if injected || c.down.load(Ordering::SeqCst) {
                c.refused.fetch_add(1, Ordering::SeqCst);
                return Err(io::Error::new(io::ErrorKind::ConnectionRefused, "injected"));
            }
            let stream = match self.inner.connect().await {
                Ok(stream) => stream,
                Err(e) => {
                    c.refused.fetch_add(1, Ordering::SeqCst);
                    return Err(e);
                }
            };
            let live = c.live.fetch_add(1, Ordering::SeqCst) + 1;
            c.most.fetch_max(live, Ordering::SeqCst);
            c.opened.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Counted {
                stream,
                counts: self.counts.clone(),
            }) as Box<dyn Transport>)
        })
    }
}

/// A transport that leaves the live count when dropped.
struct Counted {
    stream: Box<dyn Transport>,
    counts: Arc<Counts>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counts.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
