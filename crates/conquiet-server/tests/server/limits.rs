//! The client limits and robustness of the server, over raw sockets: too many clients, a
//! client that does not read, an idle client, too much input, random bytes, extreme numbers.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Peer, TestServer, multibulk, show};

/// How long a test waits for the server to close a connection it should close.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

fn is_error(reply: &[u8]) -> bool {
    reply.starts_with(b"-")
}

#[test]
fn a_client_beyond_clients_max_is_refused_and_the_others_keep_working() {
    let mut server = TestServer::start(|c| c.limits.clients_max = 2);
    let mut first = server.peer();
    let mut second = server.peer();
    // A reply proves each connection was accepted and counted before the next one arrives.
    assert_eq!(first.call(&["PING"]), b"+PONG\r\n");
    assert_eq!(second.call(&["PING"]), b"+PONG\r\n");
    let mut third = server.peer();
    let refused = third.until_closed(CLOSE_WAIT).expect("refused and closed");
    assert_eq!(refused, b"-ERR max number of clients reached\r\n");
    assert_eq!(first.call(&["ECHO", "still"]), b"$5\r\nstill\r\n");
    // A slot frees when a client leaves.
    drop(second);
    let deadline = Instant::now() + CLOSE_WAIT;
    loop {
        let mut next = server.peer();
        next.stream.write_all(&multibulk(&["PING"])).unwrap();
        let answer = next.until_closed(Duration::from_millis(300));
        match answer {
            None => break, // Still open: it was accepted (and PONG is buffered).
            Some(bytes) if bytes == b"-ERR max number of clients reached\r\n" => {}
            Some(bytes) => panic!("unexpected {}", show(&bytes)),
        }
        assert!(Instant::now() < deadline, "the freed slot was never reused");
    }
    server.stop().expect("clean shutdown");
}

#[test]
fn a_client_that_pipelines_past_output_bytes_max_without_reading_is_disconnected() {
    let mut server = TestServer::start(|c| c.limits.output_bytes_max = 256 * 1024);
    let mut writer = server.peer();
    let value = "x".repeat(1000);
    for i in 1..=100 {
        let id = format!("{i}-0");
        assert!(!is_error(&writer.call(&["XADD", "s", &id, "f", &value])));
    }
    // Each XRANGE answers ~100 KB; 500 of them in one pipeline, never read.
    let mut pipeline = Vec::new();
    for _ in 0..500 {
        pipeline.extend(multibulk(&["XRANGE", "s", "-", "+"]));
    }
    let mut greedy = server.peer();
    let _ = greedy.stream.write_all(&pipeline); // The server may cut us off mid-write.
    let received = greedy.until_closed(CLOSE_WAIT).expect("disconnected");
    assert!(
        received.len() <= 256 * 1024 + 200 * 1024,
        "{} bytes sent to a client over its limit",
        received.len()
    );
    // Others are unaffected.
    assert_eq!(writer.call(&["XLEN", "s"]), b":100\r\n");
    let mut other = server.peer();
    assert_eq!(other.call(&["PING"]), b"+PONG\r\n");
    server.stop().expect("clean shutdown");
}

#[test]
fn an_idle_client_is_closed_after_idle_timeout_and_a_busy_one_is_not() {
    let mut server =
        TestServer::start(|c| c.limits.idle_timeout = Some(Duration::from_millis(300)));
    let mut idle = server.peer();
    let mut busy = server.peer();
    let started = Instant::now();
    for _ in 0..8 {
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(busy.call(&["PING"]), b"+PONG\r\n");
    }
    let closed = idle.until_closed(CLOSE_WAIT).expect("idle client closed");
    assert!(closed.is_empty(), "{}", show(&closed));
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(busy.call(&["PING"]), b"+PONG\r\n");
    server.stop().expect("clean shutdown");
}

#[test]
fn input_beyond_input_bytes_max_is_refused_and_the_connection_closed() {
    let input_bytes_max = 1 << 20;
    let mut server = TestServer::start(|c| c.limits.input_bytes_max = input_bytes_max);
    let mut peer = server.peer();
    // One bulk of 4 MB (below the protocol's own bulk limit) arriving past the client limit.
    let mut request = b"*3\r\n$4\r\nECHO\r\n$7\r\n4000000\r\n$4000000\r\n".to_vec();
    request.resize(request.len() + input_bytes_max + 64 * 1024, b'a');
    let _ = peer.stream.write_all(&request); // The server stops reading once past the limit.
    let answer = peer.until_closed(CLOSE_WAIT).expect("closed");
    assert_eq!(answer, b"-ERR client input buffer limit reached\r\n");
    assert_eq!(server.peer().call(&["PING"]), b"+PONG\r\n");
    server.stop().expect("clean shutdown");
}

/// Words random requests are built from: command names, options, ids, numbers at the edges.
const WORDS: &[&str] = &[
    "XADD",
    "XRANGE",
    "XREVRANGE",
    "XREAD",
    "XREADGROUP",
    "XACK",
    "XPENDING",
    "XCLAIM",
    "XAUTOCLAIM",
    "XGROUP",
    "XINFO",
    "XDEL",
    "XTRIM",
    "XSETID",
    "XLEN",
    "MULTI",
    "EXEC",
    "DISCARD",
    "WATCH",
    "HELLO",
    "PING",
    "DEL",
    "KEYS",
    "SCAN",
    "CLIENT",
    "CONFIG",
    "COMMAND",
    "INFO",
    "STREAMS",
    "GROUP",
    "COUNT",
    "BLOCK",
    "NOACK",
    "MAXLEN",
    "MINID",
    "LIMIT",
    "~",
    "=",
    "CREATE",
    "SETID",
    "DESTROY",
    "CREATECONSUMER",
    "DELCONSUMER",
    "MKSTREAM",
    "ENTRIESREAD",
    "STREAM",
    "FULL",
    "GROUPS",
    "CONSUMERS",
    "HELP",
    "IDLE",
    "TIME",
    "RETRYCOUNT",
    "FORCE",
    "JUSTID",
    "LASTID",
    "ENTRIESADDED",
    "MAXDELETEDID",
    "NOMKSTREAM",
    "s",
    "t",
    "g",
    "c",
    "*",
    "$",
    ">",
    "-",
    "+",
    "(",
    "0",
    "1",
    "1-1",
    "2-*",
    "-1",
    "(1-1",
    "3",
    "2",
    "10",
    "18446744073709551615",
    "18446744073709551615-18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "1048577",
    "",
    "\u{0}",
    "\u{ff}",
];

/// SplitMix64: a small seeded generator, so a failing seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random bytes: raw noise, RESP-shaped noise, or a well-formed request of random words
/// (kept short of BLOCK waits so the run stays quick).
fn random_input(rng: &mut Rng) -> Vec<u8> {
    match rng.below(4) {
        0 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        1 => {
            let pieces: &[&[u8]] = &[
                b"*",
                b"$",
                b"\r\n",
                b"\r",
                b"\n",
                b"-1",
                b"0",
                b"3",
                b"99999999999",
                b"%",
                b"~",
                b"PING",
                b" ",
                b"\"",
                b"'",
                b"\\x",
            ];
            let mut out = Vec::new();
            for _ in 0..rng.below(24) {
                out.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            out
        }
        _ => {
            let mut args: Vec<&str> = (0..1 + rng.below(9))
                .map(|_| WORDS[rng.below(WORDS.len())])
                .collect();
            args.retain(|a| *a != "BLOCK");
            let mut request = multibulk(&args);
            if rng.below(8) == 0 {
                request.truncate(rng.below(request.len() + 1));
            }
            request
        }
    }
}

#[test]
fn thousands_of_random_byte_strings_never_panic_the_server() {
    let seed = std::env::var("CONQUIET_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    println!("seed {seed} (replay with CONQUIET_FUZZ_SEED={seed})");
    // Counts panics on the server's own threads only, not on other tests' threads.
    let panics = Arc::new(AtomicUsize::new(0));
    let counted = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("conquiet-fuzz"))
        {
            counted.fetch_add(1, Ordering::Relaxed);
        }
        previous(info);
    }));
    let mut server = TestServer::start_named("conquiet-fuzz", |_| {});
    let mut rng = Rng(seed);
    let cases = 3000;
    let mut peer = server.peer();
    for case in 0..cases {
        let input = random_input(&mut rng);
        // Several inputs share a connection until one of them closes it.
        let _ = peer.stream.write_all(&input);
        if rng.below(4) == 0 || case == cases - 1 {
            let _ = peer.stream.shutdown(std::net::Shutdown::Write);
            let closed = peer.until_closed(CLOSE_WAIT);
            assert!(
                closed.is_some(),
                "seed {seed} case {case}: no close after EOF"
            );
            peer = server.peer();
        }
        assert_eq!(
            panics.load(Ordering::Relaxed),
            0,
            "seed {seed} case {case}: panic"
        );
    }
    assert_eq!(peer.call(&["PING"]), b"+PONG\r\n", "seed {seed}");
    server.stop().expect("clean shutdown");
    assert_eq!(panics.load(Ordering::Relaxed), 0, "seed {seed}: panic");
}

#[test]
fn huge_counts_and_ids_near_u64_max_get_errors_not_crashes() {
    let mut server = TestServer::start(|_| {});
    let mut peer = server.peer();
    let max = "18446744073709551615";
    let max_id = format!("{max}-{max}");
    assert_eq!(peer.call(&["XADD", "s", "1-1", "f", "v"]), b"$3\r\n1-1\r\n");
    assert_eq!(peer.call(&["XGROUP", "CREATE", "s", "g", "0"]), b"+OK\r\n");
    peer.call(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]);
    let refused: &[&[&str]] = &[
        &["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", max],
        &[
            "XAUTOCLAIM",
            "s",
            "g",
            "c",
            "0",
            "0",
            "COUNT",
            "9223372036854775807",
        ],
        &["XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "1000000000"],
        &["XAUTOCLAIM", "s", "g", "c", "0", "18446744073709551616-0"],
        &["XADD", "s", "18446744073709551616-0", "f", "v"],
        &["XADD", "s", "1-18446744073709551616", "f", "v"],
        &["XRANGE", "s", &format!("({max_id}"), "+"],
        &["XREVRANGE", "s", "(0-0", "-"],
        &["XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", max],
        &["XPENDING", "s", "g", "IDLE", max, "-", "+", "10"],
        &["XTRIM", "s", "MAXLEN", max],
    ];
    for args in refused {
        let reply = peer.call(args);
        assert!(is_error(&reply), "{args:?}: {}", show(&reply));
    }
    // The largest id is valid; after it the stream can take no generated id.
    let max_reply = format!("${}\r\n{max_id}\r\n", max_id.len());
    assert_eq!(
        peer.call(&["XADD", "s", &max_id, "f", "v"]),
        max_reply.as_bytes()
    );
    let exhausted = peer.call(&["XADD", "s", "*", "f", "v"]);
    assert!(is_error(&exhausted), "{}", show(&exhausted));
    let seq_exhausted = peer.call(&["XADD", "s", &format!("{max}-*"), "f", "v"]);
    assert!(is_error(&seq_exhausted), "{}", show(&seq_exhausted));
    // Answered without error, and without crashing on arithmetic at the edge.
    for args in [
        vec!["XAUTOCLAIM", "s", "g", "c", "0", &max_id],
        vec!["XRANGE", "s", &max_id, "+"],
        vec!["XREVRANGE", "s", "+", &max_id, "COUNT", max],
        vec!["XREAD", "COUNT", max, "STREAMS", "s", &max_id],
        vec!["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", &max_id],
        vec!["XCLAIM", "s", "g", "c", max, "1-1"],
        vec!["XPENDING", "s", "g", "-", "+", max],
        vec!["XINFO", "STREAM", "s", "FULL", "COUNT", max],
    ] {
        let reply = peer.call(&args);
        assert!(!reply.is_empty(), "{args:?}");
    }
    assert_eq!(peer.call(&["PING"]), b"+PONG\r\n");
    server.stop().expect("clean shutdown");
}

/// A pipeline of XRANGEs answering ~100 KB each (below `output_bytes_max`'s default), for a
/// client that never reads: the server ends up blocked writing to it. Returns the stalled
/// client and the (still open) client that filled the stream.
fn stall_a_writer(server: &TestServer) -> (std::net::TcpStream, Peer) {
    let mut writer = server.peer();
    let value = "x".repeat(1000);
    for i in 1..=100 {
        let id = format!("{i}-0");
        assert!(!is_error(&writer.call(&["XADD", "s", &id, "f", &value])));
    }
    let mut pipeline = Vec::new();
    for _ in 0..300 {
        pipeline.extend(multibulk(&["XRANGE", "s", "-", "+"]));
    }
    let stalled = server.peer();
    (&stalled.stream).write_all(&pipeline).unwrap();
    (stalled.stream, writer)
}

fn connected_clients(peer: &mut Peer) -> usize {
    let info = String::from_utf8(peer.call(&["INFO", "clients"])).unwrap();
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .expect("connected_clients in INFO");
    line.trim().parse().unwrap()
}

#[test]
fn a_client_that_stops_reading_is_closed_after_idle_timeout_even_while_a_write_is_pending() {
    let mut server =
        TestServer::start(|c| c.limits.idle_timeout = Some(Duration::from_millis(500)));
    let (_stalled, mut observer) = stall_a_writer(&server);
    // The stalled client's connection is registered by the server's accept loop shortly after
    // its TCP connect returns: wait for it rather than race it.
    let deadline = Instant::now() + CLOSE_WAIT;
    while connected_clients(&mut observer) < 2 {
        assert!(
            Instant::now() < deadline,
            "the stalled client never showed up"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let deadline = Instant::now() + CLOSE_WAIT;
    while connected_clients(&mut observer) > 1 {
        assert!(
            Instant::now() < deadline,
            "the stalled client was never closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server.stop().expect("clean shutdown: nothing left to cut");
}

#[test]
fn shutdown_with_a_client_that_never_reads_cuts_it_at_the_deadline_and_leaves_no_task() {
    let mut server = TestServer::start(|c| c.shutdown_timeout = Duration::from_millis(500));
    let (_stalled, _idle) = stall_a_writer(&server);
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let stopped = server.stop();
    assert!(
        matches!(
            stopped,
            Err(conquiet_server::ServerError::ShutdownTimeout(_, 1))
        ),
        "{stopped:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        server.alive_tasks_after(Duration::from_secs(1)),
        0,
        "tasks left after stop()"
    );
}

#[test]
fn clients_together_cannot_buffer_past_the_all_clients_budget() {
    let mut server = TestServer::start(|c| {
        c.limits.input_bytes_max = 1 << 20;
        c.limits.all_clients_bytes_max = 2 << 20;
    });
    let addr = server.addr;
    // Each client sends most of a 1 MB argument and stops: the server must hold it unparsed.
    // A client the server cuts off while it is still sending (a broken pipe) was refused too.
    let mut refused = 0;
    let mut bigs: Vec<std::net::TcpStream> = Vec::new();
    for _ in 0..4 {
        let mut raw = std::net::TcpStream::connect(addr).expect("connect");
        let sent = raw
            .write_all(b"*1\r\n$1000000\r\n")
            .and_then(|()| raw.write_all(&vec![b'x'; 900_000]));
        match sent {
            Ok(()) => bigs.push(raw),
            Err(e) => {
                assert!(
                    matches!(
                        e.kind(),
                        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                    ),
                    "{e}"
                );
                refused += 1;
            }
        }
    }
    for raw in &mut bigs {
        let mut peer = Peer::from_stream(raw.try_clone().expect("clone"));
        if let Some(reply) = peer.until_closed(Duration::from_secs(1)) {
            // A reset can swallow the last reply; when it arrives it must name the budget.
            assert!(
                reply.is_empty() || show(&reply).contains("memory budget"),
                "{}",
                show(&reply)
            );
            refused += 1;
        }
    }
    assert!(
        refused >= 1,
        "four clients holding 900 KB each exceed a 2 MiB budget"
    );
    drop(bigs);
    std::thread::sleep(Duration::from_millis(200));
    let mut fresh = server.peer();
    assert_eq!(
        fresh.call(&["PING"]),
        b"+PONG\r\n",
        "the budget is free again once they left"
    );
    server.stop().expect("clean shutdown");
}
