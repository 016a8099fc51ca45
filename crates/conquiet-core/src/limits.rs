//! Every limit of the engine, in one place. Each is checked before allocating or doing
//! arithmetic on a number a client or the disk supplied.

/// One mebibyte, for readable sizes below.
pub const MIB: usize = 1024 * 1024;

/// Largest key (stream name), group or consumer name. Redis allows 512 MiB names; a name that
/// long is a client bug, and short names keep the snapshot and log records small.
pub const NAME_BYTES_MAX: usize = 1024;

/// Largest single field or value. Bounded by what one RESP bulk may carry.
pub const FIELD_BYTES_MAX: usize = 8 * MIB;

/// Largest entry, all fields and values together. A log record holds one command's changes, so
/// it must fit well inside the WAL's record limit (16 MiB by default).
pub const ENTRY_BYTES_MAX: usize = 8 * MIB;

/// Most field/value pairs in one entry.
pub const ENTRY_FIELDS_MAX: usize = 65_536;

/// Most streams (keys) held at once.
pub const STREAMS_MAX: usize = 1_000_000;

/// Most consumer groups on one stream.
pub const GROUPS_PER_STREAM_MAX: usize = 1_024;

/// Most consumers in one group.
pub const CONSUMERS_PER_GROUP_MAX: usize = 65_536;

/// Most pending (delivered, unacknowledged) entries in one group. Reads that would exceed it
/// deliver fewer entries, and claims stop, instead of growing memory without bound.
pub const PENDING_PER_GROUP_MAX: usize = 10_000_000;

/// Most ids one command may name (XDEL, XACK, XCLAIM).
pub const IDS_PER_COMMAND_MAX: usize = 100_000;

/// Largest COUNT honoured by a read. A larger COUNT is clamped, never used to size a buffer.
pub const READ_COUNT_MAX: usize = 1_000_000;

/// Most streams one XREAD / XREADGROUP may name.
pub const READ_STREAMS_MAX: usize = 1_024;

/// Largest XAUTOCLAIM COUNT. Redis refuses more than `LONG_MAX / (attempts factor)`; its own
/// heap overflow came from multiplying an unchecked COUNT.
pub const AUTOCLAIM_COUNT_MAX: u64 = 1 << 20;

/// How many PEL entries XAUTOCLAIM may scan per requested entry, as Redis does (attempts =
/// count * 10).
pub const AUTOCLAIM_SCAN_FACTOR: u64 = 10;

/// Redis's default `stream-node-max-entries`.
pub const NODE_ENTRIES_DEFAULT: u64 = 100;

/// Redis's default `stream-node-max-bytes`.
pub const NODE_BYTES_DEFAULT: u64 = 4096;

/// Redis caps a listpack at 1 GiB; the node byte limit never exceeds it.
pub const NODE_BYTES_CEILING: u64 = 1 << 30;

const _: () = assert!(ENTRY_BYTES_MAX <= 16 * MIB);
const _: () = assert!(FIELD_BYTES_MAX <= ENTRY_BYTES_MAX);

/// Most messages one CQ.RECEIVE hands out: one reply stays small enough to process in a lease.
pub const RECEIVE_COUNT_MAX: u64 = 10_000;

/// Longest lease (SQS's visibility-timeout ceiling): a holder must touch to keep it longer.
pub const LEASE_MS_MAX: u64 = 12 * 60 * 60 * 1000;

/// Longest publish delay or nack delay: 30 days, so a mistyped unit is refused, not parked.
pub const DELAY_MS_MAX: u64 = 30 * 24 * 60 * 60 * 1000;

/// Longest deduplication window: keys are held in memory for this long.
pub const DEDUP_WINDOW_MS_MAX: u64 = 7 * 24 * 60 * 60 * 1000;

/// Most idempotency keys one stream remembers at once; past it a keyed publish is refused.
pub const DEDUP_KEYS_MAX: usize = 1_000_000;

/// Most steps in an explicit backoff list.
pub const BACKOFF_STEPS_MAX: usize = 64;

/// Longest nack or term reason kept for the dead letter.
pub const REASON_BYTES_MAX: usize = 4096;

/// Most handles settled by one command.
pub const HANDLES_PER_COMMAND_MAX: usize = 10_000;

/// Most dead letters one CQ.STATUS reads looking for an entry's: a status is a read, and it
/// must stay cheap however long the dead-letter stream grows.
pub const STATUS_DEAD_LETTER_SCAN_MAX: usize = 10_000;

/// Most locks remembered at once (held, or ended and not yet forgotten): a lock is a name and
/// an owner in memory and in every snapshot.
pub const LOCKS_MAX: usize = 1_000_000;

/// Longest lock TTL: a holder that needs longer renews, so a crashed holder frees its lock
/// within a day at worst.
pub const LOCK_TTL_MS_MAX: u64 = 24 * 60 * 60 * 1000;

/// Longest CQ.LOCK WAIT: as long as the longest TTL, so a waiter outlasts any one grant.
pub const LOCK_WAIT_MS_MAX: u64 = LOCK_TTL_MS_MAX;

/// Most ended grants one acquire forgets: bounded work per op, enough to keep up with expiry.
pub const LOCK_EXPIRED_FORGET_MAX: usize = 64;

/// Most locks bound to one connection: its release at close is one log record, which must stay
/// small (names are at most `NAME_BYTES_MAX`, so at most 1 MiB of names).
pub const LOCKS_PER_CONNECTION_MAX: usize = 1_024;

/// Most locks one release op frees (a connection's, or a slice of all bound ones at start).
pub const LOCK_RELEASES_PER_OP_MAX: usize = LOCKS_PER_CONNECTION_MAX;

/// Longest a request waits for its reply: as long as the longest lock TTL, a day.
pub const REQUEST_TIMEOUT_MS_MAX: u64 = 24 * 60 * 60 * 1000;

/// Most requests waiting for a reply at once (the writer's count): each holds a caller's
/// reply channel and a place in the waiter list, which is bounded by `WAITERS_MAX` too.
pub const REQUESTS_PENDING_MAX: usize = 10_000;

/// Most participants of one room: the turn order is a list scanned by every speak, and the
/// room is in every snapshot.
pub const ROOM_PARTICIPANTS_MAX: usize = 64;

/// Most rooms at once (ended ones included): each holds up to 64 names in memory and in
/// every snapshot.
pub const ROOMS_MAX: usize = 10_000;

/// Longest room name: its events stream's key (`room:<name>:events`, 12 bytes more) must fit
/// the key length limit.
pub const ROOM_NAME_BYTES_MAX: usize = NAME_BYTES_MAX - 12;

/// Longest turn timeout: as long as the longest lock TTL, a day.
pub const ROOM_TURN_TIMEOUT_MS_MAX: u64 = 24 * 60 * 60 * 1000;

/// Largest text one speak adds: the entry, with the participant's name, must stay well under
/// `ENTRY_BYTES_MAX`, and a room is a conversation, not a file transfer.
pub const ROOM_TEXT_BYTES_MAX: usize = MIB;
const _: () = assert!(ROOM_TEXT_BYTES_MAX + 2 * NAME_BYTES_MAX < ENTRY_BYTES_MAX);

/// Most turn timeouts one op lists one by one (a timed-out and a turn-changed event each);
/// more (after a long stop) are logged as one `timed-out` event with their count, so an op
/// stays small however long the room went unattended.
pub const ROOM_TIMEOUTS_PER_OP_MAX: u64 = 64;

/// Most events one room op holds: the listed timeouts, then a command's own (at most 2).
pub const ROOM_EVENTS_PER_OP_MAX: usize = 2 * ROOM_TIMEOUTS_PER_OP_MAX as usize + 2;

/// Most recipients of one CQ.SEND: each gets its own copy of the entry, and the send's one
/// record lists every recipient's key (at most 256 KiB of names).
pub const SEND_RECIPIENTS_MAX: usize = 256;

/// Most bytes one CQ.SEND stores in all: the entry's bytes times the recipient count, so a
/// large entry cannot be multiplied into gigabytes of memory by one command.
pub const SEND_COPIES_BYTES_MAX: usize = 64 * MIB;
const _: () = assert!(ENTRY_BYTES_MAX <= SEND_COPIES_BYTES_MAX);
const _: () = assert!(ENTRY_BYTES_MAX + SEND_RECIPIENTS_MAX * (NAME_BYTES_MAX + 24) <= 16 * MIB);

/// Most conversations at once: each holds its participant list in memory and in every
/// snapshot (there is no delete yet).
pub const CONVERSATIONS_MAX: usize = 10_000;

/// Most participants of one conversation: the list is scanned by every post and is in every
/// snapshot.
pub const CONVERSATION_PARTICIPANTS_MAX: usize = 64;

/// Longest conversation name: its messages stream's key (`conv:<name>:messages`, 14 bytes
/// more) must fit the key length limit.
pub const CONVERSATION_NAME_BYTES_MAX: usize = NAME_BYTES_MAX - 14;
