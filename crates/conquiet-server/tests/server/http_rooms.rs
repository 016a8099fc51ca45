//! `/v1/rooms` end to end: create, start, speak (with and without pass), pass, end and show a
//! room, the refusals' codes, and the events route read after a cursor and as a long-poll
//! woken by the next event.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http_client::{Api, start};

fn create(api: &Api, name: &str, extra: Value) -> Value {
    let mut body = json!({ "name": name, "participants": ["ann", "bob", "cy"] });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    api.post("/v1/rooms", &body).ok(201)
}

#[test]
fn http_rooms_take_turns_and_refuse_with_stable_codes() {
    let (mut server, api) = start();
    let created = create(&api, "standup", json!({}));
    assert_eq!(
        created,
        json!({ "name": "standup", "state": "created", "participants": ["ann", "bob", "cy"],
                "speaker": null, "turn": 0, "turn_until_ms": null,
                "events_stream": "room:standup:events", "id": null })
    );
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "name",
            "state",
            "participants",
            "speaker",
            "turn",
            "turn_until_ms",
            "events_stream",
            "id"
        ]
    );
    api.post(
        "/v1/rooms",
        &json!({ "name": "standup", "participants": ["x"] }),
    )
    .assert_error(409, "exists");
    api.post(
        "/v1/rooms/standup/speak",
        &json!({ "participant": "ann", "text": "early" }),
    )
    .assert_error(409, "room_state");
    let started = api.post("/v1/rooms/standup/start", &json!({})).ok(200);
    assert_eq!(
        (started["speaker"].clone(), started["turn"].clone()),
        (json!("ann"), json!(1))
    );
    api.post(
        "/v1/rooms/standup/speak",
        &json!({ "participant": "bob", "text": "me first" }),
    )
    .assert_error(409, "not_your_turn");
    api.post(
        "/v1/rooms/standup/speak",
        &json!({ "participant": "zed", "text": "hi" }),
    )
    .assert_error(400, "bad_request");
    api.post("/v1/rooms/nope/start", &json!({}))
        .assert_error(404, "not_found");
    let spoke = api
        .post(
            "/v1/rooms/standup/speak",
            &json!({ "participant": "ann", "text": "yesterday: the parser", "pass": true }),
        )
        .ok(200);
    assert_eq!(spoke["speaker"], "bob");
    assert_eq!(spoke["turn"], 2);
    assert!(spoke["id"].is_string(), "{spoke}");
    let passed = api
        .post("/v1/rooms/standup/pass", &json!({ "participant": "bob" }))
        .ok(200);
    assert_eq!(
        (passed["speaker"].clone(), passed["turn"].clone()),
        (json!("cy"), json!(3))
    );
    let shown = api.get("/v1/rooms/standup").ok(200);
    assert_eq!(shown["speaker"], "cy");
    assert!(shown.get("id").is_none(), "a read has no id: {shown}");
    api.get("/v1/rooms/nope").assert_error(404, "not_found");

    let page = api.get("/v1/rooms/standup/events").ok(200);
    let events = page["events"].as_array().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["started", "spoke", "turn-changed", "turn-changed"]);
    assert_eq!(
        events[1],
        json!({ "id": spoke["id"], "event": "spoke", "turn": 1, "participant": "ann",
                "text": "yesterday: the parser" })
    );
    assert_eq!(events[3]["speaker"], "cy");
    assert_eq!(events[3]["turn"], 3);
    assert_eq!(page["next_after"], events[3]["id"]);
    let after = events[1]["id"].as_str().unwrap();
    let rest = api
        .get(&format!("/v1/rooms/standup/events?after={after}&count=1"))
        .ok(200);
    assert_eq!(rest["events"].as_array().unwrap().len(), 1);
    assert_eq!(rest["events"][0], events[2]);
    api.get("/v1/rooms/standup/events?after=x")
        .assert_error(400, "bad_request");
    api.get("/v1/rooms/standup/events?count=1001")
        .assert_error(400, "limit");
    api.get("/v1/rooms/standup/events?wait_ms=20001")
        .assert_error(400, "limit");
    api.get("/v1/rooms/nope/events")
        .assert_error(404, "not_found");

    let ended = api.post("/v1/rooms/standup/end", &json!({})).ok(200);
    assert_eq!(ended["state"], "ended");
    api.post("/v1/rooms/standup/pass", &json!({ "participant": "cy" }))
        .assert_error(409, "room_state");
    api.post("/v1/rooms", &json!({ "name": "bad", "participants": [] }))
        .assert_error(400, "bad_request");
    server.stop().expect("clean shutdown");
}

#[test]
fn http_room_events_long_poll_wakes_at_the_next_event_and_at_a_turn_timeout() {
    let (mut server, api) = start();
    create(&api, "r", json!({ "turn_timeout_ms": 60_000 }));
    let cursor = api.get("/v1/rooms/r/events").ok(200)["next_after"].clone();
    assert_eq!(cursor, "0-0");
    let waiter = {
        let api = api.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let page = api
                .get("/v1/rooms/r/events?after=0-0&wait_ms=15000")
                .ok(200);
            (page, started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    api.post("/v1/rooms/r/start", &json!({})).ok(200);
    let (page, waited) = waiter.join().unwrap();
    assert_eq!(page["events"][0]["event"], "started", "{page}");
    assert!(page["events"][0]["turn_until_ms"].is_u64(), "{page}");
    assert!(waited < Duration::from_secs(10), "woken late: {waited:?}");

    // Nothing new: the wait ends empty at wait_ms, and the cursor stays.
    let next = page["next_after"].as_str().unwrap().to_string();
    let started = Instant::now();
    let empty = api
        .get(&format!("/v1/rooms/r/events?after={next}&wait_ms=300"))
        .ok(200);
    assert_eq!(empty, json!({ "events": [], "next_after": next }));
    assert!(started.elapsed() >= Duration::from_millis(250));

    // A short turn timeout wakes a waiter with no other traffic.
    create(&api, "fast", json!({ "turn_timeout_ms": 200 }));
    api.post("/v1/rooms/fast/start", &json!({})).ok(200);
    let first = api.get("/v1/rooms/fast/events").ok(200);
    let after = first["next_after"].as_str().unwrap();
    let woken = api
        .get(&format!(
            "/v1/rooms/fast/events?after={after}&wait_ms=10000"
        ))
        .ok(200);
    assert_eq!(woken["events"][0]["event"], "timed-out", "{woken}");
    assert_eq!(woken["events"][0]["speaker"], "ann");
    server.stop().expect("clean shutdown");
}
