//! The engine's integration tests: one binary, one module per command family. Expected values
//! that are not obvious were taken from Redis 7.0.15 run with the same commands and explicit
//! ids (stream-node-max-entries 100, stream-node-max-bytes 4096). The modules live in engine/;
//! the crate root names them by path so this stays one test binary.

#[path = "engine/util.rs"]
mod util;

#[path = "engine/add.rs"]
mod add;
#[path = "engine/autoclaim.rs"]
mod autoclaim;
#[path = "engine/claim.rs"]
mod claim;
#[path = "engine/codec.rs"]
mod codec;
#[path = "engine/conversation.rs"]
mod conversation;
#[path = "engine/delete.rs"]
mod delete;
#[path = "engine/info.rs"]
mod info;
#[path = "engine/limits.rs"]
mod limits;
#[path = "engine/lock.rs"]
mod lock;
#[path = "engine/model.rs"]
mod model;
#[path = "engine/model_gen.rs"]
mod model_gen;
#[path = "engine/model_ref.rs"]
mod model_ref;
#[path = "engine/observe.rs"]
mod observe;
#[path = "engine/pending.rs"]
mod pending;
#[path = "engine/queue.rs"]
mod queue;
#[path = "engine/queue_model.rs"]
mod queue_model;
#[path = "engine/queue_status.rs"]
mod queue_status;
#[path = "engine/range.rs"]
mod range;
#[path = "engine/readgroup.rs"]
mod readgroup;
#[path = "engine/request.rs"]
mod request;
#[path = "engine/room.rs"]
mod room;
#[path = "engine/send.rs"]
mod send;
#[path = "engine/setid.rs"]
mod setid;
#[path = "engine/trim.rs"]
mod trim;
#[path = "engine/xgroup.rs"]
mod xgroup;
