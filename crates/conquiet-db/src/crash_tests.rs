//! Crash tests against the fault-injecting storage: power goes off at every sync point, each
//! unsynced write is then kept, dropped or torn, and the store reopened. Under `always`
//! nothing acknowledged may be lost and nothing never submitted may appear; under `never`
//! what survives is an unbroken prefix. Each checker is also run against a deliberately broken
//! store (replies before the sync) to show it can fail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use conquiet_core::{Command, GroupReadFrom, GroupStart, IdSpec, Reply, StreamId};
use conquiet_wal::{SimStorage, WalOptions};

use crate::{Db, DbOptions, FsyncPolicy, ManualClock};

const WRITERS: u64 = 4;
const ADDS_PER_WRITER: u64 = 30;

fn options(fsync: FsyncPolicy, broken: bool) -> DbOptions {
    DbOptions {
        fsync,
        // Small segments and snapshots so crashes also land on rolls and snapshot writes.
        wal: WalOptions {
            segment_bytes_max: 4096,
            ..WalOptions::default()
        },
        snapshot_log_bytes_min: 6000,
        broken_ack_before_sync: broken,
        ..DbOptions::default()
    }
}

fn key(writer: u64) -> Vec<u8> {
    format!("s{writer}").into_bytes()
}

fn add(writer: u64, n: u64) -> Command {
    Command::Add {
        key: key(writer),
        id: IdSpec::Explicit(StreamId::new(n + 1, 0)),
        fields: vec![(b"n".to_vec(), n.to_le_bytes().to_vec())],
        no_create: false,
        trim: None,
    }
}

/// What the workload saw acknowledged.
#[derive(Default)]
struct Acked {
    adds: BTreeSet<(u64, u64)>,
    acks: BTreeSet<(u64, u64)>,
    /// Whether any write was acknowledged after the first error reply (fsync failure tests).
    ok_after_error: bool,
}

/// Each writer thread adds entries to its own stream; every third entry is also read by a
/// group and acknowledged.
fn workload(db: &Db) -> Acked {
    let results: Vec<Acked> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                scope.spawn(move || {
                    let mut acked = Acked::default();
                    let mut failed = false;
                    let create = Command::GroupCreate {
                        key: key(w),
                        group: b"g".to_vec(),
                        start: GroupStart::Id(StreamId::ZERO),
                        make_stream: true,
                        entries_read: None,
                    };
                    failed |= db.submit_blocking(create).is_err();
                    for n in 0..ADDS_PER_WRITER {
                        match db.submit_blocking(add(w, n)) {
                            Ok(Reply::Id(_)) => {
                                acked.ok_after_error |= failed;
                                acked.adds.insert((w, n));
                            }
                            _ => failed = true,
                        }
                        if n % 3 == 2 {
                            let read = Command::ReadGroup {
                                group: b"g".to_vec(),
                                consumer: b"c".to_vec(),
                                streams: vec![(key(w), GroupReadFrom::New)],
                                count: Some(1),
                                no_ack: false,
                            };
                            let Ok(Reply::Read(Some(streams))) = db.submit_blocking(read) else {
                                failed = true;
                                continue;
                            };
                            let ids: Vec<StreamId> =
                                streams[0].items.iter().map(|i| i.id).collect();
                            let ack = Command::Ack {
                                key: key(w),
                                group: b"g".to_vec(),
                                ids: ids.clone(),
                            };
                            match db.submit_blocking(ack) {
                                Ok(Reply::Int(_)) => {
                                    acked.ok_after_error |= failed;
                                    acked.acks.extend(ids.iter().map(|id| (w, id.ms - 1)));
                                }
                                _ => failed = true,
                            }
                        }
                    }
                    acked
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer thread"))
            .collect()
    });
    let mut all = Acked::default();
    for r in results {
        all.adds.extend(r.adds);
        all.acks.extend(r.acks);
        all.ok_after_error |= r.ok_after_error;
    }
    all
}

/// What a reopened store holds: entries per writer, and acked (not pending, delivered) ids.
struct Found {
    entries: BTreeMap<u64, Vec<u64>>,
    pending: BTreeSet<(u64, u64)>,
    delivered_up_to: BTreeMap<u64, u64>,
}

fn inspect(db: &Db) -> Found {
    let mut found = Found {
        entries: BTreeMap::new(),
        pending: BTreeSet::new(),
        delivered_up_to: BTreeMap::new(),
    };
    for w in 0..WRITERS {
        let range = Command::Range {
            key: key(w),
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: None,
            rev: false,
        };
        let Ok(Reply::Entries(entries)) = db.submit_blocking(range) else {
            panic!("range failed")
        };
        let mut ns = Vec::new();
        for e in entries {
            let (_, value) = e.data.pairs().next().expect("one field");
            let n = u64::from_le_bytes(value.try_into().expect("8 bytes"));
            assert_eq!(
                e.id,
                StreamId::new(n + 1, 0),
                "entry content matches its id"
            );
            ns.push(n);
        }
        found.entries.insert(w, ns);
        let pending = Command::Pending {
            key: key(w),
            group: b"g".to_vec(),
            range: Some(conquiet_core::PendingRange {
                idle_min_ms: None,
                start: StreamId::ZERO,
                end: StreamId::MAX,
                count: u64::MAX,
                consumer: None,
            }),
        };
        if let Ok(Reply::PendingRange(items)) = db.submit_blocking(pending) {
            found.pending.extend(items.iter().map(|p| (w, p.id.ms - 1)));
        }
        let info = Command::InfoGroups { key: key(w) };
        if let Ok(Reply::Groups(groups)) = db.submit_blocking(info)
            && let Some(g) = groups.first()
        {
            found.delivered_up_to.insert(w, g.last_delivered_id.ms);
        }
    }
    found
}

/// Every violation of the durability contract, as readable lines.
fn violations(acked: &Acked, found: &Found, fsync: FsyncPolicy) -> Vec<String> {
    let mut out = Vec::new();
    for (w, ns) in &found.entries {
        for n in ns {
            if *n >= ADDS_PER_WRITER {
                out.push(format!("s{w}: entry {n} was never submitted"));
            }
        }
        let prefix: Vec<u64> = (0..ns.len() as u64).collect();
        if *ns != prefix {
            out.push(format!("s{w}: survivors {ns:?} are not an unbroken prefix"));
        }
    }
    if fsync == FsyncPolicy::Always {
        for (w, n) in &acked.adds {
            if !found.entries.get(w).is_some_and(|ns| ns.contains(n)) {
                out.push(format!("s{w}: acknowledged entry {n} was lost"));
            }
        }
        for (w, n) in &acked.acks {
            if found.pending.contains(&(*w, *n)) {
                out.push(format!("s{w}: acknowledged XACK of {n} was lost"));
            }
            if found.delivered_up_to.get(w).is_none_or(|up| *up < n + 1) {
                out.push(format!("s{w}: delivery of {n} was lost"));
            }
        }
    }
    out
}

/// Runs the workload with power lost at sync `k`, crashes with `seed`, reopens, and returns
/// the violations (empty when the contract held) and whether the power-off was reached.
fn crash_run(fsync: FsyncPolicy, broken: bool, k: u64, seed: u64) -> (Vec<String>, bool) {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(storage.clone()),
        options(fsync, broken),
        clock.clone(),
    )
    .expect("open");
    storage.power_off_at_sync(k);
    let acked = workload(&db);
    let _ = db.close();
    let reached = storage.sync_count() >= k;
    let after = storage.crash(seed);
    let (db, _) = match Db::open(Arc::new(after), options(fsync, false), clock) {
        Ok(opened) => opened,
        Err(e) => return (vec![format!("reopen after crash failed: {e}")], reached),
    };
    let found = inspect(&db);
    let _ = db.close();
    (violations(&acked, &found, fsync), reached)
}

/// How many syncs a full run makes, so every sync point can be visited.
fn sync_points(fsync: FsyncPolicy) -> u64 {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(Arc::new(storage.clone()), options(fsync, false), clock).expect("open");
    workload(&db);
    let _ = db.close();
    storage.sync_count()
}

fn crash_at_every_sync_point(fsync: FsyncPolicy, broken: bool, seeds: u64) -> Vec<String> {
    let points = sync_points(fsync);
    assert!(
        points > 5,
        "the workload syncs ({points}) often enough to test"
    );
    let mut failures = Vec::new();
    for k in 1..=points + 1 {
        for seed in 0..seeds {
            let (found, _) = crash_run(fsync, broken, k, seed);
            failures.extend(
                found
                    .into_iter()
                    .map(|v| format!("sync point {k}, seed {seed}: {v}")),
            );
        }
    }
    failures
}

#[test]
fn nothing_acknowledged_is_lost_at_any_sync_point_under_always() {
    let failures = crash_at_every_sync_point(FsyncPolicy::Always, false, 3);
    assert!(
        failures.is_empty(),
        "{} violations, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn crash_checker_catches_replies_sent_before_the_sync() {
    let failures = crash_at_every_sync_point(FsyncPolicy::Always, true, 3);
    assert!(
        failures.iter().any(|f| f.contains("was lost")),
        "the broken store (ack before sync) must be caught losing acknowledged writes"
    );
}

#[test]
fn survivors_are_an_unbroken_prefix_under_never() {
    let failures = crash_at_every_sync_point(FsyncPolicy::Never, false, 3);
    assert!(
        failures.is_empty(),
        "{} violations, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

/// Runs the workload with one failed fsync at sync `k` (the storage keeps working), then
/// crashes and reopens. Returns the violations, counting any acknowledgement after an error.
fn fsync_failure_run(broken: bool, k: u64, seed: u64) -> Vec<String> {
    let storage = SimStorage::new();
    let clock = Arc::new(ManualClock::new(1_000));
    let (db, _) = Db::open(
        Arc::new(storage.clone()),
        options(FsyncPolicy::Always, broken),
        clock.clone(),
    )
    .expect("open");
    storage.fail_sync_once_at(k);
    let acked = workload(&db);
    let mut out = Vec::new();
    if acked.ok_after_error {
        out.push("a write was acknowledged after an error reply".to_string());
    }
    let stats = db.stats_blocking().expect("stats");
    if stats.sync_failures > 0 {
        if !stats.poisoned {
            out.push("a failed sync did not poison the store".to_string());
        }
        if db.submit_blocking(add(0, 999)).is_ok() {
            out.push("a poisoned store accepted a write".to_string());
        }
    }
    let _ = db.close();
    let (db, _) = match Db::open(
        Arc::new(storage.crash(seed)),
        options(FsyncPolicy::Always, false),
        clock,
    ) {
        Ok(opened) => opened,
        Err(e) => return vec![format!("reopen failed: {e}")],
    };
    out.extend(violations(&acked, &inspect(&db), FsyncPolicy::Always));
    let _ = db.close();
    out
}

#[test]
fn a_failed_fsync_is_never_followed_by_an_acknowledgement() {
    let mut failures = Vec::new();
    for k in 1..=20 {
        for seed in 0..2 {
            failures.extend(
                fsync_failure_run(false, k, seed)
                    .into_iter()
                    .map(|v| format!("sync {k} seed {seed}: {v}")),
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} violations, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn fsync_failure_checker_catches_a_store_that_replies_before_syncing() {
    let caught = (1..=20).any(|k| (0..2).any(|seed| !fsync_failure_run(true, k, seed).is_empty()));
    assert!(
        caught,
        "the broken store must be seen acknowledging writes whose sync failed"
    );
}

#[test]
fn the_prefix_checker_flags_a_gap_and_an_invented_entry() {
    let acked = Acked::default();
    let found = Found {
        entries: BTreeMap::from([(0, vec![0, 1, 3]), (1, vec![0, ADDS_PER_WRITER])]),
        pending: BTreeSet::new(),
        delivered_up_to: BTreeMap::new(),
    };
    let found = violations(&acked, &found, FsyncPolicy::Never);
    assert!(
        found
            .iter()
            .any(|v| v.contains("s0") && v.contains("unbroken prefix")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|v| v.contains("never submitted")),
        "{found:?}"
    );
}
