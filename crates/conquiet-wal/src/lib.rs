//! conquiet's write-ahead log: a directory of segment files holding checksummed, numbered
//! records. It knows bytes, records and files, not streams: payloads are opaque.
//!
//! - [`Wal`] appends records, syncs them, rolls segments and drops old ones;
//!   [`Wal::open`] recovers the log (replaying it, truncating a torn tail, refusing corruption)
//!   and returns a [`RecoveryReport`].
//! - [`Lsn`] numbers records from 1, consecutively across segments.
//! - [`Storage`] and [`StorageFile`] are the only way the log touches a disk. [`FsStorage`] is
//!   the real one; [`SimStorage`] keeps files in memory and can tear writes, fail fsync, run out
//!   of space and crash, for this crate's and other crates' crash tests.
//! - [`format`](mod@format) holds the on-disk layout (also in `docs/wal-format.md`);
//!   [`WalError`] says what went wrong.
//!
//! The log never applies anything: the caller's `replay` callback does, so state changes only by
//! applying a record, live and at recovery alike.

pub mod error;
pub mod format;
mod reader;
mod recovery;
pub mod sim;
pub mod storage;
#[cfg(test)]
mod testkit;
mod wal;

use std::fmt;

pub use error::{ReplayError, WalError};
pub use sim::SimStorage;
pub use storage::{FsStorage, Storage, StorageFile};
pub use wal::{Detached, PendingSync, RecoveryReport, ReplayFn, SyncDone, TornTail, Wal};

/// One mebibyte, for readable sizes below.
pub const MIB: u64 = 1024 * 1024;

/// Default segment size. Large enough that rolling (two fsyncs and a directory sync) is rare,
/// small enough that dropping a segment after a snapshot frees space promptly.
pub const SEGMENT_BYTES_DEFAULT: u64 = 64 * MIB;

/// Default largest payload. A record holds one command's changes, and the engine caps an entry
/// at 8 MiB, so 16 MiB leaves room for the op's framing.
pub const RECORD_BYTES_DEFAULT: u32 = 16 * MIB as u32;

/// Hard ceiling on `record_bytes_max`: appending and replaying each hold one whole record in
/// memory, so no configuration may ask for records larger than this.
pub const RECORD_BYTES_CEILING: u32 = 1 << 30;

/// Smallest `segment_bytes_max`: a segment must hold its header and one empty record, or every
/// append would roll.
pub const SEGMENT_BYTES_MIN: u64 = format::SEGMENT_HEADER_BYTES + format::RECORD_HEADER_BYTES;

const _: () = assert!(RECORD_BYTES_DEFAULT <= RECORD_BYTES_CEILING);
const _: () = assert!(SEGMENT_BYTES_DEFAULT >= SEGMENT_BYTES_MIN);

/// A record's sequence number. The first record of a log is `Lsn(1)`; each append adds one,
/// across segments. `Lsn(0)` never names a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn(pub u64);

impl Lsn {
    /// The number of the first record of a new log.
    pub const FIRST: Lsn = Lsn(1);

    /// The following LSN. Panics only after 2^64 records, which no log reaches.
    pub fn next(self) -> Lsn {
        Lsn(self
            .0
            .checked_add(1)
            .expect("lsn below u64::MAX: 2^64 records never fit a disk"))
    }
}

impl fmt::Display for Lsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Limits of one log. Both are checked when the log opens, so later code may rely on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalOptions {
    /// A segment rolls before a record would take it past this many bytes (header included).
    /// A record larger than a whole segment still goes alone into a fresh one.
    pub segment_bytes_max: u64,
    /// Largest payload accepted by `append` and trusted by recovery, which checks a record's
    /// length against it before allocating.
    pub record_bytes_max: u32,
}

impl Default for WalOptions {
    fn default() -> Self {
        WalOptions {
            segment_bytes_max: SEGMENT_BYTES_DEFAULT,
            record_bytes_max: RECORD_BYTES_DEFAULT,
        }
    }
}

impl WalOptions {
    /// Checks the options against the crate's hard limits.
    pub fn validate(&self) -> Result<(), WalError> {
        if self.segment_bytes_max < SEGMENT_BYTES_MIN {
            return Err(WalError::Options {
                what: "segment_bytes_max",
                value: self.segment_bytes_max,
                limit: SEGMENT_BYTES_MIN,
                bound: "minimum",
            });
        }
        if self.record_bytes_max > RECORD_BYTES_CEILING {
            return Err(WalError::Options {
                what: "record_bytes_max",
                value: u64::from(self.record_bytes_max),
                limit: u64::from(RECORD_BYTES_CEILING),
                bound: "limit",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_are_valid() {
        assert!(WalOptions::default().validate().is_ok());
    }

    #[test]
    fn options_outside_limits_are_refused_with_value_and_limit() {
        let small = WalOptions {
            segment_bytes_max: 10,
            ..WalOptions::default()
        };
        let message = small.validate().unwrap_err().to_string();
        assert_eq!(message, "segment_bytes_max is 10, minimum is 56");
        let huge = WalOptions {
            record_bytes_max: u32::MAX,
            ..WalOptions::default()
        };
        let message = huge.validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "record_bytes_max is 4294967295, limit is 1073741824"
        );
    }

    #[test]
    fn lsn_displays_as_its_number() {
        assert_eq!(Lsn(42).to_string(), "42");
        assert_eq!(Lsn::FIRST.next(), Lsn(2));
    }
}
