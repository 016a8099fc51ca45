//! [`Client`]: typed calls for the whole work-queue surface over two bounded pools, one for
//! ordinary commands and one for blocking receives, so neither can starve the other.

use std::sync::Arc;
use std::time::Duration;

use conquiet_resp::Frame;

use crate::conn::{Connector, Handshake, Reply, TcpConnector, within};
use crate::decode::array;
use crate::error::{Error, Result};
use crate::limits::{
    ACQUIRE_TIMEOUT_DEFAULT, BLOCKING_POOL_SIZE_DEFAULT, COMMAND_TIMEOUT_DEFAULT,
    CONNECT_TIMEOUT_DEFAULT, HANDLES_PER_COMMAND_MAX, POOL_SIZE_DEFAULT, RECEIVE_COUNT_MAX,
    REQUEST_POOL_SIZE_DEFAULT,
};
use crate::pool::{Pool, PoolOptions, PoolStats};
use crate::types::{
    DeadLetter, Delivery, EntryId, Handle, JobStatus, Message, NackOptions, Published, QueueInfo,
    QueueOptions, ReceiveOptions, RedriveOptions, SettleOutcome, Settled, integer, millis, ok,
};

/// Publishes pipelined on one connection at a time by [`Client::publish_batch`]: bounds the
/// bytes one write and its replies hold.
const PUBLISH_PIPELINE_MAX: usize = 1000;

/// How to reach the server and how big the pools are. Every field has a stated default.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `host:port` of the RESP listener. Default `127.0.0.1:6390`.
    pub addr: String,
    /// The server's `--requirepass`, if it has one. Default none.
    pub password: Option<String>,
    /// A name for `CLIENT LIST`. Default none.
    pub name: Option<String>,
    /// Most connections for ordinary commands. Default 16.
    pub pool_size: usize,
    /// Most connections held by blocking receives. Default 8.
    pub blocking_pool_size: usize,
    /// Most connections held by requests waiting for their replies (each waits on a
    /// connection of its own). Apart from the receives' pool, so callers waiting for replies
    /// can never take the connections their own process's handlers need to receive the
    /// requests. Default 32.
    pub request_pool_size: usize,
    /// Longest wait for a free connection. Default 5 s.
    pub acquire_timeout: Duration,
    /// Longest connect (TCP and handshake). Default 5 s.
    pub connect_timeout: Duration,
    /// Longest wait for a reply, beyond any wait the command asked the server for. Default
    /// 10 s.
    pub command_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            addr: "127.0.0.1:6390".into(),
            password: None,
            name: None,
            pool_size: POOL_SIZE_DEFAULT,
            blocking_pool_size: BLOCKING_POOL_SIZE_DEFAULT,
            request_pool_size: REQUEST_POOL_SIZE_DEFAULT,
            acquire_timeout: ACQUIRE_TIMEOUT_DEFAULT,
            connect_timeout: CONNECT_TIMEOUT_DEFAULT,
            command_timeout: COMMAND_TIMEOUT_DEFAULT,
        }
    }
}

impl ClientConfig {
    /// The defaults, for the server at `addr`.
    pub fn new(addr: impl Into<String>) -> ClientConfig {
        ClientConfig {
            addr: addr.into(),
            ..ClientConfig::default()
        }
    }
}

/// An async client of `conquiet serve`. Cheap to clone: clones share the pools. Connections
/// open lazily, on the first call that needs one.
///
/// Every call is cancellation-safe for the client: a call dropped between its request and its
/// reply closes that connection (it would read the reply owed to the cancelled call), and the
/// pool slot comes back. What the server did is another matter: a cancelled `publish` or
/// settle may still have been applied, as with any request that was sent.
///
/// ```no_run
/// use conquiet_client::{Client, ClientConfig, Message, QueueOptions, ReceiveOptions};
/// # async fn run() -> conquiet_client::Result<()> {
/// let client = Client::new(ClientConfig::default());
/// client.create_queue("jobs", &QueueOptions::default()).await.ok(); // may exist
/// client.publish("jobs", &Message::new().field("task", "resize")).await?;
/// let deliveries = client.receive("jobs", "default", "worker-1", &ReceiveOptions::default()).await?;
/// let handles: Vec<_> = deliveries.iter().map(|d| d.handle()).collect();
/// for outcome in client.ack("jobs", "default", &handles).await {
///     println!("{:?}", outcome?);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    blocking: Pool,
    requests: Pool,
    command_timeout: Duration,
    /// Pipelines concurrent publishes; started by the first publish.
    publisher: std::sync::OnceLock<crate::publisher::Publisher>,
    /// For connections outside the pools (a lock bound to its connection).
    connector: Arc<dyn Connector>,
    handshake: Handshake,
    connect_timeout: Duration,
}

impl Client {
    /// A client over TCP to `config.addr`. Connects nothing yet.
    pub fn new(config: ClientConfig) -> Client {
        let connector = Arc::new(TcpConnector::new(config.addr.clone()));
        Client::with_connector(config, connector)
    }

    /// A client whose connections come from `connector` (`config.addr` is then unused): for
    /// tests that count or fail connects, or for a TLS transport.
    pub fn with_connector(config: ClientConfig, connector: Arc<dyn Connector>) -> Client {
        let handshake = Handshake {
            password: config.password.clone(),
            name: config.name.clone(),
        };
        let options = |max_size| PoolOptions {
            max_size,
            acquire_timeout: config.acquire_timeout,
            connect_timeout: config.connect_timeout,
        };
        Client {
            inner: Arc::new(Inner {
                pool: Pool::new(
                    connector.clone(),
                    handshake.clone(),
                    &options(config.pool_size),
                ),
                blocking: Pool::new(
                    connector.clone(),
                    handshake.clone(),
                    &options(config.blocking_pool_size),
                ),
                requests: Pool::new(
                    connector.clone(),
                    handshake.clone(),
                    &options(config.request_pool_size),
                ),
                command_timeout: config.command_timeout,
                publisher: std::sync::OnceLock::new(),
                connector,
                handshake,
                connect_timeout: config.connect_timeout,
            }),
        }
    }

    /// The ordinary pool's figures.
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// The blocking-receive pool's figures.
    pub fn blocking_pool_stats(&self) -> PoolStats {
        self.inner.blocking.stats()
    }

    /// The figures of the pool that requests wait on.
    pub fn request_pool_stats(&self) -> PoolStats {
        self.inner.requests.stats()
    }

    /// Closes the pools: calls waiting for a connection fail with [`Error::Closed`], idle
    /// connections close, lent ones close when given back.
    pub fn close(&self) {
        self.inner.pool.close();
        self.inner.blocking.close();
        self.inner.requests.close();
    }

    /// Sends any command and returns its reply frame; an error reply is an `Err`. For what
    /// the typed calls do not cover. Cancellation-safe (a cancelled call's connection is
    /// dropped, never reused).
    pub async fn command<A: AsRef<[u8]>>(&self, args: &[A]) -> Result<Frame> {
        self.call(&self.inner.pool, args, Duration::ZERO).await
    }

    /// A command that may wait `wait` on the server: on the blocking pool, so it never holds
    /// an ordinary connection while it waits.
    pub(crate) async fn command_waiting<A: AsRef<[u8]>>(
        &self,
        args: &[A],
        wait: Duration,
    ) -> Result<Frame> {
        if wait.is_zero() {
            return self.command(args).await;
        }
        self.call(&self.inner.blocking, args, wait).await
    }

    /// A connection of its own, outside both pools, for state the server ties to one
    /// connection (a bound lock). Closed when dropped.
    pub(crate) async fn dedicated(&self) -> Result<crate::conn::Connection> {
        let inner = &self.inner;
        within(inner.connect_timeout, async {
            let transport = inner.connector.connect().await.map_err(Error::io)?;
            crate::conn::Connection::open(transport, &inner.handshake).await
        })
        .await
    }

    /// A request waiting up to `wait` for its reply, on the requests' own pool.
    pub(crate) async fn command_request<A: AsRef<[u8]>>(
        &self,
        args: &[A],
        wait: Duration,
    ) -> Result<Frame> {
        self.call(&self.inner.requests, args, wait).await
    }

    /// The longest a reply may take beyond the wait it asked for.
    pub(crate) fn command_timeout(&self) -> Duration {
        self.inner.command_timeout
    }

    async fn call<A: AsRef<[u8]>>(&self, pool: &Pool, args: &[A], wait: Duration) -> Result<Frame> {
        let mut conn = pool.get().await?;
        let limit = self.inner.command_timeout.saturating_add(wait);
        within(limit, conn.conn().call(args)).await?.into_result()
    }

    /// `PING`: checks that a connection can be had and the server answers.
    pub async fn ping(&self) -> Result<()> {
        match self.command(&["PING"]).await? {
            Frame::Simple(s) if s == b"PONG" => Ok(()),
            other => Err(crate::decode::unexpected("PONG", &other)),
        }
    }

    /// Creates a queue (its stream if missing, and the group) with `options` over the
    /// server's defaults. An existing group: [`Error::GroupExists`].
    pub async fn create_queue(&self, queue: &str, options: &QueueOptions) -> Result<()> {
        ok(self.command(&options.to_args("CQ.CREATE", queue)).await?)
    }

    /// Changes a queue's or group's policy; options left `None` keep their values. At least
    /// one option must be set.
    pub async fn configure(&self, queue: &str, options: &QueueOptions) -> Result<()> {
        if options.is_empty() {
            return Err(Error::Invalid(
                "configure needs at least one policy option".into(),
            ));
        }
        ok(self.command(&options.to_args("CQ.SET", queue)).await?)
    }

    /// Publishes one message; the reply comes once it is durable on the server.
    ///
    /// Publishes from many tasks at once share pipelined writes (see the crate docs); the
    /// first publish starts the client's publisher task, so it must run inside a tokio
    /// runtime.
    pub async fn publish(&self, queue: &str, message: &Message) -> Result<Published> {
        let inner = &self.inner;
        let publisher = inner.publisher.get_or_init(|| {
            crate::publisher::Publisher::start(inner.pool.clone(), inner.command_timeout)
        });
        let reply = publisher.send(message.to_args(queue)).await?;
        Published::from_frame(reply.into_result()?)
    }

    /// Publishes several messages, pipelined. Each has its own result, in order: a full
    /// queue refuses the messages past its limit and keeps the earlier ones. When the
    /// connection fails midway, the publishes answered before keep their results and only
    /// the rest carry the error (so a retry of just those does not publish twice).
    pub async fn publish_batch(&self, queue: &str, messages: &[Message]) -> Vec<Result<Published>> {
        let mut results = Vec::with_capacity(messages.len());
        for chunk in messages.chunks(PUBLISH_PIPELINE_MAX) {
            let commands: Vec<Vec<Vec<u8>>> = chunk.iter().map(|m| m.to_args(queue)).collect();
            let mut replies = Vec::with_capacity(commands.len());
            let failed = self.pipeline(&commands, &mut replies).await.err();
            let answered = replies.len();
            results.extend(
                replies
                    .into_iter()
                    .map(|r| r.into_result().and_then(Published::from_frame)),
            );
            let error = failed.unwrap_or_else(|| Error::Protocol("a reply is missing".into()));
            results.extend(chunk[answered..].iter().map(|_| Err(error.clone())));
        }
        results
    }

    async fn pipeline(&self, commands: &[Vec<Vec<u8>>], replies: &mut Vec<Reply>) -> Result<()> {
        let mut conn = self.inner.pool.get().await?;
        let limit = self.inner.command_timeout;
        within(limit, conn.conn().pipeline_into(commands, replies)).await
    }

    /// Leases up to `options.count` deliveries to `consumer`. With a wait it holds a
    /// connection of the blocking pool (never the ordinary one) until a message comes or the
    /// wait ends. Cancellation-safe for the caller; deliveries the server leased for a
    /// cancelled receive come back when their lease ends.
    pub async fn receive(
        &self,
        queue: &str,
        group: &str,
        consumer: &str,
        options: &ReceiveOptions,
    ) -> Result<Vec<Delivery>> {
        if options.count == 0 || options.count > RECEIVE_COUNT_MAX {
            return Err(Error::Limit(format!(
                "receive count is {}, limit is 1..={RECEIVE_COUNT_MAX}",
                options.count
            )));
        }
        let mut args: Vec<Vec<u8>> = vec![
            b"CQ.RECEIVE".to_vec(),
            queue.into(),
            group.into(),
            consumer.into(),
            b"COUNT".to_vec(),
            options.count.to_string().into_bytes(),
        ];
        if let Some(lease) = options.lease {
            args.push(b"LEASE".to_vec());
            args.push(millis(lease).to_string().into_bytes());
        }
        let wait = options.wait.filter(|w| !w.is_zero());
        let frame = match wait {
            Some(wait) => {
                args.push(b"BLOCK".to_vec());
                // BLOCK 0 would wait forever; a wait under 1 ms rounds up.
                args.push(millis(wait).max(1).to_string().into_bytes());
                self.call(&self.inner.blocking, &args, wait).await?
            }
            None => self.command(&args).await?,
        };
        let (queue, group): (Arc<str>, Arc<str>) = (queue.into(), group.into());
        array(frame)?
            .into_iter()
            .map(|m| Delivery::from_frame(&queue, &group, m))
            .collect()
    }

    /// Acks deliveries. One result per handle, in order; a stale handle or a failed command
    /// for some handles never stops the others.
    pub async fn ack(&self, queue: &str, group: &str, handles: &[Handle]) -> Vec<Settled> {
        self.settle("CQ.ACK", queue, group, &[], handles).await
    }

    /// Gives deliveries back, for redelivery after `options.delay` or the group's backoff
    /// (or to the dead-letter stream once they had max deliveries).
    pub async fn nack(
        &self,
        queue: &str,
        group: &str,
        handles: &[Handle],
        options: &NackOptions,
    ) -> Vec<Settled> {
        let mut extra = Vec::new();
        if let Some(delay) = options.delay {
            extra.push(b"DELAY".to_vec());
            extra.push(millis(delay).to_string().into_bytes());
        }
        if let Some(reason) = &options.reason {
            extra.push(b"REASON".to_vec());
            extra.push(reason.clone().into_bytes());
        }
        self.settle("CQ.NACK", queue, group, &extra, handles).await
    }

    /// Restarts the deliveries' leases (for `lease`, or the lease they had).
    pub async fn touch(
        &self,
        queue: &str,
        group: &str,
        handles: &[Handle],
        lease: Option<Duration>,
    ) -> Vec<Settled> {
        let extra = match lease {
            Some(lease) => vec![b"LEASE".to_vec(), millis(lease).to_string().into_bytes()],
            None => Vec::new(),
        };
        self.settle("CQ.TOUCH", queue, group, &extra, handles).await
    }

    /// Dead-letters deliveries at once, with `reason`.
    pub async fn term(
        &self,
        queue: &str,
        group: &str,
        handles: &[Handle],
        reason: Option<&str>,
    ) -> Vec<Settled> {
        let extra = match reason {
            Some(r) => vec![b"REASON".to_vec(), r.as_bytes().to_vec()],
            None => Vec::new(),
        };
        self.settle("CQ.TERM", queue, group, &extra, handles).await
    }

    async fn settle(
        &self,
        command: &str,
        queue: &str,
        group: &str,
        extra: &[Vec<u8>],
        handles: &[Handle],
    ) -> Vec<Settled> {
        let mut results = Vec::with_capacity(handles.len());
        for chunk in handles.chunks(HANDLES_PER_COMMAND_MAX) {
            let mut args: Vec<Vec<u8>> = vec![command.into(), queue.into(), group.into()];
            args.extend_from_slice(extra);
            for h in chunk {
                args.push(h.id.to_string().into_bytes());
                args.push(h.token.to_string().into_bytes());
            }
            let outcomes = self.command(&args).await.and_then(|frame| {
                let items = array(frame)?;
                if items.len() != chunk.len() {
                    return Err(Error::Protocol(format!(
                        "{} outcomes for {} handles",
                        items.len(),
                        chunk.len()
                    )));
                }
                Ok(items)
            });
            match outcomes {
                Ok(items) => results.extend(items.into_iter().map(SettleOutcome::from_frame)),
                Err(e) => results.extend(chunk.iter().map(|_| Err(e.clone()))),
            }
        }
        results
    }

    /// One queue's figures and its groups'.
    pub async fn queue_info(&self, queue: &str) -> Result<QueueInfo> {
        QueueInfo::from_frame(self.command(&["CQ.INFO", queue]).await?)
    }

    /// Every queue's figures.
    pub async fn queues(&self) -> Result<Vec<QueueInfo>> {
        infos(self.command(&["CQ.QUEUES"]).await?)
    }

    /// The streams holding dead letters.
    pub async fn dead_letter_queues(&self) -> Result<Vec<QueueInfo>> {
        infos(self.command(&["CQ.DLQ", "LIST"]).await?)
    }

    /// A page of dead letters from `dead_letter_stream`, oldest first, starting at `after`
    /// (exclusive; `None`: the start), at most `count`.
    pub async fn dead_letters(
        &self,
        dead_letter_stream: &str,
        after: Option<EntryId>,
        count: u32,
    ) -> Result<Vec<DeadLetter>> {
        let start = after.map_or("-".to_string(), |id| format!("({id}"));
        let count = count.to_string();
        let frame = self
            .command(&["XRANGE", dead_letter_stream, &start, "+", "COUNT", &count])
            .await?;
        array(frame)?
            .into_iter()
            .map(DeadLetter::from_entry)
            .collect()
    }

    /// One dead letter by its id in the dead-letter stream.
    pub async fn dead_letter(
        &self,
        dead_letter_stream: &str,
        id: EntryId,
    ) -> Result<Option<DeadLetter>> {
        let id = id.to_string();
        let frame = self
            .command(&["XRANGE", dead_letter_stream, &id, &id])
            .await?;
        array(frame)?
            .into_iter()
            .next()
            .map(DeadLetter::from_entry)
            .transpose()
    }

    /// Publishes dead letters again (to their source, or `options.to`) and removes them;
    /// answers how many moved.
    pub async fn redrive(&self, dead_letter_stream: &str, options: &RedriveOptions) -> Result<u64> {
        let mut args: Vec<Vec<u8>> = vec![
            b"CQ.DLQ".to_vec(),
            b"REDRIVE".to_vec(),
            dead_letter_stream.into(),
        ];
        let count = options.count.map(|c| c.to_string());
        let named = [
            ("TO", options.to.as_deref()),
            ("START", options.start.as_deref()),
            ("END", options.end.as_deref()),
            ("COUNT", count.as_deref()),
        ];
        for (name, value) in named {
            if let Some(v) = value {
                args.push(name.into());
                args.push(v.into());
            }
        }
        integer(self.command(&args).await?)
    }

    /// Removes every dead letter of a stream; answers how many.
    pub async fn purge(&self, dead_letter_stream: &str) -> Result<u64> {
        integer(
            self.command(&["CQ.DLQ", "PURGE", dead_letter_stream])
                .await?,
        )
    }

    /// Where entry `id` of `queue` is for `group`: waiting, delayed, in flight, acked,
    /// dead-lettered or unknown (`CQ.STATUS`).
    pub async fn status(&self, queue: &str, group: &str, id: EntryId) -> Result<JobStatus> {
        let id = id.to_string();
        JobStatus::from_frame(
            self.command(&["CQ.STATUS", queue, &id, "GROUP", group])
                .await?,
        )
    }
}

fn infos(frame: Frame) -> Result<Vec<QueueInfo>> {
    array(frame)?
        .into_iter()
        .map(QueueInfo::from_frame)
        .collect()
}
