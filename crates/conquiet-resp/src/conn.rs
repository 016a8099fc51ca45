//! Commands the server answers itself, without the engine: connection state, transactions,
//! keyspace housekeeping and introspection. This crate only parses them (with Redis's
//! argument errors); it decides nothing about them.

use crate::frame::Proto;

/// A parsed connection-level command. Names follow Redis's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnCommand {
    Ping {
        message: Option<Vec<u8>>,
    },
    Echo {
        message: Vec<u8>,
    },
    /// HELLO [protover [AUTH user pass] [SETNAME name]]; `name` has passed
    /// `check_client_name`.
    Hello {
        proto: Option<Proto>,
        auth: Option<Credentials>,
        name: Option<Vec<u8>>,
    },
    Auth(Credentials),
    /// SELECT index: any i32; whether the database exists is the server's call.
    Select {
        db: i32,
    },
    Quit,
    Reset,
    Client(ClientCommand),
    Multi,
    Exec,
    Discard,
    Watch {
        keys: Vec<Vec<u8>>,
    },
    Unwatch,
    Type {
        key: Vec<u8>,
    },
    Rename {
        key: Vec<u8>,
        new_key: Vec<u8>,
    },
    Scan(Scan),
    DbSize,
    FlushDb(FlushMode),
    FlushAll(FlushMode),
    FunctionFlush(FlushMode),
    ConfigGet {
        patterns: Vec<Vec<u8>>,
    },
    ConfigSet {
        pairs: Vec<(Vec<u8>, Vec<u8>)>,
    },
    Command(CommandQuery),
    Info {
        sections: Vec<Vec<u8>>,
    },
    Time,
}

/// AUTH's and HELLO's credentials; `user` is `None` for the one-argument AUTH (the default
/// user).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: Option<Vec<u8>>,
    pub password: Vec<u8>,
}

impl std::fmt::Debug for Credentials {
    /// Passwords never reach logs, as Redis redacts them from its own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user.as_deref().map(String::from_utf8_lossy))
            .field("password", &"(redacted)")
            .finish()
    }
}

/// CLIENT subcommands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCommand {
    /// An empty name clears it.
    SetName(Vec<u8>),
    GetName,
    Id,
    Info,
    List(ClientList),
    Kill(ClientKill),
    /// CLIENT SETINFO (Redis 7.2; clients send it on connect and tolerate an error).
    SetInfo {
        attr: ClientAttr,
        value: Vec<u8>,
    },
}

/// Which clients CLIENT LIST shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientList {
    All,
    Type(ClientType),
    /// Ids as given; ones that match no client (0, negatives) are simply not shown.
    Ids(Vec<i64>),
}

/// Redis's client types; `slave` is read as `Replica`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

/// CLIENT KILL's two forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientKill {
    /// The old form: CLIENT KILL addr:port; replies OK or "No such client".
    Addr(Vec<u8>),
    /// The filter form; replies with the number of clients killed.
    Filter(KillFilter),
}

/// CLIENT KILL filters; every given one must match. USER is not checked against the ACL here
/// (the server answers "No such user").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KillFilter {
    pub id: Option<u64>,
    pub kind: Option<ClientType>,
    pub user: Option<Vec<u8>>,
    pub addr: Option<Vec<u8>>,
    pub laddr: Option<Vec<u8>>,
    /// SKIPME, yes by default: the calling client survives its own KILL.
    pub skip_me: bool,
}

/// CLIENT SETINFO attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAttr {
    LibName,
    LibVer,
}

/// FLUSHDB / FLUSHALL / FUNCTION FLUSH mode; `Default` leaves it to the server's
/// `lazyfree-lazy-user-flush`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushMode {
    Default,
    Sync,
    Async,
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]; the last of a repeated option wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    pub cursor: u64,
    /// As given; `*` matches everything (Redis then skips matching).
    pub pattern: Option<Vec<u8>>,
    /// At least 1.
    pub count: Option<u64>,
    /// A type name as given; an unknown one matches nothing, as in Redis 7.0.
    pub kind: Option<Vec<u8>>,
}

/// COMMAND and the subcommands conquiet answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandQuery {
    All,
    Count,
    /// Empty: every command.
    Info {
        names: Vec<Vec<u8>>,
    },
    /// Empty: every command.
    Docs {
        names: Vec<Vec<u8>>,
    },
}
