//! Every limit of the RESP adapter, in one place. Each is checked before allocating or doing
//! arithmetic on a number a peer supplied (a bulk length, an argument count).

use conquiet_core::limits::{ENTRY_BYTES_MAX, FIELD_BYTES_MAX};

/// One kibibyte, for readable sizes below.
pub const KIB: usize = 1024;

/// One mebibyte, for readable sizes below.
pub const MIB: usize = 1024 * KIB;

/// Largest bulk string in a request. Redis allows 512 MiB; no field may exceed
/// `FIELD_BYTES_MAX`, so a larger bulk is a client bug, and refusing it early bounds the memory
/// one connection can pin.
pub const REQUEST_BULK_BYTES_MAX: usize = 8 * MIB;

/// Most arguments in one multibulk request (Redis refuses counts above `INT_MAX`; a million
/// arguments already covers the largest XDEL or XACK the engine accepts).
pub const REQUEST_ARGS_MAX: usize = 1024 * 1024;

/// Largest request, framing included. Without it a peer could declare a million 8 MiB bulks.
/// The largest useful request is XADD of one entry of `ENTRY_BYTES_MAX` plus the framing of
/// its pairs, well under twice that entry.
pub const REQUEST_BYTES_MAX: usize = 64 * MIB;

/// Longest inline request line, and longest `*<count>` or `$<len>` header line: Redis's
/// `PROTO_INLINE_MAX_SIZE`.
pub const INLINE_BYTES_MAX: usize = 64 * KIB;

/// Longest stream id argument Redis parses (its parser copies ids into a 128-byte buffer).
pub const ID_ARG_BYTES_MAX: usize = 127;

/// Argument slots reserved up front for a multibulk request. The declared count is a peer's
/// number, so it never sizes an allocation by itself; the vector grows as arguments arrive.
pub const REQUEST_ARGS_PREALLOC_MAX: usize = 1024;

/// Largest bulk string `decode_frame` accepts in a reply: Redis's default
/// `proto-max-bulk-len`. Replies come from a server, not a peer we must defend against, but the
/// decoder is fuzzed and must still refuse absurd lengths before reading them.
pub const FRAME_BULK_BYTES_MAX: usize = 512 * MIB;

/// Most elements in one aggregate frame (array, map pairs, set, push) that `decode_frame`
/// accepts. The largest reply conquiet sends is a read of `READ_COUNT_MAX` entries.
pub const FRAME_ELEMENTS_MAX: usize = 1024 * 1024;

/// Deepest nesting `decode_frame` follows. XINFO STREAM FULL, the deepest reply, nests six
/// levels; the limit keeps hostile input from exhausting the stack.
pub const FRAME_DEPTH_MAX: usize = 32;

const _: () = assert!(REQUEST_BULK_BYTES_MAX >= FIELD_BYTES_MAX);
const _: () = assert!(REQUEST_BYTES_MAX >= 2 * ENTRY_BYTES_MAX);
const _: () = assert!(REQUEST_ARGS_PREALLOC_MAX <= REQUEST_ARGS_MAX);
const _: () = assert!(FRAME_BULK_BYTES_MAX >= REQUEST_BULK_BYTES_MAX);
