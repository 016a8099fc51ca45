//! Request/reply against a running server: 100 callers at once against 4 handler connections
//! each get their own reply; a request nobody answers ends with the TIMEOUT error at its
//! timeout, not a hang; a reply after that is dropped and counted; and the HTTP routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::Value;
use serde_json::json;

use crate::http_client::Api;
use crate::support::TestServer;

/// A reply as flat text: bulk and simple strings, integers, arrays flattened in order.
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::BulkString(b) => vec![String::from_utf8_lossy(b).into_owned()],
        Value::SimpleString(s) => vec![s.clone()],
        Value::Int(n) => vec![n.to_string()],
        Value::Nil => vec!["nil".to_string()],
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        other => panic!("unexpected value {other:?}"),
    }
}

/// One handler: receives a request, replies with `len:<value of n>` doubled, acks; until
/// `stop`.
fn handler(server_con: &mut redis::Connection, name: &str, stop: &AtomicBool) -> u64 {
    let mut handled = 0;
    while !stop.load(Ordering::Relaxed) {
        let received: Value = redis::cmd("CQ.RECEIVE")
            .arg(&["svc", "default", name, "COUNT", "1", "BLOCK", "100"])
            .query(server_con)
            .expect("receive");
        let Value::Array(messages) = received else {
            panic!("not an array: {received:?}");
        };
        for message in messages {
            let Value::Array(pairs) = message else {
                panic!("not a message: {message:?}");
            };
            let id = texts(&pairs[1])[0].clone();
            let fields = texts(&pairs[3]);
            let token = texts(&pairs[5])[0].clone();
            assert_eq!(fields[0], "cq-correlation");
            assert_eq!(fields[1], id, "the correlation is the entry's id");
            assert_eq!(fields[2], "cq-reply-by-ms");
            assert_eq!(fields[4], "n");
            let n: u64 = fields[5].parse().expect("n");
            let delivered: Value = redis::cmd("CQ.REPLY")
                .arg(&["svc", &id, "double", &(2 * n).to_string(), "by", name])
                .query(server_con)
                .expect("reply");
            assert_eq!(texts(&delivered), ["delivered", "1"]);
            let _: Value = redis::cmd("CQ.ACK")
                .arg(&["svc", "default", &id, &token])
                .query(server_con)
                .expect("ack");
            handled += 1;
        }
    }
    handled
}

fn request(con: &mut redis::Connection, n: u64, timeout_ms: u64) -> redis::RedisResult<Value> {
    redis::cmd("CQ.REQUEST")
        .arg(&[
            "svc",
            "TIMEOUT",
            &timeout_ms.to_string(),
            "n",
            &n.to_string(),
        ])
        .query(con)
}

fn info_requests(con: &mut redis::Connection) -> String {
    redis::cmd("INFO").arg("requests").query(con).expect("info")
}

#[test]
fn a_hundred_concurrent_requests_against_four_handlers_each_get_their_own_reply() {
    let mut server = TestServer::start(|_| {});
    let mut admin = server.client();
    let _: Value = redis::cmd("CQ.CREATE")
        .arg("svc")
        .query(&mut admin)
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let handlers: Vec<_> = (0..4)
        .map(|i| {
            let mut con = server.client();
            let stop = stop.clone();
            std::thread::spawn(move || handler(&mut con, &format!("h{i}"), &stop))
        })
        .collect();
    let callers: Vec<_> = (0..100u64)
        .map(|n| {
            let mut con = server.client();
            std::thread::spawn(move || {
                let reply = request(&mut con, n, 20_000).expect("a reply, not an error");
                (n, texts(&reply))
            })
        })
        .collect();
    let mut correlations = std::collections::BTreeSet::new();
    for caller in callers {
        let (n, reply) = caller.join().unwrap();
        assert_eq!(reply[0], "correlation");
        assert!(correlations.insert(reply[1].clone()), "shared: {reply:?}");
        assert_eq!(reply[2..6], ["status", "ok", "fields", "double"]);
        assert_eq!(reply[6], (2 * n).to_string(), "caller {n} got {reply:?}");
        assert_eq!(reply[7], "by");
    }
    stop.store(true, Ordering::Relaxed);
    let handled: u64 = handlers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(handled, 100);
    let info = info_requests(&mut admin);
    assert!(info.contains("requests_pending:0\r\n"), "{info}");
    assert!(info.contains("replies_delivered:100\r\n"), "{info}");
    assert!(info.contains("replies_dropped:0\r\n"), "{info}");
    server.stop().expect("clean shutdown");
}

#[test]
fn an_unanswered_request_times_out_and_a_late_reply_is_dropped_and_counted() {
    let mut server = TestServer::start(|_| {});
    let mut con = server.client();
    let _: Value = redis::cmd("CQ.CREATE").arg("svc").query(&mut con).unwrap();
    let started = Instant::now();
    let error = request(&mut con, 7, 300).expect_err("no handler replies");
    let waited = started.elapsed();
    let text = error.to_string();
    assert!(text.contains("TIMEOUT"), "{text}");
    assert!(
        text.contains("to 'svc' got no reply within 300 ms"),
        "{text}"
    );
    assert!(waited >= Duration::from_millis(290), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "hung: {waited:?}");

    // The request stays in the queue; its handler's reply comes too late.
    let received: Value = redis::cmd("CQ.RECEIVE")
        .arg(&["svc", "default", "late", "COUNT", "1"])
        .query(&mut con)
        .unwrap();
    let fields = texts(&received);
    let id = fields[1].clone();
    assert_eq!(fields[3..5], ["cq-correlation".to_string(), id.clone()]);
    assert!(text.contains(&format!("request {id} ")), "{text}");
    let late: Value = redis::cmd("CQ.REPLY")
        .arg(&["svc", &id, "double", "14"])
        .query(&mut con)
        .unwrap();
    assert_eq!(texts(&late), ["delivered", "0"]);
    let unknown: Value = redis::cmd("CQ.REPLY")
        .arg(&["svc", "1-1", "ERROR", "why", "nobody asked"])
        .query(&mut con)
        .unwrap();
    assert_eq!(texts(&unknown), ["delivered", "0"]);
    let info = info_requests(&mut con);
    assert!(info.contains("replies_dropped:2\r\n"), "{info}");
    assert!(info.contains("requests_timed_out:1\r\n"), "{info}");
    server.stop().expect("clean shutdown");
}

#[test]
fn http_requests_get_the_reply_or_504_and_replies_say_if_delivered() {
    let mut server = TestServer::start(|_| {});
    let api = Api::of(&server);
    let mut con = server.client();
    let _: Value = redis::cmd("CQ.CREATE").arg("svc").query(&mut con).unwrap();
    let caller = {
        let api = api.clone();
        std::thread::spawn(move || {
            api.post(
                "/v1/services/svc/request",
                &json!({ "fields": { "q": "ping" }, "timeout_ms": 15_000 }),
            )
        })
    };
    let received: Value = redis::cmd("CQ.RECEIVE")
        .arg(&["svc", "default", "h", "COUNT", "1", "BLOCK", "10000"])
        .query(&mut con)
        .unwrap();
    let fields = texts(&received);
    let id = fields[1].clone();
    let delivered = api
        .post(
            "/v1/services/svc/reply",
            &json!({ "correlation": id, "fields": { "a": "pong" }, "error": true }),
        )
        .ok(200);
    assert_eq!(delivered, json!({ "delivered": 1 }));
    let answer = caller.join().unwrap().ok(200);
    assert_eq!(
        answer,
        json!({ "correlation": id, "status": "error", "fields": { "a": "pong" } })
    );
    api.post(
        "/v1/services/svc/request",
        &json!({ "fields": { "q": "again" }, "timeout_ms": 200 }),
    )
    .assert_error(504, "timeout");
    let dropped = api
        .post(
            "/v1/services/svc/reply",
            &json!({ "correlation": id, "fields": { "a": "twice" } }),
        )
        .ok(200);
    assert_eq!(dropped, json!({ "delivered": 0 }));
    api.post(
        "/v1/services/svc/request",
        &json!({ "fields": {}, "timeout_ms": 200 }),
    )
    .assert_error(400, "bad_request");
    api.post(
        "/v1/services/svc/request",
        &json!({ "fields": { "q": "x" }, "timeout_ms": 20_001 }),
    )
    .assert_error(400, "limit");
    api.post(
        "/v1/services/svc/reply",
        &json!({ "correlation": "x", "fields": { "a": "b" } }),
    )
    .assert_error(400, "bad_request");
    server.stop().expect("clean shutdown");
}
