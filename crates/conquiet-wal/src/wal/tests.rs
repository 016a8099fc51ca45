use std::io;
use std::sync::Arc;

use super::*;
use crate::format::{RECORD_SYNCED_LSN_OFFSET, segment_name};
use crate::testkit::*;
use crate::{FsStorage, SimStorage};

fn options(segment_bytes_max: u64, record_bytes_max: u32) -> WalOptions {
    WalOptions {
        segment_bytes_max,
        record_bytes_max,
    }
}

#[test]
fn records_round_trip_over_many_segments() {
    let storage = SimStorage::new();
    let (mut wal, report, replayed) = open(&storage, small_options());
    assert_eq!(report.segments, 1);
    assert!(replayed.is_empty());
    let appended = append_all(&mut wal, 1..301);
    assert_eq!(appended.first().map(|r| r.0), Some(Lsn(1)));
    wal.sync().unwrap();
    assert!(wal.segment_count() > 50, "{} segments", wal.segment_count());
    let on_disk: u64 = contents(&storage)
        .values()
        .map(|bytes| bytes.len() as u64)
        .sum();
    assert_eq!(wal.disk_bytes(), on_disk);
    let segments = wal.segment_count();
    drop(wal);

    let (wal, report, replayed) = open(&storage, small_options());
    assert_eq!(replayed, appended);
    assert_eq!(report.records_replayed, 300);
    assert_eq!(report.last_lsn, Some(Lsn(300)));
    assert_eq!(report.torn_tail, None);
    assert_eq!(report.segments, segments);
    assert_eq!((wal.next_lsn(), wal.synced_lsn()), (Lsn(301), Lsn(301)));
    assert_eq!(wal.disk_bytes(), on_disk);
}

#[test]
fn a_segment_rolls_exactly_when_the_next_record_would_not_fit() {
    let storage = SimStorage::new();
    // Header 32 + two records of 24 + 10 = 100 bytes: the third record rolls.
    let (mut wal, _, _) = open(&storage, options(100, 50));
    for lsn in 1..=2 {
        assert_eq!(wal.append(&[7; 10]).unwrap(), Lsn(lsn));
        assert_eq!(wal.segment_count(), 1);
    }
    let syncs = storage.sync_count();
    assert_eq!(wal.append(&[7; 10]).unwrap(), Lsn(3));
    assert_eq!(wal.segment_count(), 2);
    // Rolling synced the old segment, then the new header, then the directory.
    assert_eq!(storage.sync_count(), syncs + 3);
    assert_eq!(wal.synced_lsn(), Lsn(3));
    let names = segment_files(&storage);
    assert_eq!(names, vec![segment_name(Lsn(1)), segment_name(Lsn(3))]);
    assert_eq!(contents(&storage)[&names[0]].len(), 100);
}

#[test]
fn a_record_larger_than_a_segment_goes_alone_into_a_fresh_segment() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, options(100, 500));
    // The first segment is empty, so the big record needs no roll.
    wal.append(&[1; 200]).unwrap();
    assert_eq!(wal.segment_count(), 1);
    wal.append(&[2; 5]).unwrap();
    wal.append(&[3; 300]).unwrap();
    wal.append(&[4; 5]).unwrap();
    assert_eq!(wal.segment_count(), 4);
    wal.flush().unwrap();
    let sizes: Vec<usize> = contents(&storage).values().map(Vec::len).collect();
    assert_eq!(
        sizes,
        vec![32 + 24 + 200, 32 + 24 + 5, 32 + 24 + 300, 32 + 24 + 5]
    );
    wal.sync().unwrap();
    drop(wal);
    let (_, _, replayed) = open(&storage, options(100, 500));
    let lens: Vec<usize> = replayed.iter().map(|(_, bytes)| bytes.len()).collect();
    assert_eq!(lens, vec![200, 5, 300, 5]);
}

#[test]
fn an_oversized_payload_is_refused_and_the_log_goes_on() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(b"a").unwrap();
    let error = wal.append(&[0; 101]).unwrap_err();
    assert_eq!(error.to_string(), "record is 101 bytes, limit is 100");
    assert_eq!(wal.append(b"b").unwrap(), Lsn(2));
    assert!(!wal.is_poisoned());
}

#[test]
fn the_synced_watermark_is_written_into_each_record() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, WalOptions::default());
    wal.append(b"").unwrap();
    wal.append(b"").unwrap();
    wal.sync().unwrap();
    wal.append(b"").unwrap();
    wal.flush().unwrap();
    let bytes = &contents(&storage)[&segment_name(Lsn(1))];
    let synced = |index: usize| {
        let at = 32 + index * 24 + RECORD_SYNCED_LSN_OFFSET;
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    };
    assert_eq!([synced(0), synced(1), synced(2)], [1, 1, 3]);
}

#[test]
fn a_sync_failure_poisons_the_log() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(b"x").unwrap();
    storage.fail_sync_once_at(1);
    assert!(matches!(wal.sync(), Err(WalError::Io { op: "sync", .. })));
    assert!(wal.is_poisoned());
    assert!(matches!(wal.append(b"y"), Err(WalError::Poisoned)));
    assert!(matches!(wal.sync(), Err(WalError::Poisoned)));
    assert!(matches!(wal.remove_before(Lsn(9)), Err(WalError::Poisoned)));
    assert_eq!(
        wal.synced_lsn(),
        Lsn(1),
        "the failed sync did not move the watermark"
    );
}

#[test]
fn a_sync_failure_while_rolling_poisons_the_log() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, options(100, 50));
    wal.append(&[0; 30]).unwrap();
    storage.fail_sync_once_at(1);
    let error = wal.append(&[0; 30]).unwrap_err();
    assert!(matches!(error, WalError::Io { op: "sync", .. }), "{error}");
    assert!(wal.is_poisoned());
    assert_eq!((wal.segment_count(), wal.next_lsn()), (1, Lsn(2)));
    assert!(matches!(wal.append(b""), Err(WalError::Poisoned)));
}

#[test]
fn a_full_disk_is_an_error_and_the_log_stays_usable() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    let mut appended = append_all(&mut wal, 1..4);
    wal.sync().unwrap();
    let before = contents(&storage)[&segment_name(Lsn(1))].clone();
    storage.fail_writes_after_bytes(10);
    let error = wal.append(&[9; 40]).unwrap_err();
    assert!(error.is_storage_full(), "{error}");
    assert!(!wal.is_poisoned());
    assert_eq!(wal.next_lsn(), Lsn(4));
    assert_eq!(
        contents(&storage)[&segment_name(Lsn(1))],
        before,
        "nothing of the refused record was written"
    );
    storage.clear_faults();
    appended.extend(append_all(&mut wal, 4..40));
    wal.sync().unwrap();
    drop(wal);
    let (wal, report, replayed) = open(&storage.crash(11), small_options());
    assert_eq!(replayed, appended);
    assert_eq!(report.torn_tail, None);
    assert_eq!(wal.next_lsn(), Lsn(40));
}

#[test]
fn a_full_disk_refuses_the_next_record_never_the_buffered_ones() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(&[1; 40]).unwrap();
    wal.append(&[2; 40]).unwrap();
    let name = segment_name(Lsn(1));
    assert_eq!(
        contents(&storage)[&name].len(),
        32,
        "appends wait in the buffer"
    );
    storage.fail_writes_after_bytes(0);
    let error = wal.append(&[3; 40]).unwrap_err();
    assert!(error.is_storage_full(), "{error}");
    // The two accepted records had their space reserved: they still go to the disk in one
    // write, and the log is not poisoned.
    wal.sync().unwrap();
    assert!(!wal.is_poisoned());
    assert_eq!(contents(&storage)[&name].len(), 32 + 2 * (24 + 40));
    drop(wal);
    let (_, _, replayed) = open(&storage.crash(2), small_options());
    assert_eq!(replayed, vec![(Lsn(1), vec![1; 40]), (Lsn(2), vec![2; 40])]);
}

#[test]
fn a_full_disk_while_rolling_removes_the_half_made_segment() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, options(100, 50));
    wal.append(&[1; 40]).unwrap();
    storage.fail_writes_after_bytes(5);
    let error = wal.append(&[2; 40]).unwrap_err();
    assert!(error.is_storage_full(), "{error}");
    assert!(!wal.is_poisoned());
    assert_eq!(segment_files(&storage), vec![segment_name(Lsn(1))]);
    storage.clear_faults();
    assert_eq!(wal.append(&[2; 40]).unwrap(), Lsn(2));
    assert_eq!(
        segment_files(&storage),
        vec![segment_name(Lsn(1)), segment_name(Lsn(2))]
    );
}

/// Storage that cannot reserve space (as on a file system without `fallocate`), so that a full
/// disk fails the write of records already accepted: the path that must poison.
struct NoReserve(SimStorage);
struct NoReserveFile(Box<dyn StorageFile>);

impl Storage for NoReserve {
    fn list(&self) -> io::Result<Vec<String>> {
        self.0.list()
    }
    fn open(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(NoReserveFile(self.0.open(name)?)))
    }
    fn create(&self, name: &str) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(NoReserveFile(self.0.create(name)?)))
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

impl StorageFile for NoReserveFile {
    fn len(&self) -> io::Result<u64> {
        self.0.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        self.0.read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.0.write_at(offset, data)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        self.0.sync_data()
    }
    fn try_clone(&self) -> io::Result<Box<dyn StorageFile>> {
        Ok(Box::new(NoReserveFile(self.0.try_clone()?)))
    }
    fn reserve(&mut self, _offset: u64, _len: u64) -> io::Result<()> {
        Ok(())
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.0.truncate(len)
    }
}

#[test]
fn a_failed_write_of_accepted_records_poisons_the_log() {
    let sim = SimStorage::new();
    let storage = Arc::new(NoReserve(sim.clone()));
    let (mut wal, _) = Wal::open(storage, small_options(), Lsn(1), &mut |_, _| Ok(())).unwrap();
    sim.fail_writes_after_bytes(3);
    assert_eq!(
        wal.append(b"hello").unwrap(),
        Lsn(1),
        "accepted into the buffer"
    );
    assert!(wal.sync().unwrap_err().is_storage_full());
    assert!(wal.is_poisoned());
    assert!(matches!(wal.append(b"x"), Err(WalError::Poisoned)));
    drop(wal);
    // Three bytes of the record landed, never synced: a torn tail.
    sim.clear_faults();
    let (_, report, replayed) = open(&sim.crash(5), small_options());
    assert!(replayed.is_empty());
    assert_eq!(report.last_lsn, None);
}

/// Each record of 10 bytes takes 34: a segment holds 2, so segment k starts at lsn 2k - 1.
fn nine_records_in_five_segments(storage: &SimStorage) -> Wal {
    let (mut wal, _, _) = open(storage, options(100, 50));
    for _ in 0..9 {
        wal.append(&[5; 10]).unwrap();
    }
    wal
}

#[test]
fn a_segment_that_could_not_be_deleted_goes_before_any_newer_one() {
    let storage = SimStorage::new();
    let mut wal = nine_records_in_five_segments(&storage);
    storage.fail_remove_of(&segment_name(Lsn(1)));
    assert!(wal.remove_before(Lsn(4)).is_err());
    assert!(!wal.is_poisoned());
    assert_eq!(wal.first_lsn(), Lsn(1), "the segment stays in the log");
    assert_eq!(wal.segment_count(), 5);
    // Deleting segment 2 (lsns 3..4) before segment 1 would leave a gap recovery must refuse.
    let mut detached = wal.detach_before(Lsn(6)).unwrap();
    assert_eq!(detached.remove(&storage).unwrap(), 2);
    assert_eq!(
        segment_files(&storage)[0],
        segment_name(Lsn(5)),
        "oldest first"
    );
    wal.sync().unwrap();
    drop(wal);
    let (_, _, replayed) = open_from(&storage.crash(1), options(100, 50), Lsn(5)).unwrap();
    assert_eq!(replayed.first().map(|(lsn, _)| *lsn), Some(Lsn(5)));
}

#[test]
fn remove_before_drops_only_whole_older_segments() {
    let storage = SimStorage::new();
    let mut wal = nine_records_in_five_segments(&storage);
    assert_eq!(wal.segment_count(), 5);
    let disk = wal.disk_bytes();
    // Lsn 6 is in segment 3 (lsns 5..6): segments 1 (1..2) and 2 (3..4) go.
    assert_eq!(wal.remove_before(Lsn(6)).unwrap(), 2);
    assert_eq!(wal.first_lsn(), Lsn(5));
    assert_eq!(wal.disk_bytes(), disk - 200);
    assert_eq!(wal.remove_before(Lsn(6)).unwrap(), 0);
    // Never the current segment, even when every record is older.
    assert_eq!(wal.remove_before(Lsn(1000)).unwrap(), 2);
    assert_eq!(wal.segment_count(), 1);
    assert_eq!(segment_files(&storage), vec![segment_name(Lsn(9))]);
    wal.sync().unwrap();
    drop(wal);
    let crashed = storage.crash(4);
    let (wal, _, replayed) = open_from(&crashed, options(100, 50), Lsn(9)).unwrap();
    assert_eq!(replayed, vec![(Lsn(9), vec![5; 10])]);
    assert_eq!(wal.next_lsn(), Lsn(10));
    let error = open_from(&crashed, options(100, 50), Lsn(1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "replay from lsn 1 asked, but the log holds lsns 9 to 10 (exclusive)"
    );
}

#[test]
fn files_the_log_does_not_own_are_left_alone() {
    let storage = SimStorage::new();
    for name in [
        "snap-00000000000000000003.cqs",
        "wal-00000000000000000001.log.tmp",
        "notes",
    ] {
        storage
            .create(name)
            .unwrap()
            .write_at(0, b"not a segment")
            .unwrap();
    }
    let (mut wal, _, _) = open(&storage, small_options());
    append_all(&mut wal, 1..30);
    wal.sync().unwrap();
    assert!(wal.remove_before(Lsn(25)).unwrap() > 0);
    drop(wal);
    let (_, report, _) = open_from(&storage, small_options(), Lsn(25)).unwrap();
    assert_eq!(report.torn_tail, None);
    let files = contents(&storage);
    for name in [
        "snap-00000000000000000003.cqs",
        "wal-00000000000000000001.log.tmp",
        "notes",
    ] {
        assert_eq!(files[name], b"not a segment", "{name}");
    }
}

#[test]
fn a_new_log_creates_its_first_segment_durably() {
    let storage = SimStorage::new();
    let (wal, report, _) = open(&storage, small_options());
    assert_eq!(
        (wal.next_lsn(), wal.synced_lsn(), wal.first_lsn()),
        (Lsn(1), Lsn(1), Lsn(1))
    );
    assert_eq!(report.segments, 1);
    for seed in 0..20 {
        let files = contents(&storage.crash(seed));
        assert_eq!(
            files[&segment_name(Lsn(1))],
            format::encode_segment_header(Lsn(1))
        );
    }
}

#[test]
fn options_are_checked_on_open() {
    let storage = SimStorage::new();
    let error = open_from(&storage, options(8, 10), Lsn(1)).unwrap_err();
    assert!(matches!(
        error,
        WalError::Options {
            what: "segment_bytes_max",
            ..
        }
    ));
}

#[test]
fn the_wal_can_move_to_a_writer_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Wal>();
}

#[test]
fn the_log_works_on_a_real_directory() {
    let temp = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(FsStorage::open(temp.path()).unwrap());
    let options = options(200, 100);
    let (mut wal, _) =
        Wal::open(Arc::clone(&storage), options, Lsn(1), &mut |_, _| Ok(())).unwrap();
    let mut appended = Vec::new();
    for i in 0..50 {
        appended.push(payload(i));
        wal.append(&payload(i)).unwrap();
    }
    wal.sync().unwrap();
    drop(wal);
    // A torn tail on a real file: garbage after the last record.
    let names = storage.list().unwrap();
    let last = names
        .iter()
        .filter(|name| name.starts_with("wal-"))
        .max()
        .unwrap();
    let mut file = storage.open(last).unwrap();
    let len = file.len().unwrap();
    file.write_at(len, &[0xAB; 17]).unwrap();
    let mut replayed = Vec::new();
    let mut collect = |_: Lsn, bytes: &[u8]| {
        replayed.push(bytes.to_vec());
        Ok(())
    };
    let (wal, report) = Wal::open(storage, options, Lsn(1), &mut collect).unwrap();
    assert_eq!(replayed, appended);
    let torn = report.torn_tail.unwrap();
    assert_eq!((torn.offset, torn.bytes_dropped), (len, 17));
    assert_eq!(wal.next_lsn(), Lsn(51));
}

#[test]
fn a_failed_append_is_synced_away_before_its_segment_is_sealed() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, options(100, 60));
    wal.append(&[1; 10]).unwrap();
    wal.sync().unwrap();
    // The disk is full: the next record is refused before any of it is written.
    storage.fail_writes_after_bytes(2);
    assert!(wal.append(&[2; 10]).unwrap_err().is_storage_full());
    storage.clear_faults();
    // Nothing new was appended; rolling seals a segment whose tail is exactly the first
    // record, whatever a crash keeps.
    wal.append(&[3; 40]).unwrap();
    assert_eq!(wal.segment_count(), 2);
    for seed in 0..40 {
        let (_, report, replayed) = open(&storage.crash(seed), options(100, 60));
        assert_eq!(replayed[0], (Lsn(1), vec![1; 10]), "seed {seed}");
        assert!(
            report
                .torn_tail
                .is_none_or(|torn| torn.file != segment_name(Lsn(1)))
        );
    }
}

#[test]
fn a_sync_run_elsewhere_covers_only_what_was_appended_before_it_began() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(b"one").unwrap();
    wal.append(b"two").unwrap();
    let pending = wal.begin_sync().unwrap().expect("two records are unsynced");
    assert_eq!(pending.up_to(), Lsn(3));
    wal.append(b"three").unwrap();
    let done = std::thread::spawn(move || pending.run()).join().unwrap();
    wal.finish_sync(done).unwrap();
    assert_eq!(
        wal.synced_lsn(),
        Lsn(3),
        "the third record came after the sync began"
    );
    let pending = wal
        .begin_sync()
        .unwrap()
        .expect("the third record is unsynced");
    wal.finish_sync(pending.run()).unwrap();
    assert_eq!(wal.synced_lsn(), Lsn(4));
    assert!(wal.begin_sync().unwrap().is_none(), "nothing left to sync");
}

#[test]
fn a_failed_sync_run_elsewhere_poisons_the_log() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(b"one").unwrap();
    storage.fail_sync_once_at(1);
    let pending = wal.begin_sync().unwrap().expect("unsynced");
    let done = pending.run();
    assert!(!done.is_ok());
    assert!(wal.finish_sync(done).is_err());
    assert!(wal.is_poisoned());
    assert!(matches!(wal.append(b"two"), Err(WalError::Poisoned)));
}

#[test]
fn a_roll_while_a_sync_is_in_flight_still_seals_a_durable_segment() {
    let storage = SimStorage::new();
    // Header 32 + two records of 24 + 10 = 100 bytes: the third record rolls.
    let (mut wal, _, _) = open(&storage, options(100, 50));
    wal.append(&[1; 10]).unwrap();
    wal.append(&[2; 10]).unwrap();
    let pending = wal.begin_sync().unwrap().expect("unsynced");
    // The roll must not trust the in-flight sync: it syncs the old segment itself.
    wal.append(&[3; 10]).unwrap();
    assert_eq!(wal.synced_lsn(), Lsn(3));
    wal.finish_sync(pending.run()).unwrap();
    assert_eq!(wal.synced_lsn(), Lsn(3), "the watermark never moves back");
    drop(wal);
    let (_, report, replayed) = open(&storage.crash(1), options(100, 50));
    assert!(
        report.torn_tail.is_none() || replayed.len() >= 2,
        "{report:?}"
    );
    assert!(
        replayed.len() >= 2,
        "the sealed segment's records are durable"
    );
}

#[test]
fn after_a_failed_sync_elsewhere_the_logs_own_sync_fails_too() {
    // Linux reports a failed writeback once; a second fdatasync would then succeed over lost
    // pages. The log must not be fooled: its own sync after a failed pending one fails.
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, small_options());
    wal.append(b"one").unwrap();
    storage.fail_sync_once_at(1);
    let pending = wal.begin_sync().unwrap().expect("unsynced");
    let done = pending.run();
    assert!(!done.is_ok());
    assert!(
        wal.sync().is_err(),
        "a sync after the failed one must not report success"
    );
    assert!(wal.is_poisoned());
    let _ = wal.finish_sync(done);
    assert!(wal.is_poisoned());
}
