//! `/v1/locks/{name}`: acquire (with an optional wait), release, renew and show a named lock,
//! as RESP's CQ.LOCK, CQ.UNLOCK, CQ.RENEW and CQ.LOCKINFO answer them. No BIND: an HTTP
//! request has no connection that outlives it, so only the TTL ends an HTTP grant.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::lock::{Acquire, Binding, LockAcquired};
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, Code};
use super::{AppState, body, json_response, submit, unexpected};
use crate::limits::HTTP_WAIT_MS_MAX;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcquireBody {
    owner: String,
    ttl_ms: u64,
    #[serde(default)]
    wait_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    owner: String,
    token: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenewBody {
    owner: String,
    token: u64,
    ttl_ms: u64,
}

/// 200 `{granted: true, token, until_ms}`, or `{granted: false, holder, token, until_ms}`
/// (the holder's grant) when another owner holds it after `wait_ms` (0: no wait).
pub async fn acquire(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = body::name(path)?;
    let body: AcquireBody = body::json(body)?;
    if body.wait_ms > HTTP_WAIT_MS_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!("wait_ms is {}, limit is {HTTP_WAIT_MS_MAX}", body.wait_ms),
        ));
    }
    let command = Command::LockAcquire(Acquire {
        name,
        owner: body::non_empty("owner", body.owner)?,
        ttl_ms: body.ttl_ms,
        binding: Binding::None,
    });
    // The store reads `Block::Ms(0)` as "wait for ever"; a wait of 0 here means "do not".
    let block = match body.wait_ms {
        0 => Block::No,
        ms => Block::Ms(ms),
    };
    let reply = match submit(&shared, command, block).await? {
        Reply::Lock(LockAcquired::Granted { token, until_ms }) => {
            json!({ "granted": true, "token": token, "until_ms": until_ms })
        }
        Reply::Lock(LockAcquired::Refused {
            holder,
            token,
            until_ms,
        }) => json!({
            "granted": false,
            "holder": String::from_utf8_lossy(&holder),
            "token": token,
            "until_ms": until_ms,
        }),
        other => return Err(unexpected(&other)),
    };
    Ok(json_response(StatusCode::OK, &reply))
}

/// 200 `{released: true}` (`false`: the grant had already ended); 409 `stale` when owner and
/// token are not the lock's latest grant.
pub async fn release(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = body::name(path)?;
    let body: ReleaseBody = body::json(body)?;
    let command = Command::LockRelease {
        name,
        owner: body::non_empty("owner", body.owner)?,
        token: body.token,
    };
    match submit(&shared, command, Block::No).await? {
        Reply::Int(n) => Ok(json_response(StatusCode::OK, &json!({ "released": n > 0 }))),
        other => Err(unexpected(&other)),
    }
}

/// 200 `{renewed: true, token, until_ms}`; 409 `stale` when the grant is not current or ended.
pub async fn renew(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = body::name(path)?;
    let body: RenewBody = body::json(body)?;
    let command = Command::LockRenew {
        name,
        owner: body::non_empty("owner", body.owner)?,
        token: body.token,
        ttl_ms: body.ttl_ms,
    };
    match submit(&shared, command, Block::No).await? {
        Reply::LockRenewed { token, until_ms } => Ok(json_response(
            StatusCode::OK,
            &json!({ "renewed": true, "token": token, "until_ms": until_ms }),
        )),
        other => Err(unexpected(&other)),
    }
}

/// 200 with every key present: `{name, holder, token, until_ms, bound, last_token}`, null
/// holder, token and until_ms when the lock is free. A read.
pub async fn show(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = body::name(path)?;
    match submit(&shared, Command::LockInfo { name }, Block::No).await? {
        Reply::LockInfo(i) => Ok(json_response(
            StatusCode::OK,
            &json!({
                "name": String::from_utf8_lossy(&i.name),
                "holder": i.holder.as_deref().map(String::from_utf8_lossy),
                "token": i.token,
                "until_ms": i.until_ms,
                "bound": i.bound,
                "last_token": i.last_token,
            }),
        )),
        other => Err(unexpected(&other)),
    }
}
