//! conquiet-resp's integration tests, one binary:
//!
//! - `golden`: raw request bytes in, exact reply bytes out, RESP2 and RESP3, through the
//!   decoder, the parser, the real engine and the encoder. Most expected bytes were captured
//!   from Redis 7.0.15 (`golden/*.rs`); `differential` re-checks those against a live Redis.
//! - `decoder`: split points, pipelines, limits and malformed input.
//! - `parsed`: the typed requests the server receives (BLOCK, defaults, connection commands).
//! - `differences`: the few places conquiet knowingly answers differently from Redis.
//! - `props`: arbitrary bytes never panic; frames round-trip through encode and decode.
//! - `queue_parsed`, `queue_flow_parsed`, `queue_replies`: conquiet's own `CQ.*` work-queue
//!   commands, parsed (typed commands and error texts), and their replies as exact bytes.

#[path = "resp/decoder.rs"]
mod decoder;
#[path = "resp/differences.rs"]
mod differences;
#[path = "resp/differential.rs"]
mod differential;
#[path = "resp/golden.rs"]
mod golden;
#[path = "resp/golden_timed.rs"]
mod golden_timed;
#[path = "resp/locks.rs"]
mod locks;
#[path = "resp/parsed.rs"]
mod parsed;
#[path = "resp/props.rs"]
mod props;
#[path = "resp/queue_flow_parsed.rs"]
mod queue_flow_parsed;
#[path = "resp/queue_parsed.rs"]
mod queue_parsed;
#[path = "resp/queue_replies.rs"]
mod queue_replies;
#[path = "resp/requests.rs"]
mod requests;
#[path = "resp/rooms.rs"]
mod rooms;
#[path = "resp/sends.rs"]
mod sends;
#[path = "resp/support.rs"]
mod support;
