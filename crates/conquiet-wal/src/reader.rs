//! Windowed reads over one segment for recovery, so scanning a file of small records costs a
//! read call per window rather than two per record. Owns no policy: callers bound every length
//! before asking for it.

use std::io;

use crate::storage::StorageFile;

/// Bytes read per refill. Large enough to amortise the call, small enough to hold while the
/// caller also holds a record.
const READ_WINDOW_BYTES: usize = 1 << 20;

pub(crate) struct Reader {
    file: Box<dyn StorageFile>,
    len: u64,
    window_offset: u64,
    window: Vec<u8>,
}

impl Reader {
    pub(crate) fn new(file: Box<dyn StorageFile>) -> io::Result<Reader> {
        let len = file.len()?;
        Ok(Reader {
            file,
            len,
            window_offset: 0,
            window: Vec::new(),
        })
    }

    /// File length when the reader was made; recovery is the only writer while it runs.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// `n` bytes at `offset`, or `None` if they run past the end of the file. `n` must already
    /// be bounded (a header, or a length checked against the record limit): the window grows
    /// to hold it.
    pub(crate) fn bytes(&mut self, offset: u64, n: usize) -> io::Result<Option<&[u8]>> {
        let Some(end) = offset.checked_add(n as u64).filter(|end| *end <= self.len) else {
            return Ok(None);
        };
        let window_end = self.window_offset + self.window.len() as u64;
        if offset < self.window_offset || end > window_end {
            let left = usize::try_from(self.len - offset).unwrap_or(usize::MAX);
            let size = n.max(READ_WINDOW_BYTES.min(left));
            self.window.resize(size, 0);
            self.file.read_at(offset, &mut self.window)?;
            self.window_offset = offset;
        }
        let start = usize::try_from(offset - self.window_offset).expect("inside the window");
        Ok(Some(&self.window[start..start + n]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SimStorage, Storage};

    #[test]
    fn reads_across_windows_and_refuses_past_end() {
        let storage = SimStorage::new();
        let mut file = storage.create("f").unwrap();
        let data: Vec<u8> = (0..3 * READ_WINDOW_BYTES)
            .map(|i| (i % 251) as u8)
            .collect();
        file.write_at(0, &data).unwrap();
        let mut reader = Reader::new(file).unwrap();
        for offset in [0, 5, READ_WINDOW_BYTES - 3, 2 * READ_WINDOW_BYTES + 1, 7] {
            let got = reader.bytes(offset as u64, 24).unwrap().unwrap().to_vec();
            assert_eq!(got, data[offset..offset + 24], "offset {offset}");
        }
        let big = reader
            .bytes(1, 2 * READ_WINDOW_BYTES)
            .unwrap()
            .unwrap()
            .to_vec();
        assert_eq!(big, data[1..1 + 2 * READ_WINDOW_BYTES]);
        assert!(reader.bytes(data.len() as u64 - 3, 4).unwrap().is_none());
        assert!(reader.bytes(u64::MAX, 4).unwrap().is_none());
    }
}
