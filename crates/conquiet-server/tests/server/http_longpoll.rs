//! Long-polls and the HTTP side of shutdown: a waiting receive is woken by a publish, ends
//! empty at its deadline or at shutdown, and shutdown leaves no task behind.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::http_client::{Api, create_queue, publish, receive, start};

#[test]
fn a_long_poll_returns_as_soon_as_a_message_is_published() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let waiter = {
        let api = api.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let messages = receive(&api, "q", json!({ "wait_ms": 15_000 }));
            (messages, started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let id = publish(&api, "q", json!({ "a": "1" }));
    let (messages, waited) = waiter.join().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["id"], id.as_str());
    assert!(waited < Duration::from_secs(10), "woken late: {waited:?}");
    server.stop().expect("clean shutdown");
}

#[test]
fn a_long_poll_with_nothing_to_deliver_ends_empty_at_its_wait() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let started = Instant::now();
    let messages = receive(&api, "q", json!({ "wait_ms": 400 }));
    let waited = started.elapsed();
    assert!(messages.is_empty());
    assert!(waited >= Duration::from_millis(350), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    server.stop().expect("clean shutdown");
}

#[test]
fn shutdown_answers_long_polls_closes_idle_connections_and_leaves_no_task() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let api = api.clone();
            std::thread::spawn(move || {
                let body = json!({ "consumer": format!("c{i}"), "wait_ms": 20_000 });
                api.post("/v1/queues/q/receive", &body)
            })
        })
        .collect();
    // An idle keep-alive connection, after one request, must not hold shutdown up.
    let mut idle = keep_alive_connection(&api);
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    server.stop().expect("clean shutdown");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown waited on long-polls: {:?}",
        started.elapsed()
    );
    for waiter in waiters {
        let reply = waiter.join().unwrap();
        assert_eq!(reply.ok(200), json!({ "messages": [] }));
    }
    let mut rest = Vec::new();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Closed by the server: the end of the stream (or a reset), not the read timeout.
    let read = idle.read_to_end(&mut rest);
    let closed = match &read {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(closed, "the idle connection was not closed: {read:?}");
    assert_eq!(
        server.alive_tasks_after(Duration::from_secs(1)),
        0,
        "tasks left on the runtime after stop()"
    );
}

/// A connection that has had one request answered and stays open.
fn keep_alive_connection(api: &Api) -> TcpStream {
    let mut stream = TcpStream::connect(api.addr).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("{\"status\":\"ok\"}") {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early");
        seen.extend_from_slice(&chunk[..n]);
    }
    stream
}

#[test]
fn the_http_api_can_be_turned_off() {
    let mut server = crate::support::TestServer::start(|config| config.http_addr = None);
    assert_eq!(server.running.as_ref().unwrap().http_addr, None);
    server.stop().expect("clean shutdown");
}
