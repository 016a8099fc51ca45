//! `CLIENT SETNAME name` / `CLIENT GETNAME` / `CLIENT ID` / `CLIENT INFO`
//! `CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id [id ...]]`
//! `CLIENT KILL addr:port`
//! `CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR addr] [LADDR laddr] [SKIPME yes|no] ...`
//! `CLIENT SETINFO LIB-NAME|LIB-VER value` (Redis 7.2; clients send it on connect)
//!
//! Other CLIENT subcommands are unknown to conquiet.

use super::conn;
use crate::args::{c_str, int_or, is_word, non_negative};
use crate::conn::KillFilter;
use crate::conn::{ClientAttr, ClientCommand, ClientKill, ClientList, ClientType, ConnCommand};
use crate::error::{ParseError, shown_all};
use crate::parse::{Parsed, Spec, subcommand};

pub(crate) const SPEC: Spec = Spec {
    name: "client",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "client|setname",
        arity: 3,
        parse: set_name,
    },
    Spec {
        name: "client|getname",
        arity: 2,
        parse: |_| client(ClientCommand::GetName),
    },
    Spec {
        name: "client|id",
        arity: 2,
        parse: |_| client(ClientCommand::Id),
    },
    Spec {
        name: "client|info",
        arity: 2,
        parse: |_| client(ClientCommand::Info),
    },
    Spec {
        name: "client|list",
        arity: -2,
        parse: list,
    },
    Spec {
        name: "client|kill",
        arity: -3,
        parse: kill,
    },
    Spec {
        name: "client|setinfo",
        arity: 4,
        parse: set_info,
    },
];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "CLIENT", SUBCOMMANDS)
}

fn client(command: ClientCommand) -> Result<Parsed, ParseError> {
    conn(ConnCommand::Client(command))
}

/// Client names and SETINFO values must be printable ASCII without spaces, so CLIENT LIST
/// stays splittable on spaces. Read as a C string, as Redis does.
fn is_printable(value: &[u8]) -> bool {
    c_str(value).iter().all(|b| (b'!'..=b'~').contains(b))
}

/// Refuses a client name Redis would refuse (CLIENT SETNAME, HELLO SETNAME). Empty is fine:
/// it clears the name.
pub fn check_client_name(name: &[u8]) -> Result<(), ParseError> {
    if is_printable(name) {
        Ok(())
    } else {
        Err(ParseError::ClientName)
    }
}

fn set_name(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    check_client_name(&args[2])?;
    client(ClientCommand::SetName(args[2].clone()))
}

fn client_type(name: &[u8]) -> Result<ClientType, ParseError> {
    let text = c_str(name);
    [
        ("normal", ClientType::Normal),
        ("slave", ClientType::Replica),
        ("replica", ClientType::Replica),
        ("pubsub", ClientType::PubSub),
        ("master", ClientType::Master),
    ]
    .into_iter()
    .find(|(word, _)| text.eq_ignore_ascii_case(word.as_bytes()))
    .map(|(_, kind)| kind)
    .ok_or_else(|| ParseError::ClientType(shown_all(name)))
}

fn list(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let filter = match args {
        [_, _] => ClientList::All,
        [_, _, opt, kind] if is_word(opt, "type") => ClientList::Type(client_type(kind)?),
        [_, _, opt, ids @ ..] if is_word(opt, "id") && !ids.is_empty() => ClientList::Ids(
            ids.iter()
                .map(|id| int_or(id, ParseError::ClientId))
                .collect::<Result<_, _>>()?,
        ),
        _ => return Err(ParseError::Syntax),
    };
    client(ClientCommand::List(filter))
}

fn kill(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if let [_, _, addr] = args {
        return client(ClientCommand::Kill(ClientKill::Addr(addr.clone())));
    }
    let mut filter = KillFilter {
        id: None,
        kind: None,
        user: None,
        addr: None,
        laddr: None,
        skip_me: true,
    };
    let mut i = 2;
    while i < args.len() {
        let (opt, value) = (&args[i], args.get(i + 1));
        match value {
            Some(id) if is_word(opt, "id") => {
                let id = int_or(id, ParseError::ClientKillId)?;
                if id < 1 {
                    return Err(ParseError::ClientKillId);
                }
                filter.id = Some(non_negative(id));
            }
            Some(kind) if is_word(opt, "type") => filter.kind = Some(client_type(kind)?),
            Some(addr) if is_word(opt, "addr") => filter.addr = Some(addr.clone()),
            Some(laddr) if is_word(opt, "laddr") => filter.laddr = Some(laddr.clone()),
            Some(user) if is_word(opt, "user") => filter.user = Some(user.clone()),
            Some(yes) if is_word(opt, "skipme") && is_word(yes, "yes") => filter.skip_me = true,
            Some(no) if is_word(opt, "skipme") && is_word(no, "no") => filter.skip_me = false,
            _ => return Err(ParseError::Syntax),
        }
        i += 2;
    }
    client(ClientCommand::Kill(ClientKill::Filter(filter)))
}

fn set_info(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let attr = if is_word(&args[2], "lib-name") {
        ClientAttr::LibName
    } else if is_word(&args[2], "lib-ver") {
        ClientAttr::LibVer
    } else {
        return Err(ParseError::SetInfoOption(shown_all(&args[2])));
    };
    if !is_printable(&args[3]) {
        return Err(ParseError::SetInfoValue(shown_all(&args[2])));
    }
    client(ClientCommand::SetInfo {
        attr,
        value: args[3].clone(),
    })
}
