//! A write or fsync that fails is reported as a failure everywhere: the client gets an error
//! (RESP and HTTP), and the metrics count the command as an error, never as a success.

use conquiet_wal::SimStorage;
use serde_json::json;

use crate::http_client::Api;
use crate::support::{TestServer, show};

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().expect("a number"))
}

const PUBLISH_OK: &str = "conquiet_commands_total{command=\"cq.publish\",outcome=\"ok\"}";
const PUBLISH_ERROR: &str = "conquiet_commands_total{command=\"cq.publish\",outcome=\"error\"}";

#[test]
fn a_failed_write_is_an_error_reply_and_an_error_in_the_metrics() {
    let storage = SimStorage::new();
    let server = TestServer::start_with_storage(storage.clone());
    let api = Api::of(&server);
    api.post("/v1/queues", &json!({ "name": "q" })).ok(201);
    let publish = json!({ "fields": { "n": "1" } });
    api.post("/v1/queues/q/messages", &publish).ok(201);
    storage.fail_writes_after_bytes(0);
    let refused = api.post("/v1/queues/q/messages", &publish);
    assert!(refused.status >= 500, "{}", refused.text());
    let mut peer = server.peer();
    let resp = peer.call(&["CQ.PUBLISH", "q", "n", "2"]);
    assert!(
        resp.starts_with(b"-ERR write to the log failed"),
        "{}",
        show(&resp)
    );
    storage.clear_faults();
    let text = api.get("/metrics").text();
    assert_eq!(sample(&text, PUBLISH_OK), 1.0, "{text}");
    assert_eq!(sample(&text, PUBLISH_ERROR), 2.0, "{text}");
    let queue = api.get("/v1/queues/q").ok(200);
    assert_eq!(queue["length"], json!(1), "nothing refused was added");
}

#[test]
fn a_failed_fsync_is_never_reported_as_success() {
    let storage = SimStorage::new();
    let server = TestServer::start_with_storage(storage.clone());
    let api = Api::of(&server);
    api.post("/v1/queues", &json!({ "name": "q" })).ok(201);
    storage.fail_sync_once_at(1);
    let refused = api.post("/v1/queues/q/messages", &json!({ "fields": { "n": "1" } }));
    refused.assert_error(503, "unavailable");
    let mut peer = server.peer();
    let resp = peer.call(&["CQ.PUBLISH", "q", "n", "2"]);
    assert!(
        resp.starts_with(b"-ERR the log could not be synced"),
        "{}",
        show(&resp)
    );
    let text = api.get("/metrics").text();
    assert_eq!(sample(&text, PUBLISH_OK), 0.0, "{text}");
    assert_eq!(sample(&text, PUBLISH_ERROR), 2.0, "{text}");
    assert_eq!(
        sample(&text, "conquiet_fsync_failures_total"),
        1.0,
        "{text}"
    );
    assert_eq!(sample(&text, "conquiet_store_poisoned"), 1.0, "{text}");
}
