//! [`Json`]: a reply body as the server sent it, object members in their order. serde_json's
//! `Value` sorts members unless its `preserve_order` feature is on, and turning that feature on
//! here would change `Value` for every crate built with this one. Order matters to people: a
//! message's fields are an ordered list in the stream.
//!
//! This module parses and prints; it knows nothing of the API's shapes (that is `render`'s job).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// One JSON value. Parsing is bounded by serde_json's nesting limit (128 levels) and by the
/// reply size limit applied before parsing.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    /// Members in the order received; a repeated name is kept (and [`Json::get`] sees the first).
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses a reply body.
    pub fn parse(bytes: &[u8]) -> Result<Json, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The member `key` of an object; `None` for a missing member or a non-object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items of an array; empty for anything else, so callers iterate without a check.
    pub fn items(&self) -> &[Json] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }

    /// The members of an object; empty for anything else.
    pub fn members(&self) -> &[(String, Json)] {
        match self {
            Json::Object(members) => members,
            _ => &[],
        }
    }

    /// Member `key` as a number, for sums and numeric columns.
    pub fn u64_at(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Json::as_u64)
    }

    /// Member `key` as people read it: strings bare, `null` or a missing member as `-`, other
    /// values as compact JSON.
    pub fn text_at(&self, key: &str) -> String {
        self.get(key).map_or_else(|| "-".to_owned(), Json::to_text)
    }

    /// This value as people read it (see [`Json::text_at`]).
    pub fn to_text(&self) -> String {
        match self {
            Json::Null => "-".to_owned(),
            Json::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Pretty JSON with two-space indents, as `--json` prints it.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Json tree always serializes: keys are strings")
    }
}

/// Compact JSON.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(n) => n.serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(n)
            .map(Json::Number)
            .ok_or_else(|| E::custom(format!("number {n} is not finite")))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            members.push((k, v));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_members_keep_the_order_sent() {
        let json = Json::parse(br#"{"zeta":1,"alpha":{"b":2,"a":[true,null,"x"]}}"#).unwrap();
        assert_eq!(
            json.to_string(),
            r#"{"zeta":1,"alpha":{"b":2,"a":[true,null,"x"]}}"#
        );
        assert_eq!(json.u64_at("zeta"), Some(1));
        assert_eq!(json.text_at("missing"), "-");
    }

    #[test]
    fn pretty_output_indents_and_keeps_order() {
        let json = Json::parse(br#"{"id":"1-0","duplicate":false}"#).unwrap();
        assert_eq!(
            json.to_pretty(),
            "{\n  \"id\": \"1-0\",\n  \"duplicate\": false\n}"
        );
    }

    #[test]
    fn numbers_round_trip() {
        let json = Json::parse(b"[18446744073709551615,-3,1.5]").unwrap();
        assert_eq!(json.to_string(), "[18446744073709551615,-3,1.5]");
    }
}
