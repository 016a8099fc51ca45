//! Recovery: scans segments in lsn order, replays intact records, and at the first bad one
//! decides between a torn tail (cut it off, report it) and corruption (refuse to open).
//!
//! A record is bad if its header is short, its length is over the limit, it runs past the end
//! of its file, its crc mismatches or its lsn is not the next one. Past the first bad record
//! (lsn `n`), every remaining byte is searched for a voucher: an intact record with lsn above
//! `n` whose synced watermark is above `n`, or a later segment header whose first lsn is above
//! `n` (the writer creates a segment only after syncing the previous one, so a header proves
//! every lower lsn was durable). A voucher means record `n` had been durable: corruption.
//! Without one, everything from the bad record on was unsynced: a torn tail. This module
//! decides and cuts; it never appends.

#[cfg(test)]
mod tests;

use crate::error::WalError;
use crate::format::{self, RECORD_HEADER_BYTES, RecordHeader, SEGMENT_HEADER_BYTES};
use crate::reader::Reader;
use crate::storage::Storage;
use crate::wal::{ReplayFn, TornTail};
use crate::{Lsn, WalOptions};

const RECORD_HEADER_LEN: usize = RECORD_HEADER_BYTES as usize;
const SEGMENT_HEADER_LEN: usize = SEGMENT_HEADER_BYTES as usize;

/// A live segment as the writer tracks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) name: String,
    pub(crate) first_lsn: Lsn,
    pub(crate) bytes: u64,
}

/// The log as recovery left it: intact, durable, ready for appends at `next_lsn`.
pub(crate) struct Recovered {
    /// Kept segments in lsn order; empty when none is left (the caller creates one).
    pub(crate) segments: Vec<Segment>,
    pub(crate) next_lsn: Lsn,
    pub(crate) records_replayed: u64,
    pub(crate) last_lsn: Option<Lsn>,
    pub(crate) torn_tail: Option<TornTail>,
}

/// Where the chain of records broke.
struct Bad {
    /// Index into the segment names.
    index: usize,
    offset: u64,
    /// The lsn expected there.
    lsn: Lsn,
    reason: String,
    /// The segment header itself is bad, so the whole segment goes if it is torn.
    header: bool,
}

/// How a pass over the records of one segment ended.
enum SegmentEnd {
    Clean {
        next: Lsn,
        bytes: u64,
    },
    Bad {
        offset: u64,
        lsn: Lsn,
        reason: String,
    },
}

/// Replay progress across segments.
struct Scan<'r, 'a> {
    from: Lsn,
    replay: &'r mut ReplayFn<'a>,
    /// False when `from` is below the oldest record: nothing is replayed, and the range error
    /// is returned once the end of the log is known.
    replaying: bool,
    replayed: u64,
    last_lsn: Option<Lsn>,
}

/// Recovers the log in `storage`: replays records with lsn >= `from`, cuts a torn tail and
/// makes the cut durable, or refuses with `Corrupt`.
pub(crate) fn recover(
    storage: &dyn Storage,
    options: &WalOptions,
    from: Lsn,
    replay: &mut ReplayFn<'_>,
) -> Result<Recovered, WalError> {
    let names = segment_names(storage)?;
    let mut scan = Scan {
        from,
        replay,
        replaying: true,
        replayed: 0,
        last_lsn: None,
    };
    let mut segments: Vec<Segment> = Vec::new();
    let mut next = None;
    let mut bad = None;
    for (index, (name_lsn, name)) in names.iter().enumerate() {
        let expected = next.unwrap_or(*name_lsn);
        let mut reader = open_reader(storage, name)?;
        if let Err(reason) = check_header(&mut reader, name, *name_lsn, expected)? {
            let lsn = expected;
            bad = Some(Bad {
                index,
                offset: 0,
                lsn,
                reason,
                header: true,
            });
            break;
        }
        if next.is_none() {
            scan.replaying = from.max(Lsn::FIRST) >= expected;
        }
        let name = name.clone();
        match scan.records(&mut reader, &name, options, expected)? {
            SegmentEnd::Clean { next: after, bytes } => {
                segments.push(Segment {
                    name,
                    first_lsn: expected,
                    bytes,
                });
                next = Some(after);
            }
            SegmentEnd::Bad {
                offset,
                lsn,
                reason,
            } => {
                segments.push(Segment {
                    name,
                    first_lsn: expected,
                    bytes: offset,
                });
                bad = Some(Bad {
                    index,
                    offset,
                    lsn,
                    reason,
                    header: false,
                });
                break;
            }
        }
    }
    let (next_lsn, torn_tail) = match bad {
        None => (next.unwrap_or(Lsn::FIRST), None),
        Some(bad) => (bad.lsn, Some(settle(storage, options, &names, &bad, from)?)),
    };
    let first = segments
        .first()
        .map_or(next_lsn, |segment| segment.first_lsn);
    if from.max(Lsn::FIRST) < first || from > next_lsn {
        return Err(WalError::ReplayRange {
            from,
            first,
            next: next_lsn,
        });
    }
    Ok(Recovered {
        segments,
        next_lsn,
        records_replayed: scan.replayed,
        last_lsn: scan.last_lsn,
        torn_tail,
    })
}

impl Scan<'_, '_> {
    /// Replays the intact records of one segment, starting at `lsn`, up to the first bad one.
    fn records(
        &mut self,
        reader: &mut Reader,
        name: &str,
        options: &WalOptions,
        mut lsn: Lsn,
    ) -> Result<SegmentEnd, WalError> {
        let mut offset = SEGMENT_HEADER_BYTES;
        while offset < reader.len() {
            let record = read_record(reader, offset, options.record_bytes_max);
            let (header, payload) = match record.map_err(WalError::io("read", name))? {
                Ok(record) => record,
                Err(reason) => {
                    return Ok(SegmentEnd::Bad {
                        offset,
                        lsn,
                        reason,
                    });
                }
            };
            if header.lsn != lsn {
                let reason = format!("record has lsn {}, expected {lsn}", header.lsn);
                return Ok(SegmentEnd::Bad {
                    offset,
                    lsn,
                    reason,
                });
            }
            if self.replaying && lsn >= self.from {
                (self.replay)(lsn, payload).map_err(|source| WalError::Replay { lsn, source })?;
                self.replayed += 1;
            }
            self.last_lsn = Some(lsn);
            offset += header.record_bytes();
            lsn = lsn.next();
        }
        Ok(SegmentEnd::Clean {
            next: lsn,
            bytes: offset,
        })
    }
}

/// The log's segments, sorted by the lsn in their names; other files are not ours.
fn segment_names(storage: &dyn Storage) -> Result<Vec<(Lsn, String)>, WalError> {
    let names = storage.list().map_err(WalError::io("list", ""))?;
    let mut segments: Vec<(Lsn, String)> = names
        .into_iter()
        .filter_map(|name| format::parse_segment_name(&name).map(|lsn| (lsn, name)))
        .collect();
    segments.sort();
    Ok(segments)
}

fn open_reader(storage: &dyn Storage, name: &str) -> Result<Reader, WalError> {
    let file = storage.open(name).map_err(WalError::io("open", name))?;
    Reader::new(file).map_err(WalError::io("len", name))
}

/// Whether a segment starts with a valid header for `expected`; the inner error says why not.
fn check_header(
    reader: &mut Reader,
    name: &str,
    name_lsn: Lsn,
    expected: Lsn,
) -> Result<Result<(), String>, WalError> {
    let len = reader.len();
    let raw = reader
        .bytes(0, SEGMENT_HEADER_LEN)
        .map_err(WalError::io("read", name))?;
    let Some(raw) = raw else {
        return Ok(Err(format!(
            "segment header is cut short: {len} of 32 bytes"
        )));
    };
    let raw: &[u8; SEGMENT_HEADER_LEN] = raw.try_into().expect("asked for a header's bytes");
    let first = match format::decode_segment_header(raw) {
        Ok(first) => first,
        Err(reason) => return Ok(Err(reason)),
    };
    Ok(if first != name_lsn {
        Err(format!(
            "segment header says first lsn {first}, its name says {name_lsn}"
        ))
    } else if first != expected {
        Err(format!(
            "segment starts at lsn {first}, expected {expected}"
        ))
    } else {
        Ok(())
    })
}

/// Reads the record at `offset`: its header and payload if intact, else why not. The length
/// is checked against the limit before the payload is read, so a wild length never allocates.
fn read_record(
    reader: &mut Reader,
    offset: u64,
    record_bytes_max: u32,
) -> std::io::Result<Result<(RecordHeader, &[u8]), String>> {
    let left = reader.len().saturating_sub(offset);
    let Some(raw) = reader.bytes(offset, RECORD_HEADER_LEN)? else {
        return Ok(Err(format!(
            "record header is cut short: {left} of 24 bytes"
        )));
    };
    let raw: [u8; RECORD_HEADER_LEN] = raw.try_into().expect("asked for a header's bytes");
    let header = RecordHeader::decode(&raw);
    if header.len > record_bytes_max {
        let len = header.len;
        return Ok(Err(format!(
            "record is {len} bytes, limit is {record_bytes_max}"
        )));
    }
    let whole = usize::try_from(header.record_bytes()).expect("bounded by record_bytes_max");
    let Some(record) = reader.bytes(offset, whole)? else {
        let message = format!(
            "record of {} bytes runs past the end of the file",
            header.len
        );
        return Ok(Err(message));
    };
    let payload = &record[RECORD_HEADER_LEN..];
    if !header.check(&raw, payload) {
        return Ok(Err("record crc mismatch".to_string()));
    }
    if header.synced_lsn > header.lsn {
        let (synced, lsn) = (header.synced_lsn, header.lsn);
        return Ok(Err(format!(
            "record says lsn {synced} was synced before its own lsn {lsn}"
        )));
    }
    Ok(Ok((header, payload)))
}

/// Torn tail or corruption: cuts the first, refuses the second.
fn settle(
    storage: &dyn Storage,
    options: &WalOptions,
    names: &[(Lsn, String)],
    bad: &Bad,
    from: Lsn,
) -> Result<TornTail, WalError> {
    let name = &names[bad.index].1;
    let corrupt = |reason: String| WalError::Corrupt {
        file: name.clone(),
        offset: bad.offset,
        reason,
    };
    // The caller holds state (a snapshot) up to `from`, which it took only from synced
    // records: a bad record below it had been durable. Refuse before cutting anything.
    if bad.lsn < from {
        return Err(corrupt(format!(
            "{} at lsn {}, below lsn {from} that the caller's snapshot says was durable",
            bad.reason, bad.lsn
        )));
    }
    if let Some(voucher) = find_voucher(storage, options, names, bad)? {
        return Err(corrupt(format!(
            "{} at lsn {}, yet {voucher}",
            bad.reason, bad.lsn
        )));
    }
    if bad.header && bad.index + 1 < names.len() {
        return Err(corrupt(format!(
            "{}, and later segments follow it",
            bad.reason
        )));
    }
    cut(storage, names, bad)
}

/// Searches every byte after the bad point for proof that lsn `bad.lsn` had been durable.
fn find_voucher(
    storage: &dyn Storage,
    options: &WalOptions,
    names: &[(Lsn, String)],
    bad: &Bad,
) -> Result<Option<String>, WalError> {
    // Bytes between the bad point and the start of the file being searched, across files.
    let mut before: u64 = 0;
    for (index, (_, name)) in names.iter().enumerate().skip(bad.index) {
        let mut reader = open_reader(storage, name)?;
        let (start, skip) = if index == bad.index {
            (bad.offset + 1, bad.offset)
        } else {
            (0, 0)
        };
        let search = Search {
            lsn: bad.lsn,
            before,
            skip,
            record_bytes_max: options.record_bytes_max,
        };
        // The bad segment's own header counts only when the header itself was the problem.
        let headers = index > bad.index || bad.header;
        let voucher = search
            .segment(&mut reader, name, start, headers)
            .map_err(WalError::io("read", name))?;
        if voucher.is_some() {
            return Ok(voucher);
        }
        before += reader.len() - skip;
    }
    Ok(None)
}

/// A byte-by-byte search of one file for a vouching record.
struct Search {
    /// The bad record's lsn.
    lsn: Lsn,
    /// Bytes from the bad point to the start of this file (0 for the bad file itself).
    before: u64,
    /// The bad offset within this file, or 0 for later files.
    skip: u64,
    record_bytes_max: u32,
}

impl Search {
    /// Searches one segment: its header first (if `header` is true), then every byte from
    /// `start`.
    fn segment(
        &self,
        reader: &mut Reader,
        name: &str,
        start: u64,
        header: bool,
    ) -> std::io::Result<Option<String>> {
        if header && let Some(raw) = reader.bytes(0, SEGMENT_HEADER_LEN)? {
            let raw: &[u8; SEGMENT_HEADER_LEN] = raw.try_into().expect("a header's bytes");
            let first = format::decode_segment_header(raw).ok();
            if let Some(first) = first.filter(|first| *first > self.lsn) {
                return Ok(Some(format!(
                    "segment {name} starts at lsn {first}, so every lsn below it was durable"
                )));
            }
        }
        self.file(reader, name, start)
    }

    /// Cheap header filters run first, so garbage rarely costs a crc: a voucher's lsn and
    /// watermark are both above `lsn`, its watermark is at most its own lsn, and its lsn is at
    /// most `lsn + distance / 24`, because every record in between takes at least 24 bytes.
    fn file(&self, reader: &mut Reader, name: &str, start: u64) -> std::io::Result<Option<String>> {
        let n = self.lsn;
        let mut offset = start;
        while offset + RECORD_HEADER_BYTES <= reader.len() {
            let Some(raw) = reader.bytes(offset, RECORD_HEADER_LEN)? else {
                break;
            };
            let raw: [u8; RECORD_HEADER_LEN] = raw.try_into().expect("asked for a header's bytes");
            let header = RecordHeader::decode(&raw);
            let distance = self.before + (offset - self.skip);
            let plausible = header.lsn > n
                && header.synced_lsn > n
                && header.synced_lsn <= header.lsn
                && header.lsn.0 - n.0 <= distance / RECORD_HEADER_BYTES;
            if plausible && read_record(reader, offset, self.record_bytes_max)?.is_ok() {
                let (lsn, synced) = (header.lsn, header.synced_lsn);
                return Ok(Some(format!(
                    "intact record {lsn} in {name} at offset {offset} says every lsn below \
                     {synced} was durable"
                )));
            }
            offset += 1;
        }
        Ok(None)
    }
}

/// Cuts a torn tail: truncates the bad segment at the bad record (or drops it whole if its
/// header is bad) and removes every later segment. The cut is made durable before any append,
/// so the old tail can never resurface behind new records.
fn cut(storage: &dyn Storage, names: &[(Lsn, String)], bad: &Bad) -> Result<TornTail, WalError> {
    let name = &names[bad.index].1;
    let mut dropped = 0;
    let first_removed = if bad.header {
        bad.index
    } else {
        let mut file = storage.open(name).map_err(WalError::io("open", name))?;
        let len = file.len().map_err(WalError::io("len", name))?;
        dropped += len - bad.offset;
        file.truncate(bad.offset)
            .map_err(WalError::io("truncate", name))?;
        file.sync_data().map_err(WalError::io("sync", name))?;
        bad.index + 1
    };
    // Newest first, so an interrupted cut still leaves a prefix of the log.
    for (_, later) in names[first_removed..].iter().rev() {
        let file = storage.open(later).map_err(WalError::io("open", later))?;
        dropped += file.len().map_err(WalError::io("len", later))?;
        storage
            .remove(later)
            .map_err(WalError::io("remove", later))?;
    }
    if first_removed < names.len() {
        storage.sync_dir().map_err(WalError::io("sync_dir", ""))?;
    }
    Ok(TornTail {
        file: name.clone(),
        offset: bad.offset,
        bytes_dropped: dropped,
    })
}
