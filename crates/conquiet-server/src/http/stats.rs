//! `GET /health` and `GET /v1/stats`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_db::writer::Stats;
use serde::Serialize;
use serde_json::json;

use super::error::ApiError;
use super::queues::queue_list;
use super::{AppState, json, json_response};

/// Liveness only: answers while the server runs, whatever the store's state (a poisoned
/// store shows in `/v1/stats` and `/metrics`).
pub async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// The store's figures as `/v1/stats` shows them.
#[derive(Serialize)]
struct StoreJson {
    records: u64,
    batches: u64,
    syncs: u64,
    sync_failures: u64,
    write_failures: u64,
    poisoned: bool,
    next_lsn: u64,
    synced_lsn: u64,
    log_bytes: u64,
    segments: usize,
    snapshots_taken: u64,
    snapshot_failures: u64,
    snapshot_lsn: u64,
    waiters: usize,
    requests_pending: usize,
    replies_delivered: u64,
    replies_dropped: u64,
    requests_timed_out: u64,
    streams: usize,
    fsync_count: u64,
    fsync_sum_us: u64,
}

fn store(stats: &Stats) -> StoreJson {
    StoreJson {
        records: stats.records,
        batches: stats.batches,
        syncs: stats.syncs,
        sync_failures: stats.sync_failures,
        write_failures: stats.write_failures,
        poisoned: stats.poisoned,
        next_lsn: stats.next_lsn,
        synced_lsn: stats.synced_lsn,
        log_bytes: stats.log_bytes,
        segments: stats.segments,
        snapshots_taken: stats.snapshots_taken,
        snapshot_failures: stats.snapshot_failures,
        snapshot_lsn: stats.snapshot_lsn,
        waiters: stats.waiters,
        requests_pending: stats.requests_pending,
        replies_delivered: stats.replies_delivered,
        replies_dropped: stats.replies_dropped,
        requests_timed_out: stats.requests_timed_out,
        streams: stats.streams,
        fsync_count: stats.fsync_latency.count,
        fsync_sum_us: stats.fsync_latency.sum_us,
    }
}

/// The queues and the store's figures. A poisoned store refuses even reads, so its queues
/// are shown empty then: the figures (`poisoned: true`) are what an operator needs most.
pub async fn stats(State(shared): State<AppState>) -> Result<Response, ApiError> {
    let stats = shared.db.stats().await.map_err(|e| ApiError::from_db(&e))?;
    let queues = match queue_list(&shared, false).await {
        Ok(queues) => queues,
        Err(_) if stats.poisoned => Vec::new(),
        Err(e) => return Err(e),
    };
    let queues: Vec<_> = queues.iter().map(json::queue).collect();
    let reply = json!({ "queues": queues, "store": store(&stats) });
    Ok(json_response(StatusCode::OK, &reply))
}
