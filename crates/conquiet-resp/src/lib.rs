//! conquiet's RESP adapter: bytes to typed requests and typed replies to bytes, exactly as
//! Redis 7.0 frames, parses and answers its stream commands. Pure functions and types: no
//! sockets, no clock, no engine calls, so every behaviour has a golden test.
//!
//! - [`Decoder`] splits a connection's bytes into requests (argument lists), multibulk or
//!   inline, enforcing the limits in [`limits`]; a [`ProtocolError`] closes the connection.
//! - [`parse`] turns arguments into a [`Parsed`] request: an engine [`Command`] (with XREAD's
//!   BLOCK), a help text, or a [`ConnCommand`] the server handles; a [`ParseError`] is an
//!   error reply.
//! - [`reply_frame`] shapes an engine [`Reply`] as a [`Frame`] (the work-queue replies of
//!   conquiet's own `CQ.*` commands as maps, see `queue_reply`, `lock_reply`, `room_reply` and `request_reply`); [`error_frame`] shapes any
//!   error; [`encode`] writes a frame for the connection's [`Proto`] (RESP2 or RESP3).
//! - [`decode_frame`] reads frames back (tests, fuzzing, clients).
//!
//! The crate owns framing and argument syntax only. Whether a key or group exists, and every
//! rule about streams, belongs to the engine; connection state (AUTH, MULTI, HELLO's
//! protocol switch) belongs to the server.
//!
//! One request, end to end (the server runs this loop per connection):
//!
//! ```
//! use conquiet_core::{Decision, Engine, EngineConfig};
//! use conquiet_resp::{Decoder, Parsed, Proto, encode, error_frame, parse, reply_frame};
//!
//! let mut engine = Engine::new(EngineConfig::default());
//! let mut decoder = Decoder::new();
//! let (args, used) = decoder.decode(b"XADD s 1-1 f v\r\n").unwrap().unwrap();
//! assert_eq!(used, 16);
//! let frame = match parse(&args) {
//!     Ok(Parsed::Engine { command, .. }) => match engine.decide(0, &command) {
//!         Ok(Decision::Write(op)) => reply_frame(&command, &engine.apply(0, &op), Proto::Resp2),
//!         Ok(Decision::Read(reply)) => reply_frame(&command, &reply, Proto::Resp2),
//!         Err(error) => error_frame(&error.to_string()),
//!     },
//!     Ok(_) => unreachable!("XADD is an engine command"),
//!     Err(error) => error_frame(&error.to_string()),
//! };
//! let mut out = Vec::new();
//! encode(&frame, Proto::Resp2, &mut out);
//! assert_eq!(out, b"$3\r\n1-1\r\n");
//! ```
//!
//! [`Command`]: conquiet_core::Command
//! [`Reply`]: conquiet_core::Reply

mod args;
mod cmd;
pub mod conn;
mod decode;
pub mod encode;
pub mod error;
pub mod frame;
mod frame_decode;
mod glob;
mod inline;
pub mod limits;
mod lock_reply;
mod parse;
mod queue_reply;
pub mod reply;
mod request_reply;
mod room_reply;
mod send_reply;

pub use cmd::{CQ_DLQ_HELP, XGROUP_HELP, XINFO_HELP, check_client_name};
pub use conn::ConnCommand;
pub use decode::Decoder;
pub use encode::{encode, to_bytes};
pub use error::{ParseError, ProtocolError};
pub use frame::{Frame, Proto};
pub use frame_decode::decode_frame;
pub use glob::glob_match;
pub use parse::{Parsed, parse};
pub use reply::{error_frame, help_frame, reply_frame};
