//! A real server for the SDK's tests, and a connector that counts what it opens.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use conquiet_client::{BoxFuture, Client, ClientConfig, Connector, TcpConnector, Transport};
use conquiet_server::testing::TestServer;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The in-process server, with the SDK's client config for it.
pub struct Server(TestServer);

impl Server {
    pub fn start() -> Server {
        Server(TestServer::start())
    }

    pub fn restart(&mut self) {
        self.0.restart();
    }

    pub fn stop(&mut self) {
        self.0.stop();
    }

    pub fn config(&self) -> ClientConfig {
        ClientConfig::new(self.0.addr.to_string())
    }

    pub fn client(&self) -> Client {
        Client::new(self.config())
    }
}

impl std::ops::Deref for Server {
    type Target = TestServer;
    fn deref(&self) -> &TestServer {
        &self.0
    }
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
