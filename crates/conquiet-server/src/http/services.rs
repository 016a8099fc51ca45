//! `/v1/services/{name}`: request/reply over HTTP, as RESP's CQ.REQUEST and CQ.REPLY. A
//! request publishes to the queue `{name}` and holds the HTTP request open until the reply
//! comes (200) or `timeout_ms` passes (504 `timeout`); handlers receive from the queue as
//! from any other and reply here or over RESP.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::request::{ReplyStatus, ReplyTo, Request};
use conquiet_core::{Command, Field, Reply, StreamId};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{ApiError, Code};
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::limits::HTTP_WAIT_MS_MAX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestBody {
    fields: Map<String, Value>,
    timeout_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    correlation: String,
    fields: Map<String, Value>,
    #[serde(default)]
    error: bool,
}

/// 200 `{correlation, status, fields}` with the handler's reply; 504 `timeout` when none
/// came within `timeout_ms` (1 to `HTTP_WAIT_MS_MAX`).
pub async fn request(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let service = body::name(path)?;
    let body: RequestBody = body::json(body)?;
    if body.timeout_ms > HTTP_WAIT_MS_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!(
                "timeout_ms is {}, limit is {HTTP_WAIT_MS_MAX}",
                body.timeout_ms
            ),
        ));
    }
    let command = Command::Request(Request {
        service,
        timeout_ms: body.timeout_ms,
        fields: fields(body.fields)?,
    });
    // The store holds a request until its reply or its timeout, whatever the block.
    match submit(&shared, command, Block::Ms(body.timeout_ms.max(1))).await? {
        Reply::RequestAnswer(answer) => {
            let fields: Map<String, Value> = answer
                .fields
                .iter()
                .map(|(f, v)| (json::lossy(f), Value::String(json::lossy(v))))
                .collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "correlation": answer.correlation.to_string(),
                    "status": answer.status.as_str(),
                    "fields": fields,
                }),
            ))
        }
        other => Err(unexpected(&other)),
    }
}

/// 200 `{delivered: 1}`, or `{delivered: 0}` when nobody waits for this reply any more.
pub async fn reply(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let service = body::name(path)?;
    let body: ReplyBody = body::json(body)?;
    let correlation = StreamId::parse(body.correlation.as_bytes(), 0).ok_or_else(|| {
        ApiError::bad_request(format!(
            "correlation {:?} is not an entry id (<ms>-<seq>)",
            body.correlation
        ))
    })?;
    let status = if body.error {
        ReplyStatus::Error
    } else {
        ReplyStatus::Ok
    };
    let command = Command::Reply(ReplyTo {
        service,
        correlation,
        status,
        fields: fields(body.fields)?,
    });
    match submit(&shared, command, Block::No).await? {
        Reply::Delivered(n) => Ok(json_response(StatusCode::OK, &json!({ "delivered": n }))),
        other => Err(unexpected(&other)),
    }
}

/// A JSON object of string values as fields, in order; at least one.
fn fields(map: Map<String, Value>) -> Result<Vec<Field>, ApiError> {
    if map.is_empty() {
        return Err(ApiError::bad_request("fields is empty: it needs one"));
    }
    map.into_iter()
        .map(|(name, value)| match value {
            Value::String(value) => Ok((name.into_bytes(), value.into_bytes())),
            _ => Err(ApiError::bad_request(format!(
                "field {name:?} is not a string"
            ))),
        })
        .collect()
}
