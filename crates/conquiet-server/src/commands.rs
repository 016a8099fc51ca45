//! The commands a connection answers itself: connection state (HELLO, AUTH, SELECT, CLIENT,
//! MULTI/EXEC/WATCH, RESET, QUIT) and server queries (INFO, CONFIG, COMMAND, TIME, DBSIZE,
//! SCAN, TYPE, FLUSHALL). Stream rules stay in the engine.

use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use conquiet_core::{Command, Reply};
use conquiet_resp::conn::{ClientCommand, ClientKill, ClientList, Credentials};
use conquiet_resp::{ConnCommand, Frame, Parsed, Proto, error_frame, glob_match};

use crate::connection::{After, Conn, Multi, db_error_text};
use crate::limits::WATCH_KEYS_MAX;

/// The Redis version conquiet reports, so clients pick the 7.0 feature set.
pub const REDIS_VERSION: &str = "7.0.15";

/// What a client may send before AUTH.
pub(crate) fn allowed_before_auth(parsed: &Parsed) -> bool {
    matches!(
        parsed,
        Parsed::Connection(ConnCommand::Auth(_) | ConnCommand::Hello { .. } | ConnCommand::Quit)
    )
}

/// Commands that act at once even inside MULTI instead of being queued.
pub(crate) fn runs_inside_multi(parsed: &Parsed) -> bool {
    matches!(
        parsed,
        Parsed::Connection(
            ConnCommand::Exec
                | ConnCommand::Discard
                | ConnCommand::Multi
                | ConnCommand::Watch { .. }
                | ConnCommand::Quit
                | ConnCommand::Reset
        )
    )
}

impl Conn {
    pub(crate) async fn connection(&mut self, command: ConnCommand) -> After {
        let (frame, after) = self.connection_frame(command).await;
        self.reply(&frame);
        after
    }

    /// Runs a connection command; the reply, and whether to close afterwards.
    pub(crate) async fn connection_frame(&mut self, command: ConnCommand) -> (Frame, After) {
        let frame = match command {
            ConnCommand::Ping { message } => match message {
                Some(message) => Frame::Bulk(message),
                None => Frame::simple("PONG"),
            },
            ConnCommand::Echo { message } => Frame::Bulk(message),
            ConnCommand::Hello { proto, auth, name } => self.hello(proto, auth, name),
            ConnCommand::Auth(credentials) => self.auth(&credentials),
            ConnCommand::Select { db } => match db {
                0 => Frame::simple("OK"),
                _ => error_frame("ERR DB index is out of range"),
            },
            ConnCommand::Quit => return (Frame::simple("OK"), After::Close),
            ConnCommand::Reset => {
                self.multi = None;
                self.watched.clear();
                self.proto = Proto::Resp2;
                self.authed = self.shared.config.requirepass.is_none();
                self.set_name(Vec::new());
                Frame::simple("RESET")
            }
            ConnCommand::Client(client) => return self.client(client),
            ConnCommand::Multi => match self.multi {
                Some(_) => error_frame("ERR MULTI calls can not be nested"),
                None => {
                    self.multi = Some(Multi {
                        queued: Vec::new(),
                        failed: false,
                    });
                    Frame::simple("OK")
                }
            },
            ConnCommand::Exec => match self.multi.take() {
                None => error_frame("ERR EXEC without MULTI"),
                Some(Multi { failed: true, .. }) => {
                    self.watched.clear();
                    error_frame("EXECABORT Transaction discarded because of previous errors.")
                }
                Some(Multi { queued, .. }) => self.exec(queued).await,
            },
            ConnCommand::Discard => match self.multi.take() {
                None => error_frame("ERR DISCARD without MULTI"),
                Some(_) => {
                    self.watched.clear();
                    Frame::simple("OK")
                }
            },
            ConnCommand::Watch { keys } => self.watch(keys).await,
            ConnCommand::Unwatch => {
                self.watched.clear();
                Frame::simple("OK")
            }
            ConnCommand::Type { key } => {
                let exists = self
                    .shared
                    .db
                    .submit(Command::Exists { keys: vec![key] })
                    .await;
                match exists {
                    Ok(Reply::Int(1)) => Frame::simple("stream"),
                    Ok(_) => Frame::simple("none"),
                    Err(e) => error_frame(&db_error_text(&e)),
                }
            }
            ConnCommand::Rename { key, new_key } => {
                let command = Command::Rename {
                    from: key,
                    to: new_key,
                };
                let result = self.shared.db.submit(command.clone()).await;
                self.frame_for(&command, result)
            }
            ConnCommand::Scan(scan) => match self.all_keys().await {
                Ok(keys) => {
                    let keys = keys
                        .into_iter()
                        .filter(|k| scan.pattern.as_deref().is_none_or(|p| glob_match(p, k)))
                        .filter(|_| {
                            scan.kind
                                .as_deref()
                                .is_none_or(|t| t.eq_ignore_ascii_case(b"stream"))
                        })
                        .map(Frame::Bulk)
                        .collect();
                    Frame::Array(vec![Frame::bulk("0"), Frame::Array(keys)])
                }
                Err(frame) => frame,
            },
            ConnCommand::DbSize => match self.all_keys().await {
                Ok(keys) => Frame::Integer(keys.len() as i64),
                Err(frame) => frame,
            },
            ConnCommand::FlushDb(_) | ConnCommand::FlushAll(_) => match self.all_keys().await {
                Ok(keys) if keys.is_empty() => Frame::simple("OK"),
                Ok(keys) => match self.shared.db.submit(Command::DeleteKeys { keys }).await {
                    Ok(_) => Frame::simple("OK"),
                    Err(e) => error_frame(&db_error_text(&e)),
                },
                Err(frame) => frame,
            },
            ConnCommand::FunctionFlush(_) => Frame::simple("OK"),
            ConnCommand::ConfigGet { patterns } => self.config_get(&patterns).await,
            ConnCommand::ConfigSet { pairs } => self.config_set(&pairs).await,
            ConnCommand::Command(query) => crate::info::command_reply(&query),
            ConnCommand::Info { sections } => Frame::Verbatim {
                format: *b"txt",
                text: crate::info::info_text(&self.shared, &sections)
                    .await
                    .into_bytes(),
            },
            ConnCommand::Time => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                Frame::Array(vec![
                    Frame::bulk(now.as_secs().to_string()),
                    Frame::bulk(now.subsec_micros().to_string()),
                ])
            }
        };
        (frame, After::Continue)
    }

    async fn all_keys(&self) -> Result<Vec<Vec<u8>>, Frame> {
        match self.shared.db.submit(Command::Keys).await {
            Ok(Reply::Keys(keys)) => Ok(keys),
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(error_frame(&db_error_text(&e))),
        }
    }

    fn hello(
        &mut self,
        proto: Option<Proto>,
        auth: Option<Credentials>,
        name: Option<Vec<u8>>,
    ) -> Frame {
        if let Some(credentials) = auth {
            let frame = self.auth(&credentials);
            if matches!(frame, Frame::Error(_)) {
                return frame;
            }
        }
        if !self.authed {
            return error_frame(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            );
        }
        if let Some(proto) = proto {
            self.proto = proto;
        }
        if let Some(name) = name {
            self.set_name(name);
        }
        let version = match self.proto {
            Proto::Resp2 => 2,
            Proto::Resp3 => 3,
        };
        Frame::Map(vec![
            (Frame::bulk("server"), Frame::bulk("redis")),
            (Frame::bulk("version"), Frame::bulk(REDIS_VERSION)),
            (Frame::bulk("proto"), Frame::Integer(version)),
            (Frame::bulk("id"), Frame::Integer(self.id as i64)),
            (Frame::bulk("mode"), Frame::bulk("standalone")),
            (Frame::bulk("role"), Frame::bulk("master")),
            (Frame::bulk("modules"), Frame::Array(Vec::new())),
        ])
    }

    fn auth(&mut self, credentials: &Credentials) -> Frame {
        let Some(password) = &self.shared.config.requirepass else {
            // No password set: Redis 7.0's `default` user is `nopass` and takes any password.
            return match credentials.user.as_deref() {
                Some(b"default") => {
                    self.authed = true;
                    Frame::simple("OK")
                }
                Some(_) => {
                    error_frame("WRONGPASS invalid username-password pair or user is disabled.")
                }
                None => error_frame(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
                ),
            };
        };
        let user_ok = credentials.user.as_deref().is_none_or(|u| u == b"default");
        // Constant-time comparison, so timing does not reveal how much of a guess was right.
        let given = &credentials.password;
        let same_len = given.len() == password.len();
        let diff = given
            .iter()
            .zip(password.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if user_ok && same_len && diff == 0 {
            self.authed = true;
            Frame::simple("OK")
        } else {
            error_frame("WRONGPASS invalid username-password pair or user is disabled.")
        }
    }

    async fn watch(&mut self, keys: Vec<Vec<u8>>) -> Frame {
        if self.multi.is_some() {
            return error_frame("ERR WATCH inside MULTI is not allowed");
        }
        if self.watched.len() + keys.len() > WATCH_KEYS_MAX {
            let n = self.watched.len() + keys.len();
            return error_frame(&format!(
                "ERR watched keys are {n}, limit is {WATCH_KEYS_MAX}"
            ));
        }
        match self.shared.db.watch(keys.clone()).await {
            Ok(versions) => {
                for (key, version) in keys.into_iter().zip(versions) {
                    // The first WATCH of a key fixes the version that EXEC compares against.
                    if !self.watched.iter().any(|(k, _)| *k == key) {
                        self.watched.push((key, version));
                    }
                }
                Frame::simple("OK")
            }
            Err(e) => error_frame(&db_error_text(&e)),
        }
    }

    fn set_name(&mut self, name: Vec<u8>) {
        if let Ok(mut clients) = self.shared.clients.lock()
            && let Some(entry) = clients.get_mut(&self.id)
        {
            entry.name = name.clone();
        }
        self.name = name;
    }

    fn client(&mut self, command: ClientCommand) -> (Frame, After) {
        let frame = match command {
            ClientCommand::SetName(name) => {
                self.set_name(name);
                Frame::simple("OK")
            }
            ClientCommand::GetName => match self.name.is_empty() {
                true => Frame::Null,
                false => Frame::Bulk(self.name.clone()),
            },
            ClientCommand::Id => Frame::Integer(self.id as i64),
            ClientCommand::Info => Frame::Verbatim {
                format: *b"txt",
                text: self.client_line(self.id).into_bytes(),
            },
            ClientCommand::List(which) => {
                let ids: Vec<u64> = match self.shared.clients.lock() {
                    Ok(clients) => clients.keys().copied().collect(),
                    Err(_) => Vec::new(),
                };
                let ids = ids.into_iter().filter(|id| match &which {
                    ClientList::All => true,
                    ClientList::Type(kind) => {
                        matches!(kind, conquiet_resp::conn::ClientType::Normal)
                    }
                    ClientList::Ids(wanted) => wanted.contains(&(*id as i64)),
                });
                let text: String = ids.map(|id| self.client_line(id)).collect();
                Frame::Verbatim {
                    format: *b"txt",
                    text: text.into_bytes(),
                }
            }
            ClientCommand::Kill(kill) => return self.kill(kill),
            ClientCommand::SetInfo { .. } => Frame::simple("OK"),
        };
        (frame, After::Continue)
    }

    /// One CLIENT LIST line, with the fields clients and tools parse.
    fn client_line(&self, id: u64) -> String {
        let Ok(clients) = self.shared.clients.lock() else {
            return String::new();
        };
        let Some(entry) = clients.get(&id) else {
            return String::new();
        };
        let resp = if id == self.id && self.proto == Proto::Resp3 {
            3
        } else {
            2
        };
        format!(
            "id={id} addr={} laddr={} fd=0 name={} age={} idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={resp}\n",
            entry.addr,
            self.shared.config.resp_addr,
            String::from_utf8_lossy(&entry.name),
            entry.created.elapsed().as_secs(),
            String::from_utf8_lossy(&entry.last_command),
        )
    }

    fn kill(&mut self, kill: ClientKill) -> (Frame, After) {
        let Ok(clients) = self.shared.clients.lock() else {
            return (error_frame("ERR client list unavailable"), After::Continue);
        };
        match kill {
            ClientKill::Addr(addr) => {
                let target = clients
                    .iter()
                    .find(|(_, e)| e.addr.to_string().as_bytes() == addr.as_slice());
                match target {
                    Some((id, entry)) => {
                        let _ = entry.kill.send(true);
                        let me = *id == self.id;
                        drop(clients);
                        (
                            Frame::simple("OK"),
                            if me { After::Close } else { After::Continue },
                        )
                    }
                    None => (error_frame("ERR No such client"), After::Continue),
                }
            }
            ClientKill::Filter(filter) => {
                let mut killed = 0;
                let mut me = false;
                for (id, entry) in clients.iter() {
                    let matches = filter.id.is_none_or(|want| want == *id)
                        && filter
                            .addr
                            .as_deref()
                            .is_none_or(|a| entry.addr.to_string().as_bytes() == a)
                        && filter.user.as_deref().is_none_or(|u| u == b"default")
                        && !(filter.skip_me && *id == self.id);
                    if matches {
                        let _ = entry.kill.send(true);
                        killed += 1;
                        me |= *id == self.id;
                    }
                }
                (
                    Frame::Integer(killed),
                    if me { After::Close } else { After::Continue },
                )
            }
        }
    }

    /// CONFIG SET of the stream node limits, the settings that change how entries are stored;
    /// the change is a logged op, so replay stores entries exactly as they were stored live.
    async fn config_set(&self, pairs: &[(Vec<u8>, Vec<u8>)]) -> Frame {
        let stats = match self.shared.db.stats().await {
            Ok(stats) => stats,
            Err(e) => return error_frame(&db_error_text(&e)),
        };
        let mut node = conquiet_core::NodeLimits {
            entries_max: stats.node_entries_max,
            bytes_max: stats.node_bytes_max,
        };
        for (name, value) in pairs {
            let name_text = String::from_utf8_lossy(name).to_ascii_lowercase();
            let slot = match name_text.as_str() {
                "stream-node-max-entries" => &mut node.entries_max,
                "stream-node-max-bytes" => &mut node.bytes_max,
                _ => {
                    return error_frame(&format!(
                        "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                        String::from_utf8_lossy(name)
                    ));
                }
            };
            // Redis's own texts: bytes take a memory value, entries a plain non-negative count.
            let parsed = std::str::from_utf8(value)
                .ok()
                .and_then(|v| parse_config_number(v, name_text.as_str()));
            match parsed {
                Some(parsed) => *slot = parsed,
                None if name_text == "stream-node-max-bytes" => {
                    return error_frame(&format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name_text}') - argument must be a memory value"
                    ));
                }
                None => {
                    return error_frame(&format!(
                        "ERR CONFIG SET failed (possibly related to argument '{name_text}') - argument must be between 0 and 9223372036854775807 inclusive"
                    ));
                }
            }
        }
        let command = Command::SetConfig { node };
        let result = self.shared.db.submit(command.clone()).await;
        self.frame_for(&command, result)
    }

    async fn config_get(&self, patterns: &[Vec<u8>]) -> Frame {
        let config = &self.shared.config;
        let stats = self.shared.db.stats().await.unwrap_or_default();
        let node = conquiet_core::NodeLimits {
            entries_max: stats.node_entries_max,
            bytes_max: stats.node_bytes_max,
        };
        let values: Vec<(&str, String)> = vec![
            ("stream-node-max-entries", node.entries_max.to_string()),
            ("stream-node-max-bytes", node.bytes_max.to_string()),
            ("maxclients", config.limits.clients_max.to_string()),
            (
                "timeout",
                config
                    .limits
                    .idle_timeout
                    .map_or(0, |t| t.as_secs())
                    .to_string(),
            ),
            ("appendonly", "yes".to_string()),
            (
                "appendfsync",
                match config.fsync {
                    conquiet_db::FsyncPolicy::Always => "always".to_string(),
                    conquiet_db::FsyncPolicy::IntervalMs(_) => "everysec".to_string(),
                    conquiet_db::FsyncPolicy::Never => "no".to_string(),
                },
            ),
            ("databases", "1".to_string()),
            ("save", String::new()),
        ];
        let pairs = values
            .into_iter()
            .filter(|(name, _)| {
                patterns
                    .iter()
                    .any(|p| glob_match(&p.to_ascii_lowercase(), name.as_bytes()))
            })
            .map(|(name, value)| (Frame::bulk(name), Frame::bulk(value)))
            .collect();
        Frame::Map(pairs)
    }
}

/// Counts for INFO's stats section.
pub(crate) fn processed(shared: &crate::server::Shared) -> (u64, u64, u64) {
    (
        shared.commands_processed.load(Ordering::Relaxed),
        shared.connections_received.load(Ordering::Relaxed),
        shared.connections_rejected.load(Ordering::Relaxed),
    )
}

/// A CONFIG SET number: a non-negative integer, and for byte settings also Redis's memory
/// units (`4kb`, `1mb`, `1gb`, and `k` / `m` / `g` for powers of 1000).
fn parse_config_number(text: &str, name: &str) -> Option<u64> {
    const MEMORY_UNITS: &[(&str, u64)] = &[
        ("gb", 1 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("g", 1_000_000_000),
        ("m", 1_000_000),
        ("k", 1_000),
        ("b", 1),
    ];
    let lower = text.to_ascii_lowercase();
    let units = if name.ends_with("bytes") {
        MEMORY_UNITS
    } else {
        &[]
    };
    let (digits, scale) = units
        .iter()
        .find_map(|(suffix, scale)| lower.strip_suffix(suffix).map(|d| (d, *scale)))
        .unwrap_or((lower.as_str(), 1));
    let value: i64 = digits.parse().ok()?;
    u64::try_from(value)
        .ok()?
        .checked_mul(scale)
        .filter(|v| *v <= i64::MAX as u64)
}
