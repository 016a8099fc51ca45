//! `POST /v1/queues/{name}/messages` (publish one, or a batch) and
//! `POST /v1/queues/{name}/receive` (leased receive with an optional long-poll).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::queue::{Delay, Publish, Receive};
use conquiet_core::{Command, Reply};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{ApiError, Code};
use super::queues::group_default;
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::limits::{HTTP_PUBLISH_BATCH_MAX, HTTP_WAIT_MS_MAX};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    fields: Map<String, Value>,
    delay_ms: Option<u64>,
    deliver_at_ms: Option<u64>,
    idempotency_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchBody {
    messages: Vec<PublishBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiveBody {
    #[serde(default = "group_default")]
    group: String,
    consumer: String,
    #[serde(default = "one")]
    max_messages: u64,
    lease_ms: Option<u64>,
    #[serde(default)]
    wait_ms: u64,
}

fn one() -> u64 {
    1
}

/// One message (`{"fields": ...}`: 201 with its id) or a batch (`{"messages": [...]}`: 200
/// with one result per message). A malformed batch is refused whole before anything is
/// published; the store's refusals (a full queue, say) are per message.
pub async fn publish(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let value: Value = body::json(body)?;
    let is_batch = value
        .as_object()
        .is_some_and(|o| o.contains_key("messages"));
    if !is_batch {
        let message: PublishBody = body::from_value(value)?;
        let command = publish_command(key, message)?;
        let (id, duplicate) = published(submit(&shared, command, Block::No).await?)?;
        let reply = json!({ "id": id, "duplicate": duplicate });
        return Ok(json_response(StatusCode::CREATED, &reply));
    }
    let batch: BatchBody = body::from_value(value)?;
    if batch.messages.len() > HTTP_PUBLISH_BATCH_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!(
                "batch has {} messages, limit is {HTTP_PUBLISH_BATCH_MAX}",
                batch.messages.len()
            ),
        ));
    }
    let commands = batch
        .messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            publish_command(key.clone(), m).map_err(|mut e| {
                e.message = format!("messages[{i}]: {}", e.message);
                e
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let submitted = commands
        .into_iter()
        .map(|command| {
            let shared = shared.clone();
            async move { submit(&shared, command, Block::No).await }
        })
        .collect();
    let results: Vec<Value> = join_in_order(submitted)
        .await
        .into_iter()
        .map(|result| match result.and_then(published) {
            Ok((id, duplicate)) => json!({ "id": id, "duplicate": duplicate }),
            Err(error) => json!({ "error": error.body() }),
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "results": results }),
    ))
}

fn publish_command(key: Vec<u8>, message: PublishBody) -> Result<Command, ApiError> {
    if message.fields.is_empty() {
        return Err(ApiError::bad_request(
            "fields is empty: a message needs one",
        ));
    }
    let mut fields = Vec::with_capacity(message.fields.len());
    for (name, value) in message.fields {
        let Value::String(value) = value else {
            return Err(ApiError::bad_request(format!(
                "field {name:?} is not a string"
            )));
        };
        fields.push((name.into_bytes(), value.into_bytes()));
    }
    let delay = match (message.delay_ms, message.deliver_at_ms) {
        (None, None) => Delay::None,
        (Some(ms), None) => Delay::AfterMs(ms),
        (None, Some(at)) => Delay::AtMs(at),
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "delay_ms and deliver_at_ms cannot be combined",
            ));
        }
    };
    Ok(Command::Publish(Publish {
        key,
        fields,
        delay,
        dedup_key: message.idempotency_key.map(String::into_bytes),
    }))
}

fn published(reply: Reply) -> Result<(String, bool), ApiError> {
    match reply {
        Reply::Published { id, duplicate } => Ok((id.to_string(), duplicate)),
        other => Err(unexpected(&other)),
    }
}

/// Runs the futures together and returns their outputs in order. Each is first polled in
/// order, so the batch's commands reach the writer's queue in order (its sender is fair) and
/// get increasing ids, while sharing the writer's group commit instead of one fsync each.
async fn join_in_order<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished before the join returned"))
        .collect()
}

/// Leases up to `max_messages` to `consumer`. With `wait_ms`, waits up to that long for a
/// message when none is due (a long-poll); shutdown ends the wait with an empty list.
pub async fn receive(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let key = body::name(path)?;
    let body: ReceiveBody = body::json(body)?;
    if body.wait_ms > HTTP_WAIT_MS_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!("wait_ms is {}, limit is {HTTP_WAIT_MS_MAX}", body.wait_ms),
        ));
    }
    let command = Command::Receive(Receive {
        key,
        group: body::non_empty("group", body.group)?,
        consumer: body::non_empty("consumer", body.consumer)?,
        count: body.max_messages,
        lease_ms: body.lease_ms,
    });
    // The store reads `Block::Ms(0)` as "wait for ever"; a wait of 0 here means "do not".
    let block = match body.wait_ms {
        0 => Block::No,
        ms => Block::Ms(ms),
    };
    match submit(&shared, command, block).await? {
        Reply::Messages(messages) => {
            let messages: Vec<_> = messages.iter().map(json::message).collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({ "messages": messages }),
            ))
        }
        other => Err(unexpected(&other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_join_returns_outputs_in_the_order_given() {
        let (first, wait) = tokio::sync::oneshot::channel::<u32>();
        let futures: Vec<Pin<Box<dyn Future<Output = u32> + Send>>> = vec![
            Box::pin(async move { wait.await.unwrap_or(0) }),
            Box::pin(async { 2 }),
        ];
        let joined = tokio::spawn(async move { join_in_order(futures).await });
        first.send(1).unwrap();
        assert_eq!(joined.await.unwrap(), vec![1, 2]);
    }
}
