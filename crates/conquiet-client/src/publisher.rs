//! Concurrent publishes share pipelines: [`Client::publish`](crate::Client::publish) hands its
//! command to the client's publisher task, which sends what has queued up as one pipelined
//! write on a pooled connection (up to [`PIPELINE_MAX`] commands, [`PIPELINES_MAX`] such
//! writes in flight) and gives each caller its own reply. Many tasks publishing at once then
//! cost the server one read and one store batch per pipeline instead of one per publish.
//!
//! The task is owned by the client: it starts with the first publish and is aborted when the
//! last clone of the client is dropped.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::conn::{Reply, within};
use crate::error::{Error, Result};
use crate::pool::Pool;

/// Most publishes in one pipelined write.
pub const PIPELINE_MAX: usize = 256;

/// Most pipelined writes in flight at once, each on its own pooled connection.
pub const PIPELINES_MAX: usize = 4;

/// Publishes waiting for a pipeline: callers past it wait to queue (backpressure).
const QUEUE_MAX: usize = PIPELINE_MAX * PIPELINES_MAX;

struct Request {
    args: Vec<Vec<u8>>,
    reply: oneshot::Sender<Result<Reply>>,
}

/// The handle callers queue on; dropping it aborts the task.
pub(crate) struct Publisher {
    queue: mpsc::Sender<Request>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Publisher {
    pub(crate) fn start(pool: Pool, command_timeout: std::time::Duration) -> Publisher {
        let (queue, requests) = mpsc::channel(QUEUE_MAX);
        let task = tokio::spawn(run(pool, command_timeout, requests));
        Publisher { queue, task }
    }

    /// Sends `args` in the next pipeline and waits for its reply. Cancellation-safe for the
    /// caller: a dropped call's reply is discarded (the publish may still have been done).
    pub(crate) async fn send(&self, args: Vec<Vec<u8>>) -> Result<Reply> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Request { args, reply })
            .await
            .map_err(|_| Error::Closed)?;
        answer.await.unwrap_or(Err(Error::Closed))
    }
}

async fn run(
    pool: Pool,
    command_timeout: std::time::Duration,
    mut requests: mpsc::Receiver<Request>,
) {
    let pool = Arc::new(pool);
    let mut in_flight = JoinSet::new();
    let mut batch = Vec::with_capacity(PIPELINE_MAX);
    loop {
        tokio::select! {
            taken = requests.recv_many(&mut batch, PIPELINE_MAX), if in_flight.len() < PIPELINES_MAX => {
                if taken == 0 {
                    break;
                }
                let requests = std::mem::replace(&mut batch, Vec::with_capacity(PIPELINE_MAX));
                in_flight.spawn(pipeline(pool.clone(), command_timeout, requests));
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// One pipelined write: each request gets its reply, or, past a failure, the error.
async fn pipeline(pool: Arc<Pool>, command_timeout: std::time::Duration, requests: Vec<Request>) {
    let commands: Vec<&[Vec<u8>]> = requests.iter().map(|r| r.args.as_slice()).collect();
    let mut replies = Vec::with_capacity(requests.len());
    let failed = match pool.get().await {
        Ok(mut conn) => within(
            command_timeout,
            conn.conn().pipeline_into(&commands, &mut replies),
        )
        .await
        .err(),
        Err(e) => Some(e),
    };
    let mut replies = replies.into_iter();
    for request in requests {
        let outcome = match replies.next() {
            Some(reply) => Ok(reply),
            None => Err(failed
                .clone()
                .unwrap_or_else(|| Error::Protocol("a reply is missing".into()))),
        };
        // A caller that gave up has dropped its receiver; its reply is discarded.
        let _ = request.reply.send(outcome);
    }
}
