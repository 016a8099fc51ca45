use std::time::{Duration, Instant};

use crate::format::{encode_record, segment_name};
use crate::storage::Storage;
use crate::testkit::*;
use crate::{Lsn, SimStorage, TornTail, WalError, WalOptions};

/// Every test record is 10 bytes, so record `k` (from 1) of the first segment starts at
/// `32 + (k - 1) * 34`.
const RECORD: [u8; 10] = [0x5A; 10];

fn offset_of(k: u64) -> u64 {
    32 + (k - 1) * 34
}

/// Appends `synced` records and syncs, then `unsynced` more without syncing.
fn log_with(storage: &SimStorage, options: WalOptions, synced: u64, unsynced: u64) {
    let (mut wal, _, _) = open(storage, options);
    for _ in 0..synced {
        wal.append(&RECORD).unwrap();
    }
    wal.sync().unwrap();
    for _ in 0..unsynced {
        wal.append(&RECORD).unwrap();
    }
    // Written, not synced: what a killed process leaves in the page cache.
    wal.flush().unwrap();
}

fn first_segment() -> String {
    segment_name(Lsn(1))
}

fn set_len(storage: &SimStorage, name: &str, len: u64) {
    storage.open(name).unwrap().truncate(len).unwrap();
}

fn write(storage: &SimStorage, name: &str, offset: u64, bytes: &[u8]) {
    storage.open(name).unwrap().write_at(offset, bytes).unwrap();
}

fn lsns(replayed: &Replayed) -> Vec<u64> {
    replayed.iter().map(|(lsn, _)| lsn.0).collect()
}

fn torn(file: &str, offset: u64, bytes_dropped: u64) -> Option<TornTail> {
    let file = file.to_string();
    Some(TornTail {
        file,
        offset,
        bytes_dropped,
    })
}

/// Reopens after a torn tail, checks the report, appends and reopens again.
fn assert_torn_then_continues(storage: &SimStorage, expected: Option<TornTail>, next: u64) {
    let (mut wal, report, replayed) = open(storage, WalOptions::default());
    assert_eq!(report.torn_tail, expected);
    assert_eq!(lsns(&replayed), (1..next).collect::<Vec<_>>());
    assert_eq!(wal.next_lsn(), Lsn(next));
    assert_eq!(wal.append(b"after").unwrap(), Lsn(next));
    wal.sync().unwrap();
    drop(wal);
    let (_, report, replayed) = open(&storage.crash(next), WalOptions::default());
    assert_eq!(report.torn_tail, None);
    assert_eq!(replayed.last(), Some(&(Lsn(next), b"after".to_vec())));
}

#[test]
fn a_tail_cut_mid_header_is_truncated_reported_and_appending_continues() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 1);
    set_len(&storage, &first_segment(), offset_of(6) + 10);
    assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(6), 10), 6);
}

#[test]
fn a_tail_cut_mid_payload_is_truncated() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 1);
    set_len(&storage, &first_segment(), offset_of(6) + 24 + 5);
    assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(6), 29), 6);
}

#[test]
fn garbage_or_zeros_after_the_last_record_are_truncated() {
    for fill in [[0xC3; 50], [0; 50]] {
        let storage = SimStorage::new();
        log_with(&storage, WalOptions::default(), 5, 0);
        write(&storage, &first_segment(), offset_of(6), &fill);
        assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(6), 50), 6);
    }
}

#[test]
fn intact_unsynced_records_after_a_torn_one_do_not_vouch_for_it() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 3);
    storage.corrupt(&first_segment(), offset_of(6) + 30, 0xFF);
    assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(6), 3 * 34), 6);
}

#[test]
fn a_corrupt_byte_in_a_synced_middle_record_refuses_open_naming_file_and_offset() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, WalOptions::default());
    for _ in 0..5 {
        wal.append(&RECORD).unwrap();
    }
    wal.sync().unwrap();
    wal.append(&RECORD).unwrap(); // lsn 6 carries watermark 6: lsns 1..=5 were durable.
    wal.flush().unwrap();
    drop(wal);
    storage.corrupt(&first_segment(), offset_of(3) + 26, 0x01);
    let error = open_from(&storage, WalOptions::default(), Lsn(1)).unwrap_err();
    let WalError::Corrupt {
        file,
        offset,
        reason,
    } = &error
    else {
        panic!("expected corruption, got {error}");
    };
    assert_eq!(
        (file.as_str(), *offset),
        (first_segment().as_str(), offset_of(3))
    );
    assert!(reason.contains("crc mismatch at lsn 3"), "{reason}");
    assert!(reason.contains("intact record 6"), "{reason}");
    let message = error.to_string();
    assert!(message.starts_with("corrupt log: wal-00000000000000000001.log at offset 100: "));
}

#[test]
fn a_damaged_end_of_a_sealed_segment_is_vouched_for_by_the_next_header() {
    let storage = SimStorage::new();
    // Two 10-byte records per 100-byte segment; lsn 3 rolls into segment 3.
    let options = WalOptions {
        segment_bytes_max: 100,
        record_bytes_max: 50,
    };
    log_with(&storage, options, 3, 0);
    // The new segment's records are lost, leaving only its header.
    set_len(&storage, &segment_name(Lsn(3)), 32);
    storage.corrupt(&first_segment(), offset_of(2) + 30, 0x80);
    let error = open_from(&storage, options, Lsn(1)).unwrap_err();
    let WalError::Corrupt { offset, reason, .. } = &error else {
        panic!("expected corruption, got {error}");
    };
    assert_eq!(*offset, offset_of(2));
    assert!(reason.contains("starts at lsn 3"), "{reason}");
}

#[test]
fn records_missing_from_a_sealed_segment_are_corruption() {
    let storage = SimStorage::new();
    let options = WalOptions {
        segment_bytes_max: 100,
        record_bytes_max: 50,
    };
    log_with(&storage, options, 5, 0);
    set_len(&storage, &first_segment(), offset_of(2));
    let error = open_from(&storage, options, Lsn(1)).unwrap_err();
    let WalError::Corrupt {
        file,
        offset,
        reason,
    } = &error
    else {
        panic!("expected corruption, got {error}");
    };
    assert_eq!((file.as_str(), *offset), (segment_name(Lsn(3)).as_str(), 0));
    assert!(
        reason.contains("segment starts at lsn 3, expected 2"),
        "{reason}"
    );
}

#[test]
fn a_bad_header_in_a_middle_segment_is_corruption() {
    let storage = SimStorage::new();
    let options = WalOptions {
        segment_bytes_max: 100,
        record_bytes_max: 50,
    };
    log_with(&storage, options, 7, 0);
    storage.corrupt(&segment_name(Lsn(3)), 20, 0x10);
    let error = open_from(&storage, options, Lsn(1)).unwrap_err();
    let WalError::Corrupt { file, offset, .. } = &error else {
        panic!("expected corruption, got {error}");
    };
    assert_eq!((file.as_str(), *offset), (segment_name(Lsn(3)).as_str(), 0));
}

#[test]
fn a_torn_header_in_the_last_segment_drops_that_segment() {
    let storage = SimStorage::new();
    let options = WalOptions {
        segment_bytes_max: 100,
        record_bytes_max: 50,
    };
    log_with(&storage, options, 4, 0);
    // A roll that crashed before its header was durable: the file exists, its header is torn.
    let name = segment_name(Lsn(5));
    storage
        .create(&name)
        .unwrap()
        .write_at(0, &[0xEE; 20])
        .unwrap();
    let (mut wal, report, replayed) = open(&storage, options);
    assert_eq!(report.torn_tail, torn(&name, 0, 20));
    assert_eq!(lsns(&replayed), vec![1, 2, 3, 4]);
    assert_eq!(
        segment_files(&storage),
        vec![segment_name(Lsn(1)), segment_name(Lsn(3))]
    );
    assert_eq!(wal.append(&RECORD).unwrap(), Lsn(5));
    assert_eq!(segment_files(&storage).last(), Some(&name));
}

#[test]
fn a_torn_header_in_the_only_segment_recreates_it() {
    let storage = SimStorage::new();
    storage
        .create(&first_segment())
        .unwrap()
        .write_at(0, b"CQWALSEG\x01")
        .unwrap();
    let (mut wal, report, replayed) = open(&storage, WalOptions::default());
    assert_eq!(report.torn_tail, torn(&first_segment(), 0, 9));
    assert!(replayed.is_empty());
    assert_eq!((report.segments, wal.segment_count()), (1, 1));
    assert_eq!(wal.append(b"x").unwrap(), Lsn(1));
}

#[test]
fn a_wild_record_length_is_refused_before_allocating() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 3, 0);
    let mut header = [0u8; 24];
    header[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    header[8..16].copy_from_slice(&4u64.to_le_bytes());
    write(&storage, &first_segment(), offset_of(4), &header);
    let started = Instant::now();
    assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(4), 24), 4);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no 4 GiB allocation or read"
    );
}

#[test]
fn an_intact_record_with_the_wrong_lsn_ends_the_log() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 3, 0);
    let mut duplicate = Vec::new();
    encode_record(Lsn(3), Lsn(3), &RECORD, &mut duplicate);
    write(&storage, &first_segment(), offset_of(4), &duplicate);
    assert_torn_then_continues(&storage, torn(&first_segment(), offset_of(4), 34), 4);
}

#[test]
fn a_replay_error_aborts_open_and_leaves_the_log_alone() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 0);
    write(&storage, &first_segment(), offset_of(6), &[1, 2, 3]);
    let before = contents(&storage);
    let mut fail_at_3 = |lsn: Lsn, _: &[u8]| {
        if lsn == Lsn(3) {
            Err("engine refused".into())
        } else {
            Ok(())
        }
    };
    let storage_dyn: std::sync::Arc<dyn Storage> = std::sync::Arc::new(storage.clone());
    let error =
        crate::Wal::open(storage_dyn, WalOptions::default(), Lsn(1), &mut fail_at_3).unwrap_err();
    assert_eq!(error.to_string(), "replay failed at lsn 3: engine refused");
    assert_eq!(contents(&storage), before);
}

#[test]
fn replay_starts_at_from_and_refuses_a_from_past_the_end() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 0);
    let (_, report, replayed) = open_from(&storage, WalOptions::default(), Lsn(4)).unwrap();
    assert_eq!(lsns(&replayed), vec![4, 5]);
    assert_eq!(
        (report.records_replayed, report.last_lsn),
        (2, Some(Lsn(5)))
    );
    let (_, _, replayed) = open_from(&storage, WalOptions::default(), Lsn(6)).unwrap();
    assert!(replayed.is_empty());
    let error = open_from(&storage, WalOptions::default(), Lsn(7)).unwrap_err();
    assert!(matches!(
        error,
        WalError::ReplayRange {
            from: Lsn(7),
            next: Lsn(6),
            ..
        }
    ));
}

#[test]
fn the_cut_is_durable_before_new_records_land() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 5, 0);
    write(&storage, &first_segment(), offset_of(6), &[0xAB; 40]);
    let (_, report, _) = open(&storage, WalOptions::default());
    assert!(report.torn_tail.is_some());
    for seed in 0..30 {
        let (_, report, replayed) = open(&storage.crash(seed), WalOptions::default());
        assert_eq!(report.torn_tail, None, "seed {seed}");
        assert_eq!(lsns(&replayed), vec![1, 2, 3, 4, 5], "seed {seed}");
    }
}

#[test]
fn records_a_killed_process_left_in_the_page_cache_are_synced_by_open() {
    let storage = SimStorage::new();
    log_with(&storage, WalOptions::default(), 0, 3);
    // Reopened without a power cut: the unsynced records are readable, and must become durable
    // before new records claim them as synced.
    let (mut wal, _, replayed) = open(&storage, WalOptions::default());
    assert_eq!(lsns(&replayed), vec![1, 2, 3]);
    assert_eq!(wal.synced_lsn(), Lsn(4));
    wal.append(b"new").unwrap();
    for seed in 0..30 {
        let (_, _, replayed) = open(&storage.crash(seed), WalOptions::default());
        assert!(replayed.len() >= 3, "seed {seed}: {:?}", lsns(&replayed));
    }
}

/// The limit of what a log can do after a failed fsync (the "fsyncgate" behaviour): the kernel
/// marks the pages clean, so a restart without a reboot reads records that are not on disk and
/// cannot tell. A later power cut then leaves a hole that a newer synced record vouches for:
/// recovery refuses loudly instead of dropping acknowledged records in silence.
#[test]
fn a_restart_without_reboot_after_a_failed_sync_fails_loudly_after_a_power_cut() {
    let storage = SimStorage::new();
    let (mut wal, _, _) = open(&storage, WalOptions::default());
    wal.append(&RECORD).unwrap();
    wal.sync().unwrap();
    wal.append(&RECORD).unwrap();
    storage.fail_sync_once_at(1);
    assert!(wal.sync().is_err());
    drop(wal);
    let (mut wal, _, replayed) = open(&storage, WalOptions::default());
    assert_eq!(
        lsns(&replayed),
        vec![1, 2],
        "the lost record is still readable"
    );
    wal.append(&RECORD).unwrap();
    wal.sync().unwrap();
    drop(wal);
    let error = open_from(&storage.crash(0), WalOptions::default(), Lsn(1)).unwrap_err();
    assert!(
        matches!(error, WalError::Corrupt { offset: 66, .. }),
        "{error}"
    );
}

#[test]
fn a_segment_whose_directory_entry_was_never_synced_is_made_durable_by_open() {
    let storage = SimStorage::new();
    let options = WalOptions {
        segment_bytes_max: 100,
        record_bytes_max: 50,
    };
    log_with(&storage, options, 2, 0);
    // A process killed mid-roll: the new segment's header is synced, its entry is not.
    let name = segment_name(Lsn(3));
    let mut file = storage.create(&name).unwrap();
    file.write_at(0, &crate::format::encode_segment_header(Lsn(3)))
        .unwrap();
    file.sync_data().unwrap();
    let (mut wal, _, _) = open(&storage, options);
    assert_eq!(wal.append(&RECORD).unwrap(), Lsn(3));
    wal.sync().unwrap();
    for seed in 0..30 {
        let (_, _, replayed) = open(&storage.crash(seed), options);
        assert_eq!(lsns(&replayed), vec![1, 2, 3], "seed {seed}");
    }
}

#[test]
fn a_damaged_last_record_below_the_callers_snapshot_is_corruption_not_a_torn_tail() {
    let storage = SimStorage::new();
    log_with(&storage, small_options(), 5, 0);
    // Nothing after record 5 vouches for it, but a snapshot taken at lsn 6 says it was synced.
    storage.corrupt(&first_segment(), offset_of(5) + 30, 0xFF);
    match open_from(&storage, small_options(), Lsn(6)) {
        Err(WalError::Corrupt { file, offset, .. }) => {
            assert_eq!((file, offset), (first_segment(), offset_of(5)));
        }
        Err(other) => panic!("expected corruption, got {other}"),
        Ok((_, report, _)) => panic!("expected corruption, got {report:?}"),
    }
    // Nothing was cut: the same open without the snapshot still sees a torn tail to cut.
    assert_eq!(
        contents(&storage)[&first_segment()].len() as u64,
        offset_of(6)
    );
}
