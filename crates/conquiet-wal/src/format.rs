//! The on-disk layout, byte by byte (the same table is in `docs/wal-format.md`). This module
//! owns encoding and decoding only; it never touches storage and never decides what a bad
//! record means (that is `recovery`'s job). All integers are little-endian.
//!
//! Segment file `wal-{first_lsn:020}.log`, a 32-byte header then records:
//!
//! | offset | bytes | field                                  |
//! |--------|-------|----------------------------------------|
//! | 0      | 8     | magic `CQWALSEG`                       |
//! | 8      | 4     | format version, u32 = 1                |
//! | 12     | 4     | reserved, u32 = 0                      |
//! | 16     | 8     | first_lsn, u64 (equals the file name)  |
//! | 24     | 4     | crc32c of bytes 0..24, u32             |
//! | 28     | 4     | zero                                   |
//!
//! Record, a 24-byte header then `len` payload bytes:
//!
//! | offset | bytes | field                                                       |
//! |--------|-------|-------------------------------------------------------------|
//! | 0      | 4     | len, u32: payload bytes                                     |
//! | 4      | 4     | crc, u32: crc32c of header bytes 8..24, then the payload    |
//! | 8      | 8     | lsn, u64: previous record's lsn + 1                         |
//! | 16     | 8     | synced_lsn, u64: every lsn below it was durable when written |

use crate::Lsn;

/// Bytes of a segment header.
pub const SEGMENT_HEADER_BYTES: u64 = 32;
/// Identifies a conquiet log segment.
pub const SEGMENT_MAGIC: [u8; 8] = *b"CQWALSEG";
/// The only segment format version this crate reads and writes.
pub const SEGMENT_VERSION: u32 = 1;
pub const SEGMENT_MAGIC_OFFSET: usize = 0;
pub const SEGMENT_VERSION_OFFSET: usize = 8;
pub const SEGMENT_RESERVED_OFFSET: usize = 12;
pub const SEGMENT_FIRST_LSN_OFFSET: usize = 16;
pub const SEGMENT_CRC_OFFSET: usize = 24;
pub const SEGMENT_PAD_OFFSET: usize = 28;

/// Bytes of a record header.
pub const RECORD_HEADER_BYTES: u64 = 24;
pub const RECORD_LEN_OFFSET: usize = 0;
pub const RECORD_CRC_OFFSET: usize = 4;
pub const RECORD_LSN_OFFSET: usize = 8;
pub const RECORD_SYNCED_LSN_OFFSET: usize = 16;

const SEGMENT_HEADER_LEN: usize = SEGMENT_HEADER_BYTES as usize;
const RECORD_HEADER_LEN: usize = RECORD_HEADER_BYTES as usize;
const _: () = assert!(SEGMENT_PAD_OFFSET + 4 == SEGMENT_HEADER_LEN);
const _: () = assert!(RECORD_SYNCED_LSN_OFFSET + 8 == RECORD_HEADER_LEN);

const SEGMENT_NAME_PREFIX: &str = "wal-";
const SEGMENT_NAME_SUFFIX: &str = ".log";
/// Digits of the lsn in a segment name: u64::MAX has 20, so names sort like their lsns.
const SEGMENT_NAME_DIGITS: usize = 20;

/// The file name of the segment whose first record is `first_lsn`.
pub fn segment_name(first_lsn: Lsn) -> String {
    format!(
        "{SEGMENT_NAME_PREFIX}{:020}{SEGMENT_NAME_SUFFIX}",
        first_lsn.0
    )
}

/// The first lsn a segment name claims, or `None` for a file the log does not own (snapshots
/// and anything else share the directory and must be left alone). Lsn 0 names no record, so
/// `wal-00000000000000000000.log` is not ours either.
pub fn parse_segment_name(name: &str) -> Option<Lsn> {
    let digits = name
        .strip_prefix(SEGMENT_NAME_PREFIX)?
        .strip_suffix(SEGMENT_NAME_SUFFIX)?;
    if digits.len() != SEGMENT_NAME_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|lsn| *lsn > 0).map(Lsn)
}

/// Encodes a segment header; paired with `decode_segment_header`.
pub fn encode_segment_header(first_lsn: Lsn) -> [u8; SEGMENT_HEADER_LEN] {
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    header[SEGMENT_MAGIC_OFFSET..SEGMENT_VERSION_OFFSET].copy_from_slice(&SEGMENT_MAGIC);
    put_u32(&mut header, SEGMENT_VERSION_OFFSET, SEGMENT_VERSION);
    put_u32(&mut header, SEGMENT_RESERVED_OFFSET, 0);
    put_u64(&mut header, SEGMENT_FIRST_LSN_OFFSET, first_lsn.0);
    let crc = crc32c::crc32c(&header[..SEGMENT_CRC_OFFSET]);
    put_u32(&mut header, SEGMENT_CRC_OFFSET, crc);
    header
}

/// Decodes a segment header, returning its first lsn or why it is not a valid header.
pub fn decode_segment_header(header: &[u8; SEGMENT_HEADER_LEN]) -> Result<Lsn, String> {
    if header[SEGMENT_MAGIC_OFFSET..SEGMENT_VERSION_OFFSET] != SEGMENT_MAGIC {
        return Err("segment header has no CQWALSEG magic".into());
    }
    let crc = get_u32(header, SEGMENT_CRC_OFFSET);
    let expected = crc32c::crc32c(&header[..SEGMENT_CRC_OFFSET]);
    if crc != expected {
        return Err(format!(
            "segment header crc is {crc:#010x}, expected {expected:#010x}"
        ));
    }
    // Checked after the crc, so a version mismatch is reported only for a header we wrote.
    let version = get_u32(header, SEGMENT_VERSION_OFFSET);
    if version != SEGMENT_VERSION {
        return Err(format!(
            "segment format version is {version}, this build reads 1"
        ));
    }
    if get_u32(header, SEGMENT_RESERVED_OFFSET) != 0 || get_u32(header, SEGMENT_PAD_OFFSET) != 0 {
        return Err("segment header reserved bytes are not zero".into());
    }
    Ok(Lsn(get_u64(header, SEGMENT_FIRST_LSN_OFFSET)))
}

/// A decoded record header. Nothing in it is trusted until `check` passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub len: u32,
    pub crc: u32,
    pub lsn: Lsn,
    pub synced_lsn: Lsn,
}

impl RecordHeader {
    /// Reads the fields of a 24-byte header without judging them.
    pub fn decode(header: &[u8; RECORD_HEADER_LEN]) -> RecordHeader {
        RecordHeader {
            len: get_u32(header, RECORD_LEN_OFFSET),
            crc: get_u32(header, RECORD_CRC_OFFSET),
            lsn: Lsn(get_u64(header, RECORD_LSN_OFFSET)),
            synced_lsn: Lsn(get_u64(header, RECORD_SYNCED_LSN_OFFSET)),
        }
    }

    /// Whole record size on disk, header included.
    pub fn record_bytes(&self) -> u64 {
        RECORD_HEADER_BYTES + u64::from(self.len)
    }

    /// Whether `payload` (exactly `len` bytes) matches the stored crc.
    pub fn check(&self, header: &[u8; RECORD_HEADER_LEN], payload: &[u8]) -> bool {
        debug_assert_eq!(payload.len() as u64, u64::from(self.len), "payload length");
        record_crc(header, payload) == self.crc
    }
}

/// The crc a record carries: over header bytes 8..24 (lsn and synced_lsn) then the payload.
/// `len` is covered indirectly: a wrong length selects different payload bytes.
pub fn record_crc(header: &[u8; RECORD_HEADER_LEN], payload: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&header[RECORD_LSN_OFFSET..]);
    crc32c::crc32c_append(crc, payload)
}

/// Appends one encoded record to `out`; paired with `RecordHeader::decode` and `check`. The
/// caller has checked `payload` against the record limit, which keeps `len` within u32.
pub fn encode_record(lsn: Lsn, synced_lsn: Lsn, payload: &[u8], out: &mut Vec<u8>) {
    assert!(
        synced_lsn <= lsn,
        "synced_lsn {synced_lsn} is above the record's lsn {lsn}"
    );
    let len = u32::try_from(payload.len()).expect("payload checked against record_bytes_max");
    let mut header = [0u8; RECORD_HEADER_LEN];
    put_u32(&mut header, RECORD_LEN_OFFSET, len);
    put_u64(&mut header, RECORD_LSN_OFFSET, lsn.0);
    put_u64(&mut header, RECORD_SYNCED_LSN_OFFSET, synced_lsn.0);
    let crc = record_crc(&header, payload);
    put_u32(&mut header, RECORD_CRC_OFFSET, crc);
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
}

fn put_u32(buf: &mut [u8], offset: usize, value: u32) {
    buf[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u64(buf: &mut [u8], offset: usize, value: u64) {
    buf[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

fn get_u32(buf: &[u8], offset: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&buf[offset..offset + 4]);
    u32::from_le_bytes(bytes)
}

fn get_u64(buf: &[u8], offset: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[offset..offset + 8]);
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn segment_names_round_trip_and_sort_like_lsns() {
        assert_eq!(segment_name(Lsn(1)), "wal-00000000000000000001.log");
        assert_eq!(
            parse_segment_name(&segment_name(Lsn(u64::MAX))),
            Some(Lsn(u64::MAX))
        );
        assert!(segment_name(Lsn(9)) < segment_name(Lsn(10)));
    }

    #[test]
    fn foreign_names_are_not_segments() {
        for name in [
            "snap-00000000000000000005.cqs",
            "wal-1.log",
            "wal-00000000000000000001.log.tmp",
            "wal-0000000000000000000x.log",
            "wal-99999999999999999999.log",
            "wal-+0000000000000000001.log",
            "wal-00000000000000000000.log",
        ] {
            assert_eq!(parse_segment_name(name), None, "{name}");
        }
    }

    #[test]
    fn segment_header_layout_matches_the_table() {
        let header = encode_segment_header(Lsn(0x0102_0304_0506_0708));
        assert_eq!(&header[0..8], b"CQWALSEG");
        assert_eq!(&header[8..16], &[1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&header[16..24], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(
            &header[24..28],
            &crc32c::crc32c(&header[..24]).to_le_bytes()
        );
        assert_eq!(&header[28..32], &[0; 4]);
        assert_eq!(
            decode_segment_header(&header),
            Ok(Lsn(0x0102_0304_0506_0708))
        );
    }

    #[test]
    fn any_flipped_header_byte_is_rejected() {
        let header = encode_segment_header(Lsn(77));
        for index in 0..header.len() {
            let mut bad = header;
            bad[index] ^= 0x40;
            assert!(decode_segment_header(&bad).is_err(), "byte {index}");
        }
    }

    #[test]
    fn record_layout_matches_the_table() {
        let mut out = Vec::new();
        encode_record(Lsn(5), Lsn(3), b"abc", &mut out);
        assert_eq!(out.len(), 27);
        assert_eq!(&out[0..4], &[3, 0, 0, 0]);
        assert_eq!(&out[8..16], &5u64.to_le_bytes());
        assert_eq!(&out[16..24], &3u64.to_le_bytes());
        let crc = crc32c::crc32c_append(crc32c::crc32c(&out[8..24]), b"abc");
        assert_eq!(&out[4..8], &crc.to_le_bytes());
    }

    proptest! {
        #[test]
        fn records_round_trip(
            lsn in 1u64..,
            gap in 0u64..1000,
            payload in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let synced = Lsn(lsn.saturating_sub(gap));
            let mut out = Vec::new();
            encode_record(Lsn(lsn), synced, &payload, &mut out);
            let mut raw = [0u8; RECORD_HEADER_LEN];
            raw.copy_from_slice(&out[..RECORD_HEADER_LEN]);
            let header = RecordHeader::decode(&raw);
            prop_assert_eq!(header.lsn, Lsn(lsn));
            prop_assert_eq!(header.synced_lsn, synced);
            prop_assert_eq!(header.record_bytes(), out.len() as u64);
            prop_assert!(header.check(&raw, &out[RECORD_HEADER_LEN..]));
        }

        #[test]
        fn a_flipped_record_bit_fails_the_crc(
            payload in proptest::collection::vec(any::<u8>(), 1..100),
            bit in 0usize..800,
        ) {
            let mut out = Vec::new();
            encode_record(Lsn(9), Lsn(9), &payload, &mut out);
            // Bits 0..32 are `len`, covered only through the payload it selects; skip them.
            let bit = 32 + bit % (out.len() * 8 - 32);
            out[bit / 8] ^= 1 << (bit % 8);
            let mut raw = [0u8; RECORD_HEADER_LEN];
            raw.copy_from_slice(&out[..RECORD_HEADER_LEN]);
            let header = RecordHeader::decode(&raw);
            prop_assert!(!header.check(&raw, &out[RECORD_HEADER_LEN..]));
        }

        #[test]
        fn arbitrary_headers_decode_without_panic(
            bytes in proptest::array::uniform32(any::<u8>()),
        ) {
            let _ = decode_segment_header(&bytes);
            let mut raw = [0u8; RECORD_HEADER_LEN];
            raw.copy_from_slice(&bytes[..RECORD_HEADER_LEN]);
            let _ = RecordHeader::decode(&raw).record_bytes();
        }
    }
}
