use std::io;

use super::*;

fn write(storage: &SimStorage, name: &str, offset: u64, data: &[u8]) -> Box<dyn StorageFile> {
    let mut file = match storage.open(name) {
        Ok(file) => file,
        Err(_) => storage.create(name).unwrap(),
    };
    file.write_at(offset, data).unwrap();
    file
}

fn read_all(storage: &SimStorage, name: &str) -> Vec<u8> {
    storage.file_bytes(name).unwrap()
}

#[test]
fn synced_data_and_directory_survive_every_crash() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"durable");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    for seed in 0..50 {
        assert_eq!(read_all(&storage.crash(seed), "a"), b"durable");
    }
}

#[test]
fn unsynced_writes_are_kept_dropped_or_torn_by_seed() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"0123");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    file.write_at(4, b"4567").unwrap();
    let mut outcomes = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let bytes = read_all(&storage.crash(seed), "a");
        assert_eq!(&bytes[..4], b"0123", "synced prefix, seed {seed}");
        assert!(bytes.len() <= 8, "nothing past the write, seed {seed}");
        let kind = match bytes.len() {
            4 => "dropped",
            8 if bytes == b"01234567" => "kept",
            _ => "torn",
        };
        outcomes.insert(kind);
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    // The same seed always builds the same image.
    assert_eq!(
        read_all(&storage.crash(3), "a"),
        read_all(&storage.crash(3), "a")
    );
}

#[test]
fn dropped_writes_leave_zero_holes() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    file.write_at(0, b"xxxx").unwrap();
    file.write_at(4, b"yyyy").unwrap();
    let hole = (0..200)
        .map(|seed| read_all(&storage.crash(seed), "a"))
        .find(|bytes| bytes.len() == 8 && bytes[..4] == [0; 4] && bytes[4..] == *b"yyyy");
    assert!(
        hole.is_some(),
        "some seed drops the first write and keeps the second"
    );
}

#[test]
fn pending_directory_changes_may_be_reverted() {
    let storage = SimStorage::new();
    write(&storage, "old", 0, b"").sync_data().unwrap();
    storage.sync_dir().unwrap();
    storage.remove("old").unwrap();
    write(&storage, "new", 0, b"").sync_data().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..100 {
        let names: Vec<String> = storage.crash(seed).files();
        seen.insert(names);
    }
    assert_eq!(
        seen.len(),
        4,
        "each change kept or reverted independently: {seen:?}"
    );
    storage.sync_dir().unwrap();
    let names: Vec<String> = storage.crash(0).files();
    assert_eq!(names, vec!["new".to_string()]);
}

#[test]
fn rename_is_pending_until_sync_dir() {
    let storage = SimStorage::new();
    write(&storage, "tmp", 0, b"snap").sync_data().unwrap();
    storage.sync_dir().unwrap();
    storage.rename("tmp", "final").unwrap();
    assert!(storage.file_bytes("final").is_some());
    let reverted = (0..50).any(|seed| storage.crash(seed).file_bytes("tmp").is_some());
    assert!(reverted);
    storage.sync_dir().unwrap();
    assert_eq!(read_all(&storage.crash(9), "final"), b"snap");
}

#[test]
fn power_off_fails_the_kth_sync_and_everything_after() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"abc");
    storage.sync_dir().unwrap();
    storage.power_off_at_sync(2);
    file.sync_data().unwrap();
    assert!(file.sync_data().is_err());
    assert!(storage.is_powered_off());
    assert!(file.write_at(3, b"d").is_err());
    assert!(storage.list().is_err());
    storage.clear_faults();
    assert!(
        storage.list().is_err(),
        "clearing faults does not restore power"
    );
    let after = storage.crash(1);
    assert_eq!(read_all(&after, "a"), b"abc");
    assert!(!after.is_powered_off());
}

#[test]
fn a_failed_sync_loses_its_writes_even_if_a_later_sync_succeeds() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    file.write_at(0, b"lost").unwrap();
    storage.fail_sync_once_at(1);
    assert!(file.sync_data().is_err());
    assert_eq!(read_all(&storage, "a"), b"lost", "reads still see the data");
    file.sync_data().unwrap();
    for seed in 0..20 {
        assert_eq!(read_all(&storage.crash(seed), "a"), b"", "seed {seed}");
    }
}

#[test]
fn writes_past_the_budget_land_a_prefix_then_fail_storage_full() {
    let storage = SimStorage::new();
    storage.fail_writes_after_bytes(6);
    let mut file = write(&storage, "a", 0, b"1234");
    let error = file.write_at(4, b"5678").unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    assert_eq!(read_all(&storage, "a"), b"123456");
    assert!(file.write_at(6, b"x").is_err());
    storage.clear_faults();
    file.write_at(6, b"x").unwrap();
    assert_eq!(read_all(&storage, "a"), b"123456x");
}

#[test]
fn truncate_and_create_over_an_existing_file_are_file_operations() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"abcdef");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    file.truncate(2).unwrap();
    assert_eq!(read_all(&storage, "a"), b"ab");
    storage.create("a").unwrap();
    assert_eq!(read_all(&storage, "a"), b"");
    let lengths: std::collections::BTreeSet<usize> = (0..50)
        .map(|seed| read_all(&storage.crash(seed), "a").len())
        .collect();
    assert_eq!(lengths, [0, 2, 6].into_iter().collect());
}

#[test]
fn corrupt_flips_a_byte_durably() {
    let storage = SimStorage::new();
    let mut file = write(&storage, "a", 0, b"abc");
    file.sync_data().unwrap();
    storage.sync_dir().unwrap();
    storage.corrupt("a", 1, 0x01);
    assert_eq!(read_all(&storage, "a"), b"acc");
    assert_eq!(read_all(&storage.crash(5), "a"), b"acc");
}

#[test]
#[should_panic(expected = "offset 3 is past the end of a")]
fn corrupting_past_the_end_is_a_test_bug() {
    let storage = SimStorage::new();
    write(&storage, "a", 0, b"abc");
    storage.corrupt("a", 3, 1);
}

#[test]
fn handles_outlive_removal_and_reads_past_end_fail() {
    let storage = SimStorage::new();
    let file = write(&storage, "a", 0, b"abc");
    storage.remove("a").unwrap();
    let mut buf = [0u8; 3];
    file.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"abc");
    let mut long = [0u8; 4];
    assert_eq!(
        file.read_at(0, &mut long).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
    assert_eq!(
        storage.open("a").err().unwrap().kind(),
        io::ErrorKind::NotFound
    );
}

#[test]
fn wild_offsets_are_errors_not_allocations() {
    let storage = SimStorage::new();
    let mut file = storage.create("a").unwrap();
    assert!(file.write_at(u64::MAX - 1, b"xy").is_err());
    assert!(file.write_at(SIM_FILE_BYTES_MAX, b"x").is_err());
    assert!(file.truncate(SIM_FILE_BYTES_MAX + 1).is_err());
}
