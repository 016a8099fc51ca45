//! The HTTP listener: accept connections up to `HTTP_CONNECTIONS_MAX`, serve each with hyper
//! (HTTP/1.1, keep-alive), and on shutdown stop accepting, close idle connections, let
//! requests in flight finish (a long-poll ends when the store closes and answers it empty),
//! and cut what is left when the deadline passes. Paired with `server::serve`, which closes
//! the store and waits for this task.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::router;
use crate::limits::{HTTP_CONNECTIONS_MAX, HTTP_HEADER_READ_MS};
use crate::server::Shared;

/// What a client past the connection limit reads before the connection closes.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\nconnection: close\r\ncontent-length: 87\r\n\r\n\
{\"error\":{\"code\":\"unavailable\",\"message\":\"too many HTTP connections, try again later\"}}";

/// Serves until `shutdown` turns true (or its sender is dropped), then drains. Returns how
/// many connections were cut at the deadline.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) -> usize {
    let router = router(shared.clone());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors, say: pause instead of spinning on accept.
                        tracing::warn!(error = %e, "http accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if connections.len() >= HTTP_CONNECTIONS_MAX {
                    // Never wait on a client here: a full socket buffer would stall accepts.
                    let _ = stream.try_write(BUSY_RESPONSE);
                    continue;
                }
                let shutdown = shutdown.clone();
                connections.spawn(connection(stream, router.clone(), shared.clone(), shutdown));
            }
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let deadline = shared.config.shutdown_timeout;
    let started = Instant::now();
    let drained = tokio::time::timeout(deadline, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_ok() {
        return 0;
    }
    let cut = connections.len();
    tracing::warn!(
        cut,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "http connections cut at the shutdown deadline"
    );
    connections.abort_all();
    while connections.join_next().await.is_some() {}
    cut
}

async fn connection(
    stream: TcpStream,
    router: axum::Router,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _open = shared.counters.http_connection_opened();
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(router);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(HTTP_HEADER_READ_MS));
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let stopping = async {
        // A dropped sender means the server is going away too.
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "http connection ended");
            }
            return;
        }
        () = stopping => {}
    }
    // Finishes the request in flight, if any, then closes; an idle connection closes now.
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, "http connection ended during shutdown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_response_announces_its_own_length() {
        let text = std::str::from_utf8(BUSY_RESPONSE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let announced = format!("content-length: {}", body.len());
        assert!(head.split("\r\n").any(|line| line == announced), "{head}");
        let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(parsed["error"]["code"], "unavailable");
    }
}
