//! Shared test harness: an in-process server on its own runtime, and a raw RESP peer that
//! writes request bytes itself and reads replies with `conquiet_resp::decode_frame`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use conquiet_server::{Config, Running};

/// How long a raw peer waits for one reply before the test fails instead of hanging.
pub const REPLY_WAIT: Duration = Duration::from_secs(10);

/// A server on a free port with its own data directory, run on its own runtime.
pub struct TestServer {
    pub runtime: tokio::runtime::Runtime,
    pub running: Option<Running>,
    pub addr: SocketAddr,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start(configure: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_named("conquiet-test", configure)
    }

    /// As `start`, with the runtime's threads named `thread_name` (a panic hook can then tell
    /// the server's panics from the test's own).
    pub fn start_named(thread_name: &str, configure: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_on(thread_name, configure, None)
    }

    /// A server whose store lives on `storage` (to inject write and fsync failures).
    pub fn start_with_storage(storage: conquiet_wal::SimStorage) -> TestServer {
        TestServer::start_on("conquiet-test", |_| {}, Some(storage))
    }

    fn start_on(
        thread_name: &str,
        configure: impl FnOnce(&mut Config),
        storage: Option<conquiet_wal::SimStorage>,
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            resp_addr: "127.0.0.1:0".parse().expect("addr"),
            http_addr: Some("127.0.0.1:0".parse().expect("addr")),
            ..Config::default()
        };
        configure(&mut config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(thread_name)
            .enable_all()
            .build()
            .expect("runtime");
        let running = match storage {
            None => runtime.block_on(conquiet_server::start(config)),
            Some(storage) => runtime.block_on(conquiet_server::start_with_storage(
                config,
                std::sync::Arc::new(storage),
            )),
        }
        .expect("server starts");
        let addr = running.resp_addr;
        TestServer {
            runtime,
            running: Some(running),
            addr,
            url: format!("redis://{addr}/"),
            dir,
        }
    }

    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url.as_str())
            .expect("client")
            .get_connection()
            .expect("connect")
    }

    pub fn peer(&self) -> Peer {
        Peer::connect(self.addr)
    }

    pub fn stop(&mut self) -> Result<(), conquiet_server::ServerError> {
        let running = self.running.take().expect("running");
        running.shutdown();
        self.runtime.block_on(running.wait())
    }

    /// Tasks still alive on the server's runtime, after giving finished tasks `wait` to be
    /// released (a task's JoinHandle can resolve a moment before the runtime drops the task).
    pub fn alive_tasks_after(&self, wait: Duration) -> usize {
        let metrics = self.runtime.handle().metrics();
        let deadline = Instant::now() + wait;
        loop {
            let alive = metrics.num_alive_tasks();
            if alive == 0 || Instant::now() >= deadline {
                return alive;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A multibulk request for `args`.
pub fn multibulk<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A RESP client over a plain socket: exact request bytes out, whole reply frames in.
pub struct Peer {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Peer {
    /// A peer over a connection the test opened itself.
    pub fn from_stream(stream: TcpStream) -> Peer {
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn connect(addr: impl std::net::ToSocketAddrs) -> Peer {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(REPLY_WAIT)).expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends `args` as one multibulk request and returns the exact bytes of one reply.
    pub fn call<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(&multibulk(args))
    }

    /// Sends `request` exactly as given and returns the exact bytes of one reply.
    pub fn send(&mut self, request: &[u8]) -> Vec<u8> {
        self.stream.write_all(request).expect("write");
        self.reply()
    }

    /// The bytes of the next whole reply frame.
    pub fn reply(&mut self) -> Vec<u8> {
        loop {
            match conquiet_resp::decode_frame(&self.buf) {
                Ok(Some((_, used))) => return self.buf.drain(..used).collect(),
                Ok(None) => {}
                Err(e) => panic!("bad reply frame ({e}): {}", show(&self.buf)),
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).expect("read a reply");
            assert!(
                n > 0,
                "peer closed the connection; buffered: {}",
                show(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Everything the server sends until it closes the connection (or `wait` passes: then
    /// `None`). A reset after the last bytes counts as closed.
    pub fn until_closed(&mut self, wait: Duration) -> Option<Vec<u8>> {
        self.stream.set_read_timeout(Some(wait)).expect("timeout");
        let deadline = Instant::now() + wait;
        let mut all = std::mem::take(&mut self.buf);
        loop {
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Some(all),
                Ok(n) => all.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(all),
                Err(_) if Instant::now() >= deadline => return None,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return None,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return None,
                Err(e) => panic!("read: {e}"),
            }
        }
    }
}

/// Bytes as an escaped string, cut to a readable length.
pub fn show(bytes: &[u8]) -> String {
    let text: String = bytes.escape_ascii().to_string();
    if text.len() > 600 {
        format!("{}... ({} bytes)", &text[..600], bytes.len())
    } else {
        text
    }
}
