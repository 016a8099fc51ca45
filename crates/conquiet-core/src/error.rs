//! Errors a command can return. Client errors: the command did nothing and the connection
//! stays. The texts are Redis 7.0's where Redis has the same error, because clients match on
//! them; the RESP adapter writes them verbatim after the `-`.

/// Why a command was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("ERR The ID specified in XADD is equal or smaller than the target stream top item")]
    IdTooSmall,
    #[error("ERR The ID specified in XADD must be greater than 0-0")]
    IdZero,
    #[error("ERR The stream has exhausted the last possible ID, unable to add more items")]
    IdExhausted,
    /// `<ms>-*` when the stream's last id is `<ms>-18446744073709551615`: Redis 7.0 answers
    /// with its generic append failure text here, not with `IdTooSmall`.
    #[error("ERR Elements are too large to be stored")]
    SeqExhausted,
    #[error("ERR The ID specified in XSETID is smaller than the target stream top item")]
    SetIdTooSmall,
    #[error("ERR The entries_added specified in XSETID is smaller than the target stream length")]
    SetIdEntriesAdded,
    #[error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")]
    SetIdMaxDeleted,
    #[error("ERR no such key")]
    NoSuchKey,
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    #[error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want \
         to use the MKSTREAM option to create an empty stream automatically."
    )]
    GroupNeedsKey,
    #[error("BUSYGROUP Consumer Group name already exists")]
    BusyGroup,
    #[error("NOGROUP No such consumer group '{group}' for key name '{key}'")]
    NoConsumerGroup { key: String, group: String },
    #[error("NOGROUP No such key '{key}' or consumer group '{group}'")]
    NoGroupForKey { key: String, group: String },
    #[error(
        "NOGROUP No such key '{key}' or consumer group '{group}' in XREADGROUP with GROUP option"
    )]
    NoGroupRead { key: String, group: String },
    #[error("ERR Invalid stream ID specified as stream command argument")]
    InvalidId,
    #[error("ERR value is out of range, must be positive")]
    EntriesReadRange,
    /// XAUTOCLAIM COUNT 0 (Redis refuses it with this text).
    #[error("ERR COUNT must be > 0")]
    CountNotPositive,
    /// A publish found the stream at its limit under the `reject` overflow rule.
    #[error("FULL stream '{key}' is full: {what} would be {value}, limit is {limit}")]
    QueueFull {
        key: String,
        what: &'static str,
        value: u64,
        limit: u64,
    },
    /// A policy value that cannot work (a factor below 1, a jitter above 100, ...).
    #[error("ERR invalid policy: {0}")]
    InvalidPolicy(String),
    /// A queue command's argument out of its range (COUNT 0, a lease past the limit, ...).
    #[error("ERR {0}")]
    InvalidArgument(String),
    /// Receives, settles and redrives may write to streams the command does not name (dead
    /// letters, redrive targets), which a transaction's undo cannot cover.
    #[error(
        "ERR this command may change a stream it does not name (a dead-letter or redrive \
         target), so it cannot run inside MULTI"
    )]
    NotInTransaction,
    /// UNLOCK or RENEW with a token or owner that is not the lock's latest grant (or, for
    /// RENEW, a grant that already ended): the caller no longer holds the lock.
    #[error("STALE lock '{name}' token {token} {why}")]
    LockStale {
        name: String,
        token: u64,
        why: String,
    },
    /// CQ.LOCK by the owner that holds the lock now: it must renew or release, not acquire.
    #[error(
        "BUSYLOCK lock '{name}' is already held by this owner with token {token}; renew or \
         release it"
    )]
    LockHeld { name: String, token: u64 },
    /// A lock write inside MULTI: transactions undo streams only, so locks run on their own.
    #[error("ERR lock commands cannot run inside MULTI")]
    LockInTransaction,
    /// CQ.ROOM.CREATE of a room that exists (ended rooms included).
    #[error("BUSYROOM room '{name}' already exists")]
    RoomExists { name: String },
    #[error("NOROOM no such room '{name}'")]
    NoRoom { name: String },
    /// SPEAK or PASS by a participant whose turn it is not (turns that timed out by now
    /// already passed).
    #[error("NOTYOURTURN room '{name}': it is '{speaker}'s turn (turn {turn})")]
    NotYourTurn {
        name: String,
        speaker: String,
        turn: u64,
    },
    #[error("NOTPARTICIPANT room '{name}' has no participant '{participant}'")]
    NotParticipant { name: String, participant: String },
    /// START, SPEAK, PASS or END in a room whose state does not allow it.
    #[error("ROOMSTATE room '{name}' {why}")]
    RoomState { name: String, why: &'static str },
    /// A room write inside MULTI: transactions undo streams only, so rooms run on their own.
    #[error("ERR room commands cannot run inside MULTI")]
    RoomInTransaction,
    /// A CQ.REQUEST whose caller got no reply within its timeout (the request entry stays in
    /// the service queue; a reply after this is dropped and counted).
    #[error("TIMEOUT request {id} to '{service}' got no reply within {timeout_ms} ms")]
    RequestTimeout {
        id: String,
        service: String,
        timeout_ms: u64,
    },
    /// A request or reply inside MULTI: a request waits, which a transaction cannot.
    #[error("ERR request commands cannot run inside MULTI")]
    RequestInTransaction,
    /// CQ.SEND to a recipient queue that does not exist (recipients are not created).
    #[error("NOQUEUE no such queue '{key}' to send to")]
    NoRecipient { key: String },
    /// CQ.CONV.CREATE of a conversation that exists.
    #[error("BUSYCONV conversation '{name}' already exists")]
    ConvExists { name: String },
    #[error("NOCONV no such conversation '{name}'")]
    NoConv { name: String },
    /// CQ.CONV.POST by a name that is not one of the conversation's participants.
    #[error("NOTPARTICIPANT conversation '{name}' has no participant '{participant}'")]
    ConvNotParticipant { name: String, participant: String },
    /// CQ.CONV.POST with EXPECT, when the latest message is not the one expected: someone
    /// posted since the poster last read, and appending would fork the history.
    #[error("CONFLICT conversation '{name}' has moved on: last is {last}, not {expected}")]
    ConvConflict {
        name: String,
        last: String,
        expected: String,
    },
    /// A conversation write inside MULTI: transactions undo streams only.
    #[error("ERR conversation commands cannot run inside MULTI")]
    ConvInTransaction,
    /// A conquiet limit was reached; the text names the value and the limit.
    #[error("ERR {what} is {value}, limit is {limit}")]
    Limit {
        what: &'static str,
        value: u64,
        limit: u64,
    },
}

impl CommandError {
    pub(crate) fn limit(what: &'static str, value: usize, limit: usize) -> CommandError {
        CommandError::Limit {
            what,
            value: value as u64,
            limit: limit as u64,
        }
    }
}

/// Names in error texts are shown lossily: they are for people, not for parsing.
pub(crate) fn show(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}
