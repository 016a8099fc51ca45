//! The work-queue scenario end to end, over all three interfaces against one server: publish
//! (HTTP), a consumer that crashes holding its lease (the CLI, which exits without settling),
//! the redelivery with a higher delivery count and a new token (RESP), the stale token refused
//! (HTTP), max deliveries exhausted, the entry found in the dead-letter stream (CLI and RESP),
//! redriven (HTTP) and finally acked (CLI).

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use redis::Value;
use serde_json::{Value as Json, json};

use crate::http_client::Api;
use crate::support::TestServer;

/// A RESP map reply (a flat array in RESP2) as field -> value.
fn map(value: &Value) -> HashMap<String, Value> {
    let Value::Array(items) = value else {
        panic!("a map, got {value:?}");
    };
    items
        .chunks(2)
        .map(|pair| (text(&pair[0]), pair[1].clone()))
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        other => panic!("text, got {other:?}"),
    }
}

fn int(value: &Value) -> u64 {
    match value {
        Value::Int(n) => u64::try_from(*n).expect("non-negative"),
        other => panic!("an integer, got {other:?}"),
    }
}

fn messages(value: Value) -> Vec<HashMap<String, Value>> {
    let Value::Array(items) = value else {
        panic!("an array, got {value:?}");
    };
    items.iter().map(map).collect()
}

/// Runs the `conquiet` binary's client against `url`; returns its exit code and stdout.
fn cli(url: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conquiet"))
        .args(args)
        .args(["--url", url, "--json"])
        .output()
        .expect("the conquiet binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

/// The JSON documents the CLI printed, one after another.
fn documents(output: &str) -> Vec<Json> {
    serde_json::Deserializer::from_str(output)
        .into_iter::<Json>()
        .map(|d| d.expect("the CLI prints JSON"))
        .collect()
}

#[test]
fn crash_redeliver_dead_letter_redrive_and_ack_across_resp_http_and_cli() {
    let server = TestServer::start(|_| {});
    let api = Api::of(&server);
    let url = format!("http://{}", api.addr);
    let mut resp = server.client();

    // RESP: the queue, with a short lease and two deliveries at most.
    let created: String = redis::cmd("CQ.CREATE")
        .arg(&[
            "jobs",
            "LEASE",
            "400",
            "MAX-DELIVERIES",
            "2",
            "BACKOFF",
            "NONE",
        ])
        .query(&mut resp)
        .expect("CQ.CREATE");
    assert_eq!(created, "OK");

    // HTTP: publish.
    let published = api
        .post(
            "/v1/queues/jobs/messages",
            &json!({ "fields": { "task": "resize", "image": "42" } }),
        )
        .ok(201);
    let id = published["id"].as_str().expect("id").to_string();

    // CLI: a consumer takes it and exits without settling (it crashed mid-lease).
    let (code, out) = cli(&url, &["consume", "jobs", "--consumer", "crashy"]);
    assert_eq!(code, 0, "{out}");
    let docs = documents(&out);
    let first = &docs[0]["messages"][0];
    assert_eq!(first["id"], json!(id), "{out}");
    assert_eq!(first["deliveries"], json!(1));
    let first_token = first["token"].as_u64().expect("token");

    // RESP: nobody else gets it while the lease runs; then it comes back, counted and fenced.
    let early: Value = redis::cmd("CQ.RECEIVE")
        .arg(&["jobs", "default", "worker", "COUNT", "1"])
        .query(&mut resp)
        .expect("receive");
    assert!(messages(early).is_empty(), "leased to crashy");
    let again: Value = redis::cmd("CQ.RECEIVE")
        .arg(&["jobs", "default", "worker", "COUNT", "1", "BLOCK", "5000"])
        .query(&mut resp)
        .expect("receive");
    let again = messages(again);
    assert_eq!(again.len(), 1, "redelivered when the lease ended");
    assert_eq!(text(&again[0]["id"]), id);
    assert_eq!(int(&again[0]["deliveries"]), 2);
    let second_token = int(&again[0]["token"]);
    assert!(second_token > first_token, "a new, higher token");

    // HTTP: the crashed consumer's late ack is stale and changes nothing.
    let stale = api
        .post(
            "/v1/queues/jobs/ack",
            &json!({ "handles": [format!("{id}:{first_token}")] }),
        )
        .ok(200);
    assert_eq!(stale["results"][0]["outcome"], json!("stale"), "{stale}");

    // The worker crashes too: its lease ends on the last allowed delivery, and the next
    // receive (HTTP, long-polling past the lease end) dead-letters the entry.
    std::thread::sleep(Duration::from_millis(450));
    let none = api
        .post(
            "/v1/queues/jobs/receive",
            &json!({ "consumer": "late", "wait_ms": 300 }),
        )
        .ok(200);
    assert_eq!(none["messages"], json!([]), "{none}");

    // CLI: the dead-letter stream is listed.
    let (code, out) = cli(&url, &["dlq", "list"]);
    assert_eq!(code, 0, "{out}");
    let listed = &documents(&out)[0]["dead_letters"];
    assert_eq!(listed[0]["name"], json!("jobs:dlq"), "{out}");
    assert_eq!(listed[0]["length"], json!(1));

    // RESP: the dead letter says where it came from and why.
    let dead: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
        .arg(&["jobs:dlq", "-", "+"])
        .query(&mut resp)
        .expect("xrange");
    let fields = &dead[0].1;
    assert_eq!(fields["cq-source"], "jobs");
    assert_eq!(fields["cq-id"], id);
    assert_eq!(fields["cq-deliveries"], "2");
    assert_eq!(fields["cq-reason"], "lease expired");
    assert_eq!(fields["task"], "resize");

    // HTTP: redrive it to its queue.
    let redriven = api.post("/v1/dlq/jobs:dlq/redrive", &json!({})).ok(200);
    assert_eq!(redriven["redriven"], json!(1), "{redriven}");

    // CLI: a healthy consumer takes it and acks it.
    let (code, out) = cli(
        &url,
        &["consume", "jobs", "--consumer", "finisher", "--ack"],
    );
    assert_eq!(code, 0, "{out}");
    let docs = documents(&out);
    let taken = &docs[0]["messages"][0];
    assert_eq!(
        taken["fields"],
        json!({ "task": "resize", "image": "42" }),
        "{out}"
    );
    assert_eq!(
        taken["deliveries"],
        json!(1),
        "a new entry after the redrive"
    );
    assert!(out.contains("\"acked\""), "{out}");

    // RESP: the figures tell the same story.
    let info: Value = redis::cmd("CQ.INFO")
        .arg("jobs")
        .query(&mut resp)
        .expect("info");
    let info = map(&info);
    let Value::Array(groups) = &info["groups"] else {
        panic!("groups");
    };
    let group = map(&groups[0]);
    assert_eq!(int(&group["pending"]), 0);
    assert_eq!(int(&group["acked"]), 1);
    assert_eq!(int(&group["redelivered"]), 1);
    assert_eq!(int(&group["dead-lettered"]), 1);
    assert_eq!(int(&info["published"]), 2, "the publish and the redrive");
}
