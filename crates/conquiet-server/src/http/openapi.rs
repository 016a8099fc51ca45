//! `GET /openapi.json`: an OpenAPI 3.0 document of every route in `routes()`. The test
//! `http_openapi.rs` checks both ways that the document and the router list the same routes.

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::json_response;
use super::openapi_coord::{room_paths, service_paths as request_paths};
use super::openapi_schemas::components;
use conquiet_core::limits::LOCK_TTL_MS_MAX;

use crate::limits::{HTTP_BODY_BYTES_MAX, HTTP_PAGE_COUNT_MAX, HTTP_WAIT_MS_MAX};

pub async fn document() -> Response {
    // Built once: the document never changes while the server runs.
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    json_response(StatusCode::OK, DOCUMENT.get_or_init(build))
}

pub(super) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": reference(name) })
}

pub(super) fn object(properties: Value) -> Value {
    let required: Vec<String> = properties
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    json!({ "type": "object", "required": required, "properties": properties })
}

/// One operation: a summary, an optional JSON body, the success reply, and the errors it
/// may answer besides the ones every route may (401, 500, 503).
pub(super) fn operation(
    summary: &str,
    body: Option<Value>,
    success: (&str, Value),
    errors: &[(&str, &str)],
) -> Value {
    let mut responses = Map::new();
    responses.insert(
        success.0.to_string(),
        json!({
            "description": "Success",
            "content": { "application/json": { "schema": success.1 } }
        }),
    );
    let common = [
        ("401", "Missing or wrong bearer token (code unauthorized)"),
        (
            "503",
            "The store is closed or refuses writes after a failed fsync (code unavailable)",
        ),
        ("500", "A write to the log failed (code internal)"),
    ];
    for (status, description) in errors.iter().chain(&common) {
        responses.insert(
            status.to_string(),
            json!({
                "description": description,
                "content": { "application/json": { "schema": reference("Error") } }
            }),
        );
    }
    let mut op = json!({ "summary": summary, "responses": responses });
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema } }
        });
    }
    op
}

pub(super) const BAD_BODY: (&str, &str) = (
    "400",
    "Malformed JSON (invalid_json), a body that does not fit (bad_request), or a value past \
     a limit (limit)",
);
const MISSING: (&str, &str) = ("404", "No such queue or group (not_found)");
pub(super) const TOO_LARGE: (&str, &str) = ("413", "Body larger than the limit (body_too_large)");

pub(super) fn with_name(mut op: Value) -> Value {
    op["parameters"] = json!([{
        "name": "name", "in": "path", "required": true, "schema": { "type": "string" }
    }]);
    op
}

fn settle_body(extra: Value) -> Value {
    let mut properties = json!({
        "group": { "type": "string", "default": "default" },
        "handles": { "type": "array", "items": { "type": "string" }, "minItems": 1 }
    });
    if let (Some(p), Some(extra)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    json!({
        "type": "object", "additionalProperties": false, "required": ["handles"],
        "properties": properties
    })
}

fn settle(summary: &str, extra: Value) -> Value {
    let results = object(json!({ "results": array_of("SettleResult") }));
    with_name(operation(
        summary,
        Some(settle_body(extra)),
        ("200", results),
        &[BAD_BODY, MISSING, TOO_LARGE],
    ))
}

fn queues_paths() -> Value {
    let queue_patch = json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "group": { "type": "string", "description": "Group whose policy group_policy \
                       changes (default: the group named default)" },
            "policy": reference("StreamPolicy"),
            "group_policy": reference("GroupPolicy")
        }
    });
    let mut queue_create = queue_patch.clone();
    queue_create["required"] = json!(["name"]);
    queue_create["properties"]["name"] = json!({ "type": "string" });
    queue_create["properties"]["group"] = json!({ "type": "string", "default": "default" });
    let publish_body = json!({
        "oneOf": [
            reference("PublishRequest"),
            {
                "type": "object", "additionalProperties": false, "required": ["messages"],
                "properties": { "messages": array_of("PublishRequest") }
            }
        ]
    });
    let batch_results = object(json!({ "results": { "type": "array", "items": {
        "oneOf": [reference("Published"), reference("Error")]
    } } }));
    let receive_body = json!({
        "type": "object", "additionalProperties": false, "required": ["consumer"],
        "properties": {
            "group": { "type": "string", "default": "default" },
            "consumer": { "type": "string" },
            "max_messages": { "type": "integer", "minimum": 1, "default": 1 },
            "lease_ms": { "type": "integer", "minimum": 0 },
            "wait_ms": { "type": "integer", "minimum": 0, "maximum": HTTP_WAIT_MS_MAX,
                         "default": 0 }
        }
    });
    let mut publish = with_name(operation(
        "Publish one message (201) or a batch (200, one result per message)",
        Some(publish_body),
        ("201", reference("Published")),
        &[
            BAD_BODY,
            MISSING,
            TOO_LARGE,
            (
                "429",
                "The queue is full (queue_full); retry after Retry-After seconds",
            ),
        ],
    ));
    publish["responses"]["200"] = json!({
        "description": "Batch results, in the order sent",
        "content": { "application/json": { "schema": batch_results } }
    });
    json!({
        "/v1/queues": {
            "get": operation("List queues",
                None, ("200", object(json!({ "queues": array_of("Queue") }))), &[]),
            "post": operation("Create a queue (its stream and group)", Some(queue_create),
                ("201", reference("Queue")),
                &[BAD_BODY, TOO_LARGE, ("409", "The group exists already (exists)")])
        },
        "/v1/queues/{name}": {
            "get": with_name(operation("Show a queue", None, ("200", reference("Queue")),
                &[MISSING])),
            "patch": with_name(operation("Change a queue's policies", Some(queue_patch),
                ("200", reference("Queue")), &[BAD_BODY, MISSING, TOO_LARGE])),
            "delete": with_name(operation("Delete a queue and everything in it", None,
                ("200", object(json!({ "deleted": { "type": "boolean" } }))), &[MISSING]))
        },
        "/v1/queues/{name}/messages": { "post": publish },
        "/v1/queues/{name}/messages/{id}": { "get": status_operation() },
        "/v1/queues/{name}/receive": {
            "post": with_name(operation(
                "Lease messages to a consumer, waiting up to wait_ms when none is due",
                Some(receive_body),
                ("200", object(json!({ "messages": array_of("Message") }))),
                &[BAD_BODY, MISSING, TOO_LARGE]))
        },
        "/v1/queues/{name}/ack": { "post": settle("Acknowledge deliveries", json!({})) },
        "/v1/queues/{name}/nack": { "post": settle("Give deliveries back for redelivery",
            json!({ "delay_ms": { "type": "integer", "minimum": 0 },
                    "reason": { "type": "string" } })) },
        "/v1/queues/{name}/touch": { "post": settle("Restart the leases of deliveries",
            json!({ "lease_ms": { "type": "integer", "minimum": 0 } })) },
        "/v1/queues/{name}/term": { "post": settle("Dead-letter deliveries now",
            json!({ "reason": { "type": "string" } })) }
    })
}

fn status_operation() -> Value {
    let mut op = operation(
        "Where one message is for one group (waiting, delayed, in_flight, acked, \
         dead_lettered or unknown)",
        None,
        ("200", reference("MessageStatus")),
        &[
            ("400", "An id that is not <ms>-<seq> or <ms> (bad_request)"),
            MISSING,
        ],
    );
    op["parameters"] = json!([
        { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "group", "in": "query", "schema": { "type": "string", "default": "default" } }
    ]);
    op
}

fn dlq_paths() -> Value {
    let range = json!([
        { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "start", "in": "query", "schema": { "type": "string", "default": "-" } },
        { "name": "end", "in": "query", "schema": { "type": "string", "default": "+" } },
        { "name": "count", "in": "query", "schema": { "type": "integer", "minimum": 0,
          "maximum": HTTP_PAGE_COUNT_MAX, "default": 100 } }
    ]);
    let mut messages = operation(
        "Page through a dead-letter stream's entries",
        None,
        ("200", object(json!({ "messages": array_of("Entry") }))),
        &[("400", "A bad bound or count (bad_request, limit)")],
    );
    messages["parameters"] = range;
    let redrive_body = json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "to": { "type": "string" }, "start": { "type": "string", "default": "-" },
            "end": { "type": "string", "default": "+" },
            "count": { "type": "integer", "minimum": 0, "default": 0 }
        }
    });
    let mut redrive = with_name(operation(
        "Publish dead letters again (to `to` or their source) and remove them",
        Some(redrive_body),
        ("200", object(json!({ "redriven": { "type": "integer" } }))),
        &[BAD_BODY, MISSING, TOO_LARGE],
    ));
    redrive["requestBody"]["required"] = json!(false);
    json!({
        "/v1/dlq": {
            "get": operation("List dead-letter streams", None,
                ("200", object(json!({ "dead_letters": array_of("Queue") }))), &[])
        },
        "/v1/dlq/{name}/messages": { "get": messages },
        "/v1/dlq/{name}/redrive": { "post": redrive },
        "/v1/dlq/{name}/purge": {
            "post": with_name(operation("Remove every entry of a dead-letter stream", None,
                ("200", object(json!({ "purged": { "type": "integer" } }))), &[MISSING]))
        }
    })
}

fn lock_paths() -> Value {
    let int = json!({ "type": "integer", "format": "int64", "minimum": 0 });
    let nullable_int = json!({ "type": "integer", "format": "int64", "minimum": 0,
                               "nullable": true });
    let body = |required: &[&str], properties: Value| {
        json!({ "type": "object", "additionalProperties": false, "required": required,
                "properties": properties })
    };
    let acquire_body = body(
        &["owner", "ttl_ms"],
        json!({
            "owner": { "type": "string", "minLength": 1 },
            "ttl_ms": { "type": "integer", "minimum": 1, "maximum": LOCK_TTL_MS_MAX },
            "wait_ms": { "type": "integer", "minimum": 0, "maximum": HTTP_WAIT_MS_MAX,
                         "default": 0 }
        }),
    );
    let acquired = json!({
        "type": "object",
        "description": "granted: the new grant; otherwise the holder's grant",
        "required": ["granted", "token", "until_ms"],
        "properties": {
            "granted": { "type": "boolean" }, "token": int, "until_ms": int,
            "holder": { "type": "string", "description": "only when not granted" }
        }
    });
    let release_body = body(
        &["owner", "token"],
        json!({ "owner": { "type": "string" }, "token": int }),
    );
    let renew_body = body(
        &["owner", "token", "ttl_ms"],
        json!({
            "owner": { "type": "string" }, "token": int,
            "ttl_ms": { "type": "integer", "minimum": 1, "maximum": LOCK_TTL_MS_MAX }
        }),
    );
    let stale = (
        "409",
        "Owner and token are not the lock's current grant (stale)",
    );
    let info = object(json!({
        "name": { "type": "string" },
        "holder": { "type": "string", "nullable": true },
        "token": nullable_int, "until_ms": nullable_int,
        "bound": { "type": "boolean" }, "last_token": int
    }));
    json!({
        "/v1/locks/{name}": {
            "get": with_name(operation("Who holds a lock (null holder when free)", None,
                ("200", info), &[]))
        },
        "/v1/locks/{name}/acquire": {
            "post": with_name(operation(
                "Acquire a lock with a fencing token, waiting up to wait_ms while it is held",
                Some(acquire_body), ("200", acquired),
                &[BAD_BODY, ("409", "The owner already holds the lock (held)"), TOO_LARGE]))
        },
        "/v1/locks/{name}/release": {
            "post": with_name(operation("Release a lock held with this owner and token",
                Some(release_body),
                ("200", object(json!({ "released": { "type": "boolean" } }))),
                &[BAD_BODY, stale, TOO_LARGE]))
        },
        "/v1/locks/{name}/renew": {
            "post": with_name(operation("Extend a live grant to now + ttl_ms",
                Some(renew_body),
                ("200", object(json!({ "renewed": { "type": "boolean" }, "token": int,
                                        "until_ms": int }))),
                &[BAD_BODY, stale, TOO_LARGE]))
        }
    })
}

fn service_paths() -> Value {
    let mut health = operation(
        "Liveness (needs no token)",
        None,
        ("200", object(json!({ "status": { "type": "string" } }))),
        &[],
    );
    health["security"] = json!([]);
    let text = json!({ "type": "string" });
    let mut metrics = operation("Prometheus metrics", None, ("200", text), &[]);
    metrics["responses"]["200"]["content"] =
        json!({ "text/plain": { "schema": { "type": "string" } } });
    json!({
        "/health": { "get": health },
        "/openapi.json": {
            "get": operation("This document", None, ("200", json!({ "type": "object" })), &[])
        },
        "/metrics": { "get": metrics },
        "/v1/stats": {
            "get": operation("Queues and store figures", None, ("200", object(json!({
                "queues": array_of("Queue"),
                "store": { "type": "object", "description": "The store's figures: counts, \
                           LSNs, log bytes, poisoned (a boolean); see docs/http-api.md" }
            }))), &[])
        }
    })
}

fn build() -> Value {
    let mut paths = Map::new();
    for part in [
        service_paths(),
        queues_paths(),
        dlq_paths(),
        lock_paths(),
        room_paths(),
        request_paths(),
    ] {
        if let Value::Object(part) = part {
            paths.extend(part);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "conquiet HTTP API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Durable work queues over HTTP/JSON. Errors are \
                 {{\"error\":{{\"code\",\"message\"}}}}; bodies are at most \
                 {HTTP_BODY_BYTES_MAX} bytes. See docs/http-api.md."
            )
        },
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": components()
    })
}
