//! Every bound the client keeps, in one place. The server enforces its own limits (counts,
//! leases, delays) and answers with an error; these bound only what this process holds, waits for
//! or sends.

const MIB: usize = 1024 * 1024;

/// How long a request that the server should answer at once may take before we give up. Long
/// enough for a server stalled by a slow fsync, short enough that a script notices a hung one.
pub const REQUEST_TIMEOUT_MS: u64 = 30_000;

/// Largest reply body read. A receive of many large messages is the biggest reply; past this the
/// output would be unreadable anyway and the memory is better refused than spent.
pub const REPLY_BYTES_MAX: u64 = 64 * MIB as u64;

/// Longest line `publish --stdin` accepts: a line is one message value, and the server refuses a
/// request body over 16 MiB, so past this reading further only spends memory on a message the
/// server is unlikely to take.
pub const STDIN_LINE_BYTES_MAX: usize = 8 * MIB;

/// Messages per batch request of `publish --stdin`: keeps each request and its reply small while
/// still saving the per-request round trip. The server takes at most 1000.
pub const PUBLISH_BATCH_MESSAGES_MAX: usize = 500;

/// JSON-encoded message bytes per batch request of `publish --stdin`, well under the server's
/// 16 MiB body limit. A single longer message goes alone in its batch.
pub const PUBLISH_BATCH_BYTES_MAX: usize = 4 * MIB;

/// How long `consume --follow` waits in one receive unless told otherwise: a long poll, so an
/// idle queue costs one request per this many ms. The server's longest wait is 20000 ms.
pub const FOLLOW_WAIT_MS_DEFAULT: u64 = 20_000;

/// Pause after a receive that came back empty sooner than this, so `--follow --wait-ms 0` (or a
/// group at its pending limit) polls a few times a second instead of spinning.
pub const FOLLOW_IDLE_PAUSE_MS: u64 = 250;

/// Characters of a non-JSON error body shown to the user: enough to recognise a proxy's or
/// another server's page, not a screenful of HTML.
pub const ERROR_BODY_CHARS_MAX: usize = 200;
