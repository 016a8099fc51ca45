//! The HTTP/JSON adapter: the work-queue API under `/v1`, `/health`, `/openapi.json` and
//! Prometheus `/metrics`, served next to the RESP listener.
//!
//! Like the RESP adapter it is thin: a handler parses JSON into a `Command`, submits it to the
//! store ([`submit`], which also counts it for `/metrics`), and encodes the reply. Rules belong
//! to the engine; this module must not keep queue state or decide anything a RESP client
//! would see decided differently.
//!
//! - [`routes`] is the route table; the router and the OpenAPI document's test both read it.
//! - `serve` accepts connections (bounded), and on shutdown lets requests in flight finish.
//! - `error` maps every failure to a stable code; `body` parses requests; `json` and
//!   `policy` shape replies; `locks` serves `/v1/locks`, `rooms` `/v1/rooms`, `services`
//!   `/v1/services` (request/reply).

mod auth;
mod body;
mod dlq;
mod error;
mod json;
mod locks;
mod messages;
mod metrics;
mod openapi;
mod openapi_coord;
mod openapi_schemas;
mod policy;
mod queues;
mod rooms;
mod serve;
mod services;
mod settle;
mod stats;
mod status;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Serialize;

pub(crate) use serve::serve;

use crate::limits::HTTP_BODY_BYTES_MAX;
use crate::server::Shared;
use error::{ApiError, Code};

type AppState = Arc<Shared>;

/// Every route, as `(method, path)` in axum's (and OpenAPI's) `{param}` syntax: what the
/// router serves and what `/openapi.json` must describe.
pub fn routes() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The routes with their handlers. The router is built from this list alone, so [`routes`]
/// cannot drift from what is served.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/health", get(stats::health)),
        (Method::GET, "/openapi.json", get(openapi::document)),
        (Method::GET, "/metrics", get(metrics::metrics)),
        (Method::GET, "/v1/stats", get(stats::stats)),
        (Method::GET, "/v1/queues", get(queues::list)),
        (Method::POST, "/v1/queues", post(queues::create)),
        (Method::GET, "/v1/queues/{name}", get(queues::show)),
        (Method::PATCH, "/v1/queues/{name}", patch(queues::configure)),
        (Method::DELETE, "/v1/queues/{name}", delete(queues::remove)),
        (
            Method::POST,
            "/v1/queues/{name}/messages",
            post(messages::publish),
        ),
        (
            Method::GET,
            "/v1/queues/{name}/messages/{id}",
            get(status::status),
        ),
        (
            Method::POST,
            "/v1/queues/{name}/receive",
            post(messages::receive),
        ),
        (Method::POST, "/v1/queues/{name}/ack", post(settle::ack)),
        (Method::POST, "/v1/queues/{name}/nack", post(settle::nack)),
        (Method::POST, "/v1/queues/{name}/touch", post(settle::touch)),
        (Method::POST, "/v1/queues/{name}/term", post(settle::term)),
        (Method::GET, "/v1/dlq", get(dlq::list)),
        (Method::GET, "/v1/dlq/{name}/messages", get(dlq::messages)),
        (Method::POST, "/v1/dlq/{name}/redrive", post(dlq::redrive)),
        (Method::POST, "/v1/dlq/{name}/purge", post(dlq::purge)),
        (Method::GET, "/v1/locks/{name}", get(locks::show)),
        (
            Method::POST,
            "/v1/locks/{name}/acquire",
            post(locks::acquire),
        ),
        (
            Method::POST,
            "/v1/locks/{name}/release",
            post(locks::release),
        ),
        (Method::POST, "/v1/locks/{name}/renew", post(locks::renew)),
        (Method::POST, "/v1/rooms", post(rooms::create)),
        (Method::GET, "/v1/rooms/{name}", get(rooms::show)),
        (Method::POST, "/v1/rooms/{name}/start", post(rooms::start)),
        (Method::POST, "/v1/rooms/{name}/speak", post(rooms::speak)),
        (Method::POST, "/v1/rooms/{name}/pass", post(rooms::pass)),
        (Method::POST, "/v1/rooms/{name}/end", post(rooms::end)),
        (Method::GET, "/v1/rooms/{name}/events", get(rooms::events)),
        (
            Method::POST,
            "/v1/services/{name}/request",
            post(services::request),
        ),
        (
            Method::POST,
            "/v1/services/{name}/reply",
            post(services::reply),
        ),
    ]
}

/// The whole API over `shared`.
pub(crate) fn router(shared: AppState) -> Router {
    let router = table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        });
    router
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            auth::require_token,
        ))
        .layer(DefaultBodyLimit::max(HTTP_BODY_BYTES_MAX))
        .layer(axum::middleware::from_fn(body::refuse_oversize))
        .with_state(shared)
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        Code::NotFound,
        format!("no route for {method} {}", uri.path()),
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        Code::MethodNotAllowed,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Submits `command` and counts its outcome for `/metrics` (in `Counters::note`, as the
/// RESP side does) once the store has answered.
async fn submit(shared: &Shared, command: Command, block: Block) -> Result<Reply, ApiError> {
    let result = shared.db.submit_with(command.clone(), block).await;
    shared.counters.note(&command, result.as_ref());
    result.map_err(|e| ApiError::from_db(&e))
}

/// A reply of a kind the command never gives: a bug between adapter and engine.
fn unexpected(reply: &Reply) -> ApiError {
    tracing::error!(?reply, "unexpected reply from the store");
    ApiError::new(Code::Internal, "unexpected reply from the store")
}

/// `value` as a JSON response with `status`.
fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => ApiError::new(Code::Internal, format!("encoding the reply: {e}")).into_response(),
    }
}
