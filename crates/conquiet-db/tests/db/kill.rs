//! A real process appending with fsync=always is killed with SIGKILL at random moments, over
//! many cycles; after each, the store is reopened and every append the process reported as
//! acknowledged must be there. `CONQUIET_KILL_CYCLES` sets the cycle count (default 12).
//!
//! SIGKILL keeps the page cache, so this covers the write, recovery and acknowledgement paths;
//! a missing fsync is caught by the power-loss crash tests (`crash_tests.rs`) instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use conquiet_db::{Db, DbOptions};

use crate::common::{Rng, entries, range_all};

/// Starts the writer, lets it run a random while, kills it, and returns the tags it printed
/// as acknowledged, by stream.
fn run_and_kill(dir: &Path, tag: &str, broken: bool, rng: &mut Rng) -> Vec<(String, String)> {
    let mut writer = Process::new(env!("CARGO_BIN_EXE_conquiet-crash-writer"));
    if broken {
        writer.env("CONQUIET_CRASH_WRITER_BROKEN", "ack-before-write");
    }
    let mut child = writer
        .arg(dir)
        .arg(tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    std::thread::sleep(Duration::from_millis(100 + rng.below(400)));
    child.kill().expect("SIGKILL the writer");
    let _ = child.wait();
    let lines = reader.join().expect("reader thread");
    lines
        .iter()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            (parts.len() == 4 && parts[0] == "ACK")
                .then(|| (parts[1].to_string(), parts[3].to_string()))
        })
        .collect()
}

/// The tags stored in each stream.
fn stored(db: &Db, streams: impl Iterator<Item = String>) -> BTreeMap<String, BTreeSet<String>> {
    streams
        .map(|stream| {
            let tags = entries(db.submit_blocking(range_all(&stream)).expect("range"))
                .iter()
                .map(|e| {
                    let (_, v) = e.data.pairs().next().expect("one field");
                    let v = String::from_utf8_lossy(v);
                    v.rsplit_once(':')
                        .map(|x| x.0)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            (stream, tags)
        })
        .collect()
}

/// Runs `cycles` kill-and-reopen cycles; returns (acknowledged, lost) in total.
fn kill_cycles(cycles: u64, broken: bool) -> (u64, u64) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!("sigkill test seed {seed}, broken writer: {broken}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut acked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut total_acked, mut total_lost) = (0u64, 0u64);
    for cycle in 0..cycles {
        let started = Instant::now();
        let printed = run_and_kill(dir.path(), &format!("c{cycle}"), broken, &mut rng);
        total_acked += printed.len() as u64;
        for (stream, tag) in &printed {
            acked.entry(stream.clone()).or_default().insert(tag.clone());
        }
        let (db, report) =
            Db::open_dir(dir.path(), DbOptions::default()).expect("reopen after SIGKILL");
        let found = stored(&db, acked.keys().cloned());
        db.close().expect("close");
        let present: usize = found.values().map(BTreeSet::len).sum();
        let lost: usize = acked
            .iter()
            .map(|(stream, tags)| tags.iter().filter(|t| !found[stream].contains(*t)).count())
            .sum();
        println!(
            "cycle {cycle}: ran {} ms, {} acknowledged, {present} stored, {lost} lost, torn tail {:?}",
            started.elapsed().as_millis(),
            printed.len(),
            report.torn_tail.map(|t| t.bytes_dropped)
        );
        if !broken {
            assert_eq!(
                lost, 0,
                "cycle {cycle} (seed {seed}): acknowledged appends lost"
            );
        }
        total_lost = lost as u64;
    }
    println!("{cycles} cycles, {total_acked} acknowledged appends, {total_lost} lost");
    (total_acked, total_lost)
}

#[test]
fn acknowledged_appends_survive_sigkill_over_many_cycles() {
    let cycles = std::env::var("CONQUIET_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let (acked, lost) = kill_cycles(cycles, false);
    assert!(
        acked > 0,
        "the writer acknowledged nothing: the test proved nothing"
    );
    assert_eq!(lost, 0);
}

#[test]
fn the_sigkill_check_catches_a_writer_that_acknowledges_before_writing() {
    let (_, lost) = kill_cycles(6, true);
    assert!(
        lost > 0,
        "a writer that acknowledges before writing must be caught losing appends"
    );
}
