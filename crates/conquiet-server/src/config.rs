//! `conquiet serve` settings: built-in defaults, then an optional TOML file, then environment
//! variables (`CONQUIET_*`), then flags; a later source wins.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use conquiet_db::FsyncPolicy;
use serde::Deserialize;

use crate::limits::ClientLimits;

/// Flags of `conquiet serve`; each also reads a `CONQUIET_*` environment variable.
#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Directory for the log and snapshots. Created if missing; one server at a time
    /// (default ./conquiet-data).
    #[arg(long, env = "CONQUIET_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address for the Redis protocol (default 127.0.0.1:6390).
    #[arg(long, env = "CONQUIET_RESP_ADDR")]
    pub resp_addr: Option<SocketAddr>,
    /// When writes reach the disk before they are acknowledged: `always` (fdatasync before
    /// every reply, shared by concurrent writers), `interval:<ms>`, or `never` (default always).
    #[arg(long, env = "CONQUIET_FSYNC")]
    pub fsync: Option<String>,
    /// A TOML file with any of these settings (flags and environment variables win).
    #[arg(long, env = "CONQUIET_CONFIG")]
    pub config: Option<PathBuf>,
    /// Password clients must send with AUTH or HELLO before anything else (default none).
    #[arg(long, env = "CONQUIET_REQUIREPASS", hide_env_values = true)]
    pub requirepass: Option<String>,
    /// Most clients connected at once; more are refused with an error (default 10000).
    #[arg(long, env = "CONQUIET_MAXCLIENTS")]
    pub maxclients: Option<usize>,
    /// Close a client idle this many seconds; 0 never (default 0, as Redis).
    #[arg(long, env = "CONQUIET_TIMEOUT_S")]
    pub timeout_s: Option<u64>,
    /// Bytes of replies a client may leave unread before it is disconnected (default 64 MiB).
    #[arg(long, env = "CONQUIET_CLIENT_OUTPUT_BYTES_MAX")]
    pub client_output_bytes_max: Option<usize>,
    /// Bytes of unprocessed input one client may buffer (default 64 MiB).
    #[arg(long, env = "CONQUIET_CLIENT_INPUT_BYTES_MAX")]
    pub client_input_bytes_max: Option<usize>,
    /// Input plus output bytes all clients together may buffer (default 1 GiB).
    #[arg(long, env = "CONQUIET_CLIENTS_BYTES_MAX")]
    pub clients_bytes_max: Option<usize>,
    /// How long shutdown may take before the server exits anyway, in ms (default 10000).
    #[arg(long, env = "CONQUIET_SHUTDOWN_TIMEOUT_MS")]
    pub shutdown_timeout_ms: Option<u64>,
    /// Log format: `human` or `json` (default human).
    #[arg(long, env = "CONQUIET_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Address for the HTTP/JSON API and /metrics; `off` or empty disables it
    /// (default 127.0.0.1:8390).
    #[arg(long, env = "CONQUIET_HTTP_ADDR")]
    pub http_addr: Option<String>,
    /// Bearer token every HTTP route except /health requires (default none).
    #[arg(long, env = "CONQUIET_HTTP_TOKEN", hide_env_values = true)]
    pub http_token: Option<String>,
}

/// The same settings as they may appear in the TOML file.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    resp_addr: Option<SocketAddr>,
    fsync: Option<String>,
    requirepass: Option<String>,
    maxclients: Option<usize>,
    timeout_s: Option<u64>,
    client_output_bytes_max: Option<usize>,
    client_input_bytes_max: Option<usize>,
    clients_bytes_max: Option<usize>,
    shutdown_timeout_ms: Option<u64>,
    log_format: Option<String>,
    http_addr: Option<String>,
    http_token: Option<String>,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// The resolved settings the server runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub resp_addr: SocketAddr,
    pub fsync: FsyncPolicy,
    pub requirepass: Option<String>,
    pub limits: ClientLimits,
    pub shutdown_timeout: Duration,
    pub log_format: LogFormat,
    /// Where the HTTP API listens; `None` disables it.
    pub http_addr: Option<SocketAddr>,
    /// The bearer token HTTP clients must send; `None` lets every client in.
    pub http_token: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data_dir: PathBuf::from("conquiet-data"),
            resp_addr: SocketAddr::from(([127, 0, 0, 1], 6390)),
            fsync: FsyncPolicy::Always,
            requirepass: None,
            limits: ClientLimits::default(),
            shutdown_timeout: Duration::from_secs(10),
            log_format: LogFormat::Human,
            http_addr: Some(SocketAddr::from(([127, 0, 0, 1], 8390))),
            http_token: None,
        }
    }
}

/// A setting that could not be used; the message names it and the value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Layers the TOML file (if named), then `args` (flags, with environment variables already
    /// folded in by clap), over the defaults.
    pub fn resolve(args: &ServeArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let mut config = Config::default();
        let pick = |flag: &Option<String>, file: &Option<String>| flag.clone().or(file.clone());
        if let Some(dir) = args.data_dir.clone().or(file.data_dir) {
            config.data_dir = dir;
        }
        if let Some(addr) = args.resp_addr.or(file.resp_addr) {
            config.resp_addr = addr;
        }
        if let Some(fsync) = pick(&args.fsync, &file.fsync) {
            config.fsync = fsync.parse().map_err(ConfigError::Invalid)?;
        }
        config.requirepass = pick(&args.requirepass, &file.requirepass).filter(|p| !p.is_empty());
        let limits = &mut config.limits;
        if let Some(n) = args.maxclients.or(file.maxclients) {
            limits.clients_max = n;
        }
        if let Some(s) = args.timeout_s.or(file.timeout_s) {
            limits.idle_timeout = (s > 0).then(|| Duration::from_secs(s));
        }
        if let Some(n) = args
            .client_output_bytes_max
            .or(file.client_output_bytes_max)
        {
            limits.output_bytes_max = n;
        }
        if let Some(n) = args.client_input_bytes_max.or(file.client_input_bytes_max) {
            limits.input_bytes_max = n;
        }
        if let Some(n) = args.clients_bytes_max.or(file.clients_bytes_max) {
            limits.all_clients_bytes_max = n;
        }
        if let Some(ms) = args.shutdown_timeout_ms.or(file.shutdown_timeout_ms) {
            config.shutdown_timeout = Duration::from_millis(ms);
        }
        if let Some(format) = pick(&args.log_format, &file.log_format) {
            config.log_format = match format.as_str() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError::Invalid(format!(
                        "log format {other:?}: expected human or json"
                    )));
                }
            };
        }
        if let Some(addr) = pick(&args.http_addr, &file.http_addr) {
            config.http_addr = parse_http_addr(&addr)?;
        }
        config.http_token = pick(&args.http_token, &file.http_token).filter(|t| !t.is_empty());
        config.limits.check().map_err(ConfigError::Invalid)?;
        Ok(config)
    }
}

/// `off` or an empty string disables the HTTP API; anything else must be an address.
fn parse_http_addr(text: &str) -> Result<Option<SocketAddr>, ConfigError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        ConfigError::Invalid(format!(
            "http address {text:?}: expected host:port (like 127.0.0.1:8390) or off"
        ))
    })
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: shown,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "fsync = \"interval:5\"\nmaxclients = 7\nresp_addr = \"127.0.0.1:7000\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path),
            maxclients: Some(9),
            ..ServeArgs::default()
        };
        let config = Config::resolve(&args).unwrap();
        assert_eq!(config.fsync, FsyncPolicy::IntervalMs(5));
        assert_eq!(config.limits.clients_max, 9);
        assert_eq!(config.resp_addr.port(), 7000);
        assert_eq!(config.data_dir, PathBuf::from("conquiet-data"));
    }

    #[test]
    fn the_http_address_defaults_on_and_can_be_turned_off() {
        let config = Config::resolve(&ServeArgs::default()).unwrap();
        assert_eq!(
            config.http_addr,
            Some(SocketAddr::from(([127, 0, 0, 1], 8390)))
        );
        assert_eq!(config.http_token, None);
        for off in ["off", "", "OFF"] {
            let args = ServeArgs {
                http_addr: Some(off.into()),
                ..ServeArgs::default()
            };
            assert_eq!(Config::resolve(&args).unwrap().http_addr, None, "{off:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "http_addr = \"0.0.0.0:9000\"\nhttp_token = \"t\"\n").unwrap();
        let args = ServeArgs {
            config: Some(path),
            ..ServeArgs::default()
        };
        let config = Config::resolve(&args).unwrap();
        assert_eq!(
            config.http_addr,
            Some(SocketAddr::from(([0, 0, 0, 0], 9000)))
        );
        assert_eq!(config.http_token.as_deref(), Some("t"));
        let args = ServeArgs {
            http_addr: Some("nowhere".into()),
            ..ServeArgs::default()
        };
        let error = Config::resolve(&args).unwrap_err().to_string();
        assert!(error.contains("nowhere"), "{error}");
    }

    #[test]
    fn bad_values_name_the_setting() {
        let args = ServeArgs {
            fsync: Some("sometimes".into()),
            ..ServeArgs::default()
        };
        let error = Config::resolve(&args).unwrap_err().to_string();
        assert!(error.contains("sometimes"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "no_such_setting = 1\n").unwrap();
        let args = ServeArgs {
            config: Some(path),
            ..ServeArgs::default()
        };
        assert!(
            Config::resolve(&args)
                .unwrap_err()
                .to_string()
                .contains("no_such_setting")
        );
    }
}
