//! End-to-end tests of `conquiet serve`: with the `redis` crate as a real client, over raw
//! sockets against the client limits, and (ignored unless Redis runs on 6379) differentially
//! against a real Redis 7.0; the HTTP API (`http_*`) through a small raw-socket client; and the
//! work-queue scenario across RESP, HTTP and the CLI (`scenario`).
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; a panic is the failure report"
)]

mod differential;
mod e2e;
mod failures;
mod http_api;
mod http_client;
mod http_errors;
mod http_longpoll;
mod http_metrics;
mod http_openapi;
mod http_rooms;
mod limits;
mod locks;
mod messaging;
mod process;
mod requests;
mod rooms;
mod scenario;
mod support;
