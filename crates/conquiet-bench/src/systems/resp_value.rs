//! Reading replies of the Redis protocol (as the `redis` crate hands them over) for the
//! stream and `CQ.*` commands: RESP2 shapes (flat arrays) and RESP3 shapes (maps) alike.

use anyhow::{Context, Result, anyhow, bail};
use redis::Value;

/// The field every benchmark entry carries its payload in.
pub const PAYLOAD_FIELD: &str = "p";

pub fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

pub fn text(value: &Value) -> Option<String> {
    bytes(value).map(|b| String::from_utf8_lossy(b).into_owned())
}

pub fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        other => text(other)?.parse().ok(),
    }
}

pub fn items(value: &Value) -> Option<&[Value]> {
    match value {
        Value::Array(items) | Value::Set(items) => Some(items),
        _ => None,
    }
}

/// Key/value pairs of a RESP3 map or of a RESP2 flat array of even length.
pub fn pairs(value: &Value) -> Option<Vec<(&Value, &Value)>> {
    match value {
        Value::Map(pairs) => Some(pairs.iter().map(|(k, v)| (k, v)).collect()),
        Value::Array(items) if items.len().is_multiple_of(2) => {
            Some(items.chunks(2).map(|pair| (&pair[0], &pair[1])).collect())
        }
        _ => None,
    }
}

/// The value named `name` in a map-shaped `record`.
pub fn field<'a>(record: &'a Value, name: &str) -> Option<&'a Value> {
    pairs(record)?
        .into_iter()
        .find(|(key, _)| bytes(key) == Some(name.as_bytes()))
        .map(|(_, value)| value)
}

/// The payload in an entry's field/value list.
fn payload(fields: &Value) -> Result<Vec<u8>> {
    let value = field(fields, PAYLOAD_FIELD)
        .with_context(|| format!("entry without field {PAYLOAD_FIELD:?}: {fields:?}"))?;
    bytes(value)
        .map(<[u8]>::to_vec)
        .with_context(|| format!("payload is not a string: {value:?}"))
}

/// `(id, payload)` of each entry in an XREADGROUP reply for one stream; nil (the BLOCK ran
/// out) is no entries.
pub fn stream_entries(reply: &Value) -> Result<Vec<(String, Vec<u8>)>> {
    let streams = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Map(pairs) => pairs.iter().map(|(_, entries)| entries).collect::<Vec<_>>(),
        Value::Array(streams) => streams
            .iter()
            .map(|stream| match items(stream) {
                Some([_key, entries]) => Ok(entries),
                _ => Err(anyhow!("stream reply is not [key, entries]: {stream:?}")),
            })
            .collect::<Result<Vec<_>>>()?,
        other => bail!("unexpected XREADGROUP reply: {other:?}"),
    };
    let mut out = Vec::new();
    for entries in streams {
        let entries = items(entries).with_context(|| format!("entries: {entries:?}"))?;
        for entry in entries {
            let Some([id, fields]) = items(entry) else {
                bail!("entry is not [id, fields]: {entry:?}");
            };
            let id = text(id).with_context(|| format!("entry id: {id:?}"))?;
            out.push((id, payload(fields)?));
        }
    }
    Ok(out)
}

/// One message of a CQ.RECEIVE reply.
#[derive(Debug, PartialEq, Eq)]
pub struct CqMessage {
    pub id: String,
    pub token: i64,
    pub payload: Vec<u8>,
}

pub fn cq_messages(reply: &Value) -> Result<Vec<CqMessage>> {
    let messages = items(reply).with_context(|| format!("CQ.RECEIVE reply: {reply:?}"))?;
    messages
        .iter()
        .map(|message| {
            let get = |name: &str| {
                field(message, name).with_context(|| format!("message without {name}: {message:?}"))
            };
            Ok(CqMessage {
                id: text(get("id")?).context("message id is not a string")?,
                token: int(get("token")?).context("message token is not an integer")?,
                payload: payload(get("fields")?)?,
            })
        })
        .collect()
}

/// The outcome names of a CQ.ACK reply, in order.
pub fn cq_outcomes(reply: &Value) -> Result<Vec<String>> {
    let outcomes = items(reply).with_context(|| format!("CQ.ACK reply: {reply:?}"))?;
    outcomes
        .iter()
        .map(|outcome| {
            field(outcome, "outcome")
                .and_then(text)
                .with_context(|| format!("settle outcome: {outcome:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    fn entry(id: &str, payload: &str) -> Value {
        Value::Array(vec![
            bulk(id),
            Value::Array(vec![bulk(PAYLOAD_FIELD), bulk(payload)]),
        ])
    }

    #[test]
    fn xreadgroup_entries_read_in_resp2_and_resp3_shapes() {
        let entries = Value::Array(vec![entry("1-0", "a"), entry("1-1", "b")]);
        let resp2 = Value::Array(vec![Value::Array(vec![bulk("q"), entries.clone()])]);
        let resp3 = Value::Map(vec![(bulk("q"), entries)]);
        let expected = vec![
            ("1-0".to_string(), b"a".to_vec()),
            ("1-1".to_string(), b"b".to_vec()),
        ];
        assert_eq!(stream_entries(&resp2).unwrap(), expected);
        assert_eq!(stream_entries(&resp3).unwrap(), expected);
        assert!(stream_entries(&Value::Nil).unwrap().is_empty());
        assert!(stream_entries(&Value::Int(3)).is_err());
    }

    #[test]
    fn cq_receive_messages_read_from_maps_and_flat_arrays() {
        let fields = Value::Array(vec![bulk(PAYLOAD_FIELD), bulk("x")]);
        let map = Value::Map(vec![
            (bulk("id"), bulk("5-0")),
            (bulk("fields"), fields.clone()),
            (bulk("token"), Value::Int(9)),
            (bulk("deliveries"), Value::Int(1)),
        ]);
        let flat = Value::Array(vec![
            bulk("id"),
            bulk("5-1"),
            bulk("fields"),
            fields,
            bulk("token"),
            Value::Int(10),
        ]);
        let messages = cq_messages(&Value::Array(vec![map, flat])).unwrap();
        assert_eq!(
            messages,
            vec![
                CqMessage {
                    id: "5-0".into(),
                    token: 9,
                    payload: b"x".to_vec()
                },
                CqMessage {
                    id: "5-1".into(),
                    token: 10,
                    payload: b"x".to_vec()
                },
            ]
        );
        let no_token = Value::Array(vec![Value::Map(vec![(bulk("id"), bulk("1-0"))])]);
        assert!(cq_messages(&no_token).is_err());
    }

    #[test]
    fn cq_ack_outcomes_are_named_in_order() {
        let reply = Value::Array(vec![
            Value::Map(vec![(bulk("outcome"), bulk("acked"))]),
            Value::Array(vec![
                bulk("outcome"),
                bulk("stale"),
                bulk("current-token"),
                Value::Int(4),
            ]),
        ]);
        assert_eq!(cq_outcomes(&reply).unwrap(), ["acked", "stale"]);
    }
}
