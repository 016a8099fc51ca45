//! Values bound to statements, and rows read back, the same for every backend.

use crate::error::{Result, SqlError};

/// A value bound to a `?` placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (`BIGINT`).
    Int(i64),
    /// Text (`TEXT`, `VARCHAR`).
    Text(String),
    /// Bytes (`BYTEA`, `BLOB`).
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Bytes(b)
    }
}

/// A name of a table or column put into SQL text: ASCII letters, digits and `_`, starting
/// with a letter or `_`, at most 63 bytes (PostgreSQL's limit). Checked, so a name can never
/// carry SQL of its own.
pub(crate) fn identifier(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(name)
    } else {
        Err(SqlError::Identifier(name.to_string()))
    }
}

/// `sql` with each `?` outside quotes turned into `$1`, `$2`, ... (PostgreSQL's placeholders);
/// MySQL takes `?` as written. So one statement text serves both.
pub(crate) fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (Some(q), _) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes_only() {
        assert_eq!(
            numbered_placeholders("UPDATE t SET a = ?, b = '?' WHERE c = ? AND d = \"x?\""),
            "UPDATE t SET a = $1, b = '?' WHERE c = $2 AND d = \"x?\""
        );
    }

    #[test]
    fn identifiers_carry_no_sql() {
        assert!(identifier("orders_2026").is_ok());
        for bad in ["", "a b", "a;drop", "1a", "t\"", &"x".repeat(64)] {
            assert!(identifier(bad).is_err(), "{bad}");
        }
    }
}
