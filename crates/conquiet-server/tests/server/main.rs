//! End-to-end tests of `conquiet serve` with the `redis` crate as a real client.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly; a panic is the failure report"
)]

mod e2e;
mod process;
