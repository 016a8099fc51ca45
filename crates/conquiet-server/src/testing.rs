//! An in-process server for the tests of crates that talk to conquiet over the wire (the
//! SDK, the SQL module): a real `conquiet serve` on a free loopback port with its own data
//! directory, on a runtime of its own, that a test can stop and start again on the same
//! address and data. Behind the `testing` feature.

use std::net::SocketAddr;

use crate::{Config, Running};

/// A server on its own runtime. Its runtime is driven from a plain thread, since tests call
/// it from inside their own runtime, where blocking on another is refused.
pub struct TestServer {
    runtime: Option<tokio::runtime::Runtime>,
    running: Option<Running>,
    /// The RESP address (fixed across restarts).
    pub addr: SocketAddr,
    /// The data directory, removed when the server is dropped.
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on a free port with an empty data directory.
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the server");
        let mut server = TestServer {
            runtime: Some(runtime),
            running: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
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
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        let running = outside(|| runtime.block_on(crate::start(config))).expect("server starts");
        self.addr = running.resp_addr;
        self.running = Some(running);
    }

    /// A graceful stop: connections close, the store flushes.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown();
            let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
            outside(|| runtime.block_on(running.wait())).expect("a clean stop");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        if let Some(runtime) = self.runtime.take() {
            outside(move || drop(runtime));
        }
    }
}

/// Runs `f` on a thread of its own and waits for it.
fn outside<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("the helper thread finished"))
}
