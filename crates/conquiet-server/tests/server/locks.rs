//! Locks over RESP against a running server: a lock bound to a connection is released when
//! the client's socket goes away; a WAIT-er is granted when the holder releases and when the
//! holder's TTL ends; a late release with an old token is refused; tokens grow; and locks,
//! tokens and the counter come back after a stop and a restart on the same data directory.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use conquiet_resp::{Frame, decode_frame};

use crate::support::{Peer, TestServer, show};

/// A RESP2 map reply (a flat array) as `key -> value text` (`nil` for a null); an error
/// reply as `{"error": text}`.
fn map(reply: &[u8]) -> BTreeMap<String, String> {
    let (frame, _) = decode_frame(reply)
        .expect("a frame")
        .unwrap_or_else(|| panic!("a whole frame: {}", show(reply)));
    let text = |f: &Frame| match f {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Error(b) => {
            String::from_utf8_lossy(b).into_owned()
        }
        Frame::Integer(n) => n.to_string(),
        Frame::Null => "nil".to_string(),
        other => panic!("unexpected value {other:?}"),
    };
    match &frame {
        Frame::Array(items) => items
            .chunks_exact(2)
            .map(|pair| (text(&pair[0]), text(&pair[1])))
            .collect(),
        Frame::Error(_) => BTreeMap::from([("error".to_string(), text(&frame))]),
        other => panic!("not a map: {other:?}"),
    }
}

fn lock(peer: &mut Peer, name: &str, owner: &str, extra: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["CQ.LOCK", name, owner];
    args.extend_from_slice(extra);
    map(&peer.call(&args))
}

fn token(reply: &BTreeMap<String, String>) -> u64 {
    reply["token"].parse().expect("a token")
}

fn info(peer: &mut Peer, name: &str) -> BTreeMap<String, String> {
    map(&peer.call(&["CQ.LOCKINFO", name]))
}

/// Polls LOCKINFO until `holder` is what it says, or fails after a few seconds.
fn wait_for_holder(peer: &mut Peer, name: &str, holder: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while info(peer, name)["holder"] != holder {
        assert!(Instant::now() < deadline, "{name} never went to {holder}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_bound_lock_is_released_when_its_connection_is_dropped() {
    let server = TestServer::start(|_| {});
    let mut holder = server.peer();
    let mut other = server.peer();
    let granted = lock(&mut holder, "job", "a", &["TTL", "60000", "BIND"]);
    assert_eq!(granted["granted"], "1", "{granted:?}");
    assert_eq!(info(&mut other, "job")["bound"], "1");
    let refused = lock(&mut other, "job", "b", &["TTL", "60000"]);
    assert_eq!(refused["granted"], "0");
    assert_eq!(refused["holder"], "a");
    drop(holder); // the client dies: its socket closes
    wait_for_holder(&mut other, "job", "nil");
    let next = lock(&mut other, "job", "b", &["TTL", "60000"]);
    assert_eq!(next["granted"], "1");
    assert!(token(&next) > token(&granted), "{next:?} after {granted:?}");
}

#[test]
fn an_unbound_lock_outlives_its_connection_until_its_ttl() {
    let server = TestServer::start(|_| {});
    let mut holder = server.peer();
    lock(&mut holder, "job", "a", &["TTL", "60000"]);
    drop(holder);
    std::thread::sleep(Duration::from_millis(100));
    let mut other = server.peer();
    assert_eq!(info(&mut other, "job")["holder"], "a");
}

#[test]
fn a_waiter_is_granted_when_the_holder_releases() {
    let server = TestServer::start(|_| {});
    let mut holder = server.peer();
    let first = lock(&mut holder, "l", "a", &["TTL", "60000"]);
    let addr = server.addr;
    let waiter = std::thread::spawn(move || {
        let mut peer = Peer::connect(addr);
        let started = Instant::now();
        let reply = lock(&mut peer, "l", "b", &["TTL", "60000", "WAIT", "8000"]);
        (reply, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let released = map(&holder.call(&["CQ.UNLOCK", "l", "a", &token(&first).to_string()]));
    assert_eq!(released["released"], "1");
    let (reply, waited) = waiter.join().expect("waiter");
    assert_eq!(reply["granted"], "1", "{reply:?}");
    assert!(token(&reply) > token(&first));
    assert!(
        waited < Duration::from_secs(5),
        "granted at the release, after {waited:?}"
    );
}

#[test]
fn a_waiter_is_granted_when_the_holders_ttl_ends_without_another_event() {
    let server = TestServer::start(|_| {});
    let mut holder = server.peer();
    let first = lock(&mut holder, "l", "a", &["TTL", "400"]);
    let started = Instant::now();
    let mut waiter = server.peer();
    let reply = lock(&mut waiter, "l", "b", &["WAIT", "8000", "TTL", "60000"]);
    let waited = started.elapsed();
    assert_eq!(reply["granted"], "1", "{reply:?}");
    assert!(token(&reply) > token(&first));
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "granted at the end of the TTL, after {waited:?}"
    );
}

#[test]
fn a_wait_that_ends_answers_the_holder() {
    let server = TestServer::start(|_| {});
    let mut holder = server.peer();
    let first = lock(&mut holder, "l", "a", &["TTL", "60000"]);
    let mut waiter = server.peer();
    let reply = lock(&mut waiter, "l", "b", &["TTL", "1000", "WAIT", "200"]);
    assert_eq!(reply["granted"], "0");
    assert_eq!(reply["holder"], "a");
    assert_eq!(reply["token"], first["token"]);
    assert_eq!(reply["until-ms"], first["until-ms"]);
}

#[test]
fn a_late_release_with_an_old_token_is_refused_and_the_new_holder_keeps_the_lock() {
    let server = TestServer::start(|_| {});
    let mut a = server.peer();
    let mut b = server.peer();
    let old = lock(&mut a, "l", "a", &["TTL", "100"]);
    std::thread::sleep(Duration::from_millis(200)); // a pauses; its grant ends
    let new = lock(&mut b, "l", "b", &["TTL", "60000"]);
    assert_eq!(new["granted"], "1");
    assert!(token(&new) > token(&old));
    let late = map(&a.call(&["CQ.UNLOCK", "l", "a", &old["token"]]));
    assert_eq!(
        late["error"],
        format!(
            "STALE lock 'l' token {} is not current, current is {}",
            old["token"], new["token"]
        )
    );
    let renew = map(&a.call(&["CQ.RENEW", "l", "a", &old["token"], "TTL", "1000"]));
    assert!(renew["error"].starts_with("STALE "), "{renew:?}");
    assert_eq!(info(&mut a, "l")["holder"], "b");
    let renewed = map(&b.call(&["CQ.RENEW", "l", "b", &new["token"], "TTL", "90000"]));
    assert_eq!(renewed["renewed"], "1");
}

#[test]
fn locks_and_their_tokens_survive_a_restart_on_the_same_directory() {
    let mut first = TestServer::start(|_| {});
    let mut peer = first.peer();
    let held = lock(&mut peer, "kept", "a", &["TTL", "600000"]);
    let bound = lock(&mut peer, "bound", "a", &["TTL", "600000", "BIND"]);
    for _ in 0..3 {
        let r = lock(&mut peer, "churn", "c", &["TTL", "600000"]);
        map(&peer.call(&["CQ.UNLOCK", "churn", "c", &r["token"]]));
    }
    let before = info(&mut peer, "kept");
    let last_token: u64 = info(&mut peer, "kept")["last-token"]
        .parse()
        .expect("a number");
    assert!(token(&bound) > token(&held));
    drop(peer);
    first.stop().expect("stops");
    let dir = first.dir.path().to_path_buf();
    let second = TestServer::start(move |config| config.data_dir = dir);
    let mut peer = second.peer();
    let after = info(&mut peer, "kept");
    assert_eq!(after, before, "holder, token and until come back");
    assert_eq!(
        info(&mut peer, "bound")["holder"],
        "nil",
        "a bound lock's connection did not survive the restart"
    );
    let next = lock(&mut peer, "churn", "d", &["TTL", "1000"]);
    assert!(
        token(&next) > last_token,
        "the counter keeps growing: {next:?}"
    );
    let refused = lock(&mut peer, "kept", "b", &["TTL", "1000"]);
    assert_eq!(refused["holder"], "a");
}

#[test]
fn http_locks_acquire_refuse_wait_release_renew_and_show() {
    use serde_json::json;

    use crate::http_client::start;

    let (mut server, api) = start();
    let free = api.get("/v1/locks/report").ok(200);
    assert_eq!(
        free,
        json!({ "name": "report", "holder": null, "token": null, "until_ms": null,
                "bound": false, "last_token": 0 })
    );
    let a = api
        .post(
            "/v1/locks/report/acquire",
            &json!({ "owner": "a", "ttl_ms": 60_000 }),
        )
        .ok(200);
    assert_eq!(a["granted"], true);
    assert_eq!(a["token"], 1);
    let refused = api
        .post(
            "/v1/locks/report/acquire",
            &json!({ "owner": "b", "ttl_ms": 1000, "wait_ms": 100 }),
        )
        .ok(200);
    assert_eq!(
        refused,
        json!({ "granted": false, "holder": "a", "token": 1, "until_ms": a["until_ms"] })
    );
    api.post(
        "/v1/locks/report/acquire",
        &json!({ "owner": "a", "ttl_ms": 10 }),
    )
    .assert_error(409, "held");
    api.post(
        "/v1/locks/report/release",
        &json!({ "owner": "a", "token": 0 }),
    )
    .assert_error(409, "stale");
    api.post(
        "/v1/locks/report/renew",
        &json!({ "owner": "b", "token": 1, "ttl_ms": 10 }),
    )
    .assert_error(409, "stale");
    api.post(
        "/v1/locks/report/acquire",
        &json!({ "owner": "a", "ttl_ms": 0 }),
    )
    .assert_error(400, "bad_request");
    api.post(
        "/v1/locks/report/acquire",
        &json!({ "owner": "b", "ttl_ms": 10, "wait_ms": 20_001 }),
    )
    .assert_error(400, "limit");
    let renewed = api
        .post(
            "/v1/locks/report/renew",
            &json!({ "owner": "a", "token": 1, "ttl_ms": 90_000 }),
        )
        .ok(200);
    assert_eq!(renewed["renewed"], true);
    let shown = api.get("/v1/locks/report").ok(200);
    assert_eq!(shown["holder"], "a");
    assert_eq!(shown["until_ms"], renewed["until_ms"]);
    let released = api
        .post(
            "/v1/locks/report/release",
            &json!({ "owner": "a", "token": 1 }),
        )
        .ok(200);
    assert_eq!(released, json!({ "released": true }));
    let b = api
        .post(
            "/v1/locks/report/acquire",
            &json!({ "owner": "b", "ttl_ms": 1000 }),
        )
        .ok(200);
    assert_eq!(b["token"], 2, "{b}");
    server.stop().expect("clean shutdown");
}
