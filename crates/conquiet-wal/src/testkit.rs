//! Helpers shared by the unit tests of `wal` and `recovery`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{Lsn, RecoveryReport, SimStorage, Wal, WalError, WalOptions};

/// Small limits so a few records span many segments.
pub(crate) fn small_options() -> WalOptions {
    WalOptions {
        segment_bytes_max: 256,
        record_bytes_max: 100,
    }
}

/// A payload whose size and bytes depend on `i`, so records differ and sizes vary.
pub(crate) fn payload(i: u64) -> Vec<u8> {
    let len = (i * 7 % 61) as usize;
    (0..len).map(|j| (i as usize * 31 + j) as u8).collect()
}

pub(crate) type Replayed = Vec<(Lsn, Vec<u8>)>;

/// Opens the log, collecting what it replays from `from`.
pub(crate) fn open_from(
    storage: &SimStorage,
    options: WalOptions,
    from: Lsn,
) -> Result<(Wal, RecoveryReport, Replayed), WalError> {
    let mut replayed = Vec::new();
    let mut collect = |lsn: Lsn, bytes: &[u8]| {
        replayed.push((lsn, bytes.to_vec()));
        Ok(())
    };
    let (wal, report) = Wal::open(Arc::new(storage.clone()), options, from, &mut collect)?;
    Ok((wal, report, replayed))
}

pub(crate) fn open(storage: &SimStorage, options: WalOptions) -> (Wal, RecoveryReport, Replayed) {
    open_from(storage, options, Lsn::FIRST).expect("log opens")
}

/// Appends `payload(i)` for each `i` in `range` and writes them to the file (unsynced), as
/// the store's writer does at the end of each batch; returns what was appended.
pub(crate) fn append_all(wal: &mut Wal, range: std::ops::Range<u64>) -> Replayed {
    let appended = range
        .map(|i| {
            let bytes = payload(i);
            (wal.append(&bytes).expect("append"), bytes)
        })
        .collect();
    wal.flush().expect("flush");
    appended
}

/// Segment names present in `storage`, oldest first.
pub(crate) fn segment_files(storage: &SimStorage) -> Vec<String> {
    storage
        .files()
        .into_iter()
        .filter(|name| name.starts_with("wal-"))
        .collect()
}

/// Every file's bytes as reads see them, by name.
pub(crate) fn contents(storage: &SimStorage) -> BTreeMap<String, Vec<u8>> {
    let bytes = |name: &String| storage.file_bytes(name).expect("listed files exist");
    storage
        .files()
        .into_iter()
        .map(|name| (name.clone(), bytes(&name)))
        .collect()
}
