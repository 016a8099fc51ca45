//! The HTTP API's routes doing their job: queues, publish, receive, settle, dead letters,
//! stats. Bad input is in `http_errors.rs`.

use serde_json::{Value, json};

use crate::http_client::{create_queue, group, publish, queue, receive, settle, start};

#[test]
fn health_says_ok() {
    let (mut server, api) = start();
    let reply = api.get("/health");
    assert_eq!(reply.ok(200), json!({ "status": "ok" }));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    server.stop().expect("clean shutdown");
}

#[test]
fn a_queue_is_created_shown_listed_changed_and_deleted() {
    let (mut server, api) = start();
    let created = create_queue(&api, "jobs", json!({}));
    assert_eq!(created["name"], "jobs");
    assert_eq!(created["length"], 0);
    assert_eq!(created["first_id"], Value::Null);
    assert_eq!(created["policy"]["overflow"], "reject");
    assert_eq!(created["policy"]["retention"], "limits");
    let group = &created["groups"][0];
    assert_eq!(group["name"], "default");
    assert_eq!(group["policy"]["lease_ms"], 30_000);
    assert_eq!(group["policy"]["max_deliveries"], 10);
    assert_eq!(group["policy"]["backoff"]["kind"], "exponential");
    assert_eq!(group["policy"]["backoff"]["factor"], 2.0);
    assert_eq!(group["policy"]["dead_letter"], "jobs:dlq");
    assert_eq!(queue(&api, "jobs"), created);
    let listed = api.get("/v1/queues").ok(200);
    let names: Vec<&str> = listed["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["jobs"]);
    api.post("/v1/queues", &json!({ "name": "jobs" }))
        .assert_error(409, "exists");
    let changed = api
        .patch(
            "/v1/queues/jobs",
            &json!({
                "policy": { "max_entries": 5, "overflow": "drop-oldest" },
                "group_policy": { "lease_ms": 1000, "backoff": { "kind": "list", "delays_ms": [1, 2] } }
            }),
        )
        .ok(200);
    assert_eq!(changed["policy"]["max_entries"], 5);
    assert_eq!(changed["policy"]["overflow"], "drop-oldest");
    assert_eq!(changed["groups"][0]["policy"]["lease_ms"], 1000);
    assert_eq!(changed["groups"][0]["policy"]["max_deliveries"], 10);
    assert_eq!(
        changed["groups"][0]["policy"]["backoff"],
        json!({ "kind": "list", "delays_ms": [1, 2] })
    );
    assert_eq!(
        api.delete("/v1/queues/jobs").ok(200),
        json!({ "deleted": true })
    );
    api.get("/v1/queues/jobs").assert_error(404, "not_found");
    api.delete("/v1/queues/jobs").assert_error(404, "not_found");
    server.stop().expect("clean shutdown");
}

#[test]
fn a_second_group_can_be_created_with_its_own_policy() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let created = create_queue(
        &api,
        "q",
        json!({ "group": "audit", "group_policy": { "max_deliveries": 3 } }),
    );
    let groups = created["groups"].as_array().unwrap();
    let audit = groups.iter().find(|g| g["name"] == "audit").unwrap();
    assert_eq!(audit["policy"]["max_deliveries"], 3);
    assert_eq!(audit["policy"]["lease_ms"], 30_000);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_message_is_published_received_and_acked() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let id = publish(&api, "q", json!({ "b": "2", "a": "1" }));
    let messages = receive(&api, "q", json!({ "consumer": "w1", "max_messages": 10 }));
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["id"], id.as_str());
    assert_eq!(message["deliveries"], 1);
    // Field order is kept.
    assert_eq!(
        serde_json::to_string(&message["fields"]).unwrap(),
        r#"{"b":"2","a":"1"}"#
    );
    let token = message["token"].as_u64().unwrap();
    let handle = message["handle"].as_str().unwrap().to_string();
    assert_eq!(handle, format!("{id}:{token}"));
    assert!(message["lease_until_ms"].as_u64().unwrap() > 0);
    assert_eq!(group(&api, "q")["pending"], 1);
    assert!(receive(&api, "q", json!({})).is_empty());
    let results = settle(&api, "q", "ack", json!({ "handles": [handle] }));
    assert_eq!(results, [json!({ "handle": handle, "outcome": "acked" })]);
    let results = settle(&api, "q", "ack", json!({ "handles": [handle] }));
    assert_eq!(results[0]["outcome"], "not_pending");
    let group = group(&api, "q");
    assert_eq!(group["pending"], 0);
    assert_eq!(group["acked"], 1);
    assert_eq!(group["delivered"], 1);
    assert_eq!(queue(&api, "q")["published"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_batch_publishes_every_message_and_reports_each_result() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({ "policy": { "max_entries": 2 } }));
    let batch = json!({ "messages": [
        { "fields": { "n": "1" } },
        { "fields": { "n": "2" } },
        { "fields": { "n": "3" } },
    ] });
    let reply = api.post("/v1/queues/q/messages", &batch).ok(200);
    let results = reply["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{reply}");
    assert_eq!(results[0]["duplicate"], false);
    let first = results[0]["id"].as_str().unwrap();
    let second = results[1]["id"].as_str().unwrap();
    assert!(id_order(first) < id_order(second), "{first} {second}");
    assert_eq!(results[2]["error"]["code"], "queue_full", "{reply}");
    let messages = receive(&api, "q", json!({ "max_messages": 10 }));
    let values: Vec<&Value> = messages.iter().map(|m| &m["fields"]["n"]).collect();
    assert_eq!(values, [&json!("1"), &json!("2")]);
    server.stop().expect("clean shutdown");
}

fn id_order(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap();
    (ms.parse().unwrap(), seq.parse().unwrap())
}

#[test]
fn a_repeated_idempotency_key_returns_the_first_id_and_adds_nothing() {
    let (mut server, api) = start();
    create_queue(
        &api,
        "q",
        json!({ "policy": { "dedup_window_ms": 60_000 } }),
    );
    let message = json!({ "fields": { "a": "1" }, "idempotency_key": "k1" });
    let first = api.post("/v1/queues/q/messages", &message).ok(201);
    let again = api.post("/v1/queues/q/messages", &message).ok(201);
    assert_eq!(first["duplicate"], false);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(queue(&api, "q")["length"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_full_queue_answers_429_with_retry_after_and_keeps_its_entries() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({ "policy": { "max_entries": 1 } }));
    publish(&api, "q", json!({ "a": "1" }));
    let reply = api.post("/v1/queues/q/messages", &json!({ "fields": { "a": "2" } }));
    reply.assert_error(429, "queue_full");
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(queue(&api, "q")["length"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_delayed_message_is_not_received_before_its_time() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let delayed = json!({ "fields": { "a": "1" }, "delay_ms": 60_000 });
    api.post("/v1/queues/q/messages", &delayed).ok(201);
    assert!(receive(&api, "q", json!({})).is_empty());
    assert_eq!(queue(&api, "q")["delayed"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn nack_touch_and_term_report_their_outcomes_and_stale_tokens_change_nothing() {
    let (mut server, api) = start();
    create_queue(
        &api,
        "q",
        json!({ "group_policy": { "backoff": { "kind": "none" } } }),
    );
    let id = publish(&api, "q", json!({ "job": "x" }));
    let first = receive(&api, "q", json!({}))[0].clone();
    let old = first["handle"].as_str().unwrap().to_string();
    let touched = settle(
        &api,
        "q",
        "touch",
        json!({ "handles": [old], "lease_ms": 5_000 }),
    );
    assert_eq!(touched[0]["outcome"], "touched", "{touched:?}");
    assert!(touched[0]["lease_until_ms"].as_u64().unwrap() > 0);
    let nacked = settle(
        &api,
        "q",
        "nack",
        json!({ "handles": [old], "delay_ms": 0, "reason": "later" }),
    );
    assert_eq!(nacked[0]["outcome"], "nacked", "{nacked:?}");
    assert!(nacked[0]["redeliver_at_ms"].is_u64());
    let second = receive(&api, "q", json!({}))[0].clone();
    assert_eq!(second["id"], id.as_str());
    assert_eq!(second["deliveries"], 2);
    let new = second["handle"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let stale = settle(&api, "q", "ack", json!({ "handles": [old] }));
    assert_eq!(stale[0]["outcome"], "stale", "{stale:?}");
    assert_eq!(stale[0]["current_token"], second["token"]);
    assert_eq!(group(&api, "q")["pending"], 1);
    let termed = settle(
        &api,
        "q",
        "term",
        json!({ "handles": [new], "reason": "bad" }),
    );
    assert_eq!(termed[0]["outcome"], "dead_lettered", "{termed:?}");
    assert_eq!(termed[0]["dead_letter"], "q:dlq");
    let dead_id = termed[0]["id"].as_str().unwrap().to_string();

    let dead_letters = api.get("/v1/dlq").ok(200);
    let names: Vec<&Value> = dead_letters["dead_letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| &q["name"])
        .collect();
    assert_eq!(names, [&json!("q:dlq")]);
    let page = api.get("/v1/dlq/q:dlq/messages").ok(200);
    let entries = page["messages"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["id"], dead_id.as_str());
    let fields = &entries[0]["fields"];
    assert_eq!(fields["cq-source"], "q");
    assert_eq!(fields["cq-group"], "default");
    assert_eq!(fields["cq-id"], id.as_str());
    assert_eq!(fields["cq-reason"], "bad");
    assert_eq!(fields["job"], "x");

    assert_eq!(
        api.post("/v1/dlq/q:dlq/redrive", &json!({})).ok(200),
        json!({ "redriven": 1 })
    );
    let empty = api.get("/v1/dlq/q:dlq/messages").ok(200);
    assert_eq!(empty["messages"], json!([]));
    let again = receive(&api, "q", json!({}));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["fields"], json!({ "job": "x" }));
    let handle = again[0]["handle"].clone();
    settle(&api, "q", "term", json!({ "handles": [handle] }));
    assert_eq!(
        api.post_raw("/v1/dlq/q:dlq/purge", b"").ok(200),
        json!({ "purged": 1 })
    );
    server.stop().expect("clean shutdown");
}

/// `GET /v1/queues/{name}/messages/{id}` with `query` appended.
fn status(api: &crate::http_client::Api, name: &str, id: &str, query: &str) -> Value {
    api.get(&format!("/v1/queues/{name}/messages/{id}{query}"))
        .ok(200)
}

#[test]
fn a_message_status_follows_it_from_waiting_to_dead_lettered_with_every_key() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    let id = publish(&api, "q", json!({ "job": "x" }));
    assert_eq!(
        status(&api, "q", &id, ""),
        json!({
            "id": id, "group": "default", "state": "waiting", "deliveries": null,
            "until_ms": null, "consumer": null, "token": null, "dead_letter": null,
            "dead_letter_id": null, "reason": null, "fields": { "job": "x" }
        })
    );
    let message = receive(&api, "q", json!({ "consumer": "w1" }))[0].clone();
    let held = status(&api, "q", &id, "?group=default");
    assert_eq!(held["state"], "in_flight");
    assert_eq!(held["consumer"], "w1");
    assert_eq!(held["token"], message["token"]);
    assert_eq!(held["deliveries"], 1);
    assert_eq!(held["until_ms"], message["lease_until_ms"]);
    let handle = message["handle"].clone();
    let termed = settle(
        &api,
        "q",
        "term",
        json!({ "handles": [handle], "reason": "bad" }),
    );
    let dead = status(&api, "q", &id, "");
    assert_eq!(dead["state"], "dead_lettered");
    assert_eq!(dead["dead_letter"], "q:dlq");
    assert_eq!(dead["dead_letter_id"], termed[0]["id"]);
    assert_eq!(dead["reason"], "bad");
    assert_eq!(dead["fields"], json!({ "job": "x" }));
    // The `5` form reads as `5-0`, as XACK reads it; nothing was published then.
    let unknown = status(&api, "q", "5", "");
    assert_eq!(
        (&unknown["id"], &unknown["state"]),
        (&json!("5-0"), &json!("unknown"))
    );
    assert_eq!(unknown["fields"], Value::Null);
    api.get(&format!("/v1/queues/nope/messages/{id}"))
        .assert_error(404, "not_found");
    api.get(&format!("/v1/queues/q/messages/{id}?group=nope"))
        .assert_error(404, "not_found");
    api.get("/v1/queues/q/messages/x-1")
        .assert_error(400, "bad_request");
    api.get(&format!("/v1/queues/q/messages/{id}?colour=blue"))
        .assert_error(400, "bad_request");
    server.stop().expect("clean shutdown");
}

#[test]
fn dead_letters_are_paged_with_start_and_count() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    for n in 0..3 {
        publish(&api, "q", json!({ "n": n.to_string() }));
    }
    for message in receive(&api, "q", json!({ "max_messages": 3 })) {
        settle(&api, "q", "term", json!({ "handles": [message["handle"]] }));
    }
    let first = api.get("/v1/dlq/q:dlq/messages?count=2").ok(200);
    let first = first["messages"].as_array().unwrap().clone();
    assert_eq!(first.len(), 2);
    let (ms, seq) = id_order(first[1]["id"].as_str().unwrap());
    let next = api
        .get(&format!(
            "/v1/dlq/q:dlq/messages?start={ms}-{}&count=2",
            seq + 1
        ))
        .ok(200);
    let next = next["messages"].as_array().unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["fields"]["n"], "2");
    let redriven = api
        .post(
            "/v1/dlq/q:dlq/redrive",
            &json!({ "count": 1, "to": "elsewhere" }),
        )
        .ok(200);
    assert_eq!(redriven, json!({ "redriven": 1 }));
    assert_eq!(queue(&api, "elsewhere")["length"], 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn stats_show_the_queues_and_the_store() {
    let (mut server, api) = start();
    create_queue(&api, "q", json!({}));
    publish(&api, "q", json!({ "a": "1" }));
    let stats = api.get("/v1/stats").ok(200);
    assert_eq!(stats["queues"][0]["name"], "q");
    let store = &stats["store"];
    assert!(store["records"].as_u64().unwrap() >= 2, "{store}");
    assert!(store["syncs"].as_u64().unwrap() >= 1, "{store}");
    assert_eq!(store["poisoned"], false);
    assert_eq!(store["sync_failures"], 0);
    assert_eq!(store["write_failures"], 0);
    server.stop().expect("clean shutdown");
}
