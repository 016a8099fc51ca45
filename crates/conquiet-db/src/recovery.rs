//! Opening a data directory: the newest snapshot that reads back whole, then every log record
//! after it replayed through `Engine::apply_record`, the same code live traffic runs.

use std::sync::Arc;
use std::time::Instant;

use conquiet_core::Engine;
use conquiet_core::codec::decode_record;
use conquiet_wal::{Lsn, Storage, TornTail, Wal};

use crate::{DbError, DbOptions, snapshot};

/// What recovery found, for logs and tests.
#[derive(Debug)]
pub struct OpenReport {
    /// The snapshot recovery started from, if any.
    pub snapshot: Option<Lsn>,
    /// Snapshots that failed their checks and were passed over, with the reason.
    pub snapshots_skipped: Vec<String>,
    pub records_replayed: u64,
    /// A torn record at the end of the log, truncated.
    pub torn_tail: Option<TornTail>,
    pub segments: usize,
    pub elapsed_ms: u64,
}

/// What the writer starts from.
pub(crate) struct Recovered {
    pub engine: Engine,
    pub wal: Wal,
    pub storage: Arc<dyn Storage>,
    /// Durable snapshots, oldest first: (lsn, bytes).
    pub snapshots: Vec<(Lsn, u64)>,
}

pub(crate) fn open(
    storage: Arc<dyn Storage>,
    options: &DbOptions,
) -> Result<(Recovered, OpenReport), DbError> {
    let started = Instant::now();
    let names = storage
        .list()
        .map_err(|e| DbError::Recovery(format!("listing the data directory: {e}")))?;
    for name in names.iter().filter(|n| snapshot::is_tmp(n)) {
        storage
            .remove(name)
            .map_err(|e| DbError::Recovery(format!("removing {name}: {e}")))?;
    }
    let mut snapshots: Vec<Lsn> = names
        .iter()
        .filter_map(|n| snapshot::parse_name(n))
        .collect();
    snapshots.sort();
    let mut skipped = Vec::new();
    let mut start = None;
    for lsn in snapshots.iter().rev() {
        match snapshot::read(storage.as_ref(), &snapshot::file_name(*lsn)) {
            Ok((engine, at)) if at == *lsn => {
                start = Some((engine, at));
                break;
            }
            Ok((_, at)) => {
                skipped.push(format!("{}: holds lsn {}", snapshot::file_name(*lsn), at.0))
            }
            Err(e) => skipped.push(e.to_string()),
        }
    }
    let (mut engine, from) = match start {
        // A snapshot carries the node limits in force when it was taken (CONFIG SET is a
        // logged op), so replay continues with those, not with the start-up defaults.
        Some((engine, lsn)) => (engine, lsn),
        None => (Engine::new(options.engine), Lsn(1)),
    };
    let snapshot_lsn = (from > Lsn(1)).then_some(from);
    let mut expected = from;
    let mut replay = |lsn: Lsn,
                      payload: &[u8]|
     -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if lsn != expected {
            return Err(format!(
                "log record {} found where {} was expected",
                lsn.0, expected.0
            )
            .into());
        }
        let record = decode_record(payload).map_err(|e| format!("log record {}: {e}", lsn.0))?;
        engine.apply_record(&record);
        expected = Lsn(lsn.0 + 1);
        Ok(())
    };
    let (wal, report) = Wal::open(storage.clone(), options.wal, from, &mut replay)
        .map_err(|e| DbError::Recovery(e.to_string()))?;
    if wal.next_lsn() < from {
        return Err(DbError::Recovery(format!(
            "the log ends before lsn {} but the snapshot holds records up to it: synced log records are missing",
            from.0
        )));
    }
    // Every snapshot file stays known to the writer, which deletes all but the newest two once
    // the next snapshot is durable.
    // Snapshots newer than the one used failed their checks: never count them as fallbacks.
    let kept: Vec<(Lsn, u64)> = snapshots
        .iter()
        .filter(|l| Some(**l) <= snapshot_lsn)
        .map(|l| (*l, 0))
        .collect();
    let open_report = OpenReport {
        snapshot: snapshot_lsn,
        snapshots_skipped: skipped,
        records_replayed: report.records_replayed,
        torn_tail: report.torn_tail,
        segments: report.segments,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Ok((
        Recovered {
            engine,
            wal,
            storage,
            snapshots: kept,
        },
        open_report,
    ))
}
