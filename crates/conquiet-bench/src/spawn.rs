//! Servers the benchmark starts itself, each on free ports with a temporary directory that
//! is removed when it stops: `conquiet serve` (`--spawn-conquiet`) and `redis-server` with
//! its append-only file on (the machine's own Redis keeps nothing on disk), or off for the
//! memory-only reference.

use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::limits::{SPAWN_READY_TIMEOUT, SPAWN_STOP_TIMEOUT};

/// A running server. `stop` ends it with SIGTERM; dropping it kills it.
pub struct Spawned {
    name: String,
    child: Child,
    dir: TempDir,
}

/// A port nothing listens on right now. Another process could take it before the server
/// binds it; the server then fails to start and says so.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl Spawned {
    /// Starts `program args` with stdout and stderr in `server.log` of a new directory under
    /// `work_dir`; `args` gets that directory's path.
    async fn start(
        name: &str,
        program: &Path,
        work_dir: &Path,
        args: impl FnOnce(&Path) -> Vec<String>,
    ) -> Result<Spawned> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("conquiet-bench-{name}-"))
            .tempdir_in(work_dir)
            .with_context(|| format!("temporary directory in {}", work_dir.display()))?;
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let child = Command::new(program)
            .args(args(dir.path()))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        Ok(Spawned {
            name: name.to_string(),
            child,
            dir,
        })
    }

    /// Waits until `addr` accepts connections; fails with the server's log if it exits or
    /// takes longer than `SPAWN_READY_TIMEOUT`.
    async fn ready(&mut self, addr: &str) -> Result<()> {
        let deadline = tokio::time::Instant::now() + SPAWN_READY_TIMEOUT;
        loop {
            if TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before listening on {addr}:\n{}",
                    self.name,
                    log_tail(self.dir.path())
                );
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "{} did not listen on {addr} within {SPAWN_READY_TIMEOUT:?}:\n{}",
                    self.name,
                    log_tail(self.dir.path())
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM (through `kill`, since this crate has no unsafe code for `libc::kill`), then
    /// SIGKILL if the server is still running after `SPAWN_STOP_TIMEOUT`. The directory goes
    /// with `self`.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
        }
        match tokio::time::timeout(SPAWN_STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                eprintln!(
                    "{} ignored SIGTERM for {SPAWN_STOP_TIMEOUT:?}; killing it",
                    self.name
                );
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

/// Addresses of a spawned `conquiet serve`.
pub struct ConquietAddrs {
    pub resp: String,
    pub http: String,
}

/// `binary serve` with its data in a new directory, fsync=always, on two free ports.
pub async fn conquiet(binary: &Path, work_dir: &Path) -> Result<(Spawned, ConquietAddrs)> {
    let addrs = ConquietAddrs {
        resp: format!("127.0.0.1:{}", free_port()?),
        http: format!("127.0.0.1:{}", free_port()?),
    };
    let args = |dir: &Path| {
        vec![
            "serve".to_string(),
            "--data-dir".to_string(),
            dir.join("data").display().to_string(),
            "--resp-addr".to_string(),
            addrs.resp.clone(),
            "--http-addr".to_string(),
            addrs.http.clone(),
            "--fsync".to_string(),
            "always".to_string(),
        ]
    };
    let mut server = Spawned::start("conquiet", binary, work_dir, args).await?;
    server.ready(&addrs.resp).await?;
    server.ready(&addrs.http).await?;
    Ok((server, addrs))
}

/// `redis-server` on a free port without RDB snapshots: the append-only file on with
/// `appendfsync` as given, or off (`None`), so that nothing reaches the disk.
pub async fn redis(
    binary: &Path,
    work_dir: &Path,
    appendfsync: Option<&str>,
) -> Result<(Spawned, String)> {
    let port = free_port()?;
    let (appendonly, appendfsync) = match appendfsync {
        Some(policy) => ("yes", policy),
        None => ("no", "no"),
    };
    let args = |dir: &Path| {
        [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--dir",
            &dir.display().to_string(),
            "--appendonly",
            appendonly,
            "--appendfsync",
            appendfsync,
            "--save",
            "",
            "--daemonize",
            "no",
        ]
        .map(str::to_string)
        .to_vec()
    };
    let mut server = Spawned::start("redis-server", binary, work_dir, args).await?;
    let addr = format!("127.0.0.1:{port}");
    server.ready(&addr).await?;
    Ok((server, addr))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::redis;
    use crate::systems::streams;

    /// Files the server made in its directory, besides its log.
    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name != "server.log")
            .collect();
        names.sort();
        names
    }

    /// The memory-only Redis reports its AOF off and writes nothing; the `always` one reports
    /// what the bench checks and keeps its AOF in its directory.
    #[tokio::test]
    #[ignore = "needs redis-server"]
    async fn a_spawned_redis_persists_exactly_as_asked() {
        let work = tempfile::tempdir().expect("tempdir");
        for fsync in [None, Some("always")] {
            let (server, addr) = redis(Path::new("redis-server"), work.path(), fsync)
                .await
                .expect("spawn");
            let mut con = streams::connect(&addr).await.expect("connect");
            let _: String = redis::cmd("XADD")
                .arg("s")
                .arg("*")
                .arg("f")
                .arg("v")
                .query_async(&mut con)
                .await
                .expect("xadd");
            let appendonly = streams::config_get(&mut con, "appendonly")
                .await
                .expect("get");
            let (_, appendfsync) = streams::server_facts(&mut con).await.expect("facts");
            let written = files(server.dir.path());
            match fsync {
                None => {
                    assert_eq!(appendonly, "no");
                    assert!(written.is_empty(), "{written:?}");
                }
                Some(policy) => {
                    assert_eq!((appendonly.as_str(), appendfsync.as_str()), ("yes", policy));
                    assert!(!written.is_empty(), "the AOF is in the directory");
                }
            }
            server.stop().await.expect("stop");
        }
    }
}
