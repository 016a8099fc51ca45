//! Locks and rooms through the SDK against a real server.

use std::time::Duration;

use conquiet_client::{ErrorKind, LockGrant};

use crate::support::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_tokens_grow_and_a_stale_release_changes_nothing() {
    let server = Server::start();
    let client = server.client();
    let ttl = Duration::from_secs(30);
    let LockGrant::Granted { token: first, .. } =
        client.lock("report", "a", ttl, None).await.expect("lock")
    else {
        panic!("a free lock is granted");
    };
    let held = client.lock("report", "b", ttl, None).await.expect("lock");
    assert!(
        matches!(held, LockGrant::Held { ref holder, token, .. } if holder == "a" && token == first),
        "{held:?}"
    );
    let again = client
        .lock("report", "a", ttl, None)
        .await
        .expect_err("busy");
    assert_eq!(again.kind(), ErrorKind::Exists, "{again}");
    assert!(client.unlock("report", "a", first).await.expect("release"));
    let LockGrant::Granted { token: second, .. } =
        client.lock("report", "b", ttl, None).await.expect("lock")
    else {
        panic!("released, so granted");
    };
    assert!(second > first, "tokens grow: {second} > {first}");
    let late = client
        .unlock("report", "a", first)
        .await
        .expect_err("stale");
    assert_eq!(late.kind(), ErrorKind::Stale, "{late}");
    let info = client.lock_info("report").await.expect("info");
    assert_eq!(
        (info.holder.as_deref(), info.token),
        (Some("b"), Some(second))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_gets_the_lock_when_its_ttl_runs_out() {
    let server = Server::start();
    let client = server.client();
    client
        .lock("job", "a", Duration::from_millis(300), None)
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    let grant = client
        .lock(
            "job",
            "b",
            Duration::from_secs(5),
            Some(Duration::from_secs(5)),
        )
        .await
        .expect("wait");
    assert!(matches!(grant, LockGrant::Granted { .. }), "{grant:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "granted at the TTL's end"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_bound_lock_releases_it() {
    let server = Server::start();
    let client = server.client();
    let ttl = Duration::from_secs(60);
    let mut guard = client
        .lock_bound("leader", "node-1", ttl, None)
        .await
        .expect("lock")
        .expect("granted");
    guard.renew(ttl).await.expect("renew");
    assert_eq!(
        client
            .lock_info("leader")
            .await
            .expect("info")
            .holder
            .as_deref(),
        Some("node-1")
    );
    drop(guard);
    // The server releases it when it sees the connection close; a waiter gets it then, long
    // before the 60 s TTL.
    let grant = client
        .lock("leader", "node-2", ttl, Some(Duration::from_secs(5)))
        .await
        .expect("wait");
    assert!(matches!(grant, LockGrant::Granted { .. }), "{grant:?}");
    assert_eq!(client.pool_stats().in_use, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_speaker_speaks_and_the_events_follow_the_turns() {
    let server = Server::start();
    let client = server.client();
    let room = client
        .create_room("standup", &["ann", "bob", "cy"], None)
        .await
        .expect("create");
    client.start_room("standup").await.expect("start");
    let refused = client
        .speak("standup", "bob", "me first", false)
        .await
        .expect_err("not bob's turn");
    assert_eq!(refused.kind(), ErrorKind::Conflict, "{refused}");
    for (who, text) in [
        ("ann", "done x"),
        ("bob", "doing y"),
        ("cy", "blocked on z"),
    ] {
        let after = client
            .speak("standup", who, text, true)
            .await
            .expect("speak");
        assert!(after.event_id.is_some());
    }
    let info = client.room_info("standup").await.expect("info");
    assert_eq!((info.speaker.as_deref(), info.turn), (Some("ann"), 4));
    client.end_room("standup").await.expect("end");
    let events = client
        .room_events(&room.events_stream, None, 100, None)
        .await
        .expect("events");
    let spoke: Vec<(String, String)> = events
        .iter()
        .filter(|e| e.event == "spoke")
        .map(|e| {
            (
                e.field("participant").unwrap_or_default(),
                e.field("text").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        spoke,
        [
            ("ann", "done x"),
            ("bob", "doing y"),
            ("cy", "blocked on z")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(events.first().map(|e| e.event.as_str()), Some("started"));
    assert_eq!(events.last().map(|e| e.event.as_str()), Some("ended"));
    // A reader resumes after the last event it saw, and waits for the next one.
    let last = events.last().map(|e| e.id);
    let more = client
        .room_events(
            &room.events_stream,
            last,
            10,
            Some(Duration::from_millis(200)),
        )
        .await
        .expect("wait");
    assert!(more.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_handler_returns_the_reply_to_each_of_many_callers() {
    use conquiet_client::{Job, Message, QueueOptions, Worker, WorkerConfig, service};
    let server = Server::start();
    let client = server.client();
    client
        .create_queue("double", &QueueOptions::default())
        .await
        .expect("queue");
    let mut workers = Vec::new();
    for _ in 0..4 {
        let answer = service(client.clone(), "double", |job: Job| async move {
            let n: i64 = String::from_utf8_lossy(job.field("n").unwrap_or_default())
                .parse()
                .map_err(|_| "n is not a number".to_string())?;
            Ok(Message::new().field("twice", (2 * n).to_string()))
        });
        let mut config = WorkerConfig::new("double");
        config.receive_wait = Duration::from_millis(100);
        workers.push(Worker::new(client.clone(), config, answer).spawn());
    }
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..100i64 {
        let client = client.clone();
        calls.spawn(async move {
            let asked = Message::new().field("n", n.to_string());
            (
                n,
                client
                    .request("double", &asked, Duration::from_secs(10))
                    .await,
            )
        });
    }
    while let Some(done) = calls.join_next().await {
        let (n, response) = done.expect("task");
        let response = response.expect("a reply");
        assert!(response.ok);
        assert_eq!(
            response.field("twice"),
            Some((2 * n).to_string().as_bytes())
        );
    }
    // A handler's error is an error reply, not a timeout.
    let bad = client
        .request(
            "double",
            &Message::new().field("n", "x"),
            Duration::from_secs(10),
        )
        .await
        .expect("a reply");
    assert!(!bad.ok);
    assert_eq!(bad.field("error"), Some(&b"n is not a number"[..]));
    for worker in workers {
        worker.stop().await;
    }
    // Nobody serves the queue now: the caller gets a timeout, not a hang.
    let started = std::time::Instant::now();
    let none = client
        .request(
            "double",
            &Message::new().field("n", "1"),
            Duration::from_millis(300),
        )
        .await
        .expect_err("no reply");
    assert_eq!(none.kind(), ErrorKind::Timeout, "{none}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
