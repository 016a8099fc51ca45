//! `AUTH [username] password`
//!
//! Whether the password is right, or a password is configured at all, is the server's answer.

use super::conn;
use crate::conn::{ConnCommand, Credentials};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "auth",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let credentials = match args {
        [_, password] => Credentials {
            user: None,
            password: password.clone(),
        },
        [_, user, password] => Credentials {
            user: Some(user.clone()),
            password: password.clone(),
        },
        _ => return Err(ParseError::Syntax),
    };
    conn(ConnCommand::Auth(credentials))
}
