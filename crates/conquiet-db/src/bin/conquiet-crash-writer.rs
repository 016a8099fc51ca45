//! Appends to a store with fsync=always from several threads and prints one line per
//! acknowledged append: `ACK <stream> <id> <seq>`. The SIGKILL test kills it at random
//! moments and checks every printed append survived. Usage: `conquiet-crash-writer DIR TAG`.
//!
//! With `CONQUIET_CRASH_WRITER_BROKEN=ack-before-write` it prints each acknowledgement before
//! submitting the append: a deliberately broken writer, which the SIGKILL test must catch.
//! SIGKILL keeps the page cache, so this test covers the write, recovery and acknowledgement
//! paths; a missing fsync is caught by the power-loss crash tests instead.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use conquiet_core::{Command, IdSpec, Reply};
use conquiet_db::{Db, DbOptions};

const THREADS: u64 = 8;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(tag)) = (args.next(), args.next()) else {
        eprintln!("usage: conquiet-crash-writer DIR TAG");
        std::process::exit(2);
    };
    let options = DbOptions {
        // Small snapshots and segments so kills also land during rolls and snapshots.
        snapshot_log_bytes_min: 256 << 10,
        wal: conquiet_db::WalOptions {
            segment_bytes_max: 128 << 10,
            ..Default::default()
        },
        ..DbOptions::default()
    };
    let (db, report) = match Db::open_dir(&PathBuf::from(dir), options) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("open failed: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("opened: {report:?}");
    let broken =
        std::env::var("CONQUIET_CRASH_WRITER_BROKEN").is_ok_and(|v| v == "ack-before-write");
    let seq = Arc::new(AtomicU64::new(0));
    let stdout = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let (db, seq, stdout, tag) = (db.clone(), seq.clone(), stdout.clone(), tag.clone());
            scope.spawn(move || {
                let key = format!("crash-{t}").into_bytes();
                loop {
                    let n = seq.fetch_add(1, Ordering::SeqCst);
                    let value = format!("{tag}:{n}:{}", "x".repeat(200)).into_bytes();
                    let command = Command::Add {
                        key: key.clone(),
                        id: IdSpec::Auto,
                        fields: vec![(b"v".to_vec(), value)],
                        no_create: false,
                        trim: None,
                    };
                    if broken {
                        let mut out = stdout.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = writeln!(out, "ACK crash-{t} ? {tag}:{n}");
                        let _ = out.flush();
                        // Widen the window between the claim and the write.
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    match db.submit_blocking(command) {
                        Ok(Reply::Id(_)) if broken => {}
                        Ok(Reply::Id(id)) => {
                            let mut out = stdout.lock().unwrap_or_else(|e| e.into_inner());
                            let _ = writeln!(out, "ACK crash-{t} {id} {tag}:{n}");
                            let _ = out.flush();
                        }
                        other => {
                            eprintln!("append failed: {other:?}");
                            std::process::exit(1);
                        }
                    }
                }
            });
        }
    });
}
