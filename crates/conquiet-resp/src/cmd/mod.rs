//! One file per command, each opening with the command's syntax. A file exports its `SPEC`
//! (name, Redis arity, parser); `COMMANDS` lists them for `parse`. Parsers see arguments whose
//! count already fits the arity, so fixed positions can be indexed directly.

mod auth;
mod client;
mod command;
mod config;
mod cq_ack;
mod cq_args;
mod cq_conv_create;
mod cq_conv_info;
mod cq_conv_post;
mod cq_create;
mod cq_dlq;
mod cq_info;
mod cq_lock;
mod cq_lockinfo;
mod cq_nack;
mod cq_policy;
mod cq_publish;
mod cq_queues;
mod cq_receive;
mod cq_renew;
mod cq_reply;
mod cq_request;
mod cq_room_create;
mod cq_room_end;
mod cq_room_info;
mod cq_room_pass;
mod cq_room_speak;
mod cq_room_start;
mod cq_send;
mod cq_set;
mod cq_status;
mod cq_term;
mod cq_touch;
mod cq_unlock;
mod dbsize;
mod del;
mod discard;
mod echo;
mod exec;
mod exists;
mod flushall;
mod flushdb;
mod function;
mod hello;
mod info;
mod keys;
mod multi;
mod ping;
mod quit;
mod rename;
mod reset;
mod scan;
mod select;
mod time;
mod r#type;
mod unlink;
mod unwatch;
mod watch;
mod xack;
mod xadd;
mod xautoclaim;
mod xclaim;
mod xdel;
mod xgroup;
mod xinfo;
mod xlen;
mod xpending;
mod xrange;
mod xread;
mod xreadgroup;
mod xrevrange;
mod xsetid;
mod xtrim;

pub use client::check_client_name;
pub use cq_dlq::CQ_DLQ_HELP;
pub use xgroup::XGROUP_HELP;
pub use xinfo::XINFO_HELP;

use conquiet_core::Command;

use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

/// Every command conquiet parses. Streams first: they are most of the traffic; then the
/// work-queue commands (conquiet's own, `cq_*.rs`), hottest first; then the locks and the rooms.
pub(crate) const COMMANDS: &[Spec] = &[
    xadd::SPEC,
    xreadgroup::SPEC,
    xack::SPEC,
    xread::SPEC,
    xrange::SPEC,
    xrevrange::SPEC,
    xlen::SPEC,
    xpending::SPEC,
    xclaim::SPEC,
    xautoclaim::SPEC,
    xgroup::SPEC,
    xinfo::SPEC,
    xdel::SPEC,
    xtrim::SPEC,
    xsetid::SPEC,
    cq_receive::SPEC,
    cq_ack::SPEC,
    cq_publish::SPEC,
    cq_request::SPEC,
    cq_reply::SPEC,
    cq_nack::SPEC,
    cq_touch::SPEC,
    cq_term::SPEC,
    cq_create::SPEC,
    cq_set::SPEC,
    cq_info::SPEC,
    cq_status::SPEC,
    cq_queues::SPEC,
    cq_dlq::SPEC,
    cq_lock::SPEC,
    cq_unlock::SPEC,
    cq_renew::SPEC,
    cq_lockinfo::SPEC,
    cq_room_speak::SPEC,
    cq_room_pass::SPEC,
    cq_room_info::SPEC,
    cq_room_create::SPEC,
    cq_room_start::SPEC,
    cq_room_end::SPEC,
    cq_send::SPEC,
    cq_conv_post::SPEC,
    cq_conv_info::SPEC,
    cq_conv_create::SPEC,
    del::SPEC,
    unlink::SPEC,
    exists::SPEC,
    keys::SPEC,
    ping::SPEC,
    echo::SPEC,
    hello::SPEC,
    auth::SPEC,
    select::SPEC,
    quit::SPEC,
    reset::SPEC,
    client::SPEC,
    multi::SPEC,
    exec::SPEC,
    discard::SPEC,
    watch::SPEC,
    unwatch::SPEC,
    r#type::SPEC,
    rename::SPEC,
    scan::SPEC,
    dbsize::SPEC,
    flushdb::SPEC,
    flushall::SPEC,
    function::SPEC,
    config::SPEC,
    command::SPEC,
    info::SPEC,
    time::SPEC,
];

/// A request for the engine that never blocks.
fn engine(command: Command) -> Result<Parsed, ParseError> {
    Ok(Parsed::Engine {
        command,
        block: None,
    })
}

/// A request the server answers itself.
fn conn(command: ConnCommand) -> Result<Parsed, ParseError> {
    Ok(Parsed::Connection(command))
}
