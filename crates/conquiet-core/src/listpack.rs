//! Byte sizes of Redis's listpack encoding, so that stream nodes fill up, and approximate
//! trimming removes whole nodes, exactly where Redis's would. Only sizes are computed: entries
//! are stored in conquiet's own form.
//!
//! A listpack is a 6-byte header, elements, and a 1-byte end marker. Each element is its
//! encoding (with the data) followed by a back-length of 1 to 5 bytes.

use crate::id::string2ll;

/// Header (total bytes u32 + element count u16) plus the end byte.
pub const LISTPACK_EMPTY_BYTES: u64 = 7;

/// Size of one element holding the integer `value`.
pub fn int_bytes(value: i64) -> u64 {
    let encoded = if (0..=127).contains(&value) {
        1
    } else if (-4096..=4095).contains(&value) {
        2
    } else if (-32_768..=32_767).contains(&value) {
        3
    } else if (-8_388_608..=8_388_607).contains(&value) {
        4
    } else if i32::try_from(value).is_ok() {
        5
    } else {
        9
    };
    encoded + backlen_bytes(encoded)
}

/// Size of one element holding `data`: strings that read as a 64-bit integer are stored as
/// integers, as `lpAppend` does.
pub fn str_bytes(data: &[u8]) -> u64 {
    if let Some(value) = string2ll(data) {
        return int_bytes(value);
    }
    let len = data.len() as u64;
    let header = if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    };
    let encoded = header + len;
    encoded + backlen_bytes(encoded)
}

fn backlen_bytes(encoded: u64) -> u64 {
    match encoded {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_strings_take_redis_sizes() {
        assert_eq!(int_bytes(0), 2);
        assert_eq!(int_bytes(127), 2);
        assert_eq!(int_bytes(128), 3);
        assert_eq!(int_bytes(-1), 3);
        assert_eq!(int_bytes(i64::MAX), 10);
        assert_eq!(str_bytes(b"12"), 2);
        assert_eq!(str_bytes(b"012"), 5);
        assert_eq!(str_bytes(b"-0"), 4);
        assert_eq!(str_bytes(b"abc"), 5);
        assert_eq!(str_bytes(&[b'x'; 64]), 67);
    }
}
