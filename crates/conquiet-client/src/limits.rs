//! The client's limits and defaults, in one place. Each says why it has the value it has.

use std::time::Duration;

/// Largest reply the client reads before it gives the connection up. The server's own reads
/// are capped at a million entries, and a page of large dead letters can reach tens of MiB;
/// past this a reply is a bug or a hostile peer, and buffering it would pin the memory.
pub const REPLY_BYTES_MAX: usize = 256 * 1024 * 1024;

/// Bytes read from the socket at a time: large enough that a batch of deliveries usually
/// arrives in one read.
pub const READ_CHUNK_BYTES: usize = 64 * 1024;

/// Handles the server takes in one settle command (the engine's `HANDLES_PER_COMMAND_MAX`);
/// larger batches are split, and each part has its own outcomes.
pub const HANDLES_PER_COMMAND_MAX: usize = 10_000;

/// Messages one receive may ask for (the engine's `RECEIVE_COUNT_MAX`).
pub const RECEIVE_COUNT_MAX: u32 = 10_000;

/// Acks the worker's settler sends in one `CQ.ACK`.
pub const SETTLE_BATCH_MAX: usize = 1024;

/// Default most connections of the ordinary pool: enough for a few dozen concurrent callers
/// that each hold a connection for one round trip.
pub const POOL_SIZE_DEFAULT: usize = 16;

/// Default most connections held by blocking receives, kept apart from the ordinary pool so
/// waiting receivers never starve acks and publishes (and the other way round).
pub const BLOCKING_POOL_SIZE_DEFAULT: usize = 8;

/// Default most connections held by requests waiting for replies: one connection per
/// waiting request, since the server answers a connection's commands in order.
pub const REQUEST_POOL_SIZE_DEFAULT: usize = 32;

/// Default wait for a pool slot before `Error::PoolTimeout`: callers must never wait forever.
pub const ACQUIRE_TIMEOUT_DEFAULT: Duration = Duration::from_secs(5);

/// Default time to open a connection (TCP and handshake).
pub const CONNECT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(5);

/// Default time a command may take beyond any wait it asked the server for.
pub const COMMAND_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);
