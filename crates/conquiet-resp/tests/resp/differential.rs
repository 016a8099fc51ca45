//! Differential tests against a live Redis 7.0 on 127.0.0.1:6379: the captured golden bytes
//! must still be what Redis answers, so golden tests (conquiet == captured) imply
//! conquiet == Redis. Run with `cargo test -p conquiet-resp -- --ignored`.
//!
//! Uses database 9 and empties it (FLUSHDB) before each script and protocol.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use conquiet_resp::{Proto, decode_frame};

use crate::golden::all_scripts;
use crate::support::{multibulk, show};

const REDIS: &str = "127.0.0.1:6379";

/// How long a raw step waits for Redis to finish answering (or close).
const QUIET_MS: u64 = 300;

struct Redis {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Redis {
    fn connect(proto: Proto) -> Redis {
        let stream = TcpStream::connect(REDIS).expect("redis on 6379");
        let mut redis = Redis {
            stream,
            buf: Vec::new(),
        };
        if proto == Proto::Resp3 {
            redis.call(&multibulk(&["HELLO", "3"]));
        }
        redis.call(&multibulk(&["SELECT", "9"]));
        redis.call(&multibulk(&["FLUSHDB"]));
        redis
    }

    /// Sends a request and reads exactly one reply frame.
    fn call(&mut self, request: &[u8]) -> Vec<u8> {
        self.stream.set_read_timeout(None).expect("timeout");
        self.stream.write_all(request).expect("write");
        loop {
            if let Some((_, used)) = decode_frame(&self.buf).expect("redis frames") {
                return self.buf.drain(..used).collect();
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "redis closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends raw bytes and collects everything until Redis goes quiet or closes.
    fn raw(&mut self, request: &[u8]) -> Vec<u8> {
        self.stream.write_all(request).expect("write");
        let timeout = Duration::from_millis(QUIET_MS);
        self.stream
            .set_read_timeout(Some(timeout))
            .expect("timeout");
        loop {
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        std::mem::take(&mut self.buf)
    }
}

#[test]
#[ignore = "needs redis on 6379"]
fn captured_scripts_still_match_redis() {
    for script in all_scripts() {
        for proto in [Proto::Resp2, Proto::Resp3] {
            let mut redis = Redis::connect(proto);
            for (i, step) in script.steps.iter().enumerate() {
                let request = step.request();
                let got = if step.is_raw() {
                    redis.raw(&request)
                } else {
                    redis.call(&request)
                };
                assert_eq!(
                    show(&got),
                    show(step.expected(proto)),
                    "{} step {i} ({proto:?}): {}",
                    script.name,
                    show(&request)
                );
            }
        }
    }
}
