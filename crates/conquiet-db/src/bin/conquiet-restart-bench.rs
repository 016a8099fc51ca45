//! Restart time with many small entries: fills a store with N entries (16-byte values, spread
//! over 8 streams, fsync=never to fill quickly), takes a snapshot, appends a log tail, closes,
//! and times the reopen (snapshot load plus tail replay) and the first read.
//!
//! Usage: `conquiet-restart-bench [--dir DIR] [--entries 10000000] [--tail 100000]`

use std::path::PathBuf;
use std::time::Instant;

use conquiet_core::{Command, IdSpec, StreamId};
use conquiet_db::{Db, DbOptions, FsyncPolicy};

const STREAMS: u64 = 8;

fn main() {
    let mut dir = PathBuf::from("target/bench-restart");
    let (mut entries, mut tail) = (10_000_000u64, 100_000u64);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--dir" => dir = PathBuf::from(value),
            "--entries" => entries = value.parse().unwrap_or(entries),
            "--tail" => tail = value.parse().unwrap_or(tail),
            _ => {
                eprintln!("usage: conquiet-restart-bench [--dir DIR] [--entries N] [--tail N]");
                std::process::exit(2);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let options = DbOptions {
        fsync: FsyncPolicy::Never,
        snapshot_log_bytes_min: u64::MAX,
        ..DbOptions::default()
    };
    let (db, _) = Db::open_dir(&dir, options.clone()).unwrap_or_else(|e| fail(&e.to_string()));
    let started = Instant::now();
    fill(&db, 0, entries);
    println!(
        "filled {entries} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let snap = Instant::now();
    db.snapshot_blocking()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let copy_us = db.stats_blocking().map_or(0, |s| s.snapshot_copy_us_max);
    println!(
        "snapshot written in {:.1} s in the background; the writer paused {:.1} ms to copy the engine",
        snap.elapsed().as_secs_f64(),
        copy_us as f64 / 1000.0
    );
    fill(&db, entries, tail);
    db.close().unwrap_or_else(|e| fail(&e.to_string()));
    let bytes: u64 = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    println!("on disk: {:.1} MiB", bytes as f64 / (1 << 20) as f64);
    let reopen = Instant::now();
    let (db, report) = Db::open_dir(&dir, options).unwrap_or_else(|e| fail(&e.to_string()));
    let opened = reopen.elapsed();
    let len = Command::Len {
        key: b"r0".to_vec(),
    };
    let first = db
        .submit_blocking(len)
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "restart with {} entries: open {:.2} s (snapshot + {} log records replayed), first reply {:?} after {:.2} s",
        entries + tail,
        opened.as_secs_f64(),
        report.records_replayed,
        first,
        reopen.elapsed().as_secs_f64()
    );
    let _ = db.close();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Adds `count` entries numbered from `from`, from one thread per stream.
fn fill(db: &Db, from: u64, count: u64) {
    std::thread::scope(|scope| {
        for s in 0..STREAMS {
            let db = db.clone();
            scope.spawn(move || {
                let key = format!("r{s}").into_bytes();
                let mut n = from + s;
                while n < from + count {
                    let command = Command::Add {
                        key: key.clone(),
                        id: IdSpec::Explicit(StreamId::new(n + 1, 0)),
                        fields: vec![(b"v".to_vec(), n.to_le_bytes().repeat(2))],
                        no_create: false,
                        trim: None,
                    };
                    if let Err(e) = db.submit_blocking(command) {
                        fail(&e.to_string());
                    }
                    n += STREAMS;
                }
            });
        }
    });
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}
