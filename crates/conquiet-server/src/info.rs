//! INFO and COMMAND: what clients ask on connect to learn the server's version and commands.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use conquiet_resp::Frame;
use conquiet_resp::conn::CommandQuery;

use crate::commands::{REDIS_VERSION, processed};
use crate::server::Shared;

/// One COMMAND entry: name, Redis arity, flags, first key, last key, key step.
type CommandSpec = (&'static str, i64, &'static [&'static str], i64, i64, i64);

/// Commands conquiet answers.
const COMMANDS: &[CommandSpec] = &[
    ("xadd", -5, &["write", "denyoom", "fast"], 1, 1, 1),
    ("xlen", 2, &["readonly", "fast"], 1, 1, 1),
    ("xrange", -4, &["readonly"], 1, 1, 1),
    ("xrevrange", -4, &["readonly"], 1, 1, 1),
    (
        "xread",
        -4,
        &["readonly", "blocking", "movablekeys"],
        0,
        0,
        0,
    ),
    (
        "xreadgroup",
        -7,
        &["write", "blocking", "movablekeys"],
        0,
        0,
        0,
    ),
    ("xack", -4, &["write", "fast"], 1, 1, 1),
    ("xpending", -3, &["readonly"], 1, 1, 1),
    ("xclaim", -6, &["write", "fast"], 1, 1, 1),
    ("xautoclaim", -6, &["write", "fast"], 1, 1, 1),
    ("xgroup", -2, &[], 0, 0, 0),
    ("xinfo", -2, &[], 0, 0, 0),
    ("xdel", -3, &["write", "fast"], 1, 1, 1),
    ("xtrim", -4, &["write"], 1, 1, 1),
    ("xsetid", -3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("del", -2, &["write"], 1, -1, 1),
    ("unlink", -2, &["write", "fast"], 1, -1, 1),
    ("exists", -2, &["readonly", "fast"], 1, -1, 1),
    ("type", 2, &["readonly", "fast"], 1, 1, 1),
    ("keys", 2, &["readonly"], 0, 0, 0),
    ("scan", -2, &["readonly"], 0, 0, 0),
    ("dbsize", 1, &["readonly", "fast"], 0, 0, 0),
    ("flushdb", -1, &["write"], 0, 0, 0),
    ("flushall", -1, &["write"], 0, 0, 0),
    ("ping", -1, &["fast"], 0, 0, 0),
    ("echo", 2, &["fast"], 0, 0, 0),
    (
        "hello",
        -1,
        &["noscript", "loading", "stale", "fast", "no_auth"],
        0,
        0,
        0,
    ),
    (
        "auth",
        -2,
        &["noscript", "loading", "stale", "fast", "no_auth"],
        0,
        0,
        0,
    ),
    ("select", 2, &["loading", "stale", "fast"], 0, 0, 0),
    (
        "quit",
        -1,
        &["noscript", "loading", "stale", "fast", "no_auth"],
        0,
        0,
        0,
    ),
    (
        "reset",
        1,
        &["noscript", "loading", "stale", "fast", "no_auth"],
        0,
        0,
        0,
    ),
    ("client", -2, &[], 0, 0, 0),
    (
        "multi",
        1,
        &["noscript", "loading", "stale", "fast"],
        0,
        0,
        0,
    ),
    (
        "exec",
        1,
        &["noscript", "loading", "stale", "skip_slowlog"],
        0,
        0,
        0,
    ),
    (
        "discard",
        1,
        &["noscript", "loading", "stale", "fast"],
        0,
        0,
        0,
    ),
    (
        "watch",
        -2,
        &["noscript", "loading", "stale", "fast"],
        1,
        -1,
        1,
    ),
    (
        "unwatch",
        1,
        &["noscript", "loading", "stale", "fast"],
        0,
        0,
        0,
    ),
    ("config", -2, &[], 0, 0, 0),
    ("command", -1, &["loading", "stale"], 0, 0, 0),
    ("info", -1, &["loading", "stale"], 0, 0, 0),
    ("time", 1, &["loading", "stale", "fast"], 0, 0, 0),
    ("function", -2, &[], 0, 0, 0),
    // conquiet's own work-queue commands; arities as conquiet-resp's `cmd/cq_*.rs` specs.
    ("cq.create", -2, &["write", "denyoom"], 1, 1, 1),
    ("cq.set", -3, &["write"], 1, 1, 1),
    ("cq.info", 2, &["readonly"], 1, 1, 1),
    ("cq.status", -3, &["readonly"], 1, 1, 1),
    ("cq.queues", 1, &["readonly"], 0, 0, 0),
    ("cq.publish", -4, &["write", "denyoom", "fast"], 1, 1, 1),
    ("cq.receive", -4, &["write", "blocking"], 1, 1, 1),
    ("cq.ack", -5, &["write", "fast"], 1, 1, 1),
    ("cq.nack", -5, &["write", "fast"], 1, 1, 1),
    ("cq.touch", -5, &["write", "fast"], 1, 1, 1),
    ("cq.term", -5, &["write", "fast"], 1, 1, 1),
    ("cq.dlq", -2, &[], 0, 0, 0),
    // Locks: the lock name is not a stream key, so no key positions (like cq.queues).
    ("cq.lock", -5, &["write", "blocking"], 0, 0, 0),
    ("cq.unlock", 4, &["write", "fast"], 0, 0, 0),
    ("cq.renew", 6, &["write", "fast"], 0, 0, 0),
    ("cq.lockinfo", 2, &["readonly", "fast"], 0, 0, 0),
    // Rooms: the room name is not a stream key either (its events stream is the engine's).
    ("cq.room.create", -5, &["write"], 0, 0, 0),
    ("cq.room.start", 2, &["write", "fast"], 0, 0, 0),
    ("cq.room.speak", -4, &["write", "fast"], 0, 0, 0),
    ("cq.room.pass", 3, &["write", "fast"], 0, 0, 0),
    ("cq.room.end", 2, &["write", "fast"], 0, 0, 0),
    ("cq.room.info", 2, &["readonly", "fast"], 0, 0, 0),
    // Sends: the recipients follow a count, which COMMAND's key positions cannot express.
    ("cq.send", -6, &["write", "fast"], 0, 0, 0),
    // Conversations: the name is not a stream key (its messages stream is the engine's).
    ("cq.conv.create", -5, &["write"], 0, 0, 0),
    ("cq.conv.post", -5, &["write", "fast"], 0, 0, 0),
    ("cq.conv.info", 2, &["readonly", "fast"], 0, 0, 0),
    // Request/reply: the service is the queue the request is published to.
    ("cq.request", -6, &["write", "blocking"], 1, 1, 1),
    ("cq.reply", -5, &["write", "fast"], 0, 0, 0),
];

fn command_entry(entry: &CommandSpec) -> Frame {
    let (name, arity, flags, first, last, step) = *entry;
    Frame::Array(vec![
        Frame::bulk(name),
        Frame::Integer(arity),
        Frame::Set(flags.iter().map(|f| Frame::simple(*f)).collect()),
        Frame::Integer(first),
        Frame::Integer(last),
        Frame::Integer(step),
        Frame::Set(Vec::new()),
        Frame::Set(Vec::new()),
        Frame::Array(Vec::new()),
        Frame::Array(Vec::new()),
    ])
}

fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.0.as_bytes().eq_ignore_ascii_case(name))
}

pub(crate) fn command_reply(query: &CommandQuery) -> Frame {
    match query {
        CommandQuery::All => Frame::Array(COMMANDS.iter().map(command_entry).collect()),
        CommandQuery::Count => Frame::Integer(COMMANDS.len() as i64),
        CommandQuery::Info { names } if names.is_empty() => {
            Frame::Array(COMMANDS.iter().map(command_entry).collect())
        }
        CommandQuery::Info { names } => Frame::Array(
            names
                .iter()
                .map(|n| lookup(n).map_or(Frame::NullArray, command_entry))
                .collect(),
        ),
        CommandQuery::Docs { names } => {
            let wanted: Vec<&CommandSpec> = if names.is_empty() {
                COMMANDS.iter().collect()
            } else {
                names.iter().filter_map(|n| lookup(n)).collect()
            };
            Frame::Map(
                wanted
                    .into_iter()
                    .map(|c| {
                        let doc = Frame::Map(vec![
                            (
                                Frame::bulk("summary"),
                                Frame::bulk(format!("Redis 7.0 {} (conquiet)", c.0)),
                            ),
                            (Frame::bulk("since"), Frame::bulk("1.0.0")),
                            (
                                Frame::bulk("group"),
                                Frame::bulk(if c.0.starts_with('x') {
                                    "stream"
                                } else {
                                    "server"
                                }),
                            ),
                        ]);
                        (Frame::bulk(c.0), doc)
                    })
                    .collect(),
            )
        }
    }
}

/// The process's resident set in bytes, as Linux reports it in `/proc/self/status` (`VmRSS`,
/// in KiB); `None` where that file is missing or unreadable.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

/// INFO's text: the named sections (all when none or `all`/`everything`/`default`).
pub(crate) async fn info_text(shared: &Shared, sections: &[Vec<u8>]) -> String {
    let wants = |name: &str| {
        sections.is_empty()
            || sections.iter().any(|s| {
                let s = s.to_ascii_lowercase();
                s == name.as_bytes() || s == b"all" || s == b"everything" || s == b"default"
            })
    };
    let stats = shared.db.stats().await.unwrap_or_default();
    let clients = shared.clients.lock().map(|c| c.len()).unwrap_or(0);
    let (commands, connections, rejected) = processed(shared);
    let mut out = String::new();
    if wants("server") {
        let _ = write!(
            out,
            "# Server\r\nredis_version:{REDIS_VERSION}\r\nconquiet_version:{}\r\nredis_mode:standalone\r\nos:{}\r\narch_bits:64\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n\r\n",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::process::id(),
            shared.config.resp_addr.port(),
            shared.started.elapsed().as_secs(),
        );
    }
    if wants("clients") {
        let _ = write!(
            out,
            "# Clients\r\nconnected_clients:{clients}\r\nblocked_clients:{}\r\nmaxclients:{}\r\n\r\n",
            stats.waiters, shared.config.limits.clients_max
        );
    }
    if wants("requests") {
        // The writer's counts since the store started (replies are routed, not logged).
        let _ = write!(
            out,
            "# Requests\r\nrequests_pending:{}\r\nreplies_delivered:{}\r\nreplies_dropped:{}\r\nrequests_timed_out:{}\r\n\r\n",
            stats.requests_pending,
            stats.replies_delivered,
            stats.replies_dropped,
            stats.requests_timed_out
        );
    }
    if wants("memory") {
        let _ = write!(
            out,
            "# Memory\r\nused_memory_rss:{}\r\nclients_buffered_bytes:{}\r\nclients_bytes_max:{}\r\n\r\n",
            resident_bytes().unwrap_or(0),
            shared.buffered_bytes.load(Ordering::Relaxed),
            shared.config.limits.all_clients_bytes_max
        );
    }
    if wants("persistence") {
        let _ = write!(
            out,
            "# Persistence\r\nloading:0\r\naof_enabled:1\r\nconquiet_fsync:{:?}\r\nwal_next_lsn:{}\r\nwal_synced_lsn:{}\r\nwal_bytes:{}\r\nwal_segments:{}\r\nwal_syncs:{}\r\nwal_sync_failures:{}\r\nwriter_requests:{}\r\nsnapshots_taken:{}\r\nsnapshot_lsn:{}\r\nstore_poisoned:{}\r\n\r\n",
            shared.config.fsync,
            stats.next_lsn,
            stats.synced_lsn,
            stats.log_bytes,
            stats.segments,
            stats.syncs,
            stats.sync_failures,
            stats.requests,
            stats.snapshots_taken,
            stats.snapshot_lsn,
            u8::from(stats.poisoned),
        );
    }
    if wants("stats") {
        let _ = write!(
            out,
            "# Stats\r\ntotal_connections_received:{connections}\r\ntotal_commands_processed:{commands}\r\nrejected_connections:{rejected}\r\n\r\n"
        );
    }
    if wants("cluster") {
        out.push_str("# Cluster\r\ncluster_enabled:0\r\n\r\n");
    }
    if wants("keyspace") {
        out.push_str("# Keyspace\r\n");
        if stats.streams > 0 {
            let _ = write!(out, "db0:keys={},expires=0,avg_ttl=0\r\n", stats.streams);
        }
    }
    out
}
