//! Snapshot files: the whole engine as of a log position, so recovery replays only the log
//! written since. Byte layout (documented in docs/snapshot-format.md):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `CQSNAPSH` |
//! | 8 | 4 | format version (1) |
//! | 12 | 4 | reserved, 0 |
//! | 16 | 8 | lsn: the state holds exactly the records with smaller lsns |
//! | 24 | 4 | crc32c of bytes 0..24 |
//! | 28 | 4 | reserved, 0 |
//! | 32 | n | body: `conquiet_core::codec::encode_snapshot` |
//! | 32+n | 8 | n |
//! | 40+n | 4 | crc32c of the body |
//! | 44+n | 4 | magic `CQSE` |
//!
//! A snapshot is written to `snap-<lsn>.tmp`, synced, renamed to `snap-<lsn>.cqs`, and the
//! directory synced: a crash leaves either no snapshot or a whole one.

use std::io::{self, Read, Write};

use conquiet_core::Engine;
use conquiet_core::codec::{decode_snapshot, encode_snapshot};
use conquiet_wal::{Lsn, Storage, StorageFile};

const MAGIC: &[u8; 8] = b"CQSNAPSH";
const END_MAGIC: &[u8; 4] = b"CQSE";
const VERSION: u32 = 1;
const HEADER_BYTES: u64 = 32;
const TRAILER_BYTES: u64 = 16;
const HEADER_CRC_AT: usize = 24;
/// Snapshot bytes are written and read in chunks of this size.
const CHUNK_BYTES: usize = 1 << 20;
/// A snapshot being written is synced every this many bytes (see `ChunkWriter`).
const SYNC_EVERY_BYTES: u64 = 8 << 20;

/// The file name of the snapshot at `lsn`.
pub fn file_name(lsn: Lsn) -> String {
    format!("snap-{:020}.cqs", lsn.0)
}

pub(crate) fn tmp_name(lsn: Lsn) -> String {
    format!("snap-{:020}.tmp", lsn.0)
}

/// The lsn a snapshot file name stands for, if it is one.
pub fn parse_name(name: &str) -> Option<Lsn> {
    let digits = name.strip_prefix("snap-")?.strip_suffix(".cqs")?;
    (digits.len() == 20)
        .then(|| digits.parse().ok().map(Lsn))
        .flatten()
}

/// Whether `name` is a leftover temporary snapshot (removed at start-up).
pub fn is_tmp(name: &str) -> bool {
    name.starts_with("snap-") && name.ends_with(".tmp")
}

/// Writes `engine` as the snapshot at `lsn` and makes it durable. Returns its size in bytes.
pub fn write(storage: &dyn Storage, engine: &Engine, lsn: Lsn) -> io::Result<u64> {
    let tmp = tmp_name(lsn);
    let file = storage.create(&tmp)?;
    let mut header = [0u8; HEADER_BYTES as usize];
    header[..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&VERSION.to_le_bytes());
    header[16..24].copy_from_slice(&lsn.0.to_le_bytes());
    let crc = crc32c::crc32c(&header[..HEADER_CRC_AT]);
    header[HEADER_CRC_AT..HEADER_CRC_AT + 4].copy_from_slice(&crc.to_le_bytes());
    let mut out = ChunkWriter {
        file,
        offset: 0,
        unsynced: 0,
        buf: Vec::with_capacity(CHUNK_BYTES),
        crc: 0,
    };
    out.write_all(&header)?;
    out.crc = 0;
    encode_snapshot(engine, &mut out)?;
    let body_len = out.offset + out.buf.len() as u64 - HEADER_BYTES;
    let body_crc = out.crc;
    let mut trailer = [0u8; TRAILER_BYTES as usize];
    trailer[..8].copy_from_slice(&body_len.to_le_bytes());
    trailer[8..12].copy_from_slice(&body_crc.to_le_bytes());
    trailer[12..].copy_from_slice(END_MAGIC);
    out.write_all(&trailer)?;
    out.flush()?;
    let size = out.offset;
    out.file.sync_data()?;
    drop(out);
    storage.rename(&tmp, &file_name(lsn))?;
    storage.sync_dir()?;
    Ok(size)
}

/// Buffers writes into large `write_at` calls and keeps a running crc of what passes. Syncs
/// every `SYNC_EVERY_BYTES` written, so that a large snapshot reaches the disk in steps: one
/// fdatasync of the whole file at the end would queue the log's own fdatasyncs (which every
/// acknowledgement waits for) behind all of it.
struct ChunkWriter {
    file: Box<dyn StorageFile>,
    offset: u64,
    /// Bytes written since the last sync.
    unsynced: u64,
    buf: Vec<u8>,
    crc: u32,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.crc = crc32c::crc32c_append(self.crc, data);
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.file.write_at(self.offset, &self.buf)?;
            self.offset += self.buf.len() as u64;
            self.unsynced += self.buf.len() as u64;
            self.buf.clear();
            if self.unsynced >= SYNC_EVERY_BYTES {
                self.file.sync_data()?;
                self.unsynced = 0;
            }
        }
        Ok(())
    }
}

/// Why a snapshot could not be read. Recovery then tries the next older one.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {file}: {reason}")]
    Bad { file: String, reason: String },
    #[error("snapshot {file}: {source}")]
    Io { file: String, source: io::Error },
}

/// Reads and fully checks the snapshot named `name`.
pub fn read(storage: &dyn Storage, name: &str) -> Result<(Engine, Lsn), SnapshotError> {
    let bad = |reason: String| SnapshotError::Bad {
        file: name.to_string(),
        reason,
    };
    let io_err = |source| SnapshotError::Io {
        file: name.to_string(),
        source,
    };
    let file = storage.open(name).map_err(io_err)?;
    let len = file.len().map_err(io_err)?;
    if len < HEADER_BYTES + TRAILER_BYTES {
        return Err(bad(format!(
            "{len} bytes is shorter than a header and trailer"
        )));
    }
    let mut header = [0u8; HEADER_BYTES as usize];
    file.read_at(0, &mut header).map_err(io_err)?;
    let stored = u32::from_le_bytes(header[24..28].try_into().expect("4 bytes"));
    if &header[..8] != MAGIC || crc32c::crc32c(&header[..HEADER_CRC_AT]) != stored {
        return Err(bad("bad header magic or checksum".into()));
    }
    let version = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(bad(format!(
            "format version {version}, this build reads {VERSION}"
        )));
    }
    let lsn = Lsn(u64::from_le_bytes(
        header[16..24].try_into().expect("8 bytes"),
    ));
    let mut trailer = [0u8; TRAILER_BYTES as usize];
    file.read_at(len - TRAILER_BYTES, &mut trailer)
        .map_err(io_err)?;
    let body_len = u64::from_le_bytes(trailer[..8].try_into().expect("8 bytes"));
    let body_crc = u32::from_le_bytes(trailer[8..12].try_into().expect("4 bytes"));
    if &trailer[12..] != END_MAGIC || body_len != len - HEADER_BYTES - TRAILER_BYTES {
        return Err(bad("incomplete: bad trailer".into()));
    }
    let mut reader = ChunkReader {
        file,
        offset: HEADER_BYTES,
        end: HEADER_BYTES + body_len,
        buf: Vec::new(),
        at: 0,
        crc: 0,
    };
    let engine = decode_snapshot(&mut reader).map_err(|e| bad(e.to_string()))?;
    if reader.remaining() != 0 {
        return Err(bad(format!(
            "{} unread bytes after the body",
            reader.remaining()
        )));
    }
    if reader.crc != body_crc {
        return Err(bad("body checksum mismatch".into()));
    }
    Ok((engine, lsn))
}

/// Reads the body in large chunks, keeping a running crc of what the decoder consumed.
struct ChunkReader {
    file: Box<dyn StorageFile>,
    offset: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
    crc: u32,
}

impl ChunkReader {
    fn remaining(&self) -> u64 {
        (self.end - self.offset) + (self.buf.len() - self.at) as u64
    }
}

impl Read for ChunkReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.buf.len() {
            let n = (self.end - self.offset).min(CHUNK_BYTES as u64) as usize;
            if n == 0 {
                return Ok(0);
            }
            self.buf.resize(n, 0);
            self.file.read_at(self.offset, &mut self.buf)?;
            self.offset += n as u64;
            self.at = 0;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.crc = crc32c::crc32c_append(self.crc, &out[..n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use conquiet_core::{Command, EngineConfig, IdSpec};
    use conquiet_wal::SimStorage;

    use super::*;

    #[test]
    fn a_large_snapshot_is_synced_in_steps_and_reads_back_whole() {
        let mut engine = Engine::new(EngineConfig::default());
        // About 20 MiB of values: past two steps of SYNC_EVERY_BYTES.
        let value = vec![b'v'; 4096];
        for _ in 0..5000 {
            let add = Command::Add {
                key: b"s".to_vec(),
                id: IdSpec::Auto,
                fields: vec![(b"f".to_vec(), value.clone())],
                no_create: false,
                trim: None,
            };
            engine.execute(1, &add).expect("add");
        }
        let storage = SimStorage::new();
        let size = write(&storage, &engine, Lsn(7)).expect("snapshot written");
        assert!(size > 2 * SYNC_EVERY_BYTES, "{size} bytes");
        // Two steps, the end of the file, and the directory after the rename.
        assert!(storage.sync_count() >= 4, "{} syncs", storage.sync_count());
        let (read_back, lsn) = read(&storage, &file_name(Lsn(7))).expect("snapshot reads back");
        assert_eq!(lsn, Lsn(7));
        assert_eq!(read_back.stream_count(), 1);
    }
}
