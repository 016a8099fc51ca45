//! End-to-end tests of `conquiet serve`: with the `redis` crate as a real client, over raw
//! sockets against the client limits, and (ignored unless Redis runs on 6379) differentially
//! against a real Redis 7.0.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; a panic is the failure report"
)]

mod differential;
mod e2e;
mod limits;
mod process;
mod support;
