//! Request bodies of the HTTP API, built from parsed arguments. Optional members are left out
//! rather than sent as `null`, so the server applies its own defaults. Paired with the server's
//! HTTP adapter, which parses these shapes.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::args::{Backoff, ConsumeArgs, CreateArgs, Field, Overflow, RedriveArgs, Retention};
use crate::error::CliError;
use crate::json::Json;

/// `POST /v1/queues`.
#[derive(Debug, Serialize)]
pub struct CreateQueue {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<StreamPolicyPatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_policy: Option<GroupPolicyPatch>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct StreamPolicyPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overflow: Option<Overflow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup_window_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct GroupPolicyPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_deliveries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pending: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_pending_per_consumer: Option<u64>,
}

impl CreateQueue {
    pub fn from_args(args: &CreateArgs) -> CreateQueue {
        let policy = StreamPolicyPatch {
            max_entries: args.max_entries,
            max_bytes: args.max_bytes,
            overflow: args.overflow,
            dedup_window_ms: args.dedup_window_ms,
            retention: args.retention,
        };
        let group_policy = GroupPolicyPatch {
            lease_ms: args.lease_ms,
            max_deliveries: args.max_deliveries,
            backoff: args.backoff.clone(),
            dead_letter: args.dead_letter.clone(),
            max_pending: args.max_pending,
            max_pending_per_consumer: args.max_pending_per_consumer,
        };
        CreateQueue {
            name: args.name.clone(),
            group: args.group.clone(),
            policy: (policy != StreamPolicyPatch::default()).then_some(policy),
            group_policy: (group_policy != GroupPolicyPatch::default()).then_some(group_policy),
        }
    }
}

/// One message of `POST /v1/queues/{name}/messages`, alone or as an item of [`PublishBatch`].
#[derive(Debug, Serialize)]
pub struct Publish {
    pub fields: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_at_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PublishBatch {
    pub messages: Vec<Publish>,
}

/// A message's fields as a JSON object, written in the order given (a stream entry's fields are
/// ordered; a map type would sort them).
#[derive(Debug, Default)]
pub struct Fields(Vec<Field>);

impl Fields {
    /// The fields of one message. A name given twice is an error: a JSON object cannot carry
    /// both, and silently keeping one would publish something the user did not write.
    pub fn new(fields: Vec<Field>) -> Result<Fields, CliError> {
        for (i, field) in fields.iter().enumerate() {
            if fields[..i].iter().any(|f| f.name == field.name) {
                return Err(CliError::Usage(format!(
                    "field '{}' is given twice; a message has one value per field",
                    field.name
                )));
            }
        }
        Ok(Fields(fields))
    }

    /// The single field `body` that `publish --stdin` sends for each line.
    pub fn body(line: String) -> Fields {
        Fields(vec![Field {
            name: "body".to_owned(),
            value: line,
        }])
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for field in &self.0 {
            map.serialize_entry(&field.name, &field.value)?;
        }
        map.end()
    }
}

/// `POST /v1/queues/{name}/receive`.
#[derive(Debug, Serialize)]
pub struct Receive {
    pub group: String,
    pub consumer: String,
    pub max_messages: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_ms: Option<u64>,
    pub wait_ms: u64,
}

impl Receive {
    pub fn from_args(args: &ConsumeArgs, consumer: String, wait_ms: u64) -> Receive {
        Receive {
            group: args.group.clone(),
            consumer,
            max_messages: args.count,
            lease_ms: args.lease_ms,
            wait_ms,
        }
    }
}

/// `POST /v1/queues/{name}/ack|nack|term`. Handles go back exactly as the receive sent them.
#[derive(Debug, Serialize)]
pub struct Settle {
    pub group: String,
    pub handles: Vec<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// `POST /v1/dlq/{name}/redrive`.
#[derive(Debug, Serialize)]
pub struct Redrive {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl Redrive {
    pub fn from_args(args: &RedriveArgs) -> Redrive {
        Redrive {
            to: args.to.clone(),
            start: args.start.clone(),
            end: args.end.clone(),
            count: args.count,
        }
    }
}

/// `{}`: the body of a POST that takes no parameters (purge). An empty object rather than no
/// body, so a server that parses every POST body as JSON accepts it.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// Percent-encodes one path segment. Unreserved characters and `:` (common in dead-letter names
/// such as `orders:dlq`, and legal in a segment) stay as they are.
pub fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse_backoff;
    use serde_json::json;

    fn field(name: &str, value: &str) -> Field {
        Field {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn create_sends_only_the_options_given() {
        let bare = CreateArgs {
            name: "orders".to_owned(),
            ..CreateArgs::default()
        };
        let body = serde_json::to_value(CreateQueue::from_args(&bare)).unwrap();
        assert_eq!(body, json!({"name": "orders"}));
    }

    #[test]
    fn create_maps_every_option_to_its_policy_member() {
        let args = CreateArgs {
            name: "orders".to_owned(),
            group: Some("billing".to_owned()),
            lease_ms: Some(5000),
            max_deliveries: Some(3),
            backoff: Some(parse_backoff("exp:1000,2,60000,20").unwrap()),
            dead_letter: Some("orders:dead".to_owned()),
            max_pending: Some(100),
            max_pending_per_consumer: Some(10),
            max_entries: Some(1_000_000),
            max_bytes: Some(1 << 30),
            overflow: Some(Overflow::DropOldest),
            dedup_window_ms: Some(60_000),
            retention: Some(Retention::WorkQueue),
        };
        let body = serde_json::to_value(CreateQueue::from_args(&args)).unwrap();
        let expected = json!({
            "name": "orders",
            "group": "billing",
            "policy": {
                "max_entries": 1_000_000, "max_bytes": 1u64 << 30, "overflow": "drop-oldest",
                "dedup_window_ms": 60_000, "retention": "workqueue"
            },
            "group_policy": {
                "lease_ms": 5000, "max_deliveries": 3,
                "backoff": {
                    "kind": "exponential", "base_ms": 1000, "factor": 2, "max_ms": 60_000,
                    "jitter_percent": 20, "seed": 0
                },
                "dead_letter": "orders:dead", "max_pending": 100, "max_pending_per_consumer": 10
            }
        });
        assert_eq!(body, expected);
    }

    #[test]
    fn backoff_kinds_serialize_as_the_api_objects() {
        let none = serde_json::to_value(parse_backoff("none").unwrap()).unwrap();
        assert_eq!(none, json!({"kind": "none"}));
        let list = serde_json::to_value(parse_backoff("list:10,20").unwrap()).unwrap();
        assert_eq!(list, json!({"kind": "list", "delays_ms": [10, 20]}));
    }

    #[test]
    fn publish_fields_keep_their_order() {
        let fields = Fields::new(vec![field("z", "1"), field("a", "x=y")]).unwrap();
        let body = Publish {
            fields,
            delay_ms: Some(5),
            deliver_at_ms: None,
            idempotency_key: Some("k1".to_owned()),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"fields":{"z":"1","a":"x=y"},"delay_ms":5,"idempotency_key":"k1"}"#
        );
    }

    #[test]
    fn a_field_given_twice_is_refused() {
        let err = Fields::new(vec![field("a", "1"), field("b", "2"), field("a", "3")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field 'a' is given twice; a message has one value per field"
        );
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("orders:dlq"), "orders:dlq");
        assert_eq!(segment("a b/c?d%"), "a%20b%2Fc%3Fd%25");
        assert_eq!(segment("é"), "%C3%A9");
    }
}
