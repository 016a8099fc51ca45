//! Every bound the harness keeps, in one place. Each is checked when the arguments are parsed,
//! before anything is allocated from them.

use std::time::Duration;

/// Most messages one phase may publish. The id ledger keeps one bit per message and the
/// latency record one `u64` per publish, so this bounds them to about 80 MB.
pub const MESSAGES_MAX: u64 = 10_000_000;
/// A payload starts with its id as `ID_DIGITS` decimal digits, so it cannot be shorter.
pub const PAYLOAD_BYTES_MIN: usize = crate::payload::ID_DIGITS;
/// Largest payload. Every system here takes 1 MiB; larger messages measure the network
/// stack more than the broker.
pub const PAYLOAD_BYTES_MAX: usize = 1024 * 1024;
/// Most producers or consumers. Each holds its own connection, and RabbitMQ and PostgreSQL
/// refuse clients well before a few thousand.
pub const CLIENTS_MAX: usize = 1024;
/// Most publishes one producer keeps in flight. Each is a task, and for HTTP a connection.
pub const WINDOW_MAX: usize = 1024;
/// Most messages one consumer asks for at a time. conquiet's receive takes up to 10 000 and
/// RabbitMQ's prefetch count is a u16; 10 000 fits both.
pub const RECEIVE_BATCH_MAX: usize = 10_000;
/// How long one receive waits for a first message before it returns empty, so that a
/// consumer notices in time that the phase is over.
pub const RECEIVE_WAIT: Duration = Duration::from_millis(100);
/// How long a PostgreSQL consumer sleeps after finding the table empty: it has no blocking
/// receive, and LISTEN/NOTIFY would add a trigger the workload does not need.
pub const POSTGRES_POLL: Duration = Duration::from_millis(5);
/// How long a spawned server may take to accept connections.
pub const SPAWN_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a spawned server may take to stop after SIGTERM before it is killed.
pub const SPAWN_STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long connecting to a service may take before it counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest HTTP response body read, in bytes: a receive of `RECEIVE_BATCH_MAX` messages of
/// the largest payload would be more, and is refused by the argument check instead.
pub const HTTP_RESPONSE_BYTES_MAX: usize = 64 * 1024 * 1024;

const _: () = assert!(RECEIVE_BATCH_MAX <= u16::MAX as usize);
