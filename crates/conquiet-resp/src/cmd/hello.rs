//! `HELLO [protover [AUTH username password] [SETNAME clientname]]`
//!
//! protover must be 2 or 3. The client name is checked here; Redis checks it only after
//! authenticating, so a request with both a bad password and a bad name gets the name error
//! from conquiet and the password error from Redis.

use super::client::check_client_name;
use super::conn;
use crate::args::{int_or, is_word};
use crate::conn::{ConnCommand, Credentials};
use crate::error::{ParseError, shown_all};
use crate::frame::Proto;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "hello",
    arity: -1,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let proto = match args.get(1) {
        None => None,
        Some(version) => match int_or(version, ParseError::ProtoNotInteger)? {
            2 => Some(Proto::Resp2),
            3 => Some(Proto::Resp3),
            _ => return Err(ParseError::NoProto),
        },
    };
    let (mut auth, mut name) = (None, None);
    let mut j = 2;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j];
        if is_word(opt, "auth") && more >= 2 {
            auth = Some(Credentials {
                user: Some(args[j + 1].clone()),
                password: args[j + 2].clone(),
            });
            j += 2;
        } else if is_word(opt, "setname") && more > 0 {
            check_client_name(&args[j + 1])?;
            name = Some(args[j + 1].clone());
            j += 1;
        } else {
            return Err(ParseError::HelloOption(shown_all(opt)));
        }
        j += 1;
    }
    conn(ConnCommand::Hello { proto, auth, name })
}
