//! One connection to the server: a transport (TCP by default), the `HELLO 3` handshake, and
//! request/reply over the project's own RESP encoder and reply decoder (`conquiet-resp`).
//!
//! A connection knows when it can no longer be trusted: a command that was cancelled or timed
//! out between its write and its reply leaves a reply on the wire that the next caller would
//! read as its own, so such a connection is marked broken and the pool drops it.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use conquiet_resp::{Frame, Proto, decode_frame, encode};
use futures_util::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::limits::{READ_CHUNK_BYTES, REPLY_BYTES_MAX};

/// A byte stream to the server. TCP by default; tests and TLS wrappers bring their own.
pub trait Transport: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Transport for T {}

/// A boxed future, as the [`Connector`] trait returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Opens transports to the server. The pool calls it for every new connection, so a test can
/// count, delay or fail connects; [`TcpConnector`] is the default.
pub trait Connector: Send + Sync + 'static {
    /// Opens one transport. Cancellation-safe: dropping the future opens nothing.
    fn connect(&self) -> BoxFuture<'_, io::Result<Box<dyn Transport>>>;
}

/// Connects over TCP with `TCP_NODELAY` (requests are small and latency-bound).
#[derive(Clone, Debug)]
pub struct TcpConnector {
    addr: String,
}

impl TcpConnector {
    /// A connector to `addr` (`host:port`).
    pub fn new(addr: impl Into<String>) -> TcpConnector {
        TcpConnector { addr: addr.into() }
    }
}

impl Connector for TcpConnector {
    fn connect(&self) -> BoxFuture<'_, io::Result<Box<dyn Transport>>> {
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(self.addr.as_str()).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Transport>)
        })
    }
}

impl From<SocketAddr> for TcpConnector {
    fn from(addr: SocketAddr) -> TcpConnector {
        TcpConnector::new(addr.to_string())
    }
}

/// What a new connection sends before its first command.
#[derive(Clone, Debug, Default)]
pub struct Handshake {
    /// `AUTH` with this password (user `default`) when the server has `--requirepass`.
    pub password: Option<String>,
    /// `CLIENT SETNAME`, shown in `CLIENT LIST`.
    pub name: Option<String>,
}

/// One open connection speaking RESP3.
pub struct Connection {
    transport: Box<dyn Transport>,
    read_buf: Vec<u8>,
    /// Where the unread part of `read_buf` starts.
    read_pos: usize,
    write_buf: Vec<u8>,
    /// Replies still owed to us: non-zero outside a call means a call was cancelled or failed
    /// midway, and the connection must not be reused.
    owed: usize,
    broken: bool,
}

impl Connection {
    /// Wraps `transport` and runs the handshake: `HELLO 3` (with `AUTH` and `SETNAME` when
    /// given). Cancellation-safe: dropping the future drops the transport.
    pub async fn open(transport: Box<dyn Transport>, handshake: &Handshake) -> Result<Connection> {
        let mut conn = Connection {
            transport,
            read_buf: Vec::with_capacity(READ_CHUNK_BYTES),
            read_pos: 0,
            write_buf: Vec::new(),
            owed: 0,
            broken: false,
        };
        let mut hello: Vec<Vec<u8>> = vec![b"HELLO".to_vec(), b"3".to_vec()];
        if let Some(password) = &handshake.password {
            hello.extend([b"AUTH".to_vec(), b"default".to_vec()]);
            hello.push(password.clone().into_bytes());
        }
        if let Some(name) = &handshake.name {
            hello.push(b"SETNAME".to_vec());
            hello.push(name.clone().into_bytes());
        }
        conn.call(&hello).await?.into_result()?;
        Ok(conn)
    }

    /// Whether this connection may be handed out again.
    pub fn is_usable(&self) -> bool {
        !self.broken && self.owed == 0
    }

    /// Whether the server is still there, without a round trip: a peer that closed has left
    /// an end-of-file to read, and a healthy idle connection has nothing to read at all.
    pub fn is_alive(&mut self) -> bool {
        if !self.is_usable() || self.read_pos < self.read_buf.len() {
            return false;
        }
        let mut byte = [0u8; 1];
        // A read that is not ready at once is dropped unpolled again: tokio's reads are
        // cancellation-safe, so nothing is lost.
        match self.transport.read(&mut byte).now_or_never() {
            None => true,
            Some(_) => {
                self.broken = true;
                false
            }
        }
    }

    /// Sends one command and reads its reply. An error reply is `Ok(Reply)` holding it, so
    /// batch callers can keep each command's outcome; use [`Reply::into_result`] for one.
    /// Not cancellation-safe for the connection (it is then marked unusable and dropped by
    /// the pool), always safe for the caller.
    pub async fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Reply> {
        let mut replies = self.pipeline(std::slice::from_ref(&args)).await?;
        replies
            .pop()
            .ok_or_else(|| Error::Protocol("no reply to a command".into()))
    }

    /// Sends several commands in one write and reads their replies, in order.
    pub async fn pipeline<A: AsRef<[u8]>, C: AsRef<[A]>>(
        &mut self,
        commands: &[C],
    ) -> Result<Vec<Reply>> {
        let mut replies = Vec::with_capacity(commands.len());
        match self.pipeline_into(commands, &mut replies).await {
            Ok(()) => Ok(replies),
            Err(e) => Err(e),
        }
    }

    /// As [`Connection::pipeline`], keeping the replies read before a failure in `replies`:
    /// those commands were done by the server, and a caller that retried them would do them
    /// twice.
    pub async fn pipeline_into<A: AsRef<[u8]>, C: AsRef<[A]>>(
        &mut self,
        commands: &[C],
        replies: &mut Vec<Reply>,
    ) -> Result<()> {
        if !self.is_usable() {
            return Err(Error::Protocol("connection is broken".into()));
        }
        self.write_buf.clear();
        for command in commands {
            let args = command.as_ref();
            let frame = Frame::Array(args.iter().map(|a| Frame::bulk(a.as_ref())).collect());
            encode(&frame, Proto::Resp3, &mut self.write_buf);
        }
        self.owed = commands.len();
        let result = self.exchange(replies).await;
        if result.is_err() {
            self.broken = true;
        }
        result
    }

    async fn exchange(&mut self, replies: &mut Vec<Reply>) -> Result<()> {
        self.transport
            .write_all(&self.write_buf)
            .await
            .map_err(Error::io)?;
        self.transport.flush().await.map_err(Error::io)?;
        while self.owed > 0 {
            let frame = self.read_frame().await?;
            // Out-of-band pushes (RESP3 `>`) are not replies to us.
            if matches!(frame, Frame::Push(_)) {
                continue;
            }
            replies.push(Reply(frame));
            self.owed -= 1;
        }
        Ok(())
    }

    async fn read_frame(&mut self) -> Result<Frame> {
        loop {
            let unread = self.read_buf.get(self.read_pos..).unwrap_or_default();
            // The decoder starts over on every call; the scan only walks element headers
            // (bulk payloads are jumped over), so a large reply is decoded once, when whole.
            if let Some(end) = frame_end(unread, 0, 0)? {
                let frame = match decode_frame(&unread[..end]) {
                    Ok(Some((frame, used))) if used == end => frame,
                    Ok(_) => return Err(Error::Protocol("frame length disagrees".into())),
                    Err(e) => return Err(Error::Protocol(e.to_string())),
                };
                self.read_pos += end;
                if self.read_pos == self.read_buf.len() {
                    self.read_buf.clear();
                    self.read_pos = 0;
                    // A large reply's buffer is not kept by an idle pooled connection.
                    if self.read_buf.capacity() > READ_BUF_KEEP_BYTES {
                        self.read_buf.shrink_to(READ_CHUNK_BYTES);
                    }
                }
                return Ok(frame);
            }
            if unread.len() >= REPLY_BYTES_MAX {
                return Err(Error::Protocol(format!(
                    "reply is over {} bytes, limit is {REPLY_BYTES_MAX}",
                    unread.len()
                )));
            }
            if self.read_pos > 0 {
                self.read_buf.drain(..self.read_pos);
                self.read_pos = 0;
            }
            self.read_buf.reserve(READ_CHUNK_BYTES);
            let n = self
                .transport
                .read_buf(&mut self.read_buf)
                .await
                .map_err(Error::io)?;
            if n == 0 {
                return Err(Error::io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "server closed the connection",
                )));
            }
        }
    }
}

/// Capacity an emptied read buffer may keep; above it the buffer shrinks back to one chunk.
const READ_BUF_KEEP_BYTES: usize = 4 * READ_CHUNK_BYTES;

/// Deepest nesting the scan follows (the decoder's own limit is lower).
const SCAN_DEPTH_MAX: usize = 64;

/// Where the frame starting at `pos` ends, if `buf` holds all of it. Bulk payloads are
/// skipped by their announced length, so a scan costs a step per element, not per byte.
/// Paired with `decode_frame`, which reads the same framing.
fn frame_end(buf: &[u8], pos: usize, depth: usize) -> Result<Option<usize>> {
    if depth > SCAN_DEPTH_MAX {
        return Err(Error::Protocol("reply nested too deep".into()));
    }
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let rest = buf.get(pos + 1..).unwrap_or_default();
    let Some(cr) = rest.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let next = pos + 1 + cr + 2;
    let count = || -> Result<i64> {
        std::str::from_utf8(&rest[..cr])
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| Error::Protocol("bad length in a reply".into()))
    };
    let elements = match kind {
        b'$' | b'=' | b'!' => {
            let Ok(len) = usize::try_from(count()?) else {
                return Ok(Some(next)); // `$-1`: nil
            };
            let end = next.saturating_add(len).saturating_add(2);
            return Ok((buf.len() >= end).then_some(end));
        }
        b'*' | b'~' | b'>' => count()?,
        b'%' | b'|' => count()?.saturating_mul(2),
        _ => return Ok(Some(next)),
    };
    let mut at = next;
    for _ in 0..elements.max(0) {
        match frame_end(buf, at, depth + 1)? {
            Some(end) => at = end,
            None => return Ok(None),
        }
    }
    Ok(Some(at))
}

/// Runs `future` within `limit`, else [`Error::Timeout`].
pub(crate) async fn within<T>(
    limit: Duration,
    future: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or(Err(Error::Timeout(limit)))
}

/// One reply frame. Error replies are values here; [`Reply::into_result`] turns them into
/// [`Error`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply(pub Frame);

impl Reply {
    /// The frame, or the typed error when the server answered an error.
    pub fn into_result(self) -> Result<Frame> {
        match self.0 {
            Frame::Error(text) => Err(Error::from_reply(&String::from_utf8_lossy(&text))),
            frame => Ok(frame),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server played by the test over an in-memory pipe.
    async fn pair() -> (Connection, tokio::io::DuplexStream) {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let open =
            tokio::spawn(
                async move { Connection::open(Box::new(client), &Handshake::default()).await },
            );
        let mut buf = vec![0; 64];
        let n = server.read(&mut buf).await.expect("hello");
        assert!(buf[..n].starts_with(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"));
        server
            .write_all(b"%1\r\n+server\r\n+conquiet\r\n")
            .await
            .expect("w");
        (open.await.expect("join").expect("open"), server)
    }

    #[tokio::test]
    async fn replies_split_across_reads_are_joined() {
        let (mut conn, mut server) = pair().await;
        let call = tokio::spawn(async move {
            let r = conn.call(&["PING"]).await;
            (conn, r)
        });
        let mut buf = vec![0; 64];
        let _ = server.read(&mut buf).await.expect("read");
        server.write_all(b"$5\r\nhel").await.expect("w");
        tokio::task::yield_now().await;
        server.write_all(b"lo\r\n").await.expect("w");
        let (conn, reply) = call.await.expect("join");
        assert_eq!(reply.expect("reply").0, Frame::bulk("hello"));
        assert!(conn.is_usable());
    }

    #[test]
    fn the_scan_finds_the_end_of_whole_frames_only() {
        let whole = b"*2\r\n$3\r\nabc\r\n%1\r\n+k\r\n:5\r\n";
        assert_eq!(frame_end(whole, 0, 0).expect("scan"), Some(whole.len()));
        for cut in 0..whole.len() {
            assert_eq!(
                frame_end(&whole[..cut], 0, 0).expect("scan"),
                None,
                "cut at {cut}"
            );
        }
        assert_eq!(frame_end(b"$-1\r\n", 0, 0).expect("nil"), Some(5));
        assert_eq!(frame_end(b"*-1\r\n", 0, 0).expect("nil"), Some(5));
        assert!(frame_end(b"$x\r\n", 0, 0).is_err());
    }

    #[tokio::test]
    async fn a_cancelled_call_leaves_the_connection_unusable() {
        let (mut conn, _server) = pair().await;
        let call = conn.call(&["PING"]);
        let timed_out = tokio::time::timeout(Duration::from_millis(20), call).await;
        assert!(timed_out.is_err());
        assert!(!conn.is_usable(), "a reply is still owed");
    }

    #[tokio::test]
    async fn error_replies_are_values_until_asked() {
        let (mut conn, mut server) = pair().await;
        server
            .write_all(b"-FULL stream 'q' is full\r\n")
            .await
            .expect("w");
        let reply = conn
            .call(&["CQ.PUBLISH", "q", "f", "v"])
            .await
            .expect("reply");
        assert!(
            conn.is_usable(),
            "an error reply does not break the connection"
        );
        let error = reply.into_result().expect_err("error reply");
        assert_eq!(error.kind(), crate::ErrorKind::Full);
    }

    #[tokio::test]
    async fn a_closed_server_is_unavailable_and_breaks_the_connection() {
        let (mut conn, server) = pair().await;
        drop(server);
        let error = conn.call(&["PING"]).await.expect_err("closed");
        assert_eq!(error.kind(), crate::ErrorKind::Unavailable);
        assert!(!conn.is_usable());
    }
}
