//! `/metrics`: the figures after a known series of publishes, receives and acks, over HTTP and
//! RESP.

use serde_json::json;

use crate::http_client::{Api, create_queue, publish, receive, settle, start};

/// The value of the sample `series` (name and labels exactly as written), or `None`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().expect("a number"))
}

fn scrape(api: &Api) -> String {
    let reply = api.get("/metrics");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    reply.text()
}

#[test]
fn metrics_count_publishes_receives_and_acks() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    for n in 0..2 {
        publish(&api, "q", json!({ "n": n.to_string() }));
    }
    for _ in 0..2 {
        let keyed = json!({ "fields": { "n": "2" }, "idempotency_key": "k" });
        api.post("/v1/queues/q/messages", &keyed).ok(201);
    }
    let messages = receive(&api, "q", json!({ "max_messages": 2 }));
    assert_eq!(messages.len(), 2);
    settle(
        &api,
        "q",
        "ack",
        json!({ "handles": [messages[0]["handle"]] }),
    );
    let mut peer = server.peer();
    let added = peer.call(&["XADD", "s", "*", "f", "v"]);
    assert!(
        added.starts_with(b"$"),
        "{}",
        String::from_utf8_lossy(&added)
    );

    let text = scrape(&api);
    let expect = |series: &str, value: f64| {
        assert_eq!(sample(&text, series), Some(value), "{series}\n{text}");
    };
    expect("conquiet_queue_depth{queue=\"q\"}", 3.0);
    expect("conquiet_queue_published_total{queue=\"q\"}", 3.0);
    expect("conquiet_queue_duplicates_total{queue=\"q\"}", 1.0);
    expect("conquiet_queue_dropped_total{queue=\"q\"}", 0.0);
    expect("conquiet_queue_rejected_full_total{queue=\"q\"}", 0.0);
    expect("conquiet_queue_delayed{queue=\"q\"}", 0.0);
    expect("conquiet_group_pending{queue=\"q\",group=\"default\"}", 1.0);
    expect(
        "conquiet_group_delivered_total{queue=\"q\",group=\"default\"}",
        2.0,
    );
    expect(
        "conquiet_group_redelivered_total{queue=\"q\",group=\"default\"}",
        0.0,
    );
    expect(
        "conquiet_group_acked_total{queue=\"q\",group=\"default\"}",
        1.0,
    );
    expect(
        "conquiet_group_nacked_total{queue=\"q\",group=\"default\"}",
        0.0,
    );
    expect(
        "conquiet_group_dead_lettered_total{queue=\"q\",group=\"default\"}",
        0.0,
    );
    expect(
        "conquiet_commands_total{command=\"cq.create\",outcome=\"ok\"}",
        1.0,
    );
    expect(
        "conquiet_commands_total{command=\"cq.publish\",outcome=\"ok\"}",
        4.0,
    );
    expect(
        "conquiet_commands_total{command=\"cq.publish\",outcome=\"error\"}",
        0.0,
    );
    expect(
        "conquiet_commands_total{command=\"cq.receive\",outcome=\"ok\"}",
        1.0,
    );
    expect(
        "conquiet_commands_total{command=\"cq.ack\",outcome=\"ok\"}",
        1.0,
    );
    expect(
        "conquiet_commands_total{command=\"xadd\",outcome=\"ok\"}",
        1.0,
    );
    expect("conquiet_connections{protocol=\"resp\"}", 1.0);
    expect("conquiet_fsync_failures_total", 0.0);
    expect("conquiet_store_poisoned", 0.0);
    // The scrape's own connection is open while it is answered.
    assert!(sample(&text, "conquiet_connections{protocol=\"http\"}").unwrap() >= 1.0);
    let age = sample(&text, "conquiet_queue_oldest_age_seconds{queue=\"q\"}").unwrap();
    assert!((0.0..60.0).contains(&age), "{age}");
    let syncs = sample(&text, "conquiet_fsync_duration_seconds_count").unwrap();
    assert!(syncs >= 1.0, "{text}");
    assert_eq!(
        sample(&text, "conquiet_fsync_duration_seconds_bucket{le=\"+Inf\"}"),
        Some(syncs)
    );
    assert!(sample(&text, "conquiet_fsync_duration_seconds_sum").is_some());
    server.stop().expect("clean shutdown");
}

#[test]
fn publishes_refused_as_full_over_http_and_resp_count_as_rejected_and_as_errors() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({ "policy": { "max_entries": 1 } }));
    publish(&api, "q", json!({ "a": "1" }));
    for _ in 0..2 {
        api.post("/v1/queues/q/messages", &json!({ "fields": { "a": "2" } }))
            .assert_error(429, "queue_full");
    }
    // Over RESP too: the same counter, the same command series.
    let refused = server.peer().call(&["CQ.PUBLISH", "q", "a", "3"]);
    let shown = String::from_utf8_lossy(&refused).into_owned();
    assert!(refused.starts_with(b"-FULL"), "{shown}");
    let text = scrape(&api);
    let expect = |series: &str, value: f64| {
        assert_eq!(sample(&text, series), Some(value), "{series}\n{text}");
    };
    expect("conquiet_queue_rejected_full_total{queue=\"q\"}", 3.0);
    let publish_ok = "conquiet_commands_total{command=\"cq.publish\",outcome=\"ok\"}";
    expect(publish_ok, 1.0);
    let publish_error = "conquiet_commands_total{command=\"cq.publish\",outcome=\"error\"}";
    expect(publish_error, 3.0);
    expect("conquiet_queue_depth{queue=\"q\"}", 1.0);
    server.stop().expect("clean shutdown");
}

#[test]
fn every_family_has_help_and_type_and_its_samples_together() {
    let (mut server, api) = start();
    create_queue(&api, "a", json!({}));
    create_queue(&api, "b", json!({}));
    let text = scrape(&api);
    let mut typed = Vec::new();
    let mut last_family = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap().to_string();
            assert!(!typed.contains(&name), "{name} typed twice");
            typed.push(name.clone());
            last_family = name;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(
            name.starts_with(&last_family),
            "{name} is outside its family (after {last_family})"
        );
    }
    for family in [
        "conquiet_queue_depth",
        "conquiet_group_lag",
        "conquiet_commands_total",
    ] {
        assert!(typed.iter().any(|t| t == family), "{family} missing");
        assert!(
            text.contains(&format!("# HELP {family} ")),
            "{family} has no HELP"
        );
    }
    server.stop().expect("clean shutdown");
}
