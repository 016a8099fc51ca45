//! The typed client over the whole work-queue surface, against a real server.

use std::time::Duration;

use conquiet_client::{
    Backoff, Client, ErrorKind, JobState, Message, NackOptions, Overflow, QueueOptions,
    ReceiveOptions, RedriveOptions, SettleOutcome,
};

use crate::support::Server;

fn take(count: u32) -> ReceiveOptions {
    ReceiveOptions {
        count,
        ..ReceiveOptions::default()
    }
}

async fn queue(client: &Client, name: &str, options: QueueOptions) {
    client.create_queue(name, &options).await.expect("create");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_receive_and_ack_carry_count_and_token() {
    let server = Server::start();
    let client = server.client();
    queue(&client, "jobs", QueueOptions::default()).await;
    let published = client
        .publish("jobs", &Message::new().field("task", "resize"))
        .await
        .expect("publish");
    let got = client
        .receive("jobs", "default", "w1", &take(10))
        .await
        .expect("receive");
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert_eq!(d.id, published.id);
    assert_eq!(d.field("task"), Some(&b"resize"[..]));
    assert_eq!(d.deliveries, 1);
    assert!(d.token >= 1);
    assert!(d.lease_until_ms.is_some());
    let acked = client.ack("jobs", "default", &[d.handle()]).await;
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0].as_ref().expect("outcome"), &SettleOutcome::Acked);
    let again = client.ack("jobs", "default", &[d.handle()]).await;
    assert_eq!(
        again[0].as_ref().expect("outcome"),
        &SettleOutcome::NotPending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_acks_with_one_stale_handle_settles_the_others() {
    let server = Server::start();
    let client = server.client();
    queue(&client, "jobs", QueueOptions::default()).await;
    for n in 0..3 {
        client
            .publish("jobs", &Message::new().field("n", n.to_string()))
            .await
            .expect("publish");
    }
    let got = client
        .receive("jobs", "default", "w1", &take(3))
        .await
        .expect("receive");
    assert_eq!(got.len(), 3);
    // The middle one goes back and to another consumer: w1's handle to it is now stale.
    let back = NackOptions {
        delay: Some(Duration::ZERO),
        reason: None,
    };
    client
        .nack("jobs", "default", &[got[1].handle()], &back)
        .await[0]
        .as_ref()
        .expect("nack");
    let retaken = client
        .receive("jobs", "default", "w2", &take(1))
        .await
        .expect("receive");
    assert_eq!(retaken[0].id, got[1].id);
    assert_eq!(retaken[0].deliveries, 2);
    assert!(
        retaken[0].token > got[1].token,
        "a redelivery has a higher token"
    );

    let handles: Vec<_> = got.iter().map(|d| d.handle()).collect();
    let outcomes = client.ack("jobs", "default", &handles).await;
    assert_eq!(outcomes[0].as_ref().expect("0"), &SettleOutcome::Acked);
    assert_eq!(
        outcomes[1].as_ref().expect("1"),
        &SettleOutcome::Stale {
            current_token: retaken[0].token
        }
    );
    assert_eq!(outcomes[2].as_ref().expect("2"), &SettleOutcome::Acked);
    let info = client.queue_info("jobs").await.expect("info");
    assert_eq!(
        info.group("default").expect("group").pending,
        1,
        "w2 still holds it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_publish_keys_delays_and_a_full_queue() {
    let server = Server::start();
    let client = server.client();
    let options = QueueOptions {
        max_entries: Some(3),
        overflow: Some(Overflow::Reject),
        dedup_window: Some(Duration::from_secs(60)),
        ..QueueOptions::default()
    };
    queue(&client, "small", options).await;
    let messages = [
        Message::new().field("n", "1").key("k1"),
        Message::new().field("n", "1").key("k1"),
        Message::new()
            .field("n", "2")
            .delay(Duration::from_secs(60)),
        Message::new().field("n", "3"),
        Message::new().field("n", "4"),
    ];
    let results = client.publish_batch("small", &messages).await;
    assert_eq!(results.len(), 5);
    let first = results[0].as_ref().expect("first");
    let dup = results[1].as_ref().expect("dup");
    assert!(dup.duplicate);
    assert_eq!(dup.id, first.id);
    results[2].as_ref().expect("delayed");
    results[3].as_ref().expect("third entry");
    let full = results[4].as_ref().expect_err("over the limit");
    assert_eq!(full.kind(), ErrorKind::Full, "{full}");
    // The delayed entry is not handed out; the others are.
    let got = client
        .receive("small", "default", "w", &take(10))
        .await
        .expect("receive");
    let ns: Vec<_> = got
        .iter()
        .map(|d| d.field("n").expect("n").to_vec())
        .collect();
    assert_eq!(ns, vec![b"1".to_vec(), b"3".to_vec()]);
    let info = client.queue_info("small").await.expect("info");
    assert_eq!((info.length, info.delayed, info.duplicates), (3, 1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_typed() {
    let server = Server::start();
    let client = server.client();
    queue(&client, "q", QueueOptions::default()).await;
    let exists = client.create_queue("q", &QueueOptions::default()).await;
    assert_eq!(exists.expect_err("exists").kind(), ErrorKind::Exists);
    let nogroup = client.receive("q", "nope", "w", &take(1)).await;
    assert_eq!(nogroup.expect_err("no group").kind(), ErrorKind::NotFound);
    let nokey = client.queue_info("missing").await;
    assert_eq!(nokey.expect_err("no key").kind(), ErrorKind::NotFound);
    let bad = QueueOptions {
        backoff: Some(Backoff::Exponential {
            base: Duration::from_millis(10),
            factor: 0.5,
            max: Duration::from_secs(1),
            jitter_percent: 0,
        }),
        ..QueueOptions::default()
    };
    let invalid = client.configure("q", &bad).await;
    assert_eq!(invalid.expect_err("bad policy").kind(), ErrorKind::Invalid);
    let empty = client.configure("q", &QueueOptions::default()).await;
    assert_eq!(
        empty.expect_err("nothing to set").kind(),
        ErrorKind::Invalid
    );
    let count = client.receive("q", "default", "w", &take(20_000)).await;
    assert_eq!(count.expect_err("over the limit").kind(), ErrorKind::Limit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn touch_nack_term_and_dead_letters_round_trip() {
    let server = Server::start();
    let client = server.client();
    let options = QueueOptions {
        max_deliveries: Some(2),
        backoff: Some(Backoff::None),
        ..QueueOptions::default()
    };
    queue(&client, "jobs", options).await;
    let a = client
        .publish("jobs", &Message::bytes("a"))
        .await
        .expect("a")
        .id;
    let b = client
        .publish("jobs", &Message::bytes("b"))
        .await
        .expect("b")
        .id;
    let got = client
        .receive("jobs", "default", "w", &take(2))
        .await
        .expect("receive");
    let touched = client
        .touch(
            "jobs",
            "default",
            &[got[0].handle()],
            Some(Duration::from_secs(120)),
        )
        .await;
    assert!(matches!(
        touched[0],
        Ok(SettleOutcome::Touched {
            lease_until_ms: Some(_)
        })
    ));
    let termed = client
        .term("jobs", "default", &[got[0].handle()], Some("bad input"))
        .await;
    assert!(
        matches!(termed[0], Ok(SettleOutcome::DeadLettered { .. })),
        "{termed:?}"
    );
    // b fails twice: its second nack dead-letters it (max deliveries 2).
    let nack = NackOptions {
        delay: Some(Duration::ZERO),
        reason: Some("db down".into()),
    };
    client
        .nack("jobs", "default", &[got[1].handle()], &nack)
        .await[0]
        .as_ref()
        .expect("nack");
    let again = client
        .receive("jobs", "default", "w", &take(1))
        .await
        .expect("receive");
    assert_eq!((again[0].id, again[0].deliveries), (b, 2));
    let last = client
        .nack("jobs", "default", &[again[0].handle()], &nack)
        .await;
    assert!(
        matches!(last[0], Ok(SettleOutcome::DeadLettered { .. })),
        "{last:?}"
    );

    let dlqs = client.dead_letter_queues().await.expect("dlq list");
    assert_eq!(
        dlqs.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
        ["jobs:dlq"]
    );
    let letters = client
        .dead_letters("jobs:dlq", None, 10)
        .await
        .expect("letters");
    assert_eq!(letters.len(), 2);
    assert_eq!(
        (letters[0].source_id, letters[0].reason.as_str()),
        (Some(a), "bad input")
    );
    assert_eq!(
        (letters[1].source_id, letters[1].reason.as_str()),
        (Some(b), "db down")
    );
    assert_eq!(letters[1].deliveries, 2);
    assert_eq!(letters[1].fields, vec![(b"data".to_vec(), b"b".to_vec())]);
    let one = client
        .dead_letter("jobs:dlq", letters[1].id)
        .await
        .expect("inspect")
        .expect("present");
    assert_eq!(one, letters[1]);
    let page = client
        .dead_letters("jobs:dlq", Some(letters[0].id), 10)
        .await
        .expect("page");
    assert_eq!(page, letters[1..]);

    let first_only = RedriveOptions {
        count: Some(1),
        ..RedriveOptions::default()
    };
    assert_eq!(
        client
            .redrive("jobs:dlq", &first_only)
            .await
            .expect("redrive"),
        1
    );
    let back = client
        .receive("jobs", "default", "w", &take(5))
        .await
        .expect("receive");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].data(), Some(&b"a"[..]));
    assert_eq!(client.purge("jobs:dlq").await.expect("purge"), 1);
    assert!(
        client
            .dead_letters("jobs:dlq", None, 10)
            .await
            .expect("empty")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_status_follows_an_entry_through_its_states() {
    let server = Server::start();
    let client = server.client();
    let options = QueueOptions {
        max_deliveries: Some(1),
        ..QueueOptions::default()
    };
    queue(&client, "jobs", options).await;
    let id = client
        .publish("jobs", &Message::bytes("x"))
        .await
        .expect("publish")
        .id;
    let status = client.status("jobs", "default", id).await.expect("status");
    assert_eq!(status.state, JobState::Waiting);
    assert_eq!(status.fields, Some(vec![(b"data".to_vec(), b"x".to_vec())]));
    let got = client
        .receive("jobs", "default", "w7", &take(1))
        .await
        .expect("receive");
    let status = client.status("jobs", "default", id).await.expect("status");
    assert_eq!(status.state, JobState::InFlight);
    assert_eq!(status.consumer.as_deref(), Some("w7"));
    assert_eq!(status.token, Some(got[0].token));
    assert_eq!(status.deliveries, Some(1));
    client
        .term("jobs", "default", &[got[0].handle()], Some("no"))
        .await;
    let status = client.status("jobs", "default", id).await.expect("status");
    assert_eq!(status.state, JobState::DeadLettered);
    assert_eq!(status.dead_letter.as_deref(), Some("jobs:dlq"));
    assert_eq!(status.reason.as_deref(), Some("no"));

    let acked = client
        .publish("jobs", &Message::bytes("y"))
        .await
        .expect("publish")
        .id;
    let got = client
        .receive("jobs", "default", "w7", &take(1))
        .await
        .expect("receive");
    client.ack("jobs", "default", &[got[0].handle()]).await;
    let status = client
        .status("jobs", "default", acked)
        .await
        .expect("status");
    assert_eq!(status.state, JobState::Acked);
    let delayed = client
        .publish("jobs", &Message::bytes("z").delay(Duration::from_secs(60)))
        .await
        .expect("publish")
        .id;
    let status = client
        .status("jobs", "default", delayed)
        .await
        .expect("status");
    assert_eq!(status.state, JobState::Delayed);
    assert!(status.until_ms.is_some());
    let unknown = conquiet_client::EntryId { ms: 1, seq: 0 };
    let status = client
        .status("jobs", "default", unknown)
        .await
        .expect("status");
    assert_eq!(status.state, JobState::Unknown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_share_pipelines_and_each_gets_its_own_answer() {
    let server = Server::start();
    let client = server.client();
    let options = QueueOptions {
        max_entries: Some(150),
        ..QueueOptions::default()
    };
    queue(&client, "shared", options).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let client = client.clone();
        tasks.spawn(async move {
            let message = Message::new().field("n", n.to_string());
            (n, client.publish("shared", &message).await)
        });
    }
    let (mut ok, mut full) = (Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        match done.expect("task") {
            (n, Ok(p)) => ok.push((p.id, n)),
            (_, Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::Full, "{e}");
                full += 1;
            }
        }
    }
    assert_eq!((ok.len(), full), (150, 50));
    // Every accepted publish got the id of its own entry.
    ok.sort();
    let got = client
        .receive("shared", "default", "w", &take(200))
        .await
        .expect("receive");
    let stored: Vec<_> = got
        .iter()
        .map(|d| {
            (
                d.id,
                String::from_utf8_lossy(d.field("n").expect("n"))
                    .parse::<i32>()
                    .expect("n"),
            )
        })
        .collect();
    assert_eq!(stored, ok);
}
