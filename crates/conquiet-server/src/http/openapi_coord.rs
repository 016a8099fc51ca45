//! The coordination routes of `/openapi.json` (rooms, request/reply), apart from openapi.rs so each file
//! stays readable in one sitting. Paired with the handlers in `rooms.rs`
//! and `services.rs`.

use serde_json::{Value, json};

use conquiet_core::limits::{ROOM_PARTICIPANTS_MAX, ROOM_TURN_TIMEOUT_MS_MAX};

use super::openapi::{BAD_BODY, TOO_LARGE, object, operation, with_name};
use crate::limits::{HTTP_PAGE_COUNT_DEFAULT, HTTP_PAGE_COUNT_MAX, HTTP_WAIT_MS_MAX};

const NO_ROOM: (&str, &str) = ("404", "No such room (not_found)");
const ROOM_STATE: (&str, &str) = (
    "409",
    "Not your turn (not_your_turn), or the room's state does not allow it (room_state)",
);

fn body(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "additionalProperties": false, "required": required,
            "properties": properties })
}

/// The room as every room route answers it; `id` only after a write.
fn room() -> Value {
    let nullable_int = json!({ "type": "integer", "format": "int64", "minimum": 0,
                               "nullable": true });
    let mut room = object(json!({
        "name": { "type": "string" },
        "state": { "type": "string", "enum": ["created", "started", "ended"] },
        "participants": { "type": "array", "items": { "type": "string" } },
        "speaker": { "type": "string", "nullable": true },
        "turn": { "type": "integer", "format": "int64", "minimum": 0 },
        "turn_until_ms": nullable_int,
        "events_stream": { "type": "string" },
        "id": { "type": "string", "nullable": true,
                "description": "writes only: the entry id of the command's event" }
    }));
    room["required"] = json!([
        "name",
        "state",
        "participants",
        "speaker",
        "turn",
        "turn_until_ms",
        "events_stream"
    ]);
    room
}

pub(super) fn service_paths() -> Value {
    let fields = json!({ "type": "object", "additionalProperties": { "type": "string" },
                         "minProperties": 1 });
    let request_body = body(
        &["fields", "timeout_ms"],
        json!({
            "fields": fields,
            "timeout_ms": { "type": "integer", "minimum": 1, "maximum": HTTP_WAIT_MS_MAX }
        }),
    );
    let reply_body = body(
        &["correlation", "fields"],
        json!({
            "correlation": { "type": "string" }, "fields": fields,
            "error": { "type": "boolean", "default": false }
        }),
    );
    let answer = object(json!({
        "correlation": { "type": "string" },
        "status": { "type": "string", "enum": ["ok", "error"] },
        "fields": { "type": "object", "additionalProperties": { "type": "string" } }
    }));
    json!({
        "/v1/services/{name}/request": {
            "post": with_name(operation(
                "Publish a request to the service queue and wait for its reply",
                Some(request_body), ("200", answer),
                &[BAD_BODY, TOO_LARGE,
                  ("504", "No reply within timeout_ms (timeout)")]))
        },
        "/v1/services/{name}/reply": {
            "post": with_name(operation(
                "Reply to a request; delivered 0 when nobody waits for it any more",
                Some(reply_body),
                ("200", object(json!({ "delivered": { "type": "integer" } }))),
                &[BAD_BODY, TOO_LARGE]))
        }
    })
}

pub(super) fn room_paths() -> Value {
    let create_body = body(
        &["name", "participants"],
        json!({
            "name": { "type": "string", "minLength": 1 },
            "participants": { "type": "array", "items": { "type": "string", "minLength": 1 },
                              "minItems": 1, "maxItems": ROOM_PARTICIPANTS_MAX },
            "turn_timeout_ms": { "type": "integer", "minimum": 1,
                                 "maximum": ROOM_TURN_TIMEOUT_MS_MAX }
        }),
    );
    let speak_body = body(
        &["participant", "text"],
        json!({
            "participant": { "type": "string", "minLength": 1 },
            "text": { "type": "string" },
            "pass": { "type": "boolean", "default": false }
        }),
    );
    let pass_body = body(
        &["participant"],
        json!({ "participant": { "type": "string", "minLength": 1 } }),
    );
    let event = json!({
        "type": "object", "required": ["id", "event"],
        "description": "An entry of the room's events stream: its id, then its fields \
                        (snake_case; turn, turn_until_ms and turns as numbers)",
        "additionalProperties": true,
        "properties": {
            "id": { "type": "string" },
            "event": { "type": "string",
                       "enum": ["started", "spoke", "turn-changed", "timed-out", "ended"] }
        }
    });
    let mut events = operation(
        "Events of a room after a cursor, waiting up to wait_ms for the first",
        None,
        (
            "200",
            object(json!({
                "events": { "type": "array", "items": event },
                "next_after": { "type": "string", "nullable": true }
            })),
        ),
        &[
            ("400", "A bad cursor, count or wait (bad_request, limit)"),
            NO_ROOM,
        ],
    );
    events["parameters"] = json!([
        { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } },
        { "name": "after", "in": "query", "schema": { "type": "string", "default": "0" } },
        { "name": "count", "in": "query", "schema": { "type": "integer", "minimum": 0,
          "maximum": HTTP_PAGE_COUNT_MAX, "default": HTTP_PAGE_COUNT_DEFAULT } },
        { "name": "wait_ms", "in": "query", "schema": { "type": "integer", "minimum": 0,
          "maximum": HTTP_WAIT_MS_MAX, "default": 0 } }
    ]);
    let write = |summary: &str, body: Option<Value>| {
        with_name(operation(
            summary,
            body,
            ("200", room()),
            &[BAD_BODY, NO_ROOM, ROOM_STATE, TOO_LARGE],
        ))
    };
    json!({
        "/v1/rooms": {
            "post": operation("Create a room (state created)", Some(create_body),
                ("201", room()),
                &[BAD_BODY, ("409", "The room exists (exists)"), TOO_LARGE])
        },
        "/v1/rooms/{name}": {
            "get": with_name(operation("A room now", None, ("200", room()), &[NO_ROOM]))
        },
        "/v1/rooms/{name}/start": { "post": write("Start a room: turn 1 begins", None) },
        "/v1/rooms/{name}/speak": {
            "post": write("The current speaker speaks (and passes with pass)", Some(speak_body))
        },
        "/v1/rooms/{name}/pass": {
            "post": write("The current speaker passes the turn", Some(pass_body))
        },
        "/v1/rooms/{name}/end": { "post": write("End a room", None) },
        "/v1/rooms/{name}/events": { "get": events }
    })
}
