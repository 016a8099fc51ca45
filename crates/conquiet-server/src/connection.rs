//! One client connection: read bytes, split them into requests (`conquiet_resp::Decoder`), parse,
//! submit to the store, encode replies, write them back in order. Pipelined writes with short
//! replies (XADD, XACK, CQ.PUBLISH, CQ.ACK, ...) are gathered while the input holds them and
//! handed to the store as one batch, without waiting for earlier answers (up to
//! `PIPELINE_DEPTH_MAX` commands), so they share fdatasyncs and a batch costs one hand-off to
//! the writer and one wake-up back; the store runs them in order, and their replies are encoded
//! in that order before anything else is answered. Pipelined requests are answered in one
//! write. Limits: unprocessed input, unread output, the all-clients budget, and the idle
//! timeout; a protocol error is answered and the connection closed.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use conquiet_core::lock::Binding;
use conquiet_core::{Command, Reply};
use conquiet_db::{BatchAnswer, Block, DbError, TxOutcome};
use conquiet_resp::{Decoder, Frame, Parsed, Proto, encode, error_frame, parse, reply_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::limits::{MULTI_COMMANDS_MAX, PIPELINE_DEPTH_MAX};
use crate::server::{ClientEntry, Shared};

/// Bytes read from the socket at a time.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// What a handled request asks of the connection afterwards.
#[derive(PartialEq, Eq)]
pub(crate) enum After {
    Continue,
    Close,
}

/// A transaction being queued (MULTI ... EXEC).
pub(crate) struct Multi {
    pub queued: Vec<Parsed>,
    /// A command failed to parse while queueing: EXEC answers EXECABORT.
    pub failed: bool,
}

/// A batch of pipelined commands on its way through the store.
pub(crate) enum Flight {
    Sent {
        count: usize,
        answer: BatchAnswer,
    },
    /// The store refused the batch (it is closed): each command is answered with that.
    Refused {
        count: usize,
    },
}

/// What a batch's commands are answered with: each its own result, or one error for all.
type BatchReplies = Result<conquiet_db::BatchReplies, DbError>;

impl Flight {
    fn count(&self) -> usize {
        match self {
            Flight::Sent { count, .. } | Flight::Refused { count } => *count,
        }
    }

    /// Cancel-safe.
    async fn replies(&mut self) -> BatchReplies {
        match self {
            Flight::Sent { answer, .. } => answer.replies().await,
            Flight::Refused { .. } => Err(DbError::Closed),
        }
    }

    fn try_replies(&mut self) -> Option<BatchReplies> {
        match self {
            Flight::Sent { answer, .. } => answer.try_replies(),
            Flight::Refused { .. } => Some(Err(DbError::Closed)),
        }
    }
}

/// What ended a wait for input or for the oldest batch's replies.
enum Woke {
    Replies(BatchReplies),
    Read(Result<(), String>),
}

/// Per-connection state.
pub(crate) struct Conn {
    pub id: u64,
    pub shared: Arc<Shared>,
    pub proto: Proto,
    pub authed: bool,
    pub name: Vec<u8>,
    pub multi: Option<Multi>,
    pub watched: Vec<(Vec<u8>, u64)>,
    pub out: Vec<u8>,
    /// Pipelined engine commands read but not yet handed to the store.
    pub gathered: Vec<Command>,
    /// Batches handed to the store whose replies are not yet in `out`, oldest first.
    pub in_flight: VecDeque<Flight>,
    /// Commands in `gathered` and `in_flight`.
    pub pipelined: usize,
    /// Whether this connection asked for a lock with BIND: its bound locks are then released
    /// when it closes (connections that never bound one cost the store nothing at close).
    pub binds_locks: bool,
}

pub(crate) async fn run(
    stream: TcpStream,
    addr: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let (kill, killed) = watch::channel(false);
    if let Ok(mut clients) = shared.clients.lock() {
        let entry = ClientEntry {
            addr,
            name: Vec::new(),
            created: Instant::now(),
            last_command: Vec::new(),
            kill,
        };
        clients.insert(id, entry);
    }
    let authed = shared.config.requirepass.is_none();
    let mut conn = Conn {
        id,
        shared: shared.clone(),
        proto: Proto::Resp2,
        authed,
        name: Vec::new(),
        multi: None,
        watched: Vec::new(),
        out: Vec::new(),
        gathered: Vec::new(),
        in_flight: VecDeque::new(),
        pipelined: 0,
        binds_locks: false,
    };
    let mut io = Io {
        stream,
        input: Vec::new(),
        accounted: 0,
        shutdown,
        killed,
    };
    if let Err(reason) = conn.serve(&mut io).await {
        tracing::debug!(client = id, %addr, reason, "connection closed");
    }
    let _ = io.stream.shutdown().await;
    if conn.binds_locks {
        // A logged release; if the store is closing, the next start releases them instead.
        let command = Command::LockReleaseBound {
            connection: Some(id),
        };
        if let Err(e) = shared.db.submit(command).await {
            tracing::debug!(client = id, error = %e, "bound locks not released at close");
        }
    }
    shared
        .buffered_bytes
        .fetch_sub(io.accounted, Ordering::Relaxed);
    if let Ok(mut clients) = shared.clients.lock() {
        clients.remove(&id);
    }
}

/// The socket and the bytes read from it but not yet processed.
struct Io {
    stream: TcpStream,
    input: Vec<u8>,
    /// Bytes this connection has added to `Shared::buffered_bytes`.
    accounted: usize,
    shutdown: watch::Receiver<bool>,
    killed: watch::Receiver<bool>,
}

impl Conn {
    /// Serves until the client leaves, is killed, or the server shuts down. `Err` says why the
    /// connection ended abnormally (for the debug log).
    async fn serve(&mut self, io: &mut Io) -> Result<(), String> {
        let mut decoder = Decoder::new();
        loop {
            let mut used = 0;
            loop {
                match decoder.decode(&io.input[used..]) {
                    Ok(Some((args, n))) => {
                        used += n;
                        let after = self.request(args, io).await;
                        if self.out.len() > self.shared.config.limits.output_bytes_max {
                            return Err("output buffer limit reached".into());
                        }
                        if after == After::Close || *io.killed.borrow() {
                            self.flush(io).await?;
                            return Ok(());
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.close_with_error(io, &e.to_string()).await?;
                        return Err(format!("protocol error: {e}"));
                    }
                }
            }
            io.input.drain(..used);
            if *io.shutdown.borrow() {
                self.flush(io).await?;
                return Ok(());
            }
            self.hand_over().await;
            self.answer_ready();
            self.write_pending(io).await?;
            if self.in_flight.is_empty() {
                self.read_more(io).await?;
            } else {
                self.read_or_answer(io).await?;
            }
        }
    }

    /// With batches in the store: reads more requests (which then join a later fdatasync
    /// instead of waiting for this one) or answers the oldest batch, whichever comes first.
    /// At the pipeline limit it only waits for replies.
    async fn read_or_answer(&mut self, io: &mut Io) -> Result<(), String> {
        let input_full = io.input.len() > self.shared.config.limits.input_bytes_max;
        if !input_full {
            self.check_buffers(io).await?;
        }
        let Some(mut flight) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let count = flight.count();
        if self.pipelined >= PIPELINE_DEPTH_MAX || input_full {
            let replies = flight.replies().await;
            self.answer_batch(count, replies);
            return Ok(());
        }
        // No idle timeout here: the connection is waiting for the store, not for the client.
        let woke = tokio::select! {
            replies = flight.replies() => Woke::Replies(replies),
            read = read_input(io, None) => Woke::Read(read),
        };
        match woke {
            Woke::Replies(replies) => {
                self.answer_batch(count, replies);
                Ok(())
            }
            Woke::Read(read) => {
                self.in_flight.push_front(flight);
                if read.is_err() {
                    // The client closed its side (or was killed): what it sent before still
                    // gets its replies, as a client that half-closes after a pipeline expects.
                    let _ = self.flush(io).await;
                }
                read
            }
        }
    }

    /// Answers everything in flight and writes all replies out.
    async fn flush(&mut self, io: &mut Io) -> Result<(), String> {
        self.settle().await;
        self.write_pending(io).await
    }

    /// Writes the replies encoded so far.
    async fn write_pending(&mut self, io: &mut Io) -> Result<(), String> {
        if self.out.is_empty() {
            return Ok(());
        }
        let written = self.write_out(io).await;
        self.out.clear();
        if self.out.capacity() > 1 << 20 {
            self.out = Vec::new();
        }
        written
    }

    /// Writes all of `out`. A client that takes no bytes for the idle timeout is idle (as Redis
    /// counts a write as interaction), and a killed client is dropped mid-write: otherwise a
    /// client that never reads would pin this task, its slot and shutdown until the deadline.
    async fn write_out(&self, io: &mut Io) -> Result<(), String> {
        let idle_timeout = self.shared.config.limits.idle_timeout;
        // Killed already (CLIENT KILL of itself): the reply still goes out, as in Redis.
        let killed_before = *io.killed.borrow();
        let mut done = 0;
        while done < self.out.len() {
            let idle = async {
                match idle_timeout {
                    Some(timeout) => tokio::time::sleep(timeout).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                written = io.stream.write(&self.out[done..]) => match written {
                    Ok(0) => return Err("write: connection closed".into()),
                    Ok(n) => done += n,
                    Err(e) => return Err(format!("write: {e}")),
                },
                _ = io.killed.changed(), if !killed_before => {
                    return Err("killed while writing".into());
                }
                () = idle => return Err("idle timeout while writing".into()),
            }
        }
        Ok(())
    }

    /// Waits for more input, honouring the limits, the idle timeout, kills and shutdown.
    async fn read_more(&mut self, io: &mut Io) -> Result<(), String> {
        self.check_buffers(io).await?;
        read_input(io, self.shared.config.limits.idle_timeout).await
    }

    /// Before reading more: a request past the input limit, or a connection whose buffers
    /// would overrun the all-clients budget, is answered with an error and closed.
    async fn check_buffers(&mut self, io: &mut Io) -> Result<(), String> {
        if io.input.len() > self.shared.config.limits.input_bytes_max {
            let text = "ERR client input buffer limit reached";
            self.close_with_error(io, text).await?;
            return Err("input buffer limit reached".into());
        }
        if let Err(reason) = self.account(io) {
            let text = "ERR the server's memory budget for client buffers is used up";
            self.close_with_error(io, text).await?;
            return Err(reason);
        }
        Ok(())
    }

    /// The last words before the connection closes: the replies of everything before, then
    /// the error.
    async fn close_with_error(&mut self, io: &mut Io, text: &str) -> Result<(), String> {
        self.settle().await;
        self.reply_error(text);
        self.write_pending(io).await
    }

    /// Keeps this connection's share of the all-clients budget current; past the budget the
    /// connection is closed rather than let every client's memory grow.
    fn account(&mut self, io: &mut Io) -> Result<(), String> {
        let now = io.input.capacity() + self.out.capacity();
        let shared = &self.shared.buffered_bytes;
        if now > io.accounted {
            let total =
                shared.fetch_add(now - io.accounted, Ordering::Relaxed) + now - io.accounted;
            io.accounted = now;
            if total > self.shared.config.limits.all_clients_bytes_max {
                return Err("all-clients memory budget reached".into());
            }
        } else {
            shared.fetch_sub(io.accounted - now, Ordering::Relaxed);
            io.accounted = now;
        }
        Ok(())
    }

    /// One request: parse, check AUTH, queue inside MULTI, or run.
    async fn request(&mut self, args: Vec<Vec<u8>>, io: &mut Io) -> After {
        self.shared
            .commands_processed
            .fetch_add(1, Ordering::Relaxed);
        self.note_command(&args);
        let parsed = parse(&args).map(|parsed| self.bind_locks(parsed));
        let parsed = match parsed {
            Ok(Parsed::Engine {
                command,
                block: None,
            }) if self.authed && self.multi.is_none() && pipelines(&command) => {
                return self.gather(command).await;
            }
            parsed => parsed,
        };
        // Anything else is answered after every reply still in flight.
        self.settle().await;
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(e) => {
                if let Some(multi) = &mut self.multi {
                    multi.failed = true;
                }
                self.reply_error(&e.to_string());
                return After::Continue;
            }
        };
        if !self.authed && !crate::commands::allowed_before_auth(&parsed) {
            self.reply_error("NOAUTH Authentication required.");
            return After::Continue;
        }
        if let Some(multi) = &mut self.multi
            && !crate::commands::runs_inside_multi(&parsed)
        {
            if multi.queued.len() >= MULTI_COMMANDS_MAX {
                multi.failed = true;
                let text = format!(
                    "ERR MULTI holds {MULTI_COMMANDS_MAX} commands, limit is {MULTI_COMMANDS_MAX}"
                );
                self.reply_error(&text);
            } else {
                multi.queued.push(parsed);
                self.reply(&Frame::simple("QUEUED"));
            }
            return After::Continue;
        }
        self.run_parsed(parsed, io).await
    }

    /// Keeps a non-blocking engine command for the next batch and goes on to the next
    /// request; the batch goes to the store when the input runs dry or a request of another
    /// kind arrives (`hand_over`), and its replies are encoded by `settle`. A connection that
    /// reached `PIPELINE_DEPTH_MAX` waits for its replies first.
    async fn gather(&mut self, command: Command) -> After {
        if self.pipelined >= PIPELINE_DEPTH_MAX {
            self.settle().await;
        }
        self.gathered.push(command);
        self.pipelined += 1;
        After::Continue
    }

    /// Hands the gathered commands to the store as one batch, without waiting for it.
    async fn hand_over(&mut self) {
        if self.gathered.is_empty() {
            return;
        }
        let commands = std::mem::take(&mut self.gathered);
        let count = commands.len();
        let flight = match self.shared.db.enqueue_batch(commands).await {
            Ok(answer) => Flight::Sent { count, answer },
            Err(_) => Flight::Refused { count },
        };
        self.in_flight.push_back(flight);
    }

    /// Hands over what was gathered, waits for every reply in flight and encodes them in
    /// order.
    async fn settle(&mut self) {
        self.hand_over().await;
        while let Some(mut flight) = self.in_flight.pop_front() {
            let replies = flight.replies().await;
            self.answer_batch(flight.count(), replies);
        }
    }

    /// Encodes the replies of the oldest batch, which just left `in_flight`.
    fn answer_batch(&mut self, count: usize, replies: BatchReplies) {
        self.pipelined -= count;
        match replies {
            Ok(replies) => {
                for (command, result) in replies {
                    let frame = self.frame_for(&command, result);
                    self.reply(&frame);
                }
            }
            Err(error) => {
                for _ in 0..count {
                    self.reply_error(&db_error_text(&error));
                }
            }
        }
    }

    /// Encodes the replies of the oldest batches that are in already, without waiting.
    fn answer_ready(&mut self) {
        while let Some(flight) = self.in_flight.front_mut() {
            let Some(replies) = flight.try_replies() else {
                return;
            };
            let count = flight.count();
            self.in_flight.pop_front();
            self.answer_batch(count, replies);
        }
    }

    /// CQ.LOCK BIND names "this connection"; the store needs its id.
    fn bind_locks(&mut self, mut parsed: Parsed) -> Parsed {
        if let Parsed::Engine {
            command: Command::LockAcquire(acquire),
            ..
        } = &mut parsed
            && acquire.binding == Binding::ThisConnection
        {
            acquire.binding = Binding::Connection(self.id);
            self.binds_locks = true;
        }
        parsed
    }

    fn note_command(&self, args: &[Vec<u8>]) {
        if let (Some(name), Ok(mut clients)) = (args.first(), self.shared.clients.lock())
            && let Some(entry) = clients.get_mut(&self.id)
        {
            entry.last_command = name.to_ascii_lowercase();
        }
    }

    async fn run_parsed(&mut self, parsed: Parsed, io: &mut Io) -> After {
        match parsed {
            Parsed::Engine { command, block } => {
                let frame = self.engine(command, block, Some(io)).await;
                self.reply(&frame);
                After::Continue
            }
            Parsed::Keys { pattern } => {
                let frame = self.keys(&pattern).await;
                self.reply(&frame);
                After::Continue
            }
            Parsed::Help(lines) => {
                self.reply(&conquiet_resp::help_frame(&lines));
                After::Continue
            }
            Parsed::Connection(command) => self.connection(command).await,
        }
    }

    /// Submits an engine command; a blocking read waits for entries, and gives up (dropping
    /// its wait in the store) if the client disconnects meanwhile.
    async fn engine(&mut self, command: Command, block: Option<u64>, io: Option<&mut Io>) -> Frame {
        let block = match (block, &self.multi) {
            (Some(ms), None) => Block::Ms(ms),
            _ => Block::No, // Inside MULTI, a blocking read answers at once, as in Redis.
        };
        let submitted = self.shared.db.submit_with(command.clone(), block);
        let result = match (block, io) {
            (Block::Ms(_), Some(io)) => {
                tokio::pin!(submitted);
                loop {
                    tokio::select! {
                        result = &mut submitted => break result,
                        read = io.stream.read_buf(&mut io.input) => {
                            if !matches!(read, Ok(n) if n > 0) {
                                break Err(DbError::Closed);
                            }
                            if io.input.len() > self.shared.config.limits.input_bytes_max {
                                break Err(DbError::Closed);
                            }
                        }
                    }
                }
            }
            _ => submitted.await,
        };
        self.frame_for(&command, result)
    }

    pub(crate) fn frame_for(&self, command: &Command, result: Result<Reply, DbError>) -> Frame {
        self.shared.counters.note(command, result.as_ref());
        match result {
            Ok(reply) => reply_frame(command, &reply, self.proto),
            Err(e) => error_frame(&db_error_text(&e)),
        }
    }

    async fn keys(&mut self, pattern: &[u8]) -> Frame {
        match self.shared.db.submit(Command::Keys).await {
            Ok(Reply::Keys(keys)) => {
                let keys = keys
                    .into_iter()
                    .filter(|k| conquiet_resp::glob_match(pattern, k))
                    .collect();
                reply_frame(&Command::Keys, &Reply::Keys(keys), self.proto)
            }
            Ok(other) => reply_frame(&Command::Keys, &other, self.proto),
            Err(e) => error_frame(&db_error_text(&e)),
        }
    }

    /// EXEC: the queued engine commands run as one atomic, durable transaction; the others
    /// run here, in order, around it.
    pub(crate) async fn exec(&mut self, queued: Vec<Parsed>) -> Frame {
        let watched = std::mem::take(&mut self.watched);
        let commands: Vec<Command> = queued
            .iter()
            .filter_map(|p| match p {
                Parsed::Engine { command, .. } => Some(command.clone()),
                _ => None,
            })
            .collect();
        let outcome = if commands.is_empty() && watched.is_empty() {
            Ok(TxOutcome::Done(Vec::new()))
        } else {
            self.shared
                .db
                .submit_transaction(commands.clone(), watched)
                .await
        };
        let mut results = match outcome {
            Ok(TxOutcome::Aborted) => return Frame::NullArray,
            Ok(TxOutcome::Done(results)) => results.into_iter(),
            Err(e) => return error_frame(&db_error_text(&e)),
        };
        let mut frames = Vec::with_capacity(queued.len());
        let mut engine_commands = commands.iter();
        for parsed in queued {
            match parsed {
                Parsed::Engine { .. } => {
                    let command = engine_commands
                        .next()
                        .expect("one command per engine request");
                    let result = results.next();
                    if let Some(result) = &result {
                        self.shared
                            .counters
                            .note_in_transaction(command, result.as_ref());
                    }
                    let frame = match result {
                        Some(Ok(reply)) => reply_frame(command, &reply, self.proto),
                        Some(Err(e)) => error_frame(&e.to_string()),
                        None => error_frame("ERR transaction reply missing"),
                    };
                    frames.push(frame);
                }
                other => frames.push(self.run_local(other).await),
            }
        }
        Frame::Array(frames)
    }

    /// A queued non-engine request inside EXEC: run it and capture its reply.
    async fn run_local(&mut self, parsed: Parsed) -> Frame {
        match parsed {
            Parsed::Keys { pattern } => self.keys(&pattern).await,
            Parsed::Help(lines) => conquiet_resp::help_frame(&lines),
            // Boxed: EXEC reaches here and this reaches EXEC's handler (which never queues).
            Parsed::Connection(command) => Box::pin(self.connection_frame(command)).await.0,
            Parsed::Engine { .. } => error_frame("ERR engine command outside the transaction"),
        }
    }

    pub(crate) fn reply(&mut self, frame: &Frame) {
        encode(frame, self.proto, &mut self.out);
    }

    pub(crate) fn reply_error(&mut self, text: &str) {
        encode(&error_frame(text), self.proto, &mut self.out);
    }
}

/// Reads what the client sent next; returns early (with `Ok`) on shutdown, and fails when the
/// client leaves, is killed, or sends nothing for `idle_timeout`.
async fn read_input(io: &mut Io, idle_timeout: Option<Duration>) -> Result<(), String> {
    io.input.reserve(READ_CHUNK_BYTES);
    let idle = async {
        match idle_timeout {
            Some(timeout) => tokio::time::sleep(timeout).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        read = io.stream.read_buf(&mut io.input) => match read {
            Ok(0) => Err("client closed".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("read: {e}")),
        },
        _ = io.shutdown.changed() => Ok(()),
        _ = io.killed.changed() => Err("killed".into()),
        () = idle => Err("idle timeout".into()),
    }
}

/// Whether a request may be enqueued before the replies ahead of it are in: a write (so it
/// gains from sharing an fdatasync) whose reply is a few bytes. Reads and deliveries answer
/// with entries, so they run one at a time, where the output limit sees each reply.
fn pipelines(command: &Command) -> bool {
    command.is_write()
        && !matches!(
            command,
            Command::ReadGroup { .. }
                | Command::Claim(_)
                | Command::AutoClaim(_)
                | Command::Receive(_)
        )
}

/// The text of a store error as a client sees it.
pub(crate) fn db_error_text(error: &DbError) -> String {
    match error {
        // Every other variant's text already starts with its Redis error code.
        DbError::Start(_) | DbError::Recovery(_) => format!("ERR {error}"),
        _ => error.to_string(),
    }
}
