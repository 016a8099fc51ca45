//! `POST /v1/queues/{name}/{ack,nack,touch,term}`: settle deliveries by handle. Each handle
//! gets its own outcome (a stale token or an entry no longer pending does not fail the
//! others); a malformed handle refuses the whole request before anything is settled.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::queue::{Handle, Settle};
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::queues::group_default;
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::server::Shared;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    #[serde(default = "group_default")]
    group: String,
    handles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NackBody {
    #[serde(default = "group_default")]
    group: String,
    handles: Vec<String>,
    delay_ms: Option<u64>,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchBody {
    #[serde(default = "group_default")]
    group: String,
    handles: Vec<String>,
    lease_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermBody {
    #[serde(default = "group_default")]
    group: String,
    handles: Vec<String>,
    #[serde(default)]
    reason: String,
}

type PathName = Result<Path<String>, PathRejection>;
type RawBody = Result<Bytes, BytesRejection>;

pub async fn ack(
    State(shared): State<AppState>,
    path: PathName,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body: AckBody = body::json(body)?;
    settle(&shared, path, body.group, body.handles, Settle::Ack).await
}

pub async fn nack(
    State(shared): State<AppState>,
    path: PathName,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body: NackBody = body::json(body)?;
    let action = Settle::Nack {
        delay_ms: body.delay_ms,
        reason: body.reason.into_bytes(),
    };
    settle(&shared, path, body.group, body.handles, action).await
}

pub async fn touch(
    State(shared): State<AppState>,
    path: PathName,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body: TouchBody = body::json(body)?;
    let action = Settle::Touch {
        lease_ms: body.lease_ms,
    };
    settle(&shared, path, body.group, body.handles, action).await
}

pub async fn term(
    State(shared): State<AppState>,
    path: PathName,
    body: RawBody,
) -> Result<Response, ApiError> {
    let body: TermBody = body::json(body)?;
    let action = Settle::Term {
        reason: body.reason.into_bytes(),
    };
    settle(&shared, path, body.group, body.handles, action).await
}

async fn settle(
    shared: &Shared,
    path: PathName,
    group: String,
    texts: Vec<String>,
    action: Settle,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    if texts.is_empty() {
        return Err(ApiError::bad_request("handles is empty"));
    }
    let handles = texts
        .iter()
        .map(|text| {
            let (id, token) = json::parse_handle(text).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "handle {text:?} is not <ms>-<seq>:<token> as receive returns it"
                ))
            })?;
            Ok(Handle { id, token })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let command = Command::Settle {
        key,
        group: body::non_empty("group", group)?,
        action,
        handles,
    };
    match submit(shared, command, Block::No).await? {
        Reply::Settled(outcomes) if outcomes.len() == texts.len() => {
            let results: Vec<_> = texts
                .iter()
                .zip(&outcomes)
                .map(|(text, outcome)| json::settled(text, outcome))
                .collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({ "results": results }),
            ))
        }
        other => Err(unexpected(&other)),
    }
}
