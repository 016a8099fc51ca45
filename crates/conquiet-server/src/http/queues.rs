//! `/v1/queues`: list, create, show, change and delete queues.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::queue::QueueInfo;
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, Code};
use super::policy::{GroupPolicyIn, StreamPolicyIn};
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::server::Shared;

/// The group a queue is created with, and the one a request means when it names none (the
/// RESP `CQ.*` commands use the same name).
pub const GROUP_DEFAULT: &str = "default";

pub fn group_default() -> String {
    GROUP_DEFAULT.to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: String,
    #[serde(default = "group_default")]
    group: String,
    #[serde(default)]
    policy: StreamPolicyIn,
    #[serde(default)]
    group_policy: GroupPolicyIn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigureBody {
    group: Option<String>,
    #[serde(default)]
    policy: StreamPolicyIn,
    group_policy: Option<GroupPolicyIn>,
}

pub async fn list(State(shared): State<AppState>) -> Result<Response, ApiError> {
    let queues = queue_list(&shared, false).await?;
    let queues: Vec<_> = queues.iter().map(json::queue).collect();
    Ok(json_response(StatusCode::OK, &json!({ "queues": queues })))
}

pub async fn create(
    State(shared): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: CreateBody = body::json(body)?;
    let key = body::non_empty("name", body.name)?;
    let command = Command::QueueCreate {
        key: key.clone(),
        group: body::non_empty("group", body.group)?,
        stream_policy: body.policy.into_patch(),
        group_policy: body.group_policy.into_patch()?,
    };
    submit(&shared, command, Block::No).await?;
    let info = queue_info(&shared, key).await?;
    Ok(json_response(StatusCode::CREATED, &json::queue(&info)))
}

pub async fn show(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let info = queue_info(&shared, body::name(path)?).await?;
    Ok(json_response(StatusCode::OK, &json::queue(&info)))
}

/// PATCH: stream policy fields, and group policy fields of `group` (the default group when
/// only `group_policy` is given).
pub async fn configure(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let body: ConfigureBody = body::json(body)?;
    let group = match (body.group, &body.group_policy) {
        (Some(group), _) => Some(body::non_empty("group", group)?),
        (None, Some(_)) => Some(GROUP_DEFAULT.as_bytes().to_vec()),
        (None, None) => None,
    };
    let group_policy = match body.group_policy {
        Some(policy) => policy.into_patch()?,
        None => Default::default(),
    };
    let command = Command::QueueConfigure {
        key: key.clone(),
        group,
        stream_policy: body.policy.into_patch(),
        group_policy,
    };
    submit(&shared, command, Block::No).await?;
    let info = queue_info(&shared, key).await?;
    Ok(json_response(StatusCode::OK, &json::queue(&info)))
}

pub async fn remove(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let shown = json::lossy(&key);
    let command = Command::DeleteKeys { keys: vec![key] };
    match submit(&shared, command, Block::No).await? {
        Reply::Int(0) => Err(ApiError::new(
            Code::NotFound,
            format!("no queue named {shown:?}"),
        )),
        Reply::Int(_) => Ok(json_response(StatusCode::OK, &json!({ "deleted": true }))),
        other => Err(unexpected(&other)),
    }
}

/// One queue's info; a missing queue is the engine's `NoSuchKey`, hence 404.
pub async fn queue_info(shared: &Shared, key: Vec<u8>) -> Result<QueueInfo, ApiError> {
    match submit(shared, Command::QueueInfo { key }, Block::No).await? {
        Reply::Queues(mut queues) if queues.len() == 1 => Ok(queues.remove(0)),
        other => Err(unexpected(&other)),
    }
}

/// Every queue, or every dead-letter stream.
pub async fn queue_list(
    shared: &Shared,
    dead_letters_only: bool,
) -> Result<Vec<QueueInfo>, ApiError> {
    let command = Command::QueueList { dead_letters_only };
    match submit(shared, command, Block::No).await? {
        Reply::Queues(queues) => Ok(queues),
        other => Err(unexpected(&other)),
    }
}
