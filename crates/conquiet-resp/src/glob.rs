//! Redis's glob patterns (KEYS, SCAN MATCH): `*` any run of bytes, `?` one byte, `[abc]`,
//! `[^abc]` and `[a-z]` one byte of (or not of) a set, `\x` the byte x. A `[` without its `]`
//! takes the rest of the pattern as the set, as Redis's `stringmatchlen` does.
//!
//! Matching is iterative (one remembered `*` position), so a hostile pattern costs at most
//! pattern length times text length steps and never deepens the stack.

/// Whether `text` matches `pattern`, byte for byte, case-sensitive.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // After a `*`: where the pattern resumes, and the text position the star has reached.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() && pattern[p] == b'*' {
            while p < pattern.len() && pattern[p] == b'*' {
                p += 1;
            }
            if p == pattern.len() {
                return true;
            }
            star = Some((p, t));
            continue;
        }
        if t == text.len() && p == pattern.len() {
            return true;
        }
        let matched = match (pattern.get(p), text.get(t)) {
            (Some(_), Some(&byte)) => single(pattern, p, byte),
            _ => None,
        };
        if let Some(next) = matched {
            p = next;
            t += 1;
            continue;
        }
        // Mismatch: let the last star swallow one more byte, if there is one.
        match star {
            Some((resume, taken)) if taken < text.len() => {
                star = Some((resume, taken + 1));
                p = resume;
                t = taken + 1;
            }
            _ => return false,
        }
    }
}

/// Matches `byte` against the one-byte element at `pattern[p]` (not `*`); returns where the
/// pattern continues, or `None` on mismatch.
fn single(pattern: &[u8], p: usize, byte: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == byte).then_some(p + 2),
        b'[' => set(pattern, p + 1, byte),
        literal => (literal == byte).then_some(p + 1),
    }
}

/// A `[...]` set starting after its `[`.
fn set(pattern: &[u8], mut p: usize, byte: u8) -> Option<usize> {
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut matched = false;
    while p < pattern.len() && pattern[p] != b']' {
        if pattern[p] == b'\\' && p + 1 < pattern.len() {
            matched |= pattern[p + 1] == byte;
            p += 2;
        } else if p + 2 < pattern.len() && pattern[p + 1] == b'-' {
            let (a, b) = (pattern[p], pattern[p + 2]);
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            matched |= (low..=high).contains(&byte);
            p += 3;
        } else {
            matched |= pattern[p] == byte;
            p += 1;
        }
    }
    // Past the `]`, or at the end of an unterminated set.
    let next = (p + 1).min(pattern.len());
    (matched != negate).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_follow_redis() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            (b"*", b"", true),
            (b"*", b"abc", true),
            (b"a*c", b"abbbc", true),
            (b"a*c", b"abbb", false),
            (b"h?llo", b"hello", true),
            (b"h?llo", b"hllo", false),
            (b"h[ae]llo", b"hallo", true),
            (b"h[ae]llo", b"hillo", false),
            (b"h[^e]llo", b"hallo", true),
            (b"h[^e]llo", b"hello", false),
            (b"h[a-b]llo", b"hbllo", true),
            (b"h[b-a]llo", b"hallo", true),
            (b"h\\*llo", b"h*llo", true),
            (b"h\\*llo", b"hello", false),
            (b"*a*b*c*", b"xaybzc", true),
            (b"*a*b*c*", b"xaybz", false),
            (b"stream:*", b"stream:1", true),
            (b"[abc", b"b", true),
            (b"", b"", true),
            (b"", b"a", false),
        ];
        for &(pattern, text, expected) in cases {
            assert_eq!(
                glob_match(pattern, text),
                expected,
                "{:?} vs {:?}",
                String::from_utf8_lossy(pattern),
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn pathological_patterns_stay_cheap() {
        let pattern = b"*a".repeat(50);
        let text = vec![b'a'; 10_000];
        assert!(glob_match(&pattern, &text));
        let mut text = text;
        text.push(b'b');
        assert!(!glob_match(&pattern, &text));
    }
}
