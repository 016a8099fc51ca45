//! Durable appends per second under fsync=always, beside the raw limit of the same disk.
//!
//! For each writer count, W threads append 1 KiB entries for a fixed time; every append counts
//! only once acknowledged (after its fdatasync). The raw limit is then measured by this same
//! program on the same directory: write plus fdatasync of the same bytes in the same batch
//! sizes the store used (its records per sync), so the ratio shows what the store costs over
//! the disk itself.
//!
//! Usage: `conquiet-append-bench [--dir DIR] [--writers 1,16,64] [--seconds 5] [--bytes 1024]`

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use conquiet_core::{Command, IdSpec, Reply};
use conquiet_db::{Db, DbOptions};

struct Args {
    dir: PathBuf,
    writers: Vec<usize>,
    seconds: u64,
    bytes: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::from("target/bench-data"),
        writers: vec![1, 16, 64],
        seconds: 5,
        bytes: 1024,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--dir" => args.dir = PathBuf::from(value),
            "--writers" => {
                args.writers = value
                    .split(',')
                    .map(|w| w.parse().map_err(|_| format!("bad writer count {w:?}")))
                    .collect::<Result<_, _>>()?
            }
            "--seconds" => args.seconds = value.parse().map_err(|_| "bad --seconds".to_string())?,
            "--bytes" => args.bytes = value.parse().map_err(|_| "bad --bytes".to_string())?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

struct Run {
    appends: u64,
    elapsed: Duration,
    records_per_sync: f64,
    record_bytes: u64,
    latencies_us: Vec<u64>,
}

fn run_store(args: &Args, writers: usize) -> Result<Run, String> {
    let dir = args.dir.join(format!("store-{writers}"));
    let _ = std::fs::remove_dir_all(&dir);
    let (db, _) = Db::open_dir(&dir, DbOptions::default()).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let value = vec![b'x'; args.bytes];
    let started = Instant::now();
    let before = db.stats_blocking().map_err(|e| e.to_string())?;
    let latencies: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let (db, value) = (db.clone(), value.clone());
                scope.spawn(move || {
                    let key = format!("bench-{w}").into_bytes();
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let command = Command::Add {
                            key: key.clone(),
                            id: IdSpec::Auto,
                            fields: vec![(b"v".to_vec(), value.clone())],
                            no_create: false,
                            trim: None,
                        };
                        let sent = Instant::now();
                        match db.submit_blocking(command) {
                            Ok(Reply::Id(_)) => latencies.push(sent.elapsed().as_micros() as u64),
                            other => panic!("append failed: {other:?}"),
                        }
                    }
                    latencies
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed();
    let after = db.stats_blocking().map_err(|e| e.to_string())?;
    db.close().map_err(|e| e.to_string())?;
    let mut latencies_us: Vec<u64> = latencies.into_iter().flatten().collect();
    latencies_us.sort_unstable();
    let records = after.records - before.records;
    let syncs = (after.syncs - before.syncs).max(1);
    let record_bytes = (after.log_bytes - before.log_bytes)
        .checked_div(records)
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Run {
        appends: latencies_us.len() as u64,
        elapsed,
        records_per_sync: records as f64 / syncs as f64,
        record_bytes,
        latencies_us,
    })
}

/// Write plus fdatasync of `batch` records of `record_bytes` each, for `seconds`.
fn run_raw(args: &Args, batch: usize, record_bytes: u64) -> Result<f64, String> {
    std::fs::create_dir_all(&args.dir).map_err(|e| e.to_string())?;
    let path = args.dir.join("raw.bin");
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| e.to_string())?;
    let buf = vec![b'r'; batch.max(1) * record_bytes as usize];
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let (mut offset, mut syncs) = (0u64, 0u64);
    while Instant::now() < deadline {
        file.write_all_at(&buf, offset).map_err(|e| e.to_string())?;
        file.sync_data().map_err(|e| e.to_string())?;
        offset += buf.len() as u64;
        syncs += 1;
        if offset > 1 << 30 {
            offset = 0;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    Ok(syncs as f64 * batch.max(1) as f64 / elapsed)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!(
                "{e}\nusage: conquiet-append-bench [--dir DIR] [--writers 1,16,64] [--seconds 5] [--bytes 1024]"
            );
            std::process::exit(2);
        }
    };
    println!(
        "durable appends of {} B entries, fsync=always, {} s per run, data in {}",
        args.bytes,
        args.seconds,
        args.dir.display()
    );
    println!(
        "{:>7} {:>12} {:>10} {:>9} {:>9} {:>14} {:>8}",
        "writers", "appends/s", "batch", "p50 us", "p99 us", "raw limit/s", "ratio"
    );
    for &writers in &args.writers {
        let run = match run_store(&args, writers) {
            Ok(run) => run,
            Err(e) => {
                eprintln!("store run with {writers} writers failed: {e}");
                std::process::exit(1);
            }
        };
        let rate = run.appends as f64 / run.elapsed.as_secs_f64();
        let batch = run.records_per_sync.round().max(1.0) as usize;
        let raw = match run_raw(&args, batch, run.record_bytes) {
            Ok(raw) => raw,
            Err(e) => {
                eprintln!("raw run failed: {e}");
                std::process::exit(1);
            }
        };
        println!(
            "{:>7} {:>12.0} {:>10.1} {:>9} {:>9} {:>14.0} {:>7.2}x",
            writers,
            rate,
            run.records_per_sync,
            percentile(&run.latencies_us, 0.5),
            percentile(&run.latencies_us, 0.99),
            raw,
            rate / raw
        );
    }
}
