//! Crash tests (the crate's one integration-test binary). A seeded workload appends, syncs,
//! removes old segments and runs out of disk; a power cut (or a failed fsync) hits it at every
//! sync point in turn; `SimStorage::crash` builds a post-crash image from a seed. Recovery must
//! then yield an unbroken, byte-identical prefix of what was appended (nothing invented) that
//! holds every record a successful sync acknowledged, and the log must go on from there.
//!
//! Failures print the seeds. `CONQUIET_CRASH_SEEDS=n` widens the sweep;
//! `CONQUIET_CRASH_SEED=s` replays one workload seed.

use std::io;
use std::sync::Arc;

use conquiet_wal::{Lsn, RecoveryReport, SimStorage, Storage, StorageFile, Wal, WalOptions};

/// SplitMix64, so every run replays from its seed without a global source of randomness.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    PowerOffAtSync(u64),
    FailSyncOnceAt(u64),
}

/// What the workload did, as much as the checker may rely on.
#[derive(Debug)]
struct History {
    options: WalOptions,
    /// `appended[i]` is the payload of lsn `i + 1`.
    appended: Vec<Vec<u8>>,
    /// Every lsn up to this one was acknowledged by a successful `sync`.
    acked: u64,
    /// Replay starts here: `remove_before` may have dropped the records below.
    from: Lsn,
    /// Set when a restart without a crash replayed something other than what was appended.
    violation: Option<String>,
    /// Appends refused for a full disk, and restarts without a crash: coverage, not contract.
    storage_full: u64,
    restarts: u64,
}

/// What a sweep exercised, so it cannot pass by testing nothing.
#[derive(Debug, Default)]
struct Coverage {
    cases: u64,
    torn_tails: u64,
    unsynced_lost: u64,
    crashes_during_recovery: u64,
    storage_full: u64,
    restarts: u64,
}

fn random_payload(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(10) {
        0 => 0,
        1 => 60 + rng.below(90),
        _ => 1 + rng.below(40),
    };
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Runs the workload of `seed` until it ends or the log is poisoned.
fn workload(storage: Arc<dyn Storage>, sim: &SimStorage, seed: u64, fault: Fault) -> History {
    let mut rng = Rng::new(seed);
    let options = WalOptions {
        segment_bytes_max: 80 + rng.below(400),
        record_bytes_max: 150,
    };
    let mut history = History {
        options,
        appended: Vec::new(),
        acked: 0,
        from: Lsn(1),
        violation: None,
        storage_full: 0,
        restarts: 0,
    };
    match fault {
        Fault::None => {}
        Fault::PowerOffAtSync(k) => sim.power_off_at_sync(k),
        Fault::FailSyncOnceAt(k) => sim.fail_sync_once_at(k),
    }
    let opened = Wal::open(Arc::clone(&storage), options, Lsn(1), &mut |_, _| Ok(()));
    let Ok((mut wal, _)) = opened else {
        return history;
    };
    let mut disk_full = false;
    for _ in 0..10 + rng.below(70) {
        match rng.below(20) {
            0..=11 => {
                let payload = random_payload(&mut rng);
                match wal.append(&payload) {
                    Ok(lsn) => {
                        assert_eq!(
                            lsn.0,
                            history.appended.len() as u64 + 1,
                            "lsns are consecutive"
                        );
                        history.appended.push(payload);
                    }
                    Err(_) if wal.is_poisoned() => break,
                    Err(error) => {
                        assert!(error.is_storage_full() || sim.is_powered_off(), "{error}");
                        history.storage_full += u64::from(error.is_storage_full());
                    }
                }
            }
            12..=16 => match wal.sync() {
                Ok(()) => history.acked = history.appended.len() as u64,
                Err(_) => break,
            },
            17 => {
                let lsn = Lsn(1 + rng.below(wal.synced_lsn().0));
                history.from = history.from.max(lsn);
                if wal.remove_before(lsn).is_err() && wal.is_poisoned() {
                    break;
                }
            }
            18 => {
                // A restart without a crash: everything appended and written is readable, and
                // open makes it durable, so all of it counts as acknowledged from here on. (The
                // store writes its buffered records at the end of every batch.)
                if wal.flush().is_err() {
                    break;
                }
                drop(wal);
                let Ok((reopened, replayed, _)) = reopen_on(Arc::clone(&storage), &history) else {
                    return history;
                };
                wal = reopened;
                history.restarts += 1;
                let expected = &history.appended[history.from.0 as usize - 1..];
                let same = replayed.iter().map(|(_, bytes)| bytes).eq(expected.iter());
                if !same || wal.next_lsn().0 != history.appended.len() as u64 + 1 {
                    history.violation =
                        Some(format!("restart replayed {} records", replayed.len()));
                    return history;
                }
                history.acked = history.appended.len() as u64;
            }
            _ => {
                // Fill the disk after a few more bytes, or make room again.
                let budget = if disk_full { u64::MAX } else { rng.below(300) };
                sim.fail_writes_after_bytes(budget);
                disk_full = !disk_full;
            }
        }
    }
    history
}

type Replayed = Vec<(Lsn, Vec<u8>)>;
type Reopened = (Wal, Replayed, RecoveryReport);

fn reopen(storage: &SimStorage, history: &History) -> Result<Reopened, String> {
    reopen_on(Arc::new(storage.clone()), history)
}

fn reopen_on(storage: Arc<dyn Storage>, history: &History) -> Result<Reopened, String> {
    let mut replayed = Vec::new();
    let mut collect = |lsn: Lsn, bytes: &[u8]| {
        replayed.push((lsn, bytes.to_vec()));
        Ok(())
    };
    let opened = Wal::open(storage, history.options, history.from, &mut collect);
    let (wal, report) = opened.map_err(|error| format!("recovery refused: {error}"))?;
    Ok((wal, replayed, report))
}

/// The crash contract: an unbroken run of lsns from `history.from` to `next - 1`, each
/// byte-identical to what was appended, ending no earlier than the last acknowledged record.
fn check(history: &History, replayed: &[(Lsn, Vec<u8>)], next: Lsn) -> Result<(), String> {
    if let Some(violation) = &history.violation {
        return Err(violation.clone());
    }
    for (index, (lsn, bytes)) in replayed.iter().enumerate() {
        let expected = history.from.0 + index as u64;
        if lsn.0 != expected {
            return Err(format!("replay gave lsn {lsn} where {expected} belongs"));
        }
        let Some(appended) = history.appended.get(expected as usize - 1) else {
            return Err(format!("record {lsn} was never appended: invented"));
        };
        if bytes != appended {
            return Err(format!("record {lsn} differs from what was appended"));
        }
    }
    if replayed.len() as u64 != next.0 - history.from.0 {
        return Err(format!(
            "replayed {} records, but the log ends at {next}",
            replayed.len()
        ));
    }
    if next.0 <= history.acked {
        let acked = history.acked;
        return Err(format!(
            "record {acked} was acknowledged by a sync, but the log ends at {next}"
        ));
    }
    Ok(())
}

/// Recovers a crashed image; one time in three the power fails again during recovery itself,
/// and recovery from that second crash must give the same guarantees.
fn recover_maybe_twice(
    crashed: SimStorage,
    history: &History,
    crash_seed: u64,
    coverage: &mut Coverage,
) -> Result<(SimStorage, Reopened), String> {
    let mut rng = Rng::new(crash_seed);
    if rng.below(3) == 0 {
        crashed.power_off_at_sync(1 + rng.below(3));
        if let Ok(reopened) = reopen(&crashed, history) {
            crashed.clear_faults();
            return Ok((crashed, reopened));
        }
        coverage.crashes_during_recovery += 1;
        let again = crashed.crash(rng.next_u64());
        let reopened = reopen(&again, history)?;
        return Ok((again, reopened));
    }
    let reopened = reopen(&crashed, history)?;
    Ok((crashed, reopened))
}

/// One workload, one fault, one crash; then more appends, a sync and a second crash, to show
/// the cut was durable and the log goes on at the right lsn.
fn run_case(
    seed: u64,
    fault: Fault,
    crash_seed: u64,
    coverage: &mut Coverage,
) -> Result<(), String> {
    let sim = SimStorage::new();
    let mut history = workload(Arc::new(sim.clone()), &sim, seed, fault);
    let crashed = sim.crash(crash_seed);
    let (crashed, (mut wal, replayed, report)) =
        recover_maybe_twice(crashed, &history, crash_seed, coverage)?;
    check(&history, &replayed, wal.next_lsn())?;
    coverage.cases += 1;
    coverage.torn_tails += u64::from(report.torn_tail.is_some());
    coverage.unsynced_lost += u64::from(wal.next_lsn().0 <= history.appended.len() as u64);
    coverage.storage_full += history.storage_full;
    coverage.restarts += history.restarts;

    history.appended.truncate(wal.next_lsn().0 as usize - 1);
    for extra in 0..3u8 {
        let payload = vec![extra; 1 + usize::from(extra) * 20];
        let lsn = wal
            .append(&payload)
            .map_err(|error| format!("append after recovery: {error}"))?;
        if lsn.0 != history.appended.len() as u64 + 1 {
            return Err(format!("append after recovery got lsn {lsn}"));
        }
        history.appended.push(payload);
    }
    wal.sync()
        .map_err(|error| format!("sync after recovery: {error}"))?;
    history.acked = history.appended.len() as u64;
    drop(wal);
    let (wal, replayed, _) = reopen(&crashed.crash(crash_seed.rotate_left(17)), &history)?;
    check(&history, &replayed, wal.next_lsn()).map_err(|error| format!("second crash: {error}"))
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
}

fn sync_points(seed: u64) -> u64 {
    let sim = SimStorage::new();
    workload(Arc::new(sim.clone()), &sim, seed, Fault::None);
    sim.sync_count()
}

/// Workload seeds in the default sweep: each runs every sync point with two faults and two
/// crash images (some thousands of cases, a second or two).
const SWEEP_SEEDS_DEFAULT: u64 = 120;

#[test]
fn recovery_keeps_every_synced_record_and_invents_none_at_every_sync_point() {
    let single = env_u64("CONQUIET_CRASH_SEED");
    let seeds = match single {
        Some(seed) => seed..seed + 1,
        None => 0..env_u64("CONQUIET_CRASH_SEEDS").unwrap_or(SWEEP_SEEDS_DEFAULT),
    };
    let mut coverage = Coverage::default();
    for seed in seeds {
        for k in 1..=sync_points(seed) + 1 {
            for fault in [Fault::PowerOffAtSync(k), Fault::FailSyncOnceAt(k)] {
                for crash_seed in [seed.wrapping_mul(1_000_003) ^ k, !seed ^ (k << 32)] {
                    if let Err(error) = run_case(seed, fault, crash_seed, &mut coverage) {
                        panic!(
                            "workload seed {seed}, {fault:?}, crash seed {crash_seed}: {error}\n\
                             replay with CONQUIET_CRASH_SEED={seed}"
                        );
                    }
                }
            }
        }
    }
    eprintln!("{coverage:?}");
    assert!(coverage.cases > 0, "{coverage:?}");
    // A full sweep must reach every kind of trouble, or it proves less than it claims.
    if single.is_none() {
        assert!(coverage.torn_tails > 0, "{coverage:?}");
        assert!(coverage.unsynced_lost > 0, "{coverage:?}");
        assert!(coverage.crashes_during_recovery > 0, "{coverage:?}");
        assert!(coverage.storage_full > 0, "{coverage:?}");
        assert!(coverage.restarts > 0, "{coverage:?}");
    }
}

#[test]
fn the_checker_rejects_gaps_inventions_changed_bytes_and_lost_acks() {
    let history = History {
        options: WalOptions::default(),
        appended: vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
        acked: 2,
        from: Lsn(1),
        violation: None,
        storage_full: 0,
        restarts: 0,
    };
    let record = |lsn: u64, bytes: &[u8]| (Lsn(lsn), bytes.to_vec());
    let good = vec![record(1, b"a"), record(2, b"b")];
    assert_eq!(check(&history, &good, Lsn(3)), Ok(()));
    let gap = vec![record(1, b"a"), record(3, b"c")];
    assert!(
        check(&history, &gap, Lsn(4))
            .unwrap_err()
            .contains("lsn 3 where 2 belongs")
    );
    let changed = vec![record(1, b"a"), record(2, b"x")];
    assert!(
        check(&history, &changed, Lsn(3))
            .unwrap_err()
            .contains("differs")
    );
    let invented = vec![
        record(1, b"a"),
        record(2, b"b"),
        record(3, b"c"),
        record(4, b"d"),
    ];
    assert!(
        check(&history, &invented, Lsn(5))
            .unwrap_err()
            .contains("invented")
    );
    let lost = vec![record(1, b"a")];
    assert!(
        check(&history, &lost, Lsn(2))
            .unwrap_err()
            .contains("acknowledged")
    );
}

/// A storage whose files claim to sync but never do: the bug the crash test exists to catch.
struct LyingSync(SimStorage);
struct LyingFile(Box<dyn StorageFile>);

impl Storage for LyingSync {
    fn list(&self) -> io::Result<Vec<String>> {
        self.0.list()
    }
    fn open(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(LyingFile(self.0.open(name)?)))
    }
    fn create(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(LyingFile(self.0.create(name)?)))
    }
    fn remove(&self, name: &str) -> io::Result<()> {
        self.0.remove(name)
    }
    fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        self.0.rename(from, to)
    }
    fn sync_dir(&self) -> io::Result<()> {
        self.0.sync_dir()
    }
}

impl StorageFile for LyingFile {
    fn len(&self) -> io::Result<u64> {
        self.0.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.0.read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.0.write_at(offset, data)
    }
    fn reserve(&mut self, offset: u64, len: u64) -> io::Result<()> {
        self.0.reserve(offset, len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn try_clone(&self) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(LyingFile(self.0.try_clone()?)))
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.0.truncate(len)
    }
}

#[test]
fn the_crash_check_fails_when_sync_lies() {
    let mut caught = 0;
    for seed in 0..40 {
        let sim = SimStorage::new();
        let history = workload(Arc::new(LyingSync(sim.clone())), &sim, seed, Fault::None);
        let outcome = reopen(&sim.crash(seed), &history)
            .and_then(|(wal, replayed, _)| check(&history, &replayed, wal.next_lsn()));
        caught += u32::from(outcome.is_err());
    }
    assert!(caught > 0, "a sync that lies must be caught by some seed");
}

/// Recovery without checksums or the torn-tail rule: trusts every length and payload.
fn naive_recover(storage: &SimStorage) -> Replayed {
    let mut records = Vec::new();
    for name in storage
        .files()
        .iter()
        .filter(|name| name.starts_with("wal-"))
    {
        let bytes = storage.file_bytes(name).unwrap_or_default();
        let mut at = 32;
        while at + 24 <= bytes.len() {
            let len =
                u32::from_le_bytes(bytes[at..at + 4].try_into().expect("a 4-byte slice")) as usize;
            let lsn =
                u64::from_le_bytes(bytes[at + 8..at + 16].try_into().expect("an 8-byte slice"));
            let end = (at + 24).saturating_add(len).min(bytes.len());
            records.push((Lsn(lsn), bytes[at + 24..end].to_vec()));
            at = end;
        }
    }
    records
}

#[test]
fn the_crash_check_fails_when_recovery_ignores_checksums() {
    let mut caught = 0;
    for seed in 0..40 {
        let sim = SimStorage::new();
        let history = workload(Arc::new(sim.clone()), &sim, seed, Fault::PowerOffAtSync(6));
        let recovered = naive_recover(&sim.crash(seed));
        let replayed: Replayed = recovered
            .into_iter()
            .filter(|(lsn, _)| *lsn >= history.from)
            .collect();
        let next = Lsn(history.from.0 + replayed.len() as u64);
        caught += u32::from(check(&history, &replayed, next).is_err());
    }
    assert!(
        caught > 0,
        "a recovery that trusts torn bytes must be caught by some seed"
    );
}
