//! `/v1/dlq`: dead-letter streams. List them, page through their entries, redrive entries
//! back to work, purge them.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::queue::Redrive;
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::json;

use super::body::{Bound, range_bound};
use super::error::{ApiError, Code};
use super::queues::queue_list;
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::limits::{HTTP_PAGE_COUNT_DEFAULT, HTTP_PAGE_COUNT_MAX};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    start: Option<String>,
    end: Option<String>,
    count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedriveBody {
    to: Option<String>,
    start: Option<String>,
    end: Option<String>,
    /// 0 (the default) moves as many as the engine allows in one command.
    #[serde(default)]
    count: u64,
}

pub async fn list(State(shared): State<AppState>) -> Result<Response, ApiError> {
    let queues = queue_list(&shared, true).await?;
    let queues: Vec<_> = queues.iter().map(json::queue).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "dead_letters": queues }),
    ))
}

/// Entries of a dead-letter stream in id order, at most `count` of them. To page on, pass
/// the id after the last one seen (`<ms>-<seq + 1>`) as `start`. A stream that does not
/// exist has no entries (as XRANGE answers), not a 404: a queue's dead-letter stream appears
/// with its first dead letter.
pub async fn messages(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let query = body::query(query)?;
    let count = query.count.unwrap_or(HTTP_PAGE_COUNT_DEFAULT);
    if count > HTTP_PAGE_COUNT_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!("count is {count}, limit is {HTTP_PAGE_COUNT_MAX}"),
        ));
    }
    let command = Command::Range {
        key,
        start: range_bound("start", query.start.as_deref(), Bound::Start)?,
        end: range_bound("end", query.end.as_deref(), Bound::End)?,
        count: Some(count),
        rev: false,
    };
    match submit(&shared, command, Block::No).await? {
        Reply::Entries(entries) => {
            let messages: Vec<_> = entries
                .iter()
                .map(|e| json!({ "id": e.id.to_string(), "fields": json::fields(&e.data) }))
                .collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({ "messages": messages }),
            ))
        }
        other => Err(unexpected(&other)),
    }
}

pub async fn redrive(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let dead_letter = body::name(path)?;
    let body: RedriveBody = body::json_or_empty(body)?;
    let to = body.to.map(|to| body::non_empty("to", to)).transpose()?;
    let command = Command::Redrive(Redrive {
        dead_letter,
        to,
        start: range_bound("start", body.start.as_deref(), Bound::Start)?,
        end: range_bound("end", body.end.as_deref(), Bound::End)?,
        count: body.count,
    });
    let moved = count_of(submit(&shared, command, Block::No).await?)?;
    Ok(json_response(StatusCode::OK, &json!({ "redriven": moved })))
}

pub async fn purge(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let removed = count_of(submit(&shared, Command::Purge { key }, Block::No).await?)?;
    Ok(json_response(StatusCode::OK, &json!({ "purged": removed })))
}

fn count_of(reply: Reply) -> Result<u64, ApiError> {
    match reply {
        Reply::Int(n) if n >= 0 => Ok(n as u64),
        other => Err(unexpected(&other)),
    }
}
