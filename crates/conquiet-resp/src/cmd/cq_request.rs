//! `CQ.REQUEST service TIMEOUT ms field value [field value ...]`
//!
//! Publishes a request to the queue `service` and waits up to `ms` (1 ms to 24 h) for its
//! reply. The entry's fields are `cq-correlation` (its own id, which CQ.REPLY names),
//! `cq-reply-by-ms` (when the caller stops waiting), then the given pairs. Answers
//! `{correlation, status, fields}` with the handler's reply, or after `ms` the error
//! `TIMEOUT request <id> to '<service>' got no reply within <ms> ms`.

use conquiet_core::Command;
use conquiet_core::limits::REQUEST_TIMEOUT_MS_MAX;
use conquiet_core::request::Request;

use super::cq_args::{keyword, number};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.request",
    arity: -6,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if keyword(&args[2]) != b"timeout" {
        return Err(ParseError::Required {
            command: "CQ.REQUEST",
            option: "TIMEOUT ms",
        });
    }
    let timeout_ms = number(&args[3], "TIMEOUT")?;
    if timeout_ms > REQUEST_TIMEOUT_MS_MAX {
        return Err(ParseError::TooLarge {
            option: "TIMEOUT",
            value: timeout_ms,
            limit: REQUEST_TIMEOUT_MS_MAX,
        });
    }
    let pairs = &args[4..];
    if pairs.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command: "cq.request",
            pairs: "field value",
        });
    }
    let fields = pairs
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    Ok(Parsed::Engine {
        command: Command::Request(Request {
            service: args[1].clone(),
            timeout_ms,
            fields,
        }),
        // The server waits (watching the socket, so a caller that leaves drops its wait); the
        // store answers at the timeout itself.
        block: Some(timeout_ms),
    })
}
