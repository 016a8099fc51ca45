//! Bad requests to the HTTP API: each gets its 4xx and stable code, and changes nothing
//! (checked by reading the state back afterwards).

use std::io::Write;

use serde_json::{Value, json};

use crate::http_client::{Api, create_queue, group, publish, queue, read_reply, receive, start};
use crate::support::TestServer;

/// Queue names, to check that a refused request created nothing.
fn queue_names(api: &Api) -> Vec<String> {
    let listed = api.get("/v1/queues").ok(200);
    listed["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn malformed_json_is_invalid_json_and_creates_nothing() {
    let (mut server, api) = start();
    for body in [
        &b"{"[..],
        b"",
        b"{\"name\":\"q\"",
        b"name=q",
        b"{\"name\":\"q\"}}",
    ] {
        api.post_raw("/v1/queues", body)
            .assert_error(400, "invalid_json");
    }
    assert!(queue_names(&api).is_empty());
    create_queue(&api, "q", json!({}));
    api.post_raw("/v1/queues/q/messages", b"{\"fields\":")
        .assert_error(400, "invalid_json");
    api.post_raw("/v1/queues/q/receive", b"not json")
        .assert_error(400, "invalid_json");
    api.post_raw("/v1/queues/q/ack", b"[")
        .assert_error(400, "invalid_json");
    assert_eq!(queue(&api, "q")["length"], 0);
    server.stop().expect("clean shutdown");
}

#[test]
fn unknown_fields_and_wrong_types_are_bad_requests_and_change_nothing() {
    let (mut server, api) = start();
    let refused = [
        json!({ "name": "q", "colour": "blue" }),
        json!({ "name": "q", "policy": { "max_entires": 1 } }),
        json!({ "name": "q", "policy": { "overflow": "explode" } }),
        json!({ "name": "q", "group_policy": { "lease": 1 } }),
        json!({ "name": "q", "group_policy": { "backoff": { "kind": "linear" } } }),
        json!({ "name": "q", "group_policy": { "backoff": { "kind": "none", "base_ms": 1 } } }),
        json!({ "name": 5 }),
        json!({ "name": "" }),
        json!({}),
        json!([]),
    ];
    for body in &refused {
        api.post("/v1/queues", body)
            .assert_error(400, "bad_request");
    }
    assert!(queue_names(&api).is_empty());
    create_queue(&api, "q", json!({}));
    let before = queue(&api, "q");
    api.patch("/v1/queues/q", &json!({ "policy": { "max_entries": -1 } }))
        .assert_error(400, "bad_request");
    api.patch("/v1/queues/q", &json!({ "retention": "workqueue" }))
        .assert_error(400, "bad_request");
    let messages = [
        json!({ "fields": { "a": 1 } }),
        json!({ "fields": {} }),
        json!({ "fields": { "a": "1" }, "priority": 1 }),
        json!({ "fields": { "a": "1" }, "delay_ms": 5, "deliver_at_ms": 5 }),
        json!({ "fields": { "a": "1" }, "delay_ms": -5 }),
        json!({ "messages": [{ "fields": { "a": "1" } }, { "fields": { "a": "1" }, "x": 1 }] }),
        json!({ "messages": [{ "fields": { "a": "1" } }, { "fields": { "a": true } }] }),
    ];
    for body in &messages {
        api.post("/v1/queues/q/messages", body)
            .assert_error(400, "bad_request");
    }
    assert_eq!(
        queue(&api, "q"),
        before,
        "a refused request changed the queue"
    );
    server.stop().expect("clean shutdown");
}

#[test]
fn a_body_past_the_limit_is_refused_before_it_is_read() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let limit = conquiet_server::limits::HTTP_BODY_BYTES_MAX;
    // Only the head is sent: the server must answer from Content-Length alone.
    let head = api.head("POST", "/v1/queues/q/messages", &[], Some(limit + 1));
    let mut stream = std::net::TcpStream::connect(api.addr).unwrap();
    stream
        .set_read_timeout(Some(crate::support::REPLY_WAIT))
        .unwrap();
    stream.write_all(&head).unwrap();
    read_reply(&mut stream).assert_error(413, "body_too_large");
    assert_eq!(queue(&api, "q")["length"], 0);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_batch_past_the_limit_is_refused_whole() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let one = json!({ "fields": { "a": "1" } });
    let count = conquiet_server::limits::HTTP_PUBLISH_BATCH_MAX + 1;
    let batch = json!({ "messages": vec![one; count] });
    api.post("/v1/queues/q/messages", &batch)
        .assert_error(400, "limit");
    assert_eq!(queue(&api, "q")["length"], 0);
    server.stop().expect("clean shutdown");
}

#[test]
fn unknown_queues_groups_and_routes_are_not_found() {
    let (mut server, api) = start();
    api.get("/v1/queues/nope").assert_error(404, "not_found");
    api.patch(
        "/v1/queues/nope",
        &json!({ "policy": { "max_entries": 1 } }),
    )
    .assert_error(404, "not_found");
    api.delete("/v1/queues/nope").assert_error(404, "not_found");
    api.post("/v1/queues/nope/receive", &json!({ "consumer": "c" }))
        .assert_error(404, "not_found");
    api.post("/v1/queues/nope/ack", &json!({ "handles": ["1-0:1"] }))
        .assert_error(404, "not_found");
    create_queue(&api, "q", json!({}));
    api.post(
        "/v1/queues/q/receive",
        &json!({ "consumer": "c", "group": "nobody" }),
    )
    .assert_error(404, "not_found");
    api.get("/v1/nothing").assert_error(404, "not_found");
    // `/v1/queues/q/messages/{id}` is a route (a message's status); nothing is below it.
    api.get("/v1/queues/q/messages/1-0/extra")
        .assert_error(404, "not_found");
    api.request("PUT", "/v1/queues", &[], Some(b"{}"))
        .assert_error(405, "method_not_allowed");
    assert_eq!(queue_names(&api), ["q"]);
    server.stop().expect("clean shutdown");
}

#[test]
fn bad_wait_lease_and_count_values_are_refused_and_deliver_nothing() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    publish(&api, "q", json!({ "a": "1" }));
    let bad_request = [
        json!({ "consumer": "c", "wait_ms": -1 }),
        json!({ "consumer": "c", "wait_ms": 1.5 }),
        json!({ "consumer": "c", "wait_ms": "100" }),
        json!({ "consumer": "c", "wait_ms": 1e30 }),
        json!({ "consumer": "c", "lease_ms": -5 }),
        json!({ "consumer": "c", "lease_ms": 0.5 }),
        json!({ "consumer": "c", "max_messages": -1 }),
        json!({ "consumer": "c", "max_messages": 0 }),
        json!({ "consumer": "" }),
        json!({ "wait_ms": 10 }),
        json!({ "consumer": "c", "visibility": 10 }),
    ];
    for body in &bad_request {
        api.post("/v1/queues/q/receive", body)
            .assert_error(400, "bad_request");
    }
    let huge = br#"{"consumer":"c","wait_ms":18446744073709551616}"#;
    api.post_raw("/v1/queues/q/receive", huge)
        .assert_error(400, "bad_request");
    api.post(
        "/v1/queues/q/receive",
        &json!({ "consumer": "c", "wait_ms": 20_001 }),
    )
    .assert_error(400, "limit");
    // Past the engine's limits: refused by the engine, still a 400.
    for body in [
        json!({ "consumer": "c", "lease_ms": u64::MAX }),
        json!({ "consumer": "c", "max_messages": u64::MAX }),
    ] {
        let reply = api.post("/v1/queues/q/receive", &body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        assert!(["bad_request", "limit"].contains(&reply.code().as_str()));
    }
    let group = group(&api, "q");
    assert_eq!(
        (group["pending"].clone(), group["delivered"].clone()),
        (json!(0), json!(0))
    );
    let messages = receive(&api, "q", json!({}));
    assert_eq!(messages[0]["deliveries"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn malformed_handles_refuse_the_whole_request() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    publish(&api, "q", json!({ "a": "1" }));
    let handle = receive(&api, "q", json!({}))[0]["handle"].clone();
    for bad in ["x", "1-0", "1-0:abc", "", "1-0:1:2", "1:1", "-1-0:1"] {
        for action in ["ack", "nack", "touch", "term"] {
            let body = json!({ "handles": [handle, bad] });
            api.post(&format!("/v1/queues/q/{action}"), &body)
                .assert_error(400, "bad_request");
        }
    }
    api.post("/v1/queues/q/ack", &json!({ "handles": [] }))
        .assert_error(400, "bad_request");
    api.post(
        "/v1/queues/q/ack",
        &json!({ "handles": [handle], "reason": "x" }),
    )
    .assert_error(400, "bad_request");
    api.post(
        "/v1/queues/q/touch",
        &json!({ "handles": [handle], "lease_ms": -1 }),
    )
    .assert_error(400, "bad_request");
    let group = group(&api, "q");
    assert_eq!(group["pending"], 1);
    assert_eq!(group["acked"], 0);
    assert_eq!(group["nacked"], 0);
    assert_eq!(group["dead_lettered"], 0);
    server.stop().expect("clean shutdown");
}

#[test]
fn dead_letter_pages_refuse_bad_bounds_and_counts() {
    let (mut server, api) = start();
    for query in ["start=x", "end=(5", "count=-1", "count=abc", "colour=red"] {
        api.get(&format!("/v1/dlq/q:dlq/messages?{query}"))
            .assert_error(400, "bad_request");
    }
    api.get("/v1/dlq/q:dlq/messages?count=1001")
        .assert_error(400, "limit");
    api.post("/v1/dlq/q:dlq/redrive", &json!({ "start": "nope" }))
        .assert_error(400, "bad_request");
    api.post("/v1/dlq/q:dlq/redrive", &json!({ "count": 1, "limit": 2 }))
        .assert_error(400, "bad_request");
    server.stop().expect("clean shutdown");
}

#[test]
fn a_token_guards_every_route_but_health() {
    let mut server = TestServer::start(|config| config.http_token = Some("s3cret".into()));
    let anonymous = Api::of(&server);
    let wrong = anonymous.with_token("guess");
    let right = anonymous.with_token("s3cret");
    assert_eq!(anonymous.get("/health").ok(200), json!({ "status": "ok" }));
    for path in [
        "/v1/queues",
        "/metrics",
        "/openapi.json",
        "/v1/stats",
        "/v1/nothing",
    ] {
        for api in [&anonymous, &wrong] {
            let reply = api.get(path);
            reply.assert_error(401, "unauthorized");
            assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
        }
    }
    let lowercase = anonymous.request(
        "GET",
        "/openapi.json",
        &[("Authorization", "bearer s3cret")],
        None,
    );
    assert_eq!(lowercase.status, 200);
    for api in [&anonymous, &wrong] {
        api.post("/v1/queues", &json!({ "name": "q" }))
            .assert_error(401, "unauthorized");
    }
    assert!(queue_names(&right).is_empty());
    assert_eq!(right.get("/openapi.json").status, 200);
    create_queue(&right, "q", json!({}));
    let metrics = right.get("/metrics");
    assert_eq!(metrics.status, 200);
    server.stop().expect("clean shutdown");
}

#[test]
fn every_error_has_the_same_envelope() {
    let (mut server, api) = start();
    let reply = api.get("/v1/queues/nope");
    let body: Value = reply.json();
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let error = body["error"].as_object().unwrap();
    let keys: Vec<&String> = error.keys().collect();
    assert_eq!(keys, ["code", "message"]);
    server.stop().expect("clean shutdown");
}
