//! conquiet's HTTP/JSON API: `POST /v1/queues`, `/v1/queues/{name}/messages`, `/receive` and
//! `/ack`, over HTTP/1.1 keep-alive connections: one per consumer, and per producer one for
//! each publish it has in flight (HTTP/1.1 answers one request at a time per connection).
//!
//! The queue is made as `cq` makes it (default group, work-queue retention), so the two
//! adapters differ only in transport.

use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::resp_value::PAYLOAD_FIELD;
use super::{Broker, Consumer, Description, Producer};
use crate::limits::{CONNECT_TIMEOUT, HTTP_RESPONSE_BYTES_MAX, RECEIVE_WAIT};
use crate::payload;

/// One keep-alive connection; requests on it go one at a time.
struct Connection {
    addr: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(addr: &str) -> Result<Connection> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| anyhow!("connecting to {addr}: no answer in {CONNECT_TIMEOUT:?}"))?
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        // The connection's own task reads and writes the socket; its error, if any, is the
        // one the next request returns, so nothing is lost by dropping it here.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection {
            addr: addr.to_string(),
            sender,
        })
    }

    /// Sends one request and returns the body of a response with status `expected`.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Result<Bytes> {
        let body = match body {
            Some(value) => Bytes::from(serde_json::to_vec(&value)?),
            None => Bytes::new(),
        };
        let request = Request::builder()
            .method(&method)
            .uri(path)
            .header(HOST, &self.addr)
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(body))?;
        self.sender
            .ready()
            .await
            .context("HTTP connection closed")?;
        let response = self
            .sender
            .send_request(request)
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let bytes = Limited::new(response.into_body(), HTTP_RESPONSE_BYTES_MAX)
            .collect()
            .await
            .map_err(|e| anyhow!("{method} {path}: reading the response: {e}"))?
            .to_bytes();
        if status != expected {
            bail!(
                "{method} {path} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(bytes)
    }
}

pub struct Http {
    addr: String,
    description: Description,
}

impl Http {
    pub fn new(addr: String, description: Description) -> Http {
        Http { addr, description }
    }
}

impl Broker for Http {
    type Producer = HttpProducer;
    type Consumer = HttpConsumer;

    fn describe(&self) -> &Description {
        &self.description
    }

    async fn create_queue(&self, queue: &str) -> Result<()> {
        let body = json!({ "name": queue, "policy": { "retention": "workqueue" } });
        let mut connection = Connection::open(&self.addr).await?;
        connection
            .call(Method::POST, "/v1/queues", Some(body), StatusCode::CREATED)
            .await?;
        Ok(())
    }

    async fn delete_queue(&self, queue: &str) -> Result<()> {
        let path = format!("/v1/queues/{queue}");
        let mut connection = Connection::open(&self.addr).await?;
        connection
            .call(Method::DELETE, &path, None, StatusCode::OK)
            .await?;
        Ok(())
    }

    async fn producer(&self, queue: &str) -> Result<HttpProducer> {
        let first = Connection::open(&self.addr).await?;
        Ok(HttpProducer {
            addr: self.addr.clone(),
            idle: Mutex::new(vec![first]),
            path: format!("/v1/queues/{queue}/messages"),
        })
    }

    async fn consumer(&self, queue: &str, name: &str) -> Result<HttpConsumer> {
        Ok(HttpConsumer {
            connection: Connection::open(&self.addr).await?,
            receive_path: format!("/v1/queues/{queue}/receive"),
            ack_path: format!("/v1/queues/{queue}/ack"),
            name: name.to_string(),
        })
    }
}

/// Its connections: one is opened up front, and one more whenever all are busy, so there are
/// as many as the window of publishes in flight.
pub struct HttpProducer {
    addr: String,
    idle: Mutex<Vec<Connection>>,
    path: String,
}

impl HttpProducer {
    fn idle(&self) -> Result<MutexGuard<'_, Vec<Connection>>> {
        self.idle
            .lock()
            .map_err(|_| anyhow!("connection list poisoned"))
    }
}

#[derive(Deserialize)]
struct Published {
    duplicate: bool,
}

impl Producer for HttpProducer {
    async fn publish(&self, payload: Bytes) -> Result<()> {
        let text = std::str::from_utf8(&payload).context("payload is ASCII by construction")?;
        let body = json!({ "fields": { PAYLOAD_FIELD: text } });
        let idle = self.idle()?.pop();
        let mut connection = match idle {
            Some(connection) => connection,
            None => Connection::open(&self.addr).await?,
        };
        let reply = connection
            .call(Method::POST, &self.path, Some(body), StatusCode::CREATED)
            .await?;
        // Only a connection whose request succeeded is kept; a failed one is dropped.
        self.idle()?.push(connection);
        let published: Published = serde_json::from_slice(&reply).context("publish reply")?;
        if published.duplicate {
            bail!("a publish without an idempotency key was answered as a duplicate");
        }
        Ok(())
    }
}

pub struct HttpConsumer {
    connection: Connection,
    receive_path: String,
    ack_path: String,
    name: String,
}

#[derive(Deserialize)]
struct Received {
    messages: Vec<ReceivedMessage>,
}

#[derive(Deserialize)]
struct ReceivedMessage {
    handle: String,
    fields: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Settled {
    results: Vec<SettledItem>,
}

#[derive(Deserialize)]
struct SettledItem {
    outcome: String,
}

impl Consumer for HttpConsumer {
    async fn receive_and_ack(&mut self, max: usize, size: usize, ids: &mut Vec<u64>) -> Result<()> {
        let wait_ms = u64::try_from(RECEIVE_WAIT.as_millis()).unwrap_or(u64::MAX);
        let body = json!({ "consumer": self.name, "max_messages": max, "wait_ms": wait_ms });
        let reply = self
            .connection
            .call(Method::POST, &self.receive_path, Some(body), StatusCode::OK)
            .await?;
        let received: Received = serde_json::from_slice(&reply).context("receive reply")?;
        if received.messages.is_empty() {
            return Ok(());
        }
        let mut handles = Vec::with_capacity(received.messages.len());
        for message in received.messages {
            let text = message
                .fields
                .get(PAYLOAD_FIELD)
                .and_then(Value::as_str)
                .with_context(|| format!("message {} has no payload", message.handle))?;
            ids.push(payload::decode(text.as_bytes(), size)?);
            handles.push(message.handle);
        }
        let count = handles.len();
        let body = json!({ "handles": handles });
        let reply = self
            .connection
            .call(Method::POST, &self.ack_path, Some(body), StatusCode::OK)
            .await?;
        let settled: Settled = serde_json::from_slice(&reply).context("ack reply")?;
        let outcomes: Vec<&str> = settled.results.iter().map(|r| r.outcome.as_str()).collect();
        if outcomes.len() != count || outcomes.iter().any(|&o| o != "acked") {
            bail!("ack of {count} handles answered {outcomes:?}");
        }
        Ok(())
    }
}
