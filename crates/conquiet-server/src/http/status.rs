//! `GET /v1/queues/{name}/messages/{id}?group=g`: where one message is for one group (the
//! `default` group unless `group` names one), as RESP's CQ.STATUS answers it. A read.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::{Command, Reply, StreamId};
use conquiet_db::Block;
use serde::Deserialize;

use super::error::ApiError;
use super::queues::group_default;
use super::{AppState, body, json, json_response, submit, unexpected};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusQuery {
    #[serde(default = "group_default")]
    group: String,
}

/// 200 with the status; 404 for a missing queue or group (the engine's errors), 400 for an
/// id that is not `<ms>-<seq>` or `<ms>` (read as CQ.STATUS and XACK read it).
pub async fn status(
    State(shared): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((name, id)) = path.map_err(|r| ApiError::bad_request(r.body_text()))?;
    let key = body::non_empty("queue name", name)?;
    let id = StreamId::parse(id.as_bytes(), 0).ok_or_else(|| {
        ApiError::bad_request(format!("id {id:?} is not an entry id (<ms>-<seq> or <ms>)"))
    })?;
    let query = body::query(query)?;
    let command = Command::QueueStatus {
        key,
        group: body::non_empty("group", query.group)?,
        id,
    };
    match submit(&shared, command, Block::No).await? {
        Reply::Status(status) => Ok(json_response(StatusCode::OK, &json::status(&status))),
        other => Err(unexpected(&other)),
    }
}
