//! Entry contents: an ordered list of field/value byte pairs, packed into one shared buffer so
//! that ten million small entries cost little more than their bytes, and so that a reply or a
//! snapshot can hold an entry without copying it.
//!
//! Packed form (paired with `EntryData::pack` and `EntryData::from_packed`): `pairs` u32, then
//! per field and per value a u32 length and its bytes, all little-endian.

use std::sync::Arc;

use crate::StreamId;

/// One field/value pair as callers hand it in.
pub type Field = (Vec<u8>, Vec<u8>);

/// The fields of one entry, immutable once added.
#[derive(Clone, PartialEq, Eq)]
pub struct EntryData(Arc<[u8]>);

impl EntryData {
    /// Packs `fields`. Callers check the entry limits first (`ENTRY_BYTES_MAX` keeps every
    /// length inside a u32).
    pub fn pack(fields: &[Field]) -> EntryData {
        let body: usize = fields.iter().map(|(f, v)| 8 + f.len() + v.len()).sum();
        let mut out = Vec::with_capacity(4 + body);
        out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
        for (field, value) in fields {
            out.extend_from_slice(&(field.len() as u32).to_le_bytes());
            out.extend_from_slice(field);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value);
        }
        EntryData(out.into())
    }

    /// Takes packed bytes read back from disk, checking every length against the buffer.
    pub fn from_packed(bytes: &[u8]) -> Option<EntryData> {
        let pairs = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let mut at = 4usize;
        for _ in 0..pairs.checked_mul(2)? {
            let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
            at = at.checked_add(4)?.checked_add(len)?;
            if at > bytes.len() {
                return None;
            }
        }
        (at == bytes.len()).then(|| EntryData(bytes.into()))
    }

    pub fn as_packed(&self) -> &[u8] {
        &self.0
    }

    pub fn pair_count(&self) -> usize {
        u32::from_le_bytes([self.0[0], self.0[1], self.0[2], self.0[3]]) as usize
    }

    /// The pairs in the order they were added.
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs {
            bytes: &self.0,
            at: 4,
            left: self.pair_count(),
        }
    }

    pub fn to_fields(&self) -> Vec<Field> {
        self.pairs()
            .map(|(f, v)| (f.to_vec(), v.to_vec()))
            .collect()
    }
}

impl std::fmt::Debug for EntryData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pairs: Vec<(String, String)> = self
            .pairs()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        f.debug_tuple("EntryData").field(&pairs).finish()
    }
}

/// Iterator over packed pairs. The buffer was validated when packed or read back.
pub struct Pairs<'a> {
    bytes: &'a [u8],
    at: usize,
    left: usize,
}

impl<'a> Pairs<'a> {
    fn take(&mut self) -> &'a [u8] {
        let len_bytes: [u8; 4] = self.bytes[self.at..self.at + 4]
            .try_into()
            .expect("a packed entry holds a full length before each part");
        let len = u32::from_le_bytes(len_bytes) as usize;
        let start = self.at + 4;
        self.at = start + len;
        &self.bytes[start..start + len]
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let field = self.take();
        let value = self.take();
        Some((field, value))
    }
}

/// An entry as read out of a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: StreamId,
    pub data: EntryData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_and_rejects_short_buffers() {
        let fields = vec![
            (b"a".to_vec(), b"1".to_vec()),
            (Vec::new(), b"xyz".to_vec()),
        ];
        let data = EntryData::pack(&fields);
        assert_eq!(data.to_fields(), fields);
        let again = EntryData::from_packed(data.as_packed()).expect("valid");
        assert_eq!(again, data);
        let bytes = data.as_packed();
        for cut in 0..bytes.len() {
            assert!(
                EntryData::from_packed(&bytes[..cut]).is_none(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(EntryData::from_packed(&longer).is_none());
    }
}
