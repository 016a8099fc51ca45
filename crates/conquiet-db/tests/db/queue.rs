//! Work-queue state through the store: it survives restarts (log replay and snapshots), a
//! blocked receive wakes when a lease ends or a delay runs out with nothing appended, and a
//! transaction refuses a command that could change a stream it does not name.

use std::sync::Arc;
use std::time::Duration;

use conquiet_core::queue::{
    Delay, GroupPolicyPatch, Handle, Publish, QueueInfo, Receive, Settle, SettleOutcome,
    StreamPolicyPatch,
};
use conquiet_core::{Command, CommandError, Reply};
use conquiet_db::{Block, Db, DbOptions, ManualClock, SimStorage, TxOutcome};

fn create(lease_ms: u64) -> Command {
    Command::QueueCreate {
        key: b"q".to_vec(),
        group: b"g".to_vec(),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: GroupPolicyPatch {
            lease_ms: Some(lease_ms),
            deliveries_max: Some(2),
            ..GroupPolicyPatch::default()
        },
    }
}

fn publish(body: &str, delay: Delay) -> Command {
    Command::Publish(Publish {
        key: b"q".to_vec(),
        fields: vec![(b"body".to_vec(), body.as_bytes().to_vec())],
        delay,
        dedup_key: Some(body.as_bytes().to_vec()),
    })
}

fn receive(consumer: &str) -> Command {
    Command::Receive(Receive {
        key: b"q".to_vec(),
        group: b"g".to_vec(),
        consumer: consumer.as_bytes().to_vec(),
        count: 10,
        lease_ms: None,
    })
}

fn info(db: &Db) -> QueueInfo {
    match db
        .submit_blocking(Command::QueueInfo { key: b"q".to_vec() })
        .expect("info")
    {
        Reply::Queues(mut q) => q.remove(0),
        other => panic!("{other:?}"),
    }
}

fn messages(reply: Reply) -> Vec<conquiet_core::queue::Message> {
    match reply {
        Reply::Messages(m) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn queue_state_survives_restarts_from_the_log_and_from_a_snapshot() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let open = |storage: &SimStorage| {
        Db::open(
            Arc::new(storage.clone()),
            DbOptions::default(),
            clock.clone(),
        )
        .expect("open")
        .0
    };
    let db = open(&storage);
    db.submit_blocking(create(60_000)).expect("create");
    for body in ["a", "b", "c"] {
        db.submit_blocking(publish(body, Delay::None))
            .expect("publish");
    }
    db.submit_blocking(publish("later", Delay::AfterMs(5_000)))
        .expect("publish");
    let got = messages(db.submit_blocking(receive("c1")).expect("receive"));
    assert_eq!(got.len(), 3);
    let nack = Command::Settle {
        key: b"q".to_vec(),
        group: b"g".to_vec(),
        action: Settle::Nack {
            delay_ms: Some(100),
            reason: b"busy".to_vec(),
        },
        handles: vec![Handle {
            id: got[0].id,
            token: got[0].token,
        }],
    };
    db.submit_blocking(nack).expect("nack");
    let before = info(&db);
    db.close().expect("close");

    let db = open(&storage.crash(3));
    assert_eq!(info(&db), before, "replayed from the log");
    db.snapshot_blocking().expect("snapshot");
    let dup = db
        .submit_blocking(publish("b", Delay::None))
        .expect("publish");
    assert!(matches!(
        dup,
        Reply::Published {
            duplicate: true,
            ..
        }
    ));
    db.close().expect("close");

    let db = open(&storage.crash(4));
    assert_eq!(info(&db), before, "restored from the snapshot");
    let stale = Command::Settle {
        key: b"q".to_vec(),
        group: b"g".to_vec(),
        action: Settle::Ack,
        handles: vec![Handle {
            id: got[1].id,
            token: got[1].token + 100,
        }],
    };
    let out = db.submit_blocking(stale).expect("settle");
    assert_eq!(
        out,
        Reply::Settled(vec![SettleOutcome::Stale {
            current: got[1].token
        }])
    );
    clock.advance(200);
    let again = messages(db.submit_blocking(receive("c2")).expect("receive"));
    assert_eq!(again.len(), 1, "the nacked entry, once its delay ran out");
    assert_eq!((again[0].id, again[0].deliveries), (got[0].id, 2));
    assert!(
        again[0].token > got[2].token,
        "tokens keep growing after restarts"
    );
    db.close().expect("close");
}

#[test]
fn a_blocked_receive_wakes_when_a_lease_ends_with_nothing_appended() {
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(SimStorage::new()),
        DbOptions::default(),
        clock.clone(),
    )
    .expect("open");
    db.submit_blocking(create(500)).expect("create");
    db.submit_blocking(publish("a", Delay::None))
        .expect("publish");
    let first = messages(db.submit_blocking(receive("c1")).expect("receive"));
    let waiter = {
        let db = db.clone();
        std::thread::spawn(move || db.submit_blocking_with(receive("c2"), Block::Ms(60_000)))
    };
    std::thread::sleep(Duration::from_millis(100));
    assert!(!waiter.is_finished(), "nothing is due yet");
    clock.advance(500);
    let got = messages(waiter.join().expect("thread").expect("receive"));
    assert_eq!((got[0].id, got[0].deliveries), (first[0].id, 2));
    db.close().expect("close");
}

#[test]
fn a_blocked_receive_ends_empty_at_its_deadline_and_at_close() {
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(SimStorage::new()),
        DbOptions::default(),
        clock.clone(),
    )
    .expect("open");
    db.submit_blocking(create(500)).expect("create");
    let timed = {
        let db = db.clone();
        std::thread::spawn(move || db.submit_blocking_with(receive("c"), Block::Ms(50)))
    };
    std::thread::sleep(Duration::from_millis(50));
    clock.advance(100);
    assert_eq!(
        timed.join().expect("thread").expect("receive"),
        Reply::Messages(Vec::new())
    );
    let forever = {
        let db = db.clone();
        std::thread::spawn(move || db.submit_blocking_with(receive("c"), Block::Ms(0)))
    };
    std::thread::sleep(Duration::from_millis(50));
    db.close().expect("close");
    assert_eq!(
        forever.join().expect("thread").expect("receive"),
        Reply::Messages(Vec::new())
    );
}

#[test]
fn a_transaction_refuses_a_receive_and_keeps_its_other_commands() {
    let (db, _) = Db::open(
        Arc::new(SimStorage::new()),
        DbOptions::default(),
        Arc::new(ManualClock::new(1_000)),
    )
    .expect("open");
    db.submit_blocking(create(500)).expect("create");
    db.submit_blocking(publish("a", Delay::None))
        .expect("publish");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let outcome = runtime
        .block_on(db.submit_transaction(vec![publish("b", Delay::None), receive("c")], Vec::new()))
        .expect("transaction");
    let TxOutcome::Done(replies) = outcome else {
        panic!("not watched, so not aborted");
    };
    assert!(matches!(replies[0], Ok(Reply::Published { .. })));
    assert_eq!(replies[1], Err(CommandError::NotInTransaction));
    let q = info(&db);
    assert_eq!((q.length, q.groups[0].pending), (2, 0));
    db.close().expect("close");
}
