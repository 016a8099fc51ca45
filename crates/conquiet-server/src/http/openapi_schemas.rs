//! The OpenAPI document's `components`: the schemas of queues, policies, messages and errors.
//! Field names here are paired with `json.rs` and `policy.rs` (replies) and the request types
//! in the handlers (bodies): a field renamed there must be renamed here.

use serde_json::{Value, json};

fn int() -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0 })
}

fn nullable_int() -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": 0, "nullable": true })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub fn components() -> Value {
    json!({
        "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": { "error": reference("ErrorBody") }
            },
            "ErrorBody": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "enum": [
                            "bad_request", "invalid_json", "body_too_large", "not_found",
                            "method_not_allowed", "exists", "queue_full", "unauthorized",
                            "limit", "unavailable", "internal"
                        ]
                    },
                    "message": string()
                }
            },
            "Fields": {
                "type": "object",
                "description": "Field names to string values, in the order they were added.",
                "additionalProperties": string()
            },
            "StreamPolicy": stream_policy(),
            "GroupPolicy": group_policy(),
            "Backoff": backoff(),
            "Queue": queue(),
            "Group": group(),
            "PublishRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": ["fields"],
                "properties": {
                    "fields": reference("Fields"),
                    "delay_ms": int(),
                    "deliver_at_ms": int(),
                    "idempotency_key": string()
                }
            },
            "Published": {
                "type": "object",
                "required": ["id", "duplicate"],
                "properties": { "id": string(), "duplicate": { "type": "boolean" } }
            },
            "Message": {
                "type": "object",
                "required": ["id", "handle", "token", "deliveries", "lease_until_ms", "fields"],
                "properties": {
                    "id": string(),
                    "handle": { "type": "string", "description": "<id>:<token>" },
                    "token": int(),
                    "deliveries": int(),
                    "lease_until_ms": nullable_int(),
                    "fields": reference("Fields")
                }
            },
            "SettleResult": {
                "type": "object",
                "required": ["handle", "outcome"],
                "properties": {
                    "handle": string(),
                    "outcome": {
                        "type": "string",
                        "enum": ["acked", "nacked", "touched", "dead_lettered", "stale",
                                 "not_pending"]
                    },
                    "redeliver_at_ms": int(),
                    "lease_until_ms": nullable_int(),
                    "dead_letter": string(),
                    "id": string(),
                    "current_token": int()
                }
            },
            "Entry": {
                "type": "object",
                "required": ["id", "fields"],
                "properties": { "id": string(), "fields": reference("Fields") }
            },
            "MessageStatus": message_status()
        }
    })
}

fn stream_policy() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "0 means no limit / off. In requests every field is optional and \
                        fields left out keep their values.",
        "properties": {
            "max_entries": int(),
            "max_bytes": int(),
            "overflow": { "type": "string", "enum": ["reject", "drop-oldest"] },
            "dedup_window_ms": int(),
            "retention": { "type": "string", "enum": ["limits", "workqueue"] }
        }
    })
}

fn group_policy() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "0 means none / no limit. In requests every field is optional; \
                        dead_letter null goes back to <queue>:dlq.",
        "properties": {
            "lease_ms": int(),
            "max_deliveries": int(),
            "backoff": reference("Backoff"),
            "dead_letter": { "type": "string", "nullable": true },
            "max_pending": int(),
            "max_pending_per_consumer": int()
        }
    })
}

fn backoff() -> Value {
    json!({
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind"],
                "properties": { "kind": { "type": "string", "enum": ["none"] } }
            },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind", "base_ms", "factor", "max_ms"],
                "properties": {
                    "kind": { "type": "string", "enum": ["exponential"] },
                    "base_ms": int(),
                    "factor": { "type": "number", "minimum": 0 },
                    "max_ms": int(),
                    "jitter_percent": int(),
                    "seed": int()
                }
            },
            {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind", "delays_ms"],
                "properties": {
                    "kind": { "type": "string", "enum": ["list"] },
                    "delays_ms": { "type": "array", "items": int() }
                }
            }
        ],
        "discriminator": { "propertyName": "kind" }
    })
}

fn queue() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": string(),
            "length": int(),
            "bytes": int(),
            "first_id": { "type": "string", "nullable": true },
            "last_id": string(),
            "policy": reference("StreamPolicy"),
            "delayed": int(),
            "dead_letter": { "type": "boolean" },
            "published": int(),
            "duplicates": int(),
            "dropped": int(),
            "groups": { "type": "array", "items": reference("Group") }
        }
    })
}

fn group() -> Value {
    // OpenAPI 3.0 ignores siblings of `$ref`, so a nullable reference goes through allOf.
    let policy = json!({ "allOf": [reference("GroupPolicy")], "nullable": true });
    json!({
        "type": "object",
        "properties": {
            "name": string(),
            "policy": policy,
            "consumers": int(),
            "pending": int(),
            "waiting": int(),
            "expired": int(),
            "lag": nullable_int(),
            "oldest_unsettled_ms": nullable_int(),
            "last_token": int(),
            "delivered": int(),
            "redelivered": int(),
            "acked": int(),
            "nacked": int(),
            "dead_lettered": int()
        }
    })
}

fn message_status() -> Value {
    let nullable_string = json!({ "type": "string", "nullable": true });
    let fields = json!({ "allOf": [reference("Fields")], "nullable": true });
    json!({
        "type": "object",
        "description": "Every key is always present; null where it does not apply to the state.",
        "required": ["id", "group", "state", "deliveries", "until_ms", "consumer", "token",
                     "dead_letter", "dead_letter_id", "reason", "fields"],
        "properties": {
            "id": string(),
            "group": string(),
            "state": {
                "type": "string",
                "enum": ["waiting", "delayed", "in_flight", "acked", "dead_lettered", "unknown"]
            },
            "deliveries": nullable_int(),
            "until_ms": { "type": "integer", "format": "int64", "minimum": 0, "nullable": true,
                          "description": "delayed: when it becomes due; in_flight: the lease end" },
            "consumer": nullable_string,
            "token": nullable_int(),
            "dead_letter": nullable_string,
            "dead_letter_id": nullable_string,
            "reason": nullable_string,
            "fields": fields
        }
    })
}
