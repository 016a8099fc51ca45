//! The store through its public handle: durability across restarts, blocking reads, snapshots,
//! compaction, torn tails, corruption and a full disk.

use std::sync::Arc;
use std::time::Duration;

use conquiet_core::{Command, ReadFrom, Reply, StreamId, Trim, TrimTo};
use conquiet_db::{
    Block, Db, DbError, DbOptions, FsyncPolicy, ManualClock, SimStorage, WalOptions,
};

use crate::common::{add, entries, group_create, range_all, read_group};

fn small() -> DbOptions {
    DbOptions {
        wal: WalOptions {
            segment_bytes_max: 16 << 10,
            ..WalOptions::default()
        },
        snapshot_log_bytes_min: 64 << 10,
        ..DbOptions::default()
    }
}

#[test]
fn entries_and_group_state_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    db.submit_blocking(group_create("s", "g")).expect("group");
    for i in 0..10 {
        db.submit_blocking(add("s", &[("i", &i.to_string())]))
            .expect("add");
    }
    db.submit_blocking(read_group("s", "g", "c", 4))
        .expect("read");
    db.close().expect("close");
    let (db, report) = Db::open_dir(dir.path(), DbOptions::default()).expect("reopen");
    assert_eq!(report.records_replayed, 12);
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        10
    );
    let pending = Command::Pending {
        key: b"s".to_vec(),
        group: b"g".to_vec(),
        range: None,
    };
    match db.submit_blocking(pending).expect("pending") {
        Reply::PendingSummary(summary) => assert_eq!(summary.count, 4),
        other => panic!("{other:?}"),
    }
    db.close().expect("close");
}

#[test]
fn a_blocked_read_wakes_on_append_from_another_caller() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    let reader = {
        let db = db.clone();
        std::thread::spawn(move || {
            let read = Command::Read {
                streams: vec![(b"s".to_vec(), ReadFrom::Last)],
                count: None,
            };
            db.submit_blocking_with(read, Block::Ms(0))
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !reader.is_finished(),
        "BLOCK 0 waits while there is nothing new"
    );
    db.submit_blocking(add("s", &[("a", "1")])).expect("add");
    match reader.join().expect("reader").expect("read") {
        Reply::Read(Some(streams)) => assert_eq!(streams[0].items.len(), 1),
        other => panic!("expected the new entry, got {other:?}"),
    }
    db.close().expect("close");
}

#[test]
fn blocked_group_readers_are_served_in_arrival_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    db.submit_blocking(group_create("s", "g")).expect("group");
    let mut readers = Vec::new();
    for c in 0..3 {
        let db = db.clone();
        readers.push(std::thread::spawn(move || {
            db.submit_blocking_with(read_group("s", "g", &format!("c{c}"), 1), Block::Ms(5_000))
        }));
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 0..3 {
        db.submit_blocking(add("s", &[("i", &i.to_string())]))
            .expect("add");
    }
    let mut got = Vec::new();
    for r in readers {
        match r.join().expect("reader").expect("read") {
            Reply::Read(Some(streams)) => got.push(streams[0].items[0].id),
            other => panic!("{other:?}"),
        }
    }
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(got, sorted, "the first to block gets the first entry");
    db.close().expect("close");
}

#[test]
fn a_blocked_read_times_out_empty_and_close_wakes_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    let read = Command::Read {
        streams: vec![(b"s".to_vec(), ReadFrom::Last)],
        count: None,
    };
    let reply = db
        .submit_blocking_with(read.clone(), Block::Ms(50))
        .expect("read");
    assert_eq!(reply, Reply::Read(None));
    let forever = {
        let db = db.clone();
        std::thread::spawn(move || db.submit_blocking_with(read, Block::Ms(0)))
    };
    std::thread::sleep(Duration::from_millis(50));
    db.close().expect("close");
    assert_eq!(
        forever.join().expect("reader").expect("read"),
        Reply::Read(None)
    );
}

#[test]
fn commands_are_answered_while_old_segments_are_being_deleted() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(Arc::new(storage.clone()), small(), clock).expect("open");
    // Deleting a large file takes a while on a real disk; here it takes until released.
    storage.hold_removes();
    let (done, finished) = std::sync::mpsc::channel();
    let handle = db.clone();
    std::thread::spawn(move || {
        let value = "x".repeat(100);
        let mut result = Ok(());
        // Each snapshot past the second makes the oldest one, and the segments only it
        // needed, old.
        for _ in 0..4 {
            for _ in 0..200 {
                result = result.and(handle.submit_blocking(add("s", &[("v", &value)])).map(drop));
            }
            result = result.and(handle.snapshot_blocking());
        }
        let _ = done.send(result);
    });
    let answered = finished.recv_timeout(Duration::from_secs(60));
    storage.release_removes();
    answered
        .expect("commands and snapshots were answered while the deletion waited")
        .expect("adds and snapshots");
    db.close().expect("close");
    let files = storage.files();
    let snapshots = files.iter().filter(|f| f.starts_with("snap-")).count();
    assert_eq!(
        snapshots, 2,
        "the older snapshots went once released: {files:?}"
    );
    let (db, _) = Db::open(
        Arc::new(storage.crash(3)),
        small(),
        Arc::new(ManualClock::new(2_000)),
    )
    .expect("reopen");
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        800
    );
    db.close().expect("close");
}

#[test]
fn recovery_uses_the_snapshot_plus_the_log_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), small()).expect("open");
    for i in 0..50 {
        db.submit_blocking(add("s", &[("i", &i.to_string())]))
            .expect("add");
    }
    db.snapshot_blocking().expect("snapshot");
    for i in 50..60 {
        db.submit_blocking(add("s", &[("i", &i.to_string())]))
            .expect("add");
    }
    db.close().expect("close");
    let (db, report) = Db::open_dir(dir.path(), small()).expect("reopen");
    assert!(report.snapshot.is_some(), "{report:?}");
    assert_eq!(
        report.records_replayed, 10,
        "only the tail after the snapshot is replayed"
    );
    let all = entries(db.submit_blocking(range_all("s")).expect("range"));
    assert_eq!(all.len(), 60);
    db.close().expect("close");
}

#[test]
fn disk_use_stays_proportional_to_live_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = DbOptions {
        fsync: FsyncPolicy::Never,
        ..small()
    };
    let (db, _) = Db::open_dir(dir.path(), options.clone()).expect("open");
    let value = "v".repeat(500);
    let trim = Trim {
        to: TrimTo::MaxLen(100),
        approx: false,
        limit: 0,
    };
    for _ in 0..5_000 {
        let mut command = add("s", &[("v", &value)]);
        if let Command::Add { trim: t, .. } = &mut command {
            *t = Some(trim);
        }
        db.submit_blocking(command).expect("add");
    }
    // Let the background snapshot finish and the old segments go.
    for _ in 0..100 {
        db.snapshot_blocking().expect("snapshot");
        if db.stats_blocking().expect("stats").segments <= 4 {
            break;
        }
    }
    let stats = db.stats_blocking().expect("stats");
    db.close().expect("close");
    let bytes: u64 = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    // 100 live entries of ~520 bytes: 2.5 MB were written, far less must remain.
    assert!(
        bytes < 400_000,
        "{bytes} bytes on disk for 100 live entries; {stats:?}"
    );
    let (db, _) = Db::open_dir(dir.path(), options).expect("reopen");
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        100
    );
    db.close().expect("close");
}

#[test]
fn a_full_disk_is_an_error_reply_and_the_store_keeps_working() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(storage.clone()),
        DbOptions::default(),
        clock.clone(),
    )
    .expect("open");
    db.submit_blocking(add("s", &[("a", "1")])).expect("add");
    storage.fail_writes_after_bytes(0);
    let refused = db.submit_blocking(add("s", &[("a", "2")]));
    assert!(matches!(refused, Err(DbError::Write(_))), "{refused:?}");
    storage.clear_faults();
    db.submit_blocking(add("s", &[("a", "3")]))
        .expect("works again once space is back");
    let all = entries(db.submit_blocking(range_all("s")).expect("range"));
    assert_eq!(all.len(), 2, "the refused entry was not applied");
    db.close().expect("close");
    let (db, _) =
        Db::open(Arc::new(storage.crash(7)), DbOptions::default(), clock).expect("reopen");
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        2
    );
    db.close().expect("close");
}

#[test]
fn a_corrupt_record_in_the_middle_refuses_the_start_naming_file_and_offset() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(storage.clone()),
        DbOptions::default(),
        clock.clone(),
    )
    .expect("open");
    for i in 0..20 {
        db.submit_blocking(add("s", &[("i", &i.to_string())]))
            .expect("add");
    }
    db.close().expect("close");
    let segment = storage
        .files()
        .into_iter()
        .find(|f| f.starts_with("wal-"))
        .expect("a segment");
    storage.corrupt(&segment, 200, 0xFF);
    let error = Db::open(Arc::new(storage), DbOptions::default(), clock)
        .err()
        .expect("refused");
    let text = error.to_string();
    assert!(text.contains(&segment) && text.contains("offset"), "{text}");
}

#[test]
fn xadd_ids_come_from_the_injected_clock() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(5_000));
    let (db, _) = Db::open(Arc::new(storage), DbOptions::default(), clock.clone()).expect("open");
    assert_eq!(
        db.submit_blocking(add("s", &[("a", "1")])).expect("add"),
        Reply::Id(StreamId::new(5_000, 0))
    );
    assert_eq!(
        db.submit_blocking(add("s", &[("a", "1")])).expect("add"),
        Reply::Id(StreamId::new(5_000, 1))
    );
    clock.advance(10);
    assert_eq!(
        db.submit_blocking(add("s", &[("a", "1")])).expect("add"),
        Reply::Id(StreamId::new(5_010, 0))
    );
    db.close().expect("close");
}

#[test]
fn a_torn_tail_is_truncated_reported_and_appending_continues() {
    let clock = Arc::new(ManualClock::new(1_000));
    let options = DbOptions {
        fsync: FsyncPolicy::Never,
        ..DbOptions::default()
    };
    let mut torn_seen = false;
    for seed in 0..40 {
        let storage = SimStorage::new();
        let (db, _) =
            Db::open(Arc::new(storage.clone()), options.clone(), clock.clone()).expect("open");
        for i in 0..30 {
            db.submit_blocking(add("s", &[("i", &i.to_string())]))
                .expect("add");
        }
        // Power goes before close can sync: the unsynced appends are kept, dropped or torn.
        storage.power_off_at_sync(1);
        let _ = db.close();
        let (db, report) = Db::open(
            Arc::new(storage.crash(seed)),
            options.clone(),
            clock.clone(),
        )
        .expect("reopen");
        torn_seen |= report.torn_tail.is_some();
        let survivors: Vec<String> = entries(db.submit_blocking(range_all("s")).expect("range"))
            .iter()
            .map(|e| String::from_utf8_lossy(e.data.pairs().next().expect("field").1).into_owned())
            .collect();
        let prefix: Vec<String> = (0..survivors.len()).map(|i| i.to_string()).collect();
        assert_eq!(
            survivors, prefix,
            "seed {seed}: survivors are an unbroken prefix"
        );
        db.submit_blocking(add("s", &[("i", "after")]))
            .expect("appending continues after the cut");
        db.close().expect("close");
    }
    assert!(
        torn_seen,
        "some seed must tear the tail, or this test shows nothing"
    );
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
        .block_on(future)
}

#[test]
fn a_transaction_is_one_record_and_its_commands_see_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    db.submit_blocking(group_create("s", "g")).expect("group");
    db.submit_blocking(add("s", &[("a", "1")])).expect("add");
    let outcome = block_on(db.submit_transaction(
        vec![
            read_group("s", "g", "c", 10),
            add("t", &[("b", "2")]),
            Command::Len { key: b"t".to_vec() },
        ],
        Vec::new(),
    ))
    .expect("transaction");
    let conquiet_db::TxOutcome::Done(replies) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(replies.len(), 3);
    assert_eq!(
        replies[2],
        Ok(Reply::Int(1)),
        "the third command sees the second's entry"
    );
    db.close().expect("close");
    let (db, report) = Db::open_dir(dir.path(), DbOptions::default()).expect("reopen");
    assert_eq!(
        report.records_replayed, 3,
        "group, add, and the transaction as one record"
    );
    assert_eq!(
        entries(db.submit_blocking(range_all("t")).expect("range")).len(),
        1
    );
    db.close().expect("close");
}

#[test]
fn a_watched_key_changed_since_watch_aborts_the_transaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    let versions = block_on(db.watch(vec![b"s".to_vec()])).expect("watch");
    let watched = vec![(b"s".to_vec(), versions[0])];
    db.submit_blocking(add("s", &[("a", "1")])).expect("add");
    let outcome = block_on(db.submit_transaction(vec![add("s", &[("a", "2")])], watched.clone()))
        .expect("transaction");
    assert_eq!(outcome, conquiet_db::TxOutcome::Aborted);
    let versions = block_on(db.watch(vec![b"s".to_vec()])).expect("watch");
    let outcome = block_on(db.submit_transaction(
        vec![add("s", &[("a", "3")])],
        vec![(b"s".to_vec(), versions[0])],
    ))
    .expect("transaction");
    assert!(
        matches!(outcome, conquiet_db::TxOutcome::Done(_)),
        "{outcome:?}"
    );
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        2
    );
    db.close().expect("close");
}

#[test]
fn a_transaction_that_cannot_be_logged_changes_nothing_and_the_store_goes_on() {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(Arc::new(storage.clone()), DbOptions::default(), clock).expect("open");
    db.submit_blocking(group_create("s", "g")).expect("group");
    db.submit_blocking(add("s", &[("a", "1")])).expect("add");
    storage.fail_writes_after_bytes(0);
    let refused = block_on(db.submit_transaction(
        vec![
            read_group("s", "g", "c", 10),
            add("s", &[("b", "2")]),
            add("new", &[("c", "3")]),
        ],
        Vec::new(),
    ));
    assert!(matches!(refused, Err(DbError::Write(_))), "{refused:?}");
    storage.clear_faults();
    assert_eq!(
        entries(db.submit_blocking(range_all("s")).expect("range")).len(),
        1
    );
    let exists = Command::Exists {
        keys: vec![b"new".to_vec()],
    };
    assert_eq!(
        db.submit_blocking(exists).expect("exists"),
        Reply::Int(0),
        "the new stream is gone"
    );
    let pending = Command::Pending {
        key: b"s".to_vec(),
        group: b"g".to_vec(),
        range: None,
    };
    match db.submit_blocking(pending).expect("pending") {
        Reply::PendingSummary(summary) => assert_eq!(summary.count, 0, "the read was undone"),
        other => panic!("{other:?}"),
    }
    db.submit_blocking(add("s", &[("d", "4")]))
        .expect("the store still takes writes");
    db.close().expect("close");
}

#[test]
fn config_set_is_logged_and_survives_restart_with_and_without_a_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("open");
    let node = conquiet_core::NodeLimits {
        entries_max: 3,
        bytes_max: 1000,
    };
    db.submit_blocking(Command::SetConfig { node })
        .expect("config set");
    db.close().expect("close");
    let (db, _) = Db::open_dir(dir.path(), DbOptions::default()).expect("reopen from the log");
    let stats = db.stats_blocking().expect("stats");
    assert_eq!((stats.node_entries_max, stats.node_bytes_max), (3, 1000));
    db.snapshot_blocking().expect("snapshot");
    db.close().expect("close");
    let (db, report) =
        Db::open_dir(dir.path(), DbOptions::default()).expect("reopen from the snapshot");
    assert!(report.snapshot.is_some());
    let stats = db.stats_blocking().expect("stats");
    assert_eq!((stats.node_entries_max, stats.node_bytes_max), (3, 1000));
    db.close().expect("close");
}
