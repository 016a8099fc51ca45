//! One system, from setup to result row: start or reach its server, read what it promises,
//! run the workload, stop what was started.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::cli::{Endpoints, System};
use crate::driver::{Bars, Measured, Workload, measure};
use crate::report::Row;
use crate::spawn::{self, ConquietAddrs, Spawned};
use crate::systems::cq::Cq;
use crate::systems::disk::Disk;
use crate::systems::http::Http;
use crate::systems::nats::Nats;
use crate::systems::postgres::Postgres;
use crate::systems::rabbitmq::{QueueType, Rabbit};
use crate::systems::sdk::Sdk;
use crate::systems::streams::{self, Streams};
use crate::systems::{Broker, Description};

/// Measures `system`; any failure is in the row's `error`, never lost.
pub async fn bench(system: System, workload: &Workload, endpoints: &Endpoints, bars: &Bars) -> Row {
    match run(system, workload, endpoints, bars).await {
        Ok(row) => row,
        Err(error) => Row::failed(&system.name(), format!("{error:#}")),
    }
}

async fn run(system: System, w: &Workload, endpoints: &Endpoints, bars: &Bars) -> Result<Row> {
    match system {
        System::ConquietResp | System::ConquietCq | System::ConquietHttp | System::ConquietSdk => {
            let (server, addrs) = match &endpoints.spawn_conquiet {
                Some(binary) => {
                    let (server, addrs) = spawn::conquiet(binary, &endpoints.work_dir()).await?;
                    (Some(server), addrs)
                }
                None => (
                    None,
                    ConquietAddrs {
                        resp: endpoints.conquiet_resp.clone(),
                        http: endpoints.conquiet_http.clone(),
                    },
                ),
            };
            let row = conquiet(system, &addrs, w, bars).await;
            stop(server).await;
            row
        }
        System::RedisAlways | System::RedisEverysec | System::RedisMemory => {
            let fsync = match system {
                System::RedisAlways => Some("always"),
                System::RedisEverysec => Some("everysec"),
                _ => None,
            };
            let (server, addr) =
                spawn::redis(&endpoints.redis_server, &endpoints.work_dir(), fsync).await?;
            let row = redis(system, &addr, fsync, w, bars).await;
            stop(Some(server)).await;
            row
        }
        System::Nats => {
            let broker = Nats::open(&endpoints.nats, w.consumers, w.batch).await?;
            Ok(with(system, broker, w, bars).await)
        }
        System::RabbitmqClassic | System::RabbitmqQuorum => {
            let kind = if system == System::RabbitmqClassic {
                QueueType::Classic
            } else {
                QueueType::Quorum
            };
            let broker = Rabbit::open(&endpoints.amqp, kind, w.batch).await?;
            Ok(with(system, broker, w, bars).await)
        }
        System::Postgres => {
            let broker = Postgres::open(&endpoints.postgres).await?;
            Ok(with(system, broker, w, bars).await)
        }
        System::Disk => {
            let dir = tempfile::Builder::new()
                .prefix("conquiet-bench-disk-")
                .tempdir_in(endpoints.work_dir())?;
            Ok(with(system, Disk::open(dir.path(), w.size), w, bars).await)
        }
    }
}

async fn stop(server: Option<Spawned>) {
    if let Some(server) = server
        && let Err(error) = server.stop().await
    {
        eprintln!("warning: stopping a spawned server: {error:#}");
    }
}

/// The table's words and the note for an fsync policy as `CONFIG GET appendfsync` names it.
fn fsync_words(appendfsync: &str) -> (&'static str, &'static str) {
    match appendfsync {
        "always" => ("fsync always", "fdatasynced before the reply"),
        "everysec" => (
            "fsync interval",
            "written at once, fdatasynced within the interval",
        ),
        "no" => ("no fsync", "left to the OS to write back"),
        _ => ("unknown", "unknown"),
    }
}

async fn conquiet(system: System, addrs: &ConquietAddrs, w: &Workload, bars: &Bars) -> Result<Row> {
    let facts = match streams::connect(&addrs.resp).await {
        Ok(mut con) => Some(streams::server_facts(&mut con).await?),
        Err(error) if system == System::ConquietHttp => {
            eprintln!(
                "note: no RESP answer at {} ({error:#}); fsync policy unknown",
                addrs.resp
            );
            None
        }
        Err(error) => return Err(error),
    };
    let description = match facts {
        Some((server, fsync)) => {
            let (words, what) = fsync_words(&fsync);
            Description {
                server,
                durability: words.to_string(),
                durability_note: format!(
                    "fsync={fsync} (as CONFIG GET appendfsync reports it): every publish and \
                     ack is {what}; concurrent requests share one fdatasync (group commit)"
                ),
            }
        }
        None => Description {
            server: "conquiet (the HTTP API reports no version)".to_string(),
            durability: "as configured".to_string(),
            durability_note: "the server's --fsync setting (default always)".to_string(),
        },
    };
    Ok(match system {
        System::ConquietResp => {
            with(
                system,
                Streams::new(addrs.resp.clone(), description),
                w,
                bars,
            )
            .await
        }
        System::ConquietCq => with(system, Cq::new(addrs.resp.clone(), description), w, bars).await,
        System::ConquietSdk => {
            let sdk = Sdk::new(addrs.resp.clone(), description, w.window, w.batch);
            with(system, sdk, w, bars).await
        }
        _ => with(system, Http::new(addrs.http.clone(), description), w, bars).await,
    })
}

/// `fsync` is the AOF's `appendfsync`, or `None` for a Redis with the AOF off.
async fn redis(
    system: System,
    addr: &str,
    fsync: Option<&str>,
    w: &Workload,
    bars: &Bars,
) -> Result<Row> {
    let mut con = streams::connect(addr).await?;
    let (server, reported) = streams::server_facts(&mut con).await?;
    let appendonly = streams::config_get(&mut con, "appendonly").await?;
    let (durability, durability_note) = match fsync {
        Some(fsync) if reported != fsync || appendonly != "yes" => {
            bail!(
                "redis-server reports appendonly {appendonly}, appendfsync {reported}, not yes, {fsync}"
            );
        }
        None if appendonly != "no" => {
            bail!("redis-server reports appendonly {appendonly}, not no");
        }
        Some("always") => (
            "AOF fsync always".to_string(),
            "AOF on, appendfsync always: Redis fsyncs the AOF before it replies to the writes \
             of each event-loop pass",
        ),
        Some(fsync) => (
            format!("AOF fsync {fsync}"),
            "AOF on, appendfsync everysec: writes reach the OS at once and the disk about once \
             a second; a machine crash can lose the last second of acknowledged writes",
        ),
        None => (
            "none (memory only)".to_string(),
            "AOF and RDB off: nothing reaches the disk and a restart loses everything. Not a \
             durable peer: the most this client drives against a fast server on this machine",
        ),
    };
    let description = Description {
        server,
        durability,
        durability_note: durability_note.to_string(),
    };
    Ok(with(system, Streams::new(addr.to_string(), description), w, bars).await)
}

/// Runs the workload on `broker` and shapes the row.
async fn with<B: Broker>(system: System, broker: B, w: &Workload, bars: &Bars) -> Row {
    let broker = Arc::new(broker);
    let name = system.name();
    let measured = measure(broker.clone(), w, bars, &name).await;
    row(&name, broker.describe(), w.backlog, measured)
}

pub fn row(
    system: &str,
    description: &Description,
    backlog_per_queue: u64,
    measured: Measured,
) -> Row {
    let Measured {
        phases,
        backlog_memory_bytes,
        error,
    } = measured;
    let phase = |name: &str| phases.iter().find(|p| p.name == name);
    let rate = |name: &str| phase(name).map_or(0.0, |p| p.msgs_per_s);
    Row {
        system: system.to_string(),
        durability: description.durability.clone(),
        durability_note: description.durability_note.clone(),
        server: description.server.clone(),
        e2e_msgs_per_s: rate("end-to-end"),
        produce_msgs_per_s: rate("produce"),
        consume_msgs_per_s: rate("consume"),
        publish_confirm_ms: phase("end-to-end").and_then(|p| p.publish_confirm_ms),
        duplicates: phases.iter().map(|p| p.duplicates).sum(),
        missing: phases.iter().map(|p| p.missing).sum(),
        backlog: backlog_per_queue,
        memory_per_backlog_entry_bytes: backlog_memory_bytes
            .filter(|_| backlog_per_queue > 0)
            .map(|bytes| bytes as f64 / backlog_per_queue as f64),
        error: error.map(|e| format!("{e:#}")),
        phases,
    }
}

/// Whether `system`'s service answers: what `probe` reports.
pub async fn reachable(system: System, endpoints: &Endpoints) -> Result<()> {
    match system {
        System::ConquietResp | System::ConquietCq | System::ConquietHttp | System::ConquietSdk => {
            match &endpoints.spawn_conquiet {
                Some(binary) => executable(binary),
                None if system == System::ConquietHttp => tcp(&endpoints.conquiet_http).await,
                None => tcp(&endpoints.conquiet_resp).await,
            }
        }
        System::RedisAlways | System::RedisEverysec | System::RedisMemory => {
            executable(&endpoints.redis_server)
        }
        System::Nats => tcp(&endpoints.nats).await,
        System::RabbitmqClassic | System::RabbitmqQuorum => {
            tcp(&crate::systems::amqp_start::host_port(&endpoints.amqp)?).await
        }
        System::Postgres => Postgres::open(&endpoints.postgres).await.map(drop),
        System::Disk => Ok(()),
    }
}

async fn tcp(addr: &str) -> Result<()> {
    tokio::time::timeout(
        crate::limits::CONNECT_TIMEOUT,
        tokio::net::TcpStream::connect(addr),
    )
    .await
    .with_context(|| format!("{addr}: no answer"))?
    .with_context(|| format!("{addr} is not reachable"))?;
    Ok(())
}

/// A path to a file, or a name found on PATH.
fn executable(program: &Path) -> Result<()> {
    let found = if program.components().count() > 1 {
        program.is_file()
    } else {
        std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
            .unwrap_or(false)
    };
    if !found {
        bail!("{} not found", program.display());
    }
    Ok(())
}
