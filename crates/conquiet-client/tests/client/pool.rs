//! The pool's invariants under concurrency and failure, counted by the connector itself.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use conquiet_client::{Client, ErrorKind, Message, QueueOptions};

use crate::support::{Counting, Server};

/// A command that holds its connection for `ms` on the ordinary pool: a blocking receive
/// sent raw (the typed receive would use the blocking pool).
fn hold(ms: u64) -> Vec<String> {
    [
        "CQ.RECEIVE",
        "held",
        "default",
        "c",
        "BLOCK",
        &ms.to_string(),
    ]
    .map(String::from)
    .to_vec()
}

async fn client_with(server: &Server, max: usize) -> (Client, Counting) {
    let connector = Counting::new(server.addr);
    let mut config = server.config();
    config.pool_size = max;
    config.acquire_timeout = Duration::from_secs(30);
    // The queue is made by another client, so this one starts with no connection at all.
    match server
        .client()
        .create_queue("held", &QueueOptions::default())
        .await
    {
        Ok(()) => {}
        Err(e) => assert_eq!(e.kind(), ErrorKind::Exists, "{e}"),
    }
    let client = Client::with_connector(config, Arc::new(connector.clone()));
    (client, connector)
}

fn assert_stats_match(client: &Client, connector: &Counting) {
    let stats = client.pool_stats();
    let c = &connector.counts;
    let counted = [&c.live, &c.opened, &c.refused].map(|n| n.load(Ordering::SeqCst));
    eprintln!("pool {stats:?}, connector live/opened/refused {counted:?}");
    assert_eq!(stats.open, c.live.load(Ordering::SeqCst), "{stats:?}");
    assert_eq!(stats.in_use, 0, "{stats:?}");
    assert_eq!(stats.idle, stats.open, "{stats:?}");
    assert_eq!(stats.waiting, 0, "{stats:?}");
    assert_eq!(
        stats.created,
        c.opened.load(Ordering::SeqCst) as u64,
        "{stats:?}"
    );
    assert_eq!(
        stats.failed_creates,
        c.refused.load(Ordering::SeqCst) as u64,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_acquirers_never_open_more_than_max() {
    let server = Server::start();
    let (client, connector) = client_with(&server, 8).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let client = client.clone();
        tasks.spawn(async move { client.command(&hold(20)).await.map(|_| ()) });
    }
    let watcher = {
        let client = client.clone();
        let counts = connector.counts.clone();
        tokio::spawn(async move {
            for _ in 0..100 {
                let stats = client.pool_stats();
                assert!(stats.open <= 8, "pool says {stats:?}");
                assert!(counts.live.load(Ordering::SeqCst) <= 8);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    while let Some(done) = tasks.join_next().await {
        done.expect("task")
            .expect("every acquirer gets a connection in the end");
    }
    watcher.await.expect("watcher");
    assert!(connector.counts.most.load(Ordering::SeqCst) <= 8);
    assert_stats_match(&client, &connector);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_connects_free_their_slots() {
    let server = Server::start();
    let (client, connector) = client_with(&server, 2).await;
    connector.counts.fail_next.store(10, Ordering::SeqCst);
    for _ in 0..10 {
        let error = client.command(&["PING"]).await.expect_err("connect fails");
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    }
    assert_eq!(client.pool_stats().open, 0);
    assert_eq!(client.pool_stats().failed_creates, 10);
    // Both slots must still be there: two calls holding a connection at once both succeed
    // quickly; a leaked slot would make the second wait out the acquire timeout.
    let started = std::time::Instant::now();
    let (first, second) = (hold(200), hold(200));
    let (a, b) = tokio::join!(client.command(&first), client.command(&second));
    a.expect("first slot");
    b.expect("second slot");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a slot was lost"
    );
    assert_stats_match(&client, &connector);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquire_waits_at_most_its_timeout() {
    let server = Server::start();
    let mut config = server.config();
    config.pool_size = 1;
    config.acquire_timeout = Duration::from_millis(200);
    let client = Client::new(config);
    client
        .create_queue("held", &QueueOptions::default())
        .await
        .expect("create");
    let holder = {
        let client = client.clone();
        tokio::spawn(async move { client.command(&hold(2_000)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let error = client.command(&["PING"]).await.expect_err("pool is taken");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190),
        "gave up early: {waited:?}"
    );
    assert!(
        waited < Duration::from_millis(1_000),
        "waited past its timeout: {waited:?}"
    );
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(matches!(error, conquiet_client::Error::PoolTimeout(..)));
    holder.await.expect("join").expect("holder finishes");
    client.ping().await.expect("free again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_call_drops_its_connection_instead_of_reusing_it() {
    let server = Server::start();
    let (client, connector) = client_with(&server, 2).await;
    let cancelled =
        tokio::time::timeout(Duration::from_millis(50), client.command(&hold(1_000))).await;
    assert!(cancelled.is_err());
    // The half-done connection is gone; the next call gets a clean one and its own reply.
    let published = client
        .publish("held", &Message::new().field("f", "v"))
        .await
        .expect("publish on a clean connection");
    assert!(!published.duplicate);
    assert_stats_match(&client, &connector);
    assert!(client.pool_stats().open <= 1, "{:?}", client.pool_stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_receives_do_not_starve_ordinary_commands() {
    let server = Server::start();
    let mut config = server.config();
    config.pool_size = 2;
    config.blocking_pool_size = 2;
    config.acquire_timeout = Duration::from_secs(10);
    let client = Client::new(config);
    client
        .create_queue("empty", &QueueOptions::default())
        .await
        .expect("create");
    let mut receivers = tokio::task::JoinSet::new();
    for i in 0..6 {
        let client = client.clone();
        receivers.spawn(async move {
            let options = conquiet_client::ReceiveOptions {
                wait: Some(Duration::from_millis(700)),
                ..Default::default()
            };
            client
                .receive("empty", "default", &format!("r{i}"), &options)
                .await
        });
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    client.ping().await.expect("ping");
    client.queue_info("empty").await.expect("info");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "ordinary commands waited for blocking receives: {:?}",
        started.elapsed()
    );
    assert!(client.blocking_pool_stats().open <= 2);
    while let Some(r) = receivers.join_next().await {
        assert!(r.expect("join").expect("receive").is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_recovers_after_the_server_restarts() {
    let mut server = Server::start();
    let (client, connector) = client_with(&server, 4).await;
    let first = client
        .publish("held", &Message::new().field("n", "1"))
        .await
        .expect("publish");
    // Three idle connections, all of which will die with the server.
    let (a, b, c) = (hold(50), hold(50), hold(50));
    let held = tokio::join!(client.command(&a), client.command(&b), client.command(&c));
    held.0.and(held.1).and(held.2).expect("three at once");
    assert_eq!(client.pool_stats().idle, 3);
    server.stop();
    server.restart();
    // Every idle connection died with the old server: the first call after the restart must
    // not be handed one of them.
    client
        .ping()
        .await
        .expect("the first call after the restart works");
    let info = client.queue_info("held").await.expect("info");
    assert_eq!(
        info.last_id, first.id,
        "what was acknowledged survived the restart"
    );
    assert_stats_match(&client, &connector);
}
