//! Request/reply (`CQ.REQUEST`, `CQ.REPLY`): [`Client::request`] publishes to a service queue
//! and waits for the answer; [`service`] makes a worker handler whose return value *is* the
//! reply, so a handler cannot forget to answer, and an error it returns becomes an error
//! reply. Semantics: docs/coordination.md.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::client::Client;
use crate::conn::BoxFuture;
use crate::decode::{Record, pairs};
use crate::error::Result;
use crate::types::{Message, millis};
use crate::worker::{Handler, Job, Outcome};

/// The field of a request entry that names its caller's correlation id.
pub const CORRELATION_FIELD: &str = "cq-correlation";

/// What a request got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The request's correlation id (its entry id in the service queue).
    pub correlation: String,
    /// `false` when the handler answered an error.
    pub ok: bool,
    /// The reply's fields.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Response {
    /// The first field named `name`.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(f, _)| f == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }
}

impl Client {
    /// Publishes `message` to the `service` queue and waits up to `timeout` for its reply
    /// (on the requests' own pool, so waiting callers never starve this process's handlers). No reply in time: an error of kind `Timeout` (the server's
    /// `TIMEOUT`), never a hang; a late reply is dropped by the server.
    pub async fn request(
        &self,
        service: &str,
        message: &Message,
        timeout: Duration,
    ) -> Result<Response> {
        let mut args: Vec<Vec<u8>> = vec![
            b"CQ.REQUEST".to_vec(),
            service.into(),
            b"TIMEOUT".to_vec(),
            millis(timeout).max(1).to_string().into_bytes(),
        ];
        for (f, v) in message.fields() {
            args.push(f.clone());
            args.push(v.clone());
        }
        let frame = self.command_request(&args, timeout).await?;
        let mut r = Record::from_frame(frame)?;
        Ok(Response {
            correlation: r.string("correlation")?,
            ok: r.string("status")? == "ok",
            fields: pairs(r.take("fields")?)?,
        })
    }

    /// Answers the request `correlation` of `service`; `false` when nobody waits for it any
    /// more (it timed out, or the server restarted): the reply was dropped and counted.
    pub async fn reply(
        &self,
        service: &str,
        correlation: &str,
        reply: &Message,
        error: bool,
    ) -> Result<bool> {
        let mut args: Vec<Vec<u8>> = vec![b"CQ.REPLY".to_vec(), service.into(), correlation.into()];
        if error {
            args.push(b"ERROR".to_vec());
        }
        for (f, v) in reply.fields() {
            args.push(f.clone());
            args.push(v.clone());
        }
        let frame = self.command(&args).await?;
        Ok(Record::from_frame(frame)?.u64("delivered")? == 1)
    }
}

/// A service handler's answer: `Ok` is the reply, `Err` an error reply (its text in the
/// field `error`).
pub type ServiceResult = std::result::Result<Message, String>;

/// A worker [`Handler`] for a service queue: runs `handler` on each request and sends its
/// return value as the reply, then acks the request. A reply nobody waits for any more is
/// dropped by the server (and counted there); the request is acked all the same. A reply
/// that could not be sent (the server away) retries the request.
///
/// ```no_run
/// use conquiet_client::{Client, ClientConfig, Job, Message, Worker, WorkerConfig, service};
/// # async fn run() {
/// let client = Client::new(ClientConfig::default());
/// let answer = service(client.clone(), "ask-bob", |job: Job| async move {
///     let question = job.field("question").unwrap_or_default().to_vec();
///     Ok(Message::new().field("answer", format!("you asked {} bytes", question.len())))
/// });
/// Worker::new(client, WorkerConfig::new("ask-bob"), answer)
///     .run(conquiet_client::shutdown_signal())
///     .await;
/// # }
/// ```
pub fn service<F, Fut>(client: Client, service: &str, handler: F) -> Service
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ServiceResult> + Send + 'static,
{
    let handler =
        Arc::new(move |job: Job| -> BoxFuture<'static, ServiceResult> { Box::pin(handler(job)) });
    Service {
        client,
        service: service.into(),
        handler,
    }
}

type ServiceFn = Arc<dyn Fn(Job) -> BoxFuture<'static, ServiceResult> + Send + Sync>;

/// The handler [`service`] makes.
pub struct Service {
    client: Client,
    service: Arc<str>,
    handler: ServiceFn,
}

impl Handler for Service {
    fn handle(&self, job: Job) -> BoxFuture<'static, Outcome> {
        let (client, service, handler) = (
            self.client.clone(),
            self.service.clone(),
            self.handler.clone(),
        );
        Box::pin(async move {
            let Some(correlation) = job
                .field(CORRELATION_FIELD)
                .map(|c| String::from_utf8_lossy(c).into_owned())
            else {
                return Outcome::fail("not a request: no cq-correlation field");
            };
            let (reply, error) = match handler(job).await {
                // The server takes no reply without fields: the caller is told, not left to
                // time out, and the request is not run again for nothing.
                Ok(reply) if reply.fields().is_empty() => (
                    Message::new().field("error", "the service answered an empty reply"),
                    true,
                ),
                Ok(reply) => (reply, false),
                Err(text) => (Message::new().field("error", text), true),
            };
            match client.reply(&service, &correlation, &reply, error).await {
                Ok(_) => Outcome::Success,
                Err(e) if e.is_transient() => Outcome::retry(format!("reply not sent: {e}")),
                // Refused for good (too large, say): running the request again would not help.
                Err(e) => Outcome::fail(format!("reply refused: {e}")),
            }
        })
    }
}
