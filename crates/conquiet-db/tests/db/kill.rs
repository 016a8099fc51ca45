//! A real process appending with fsync=always is killed with SIGKILL at random moments, over
//! many cycles; after each, the store is reopened and every append the process reported as
//! acknowledged must be there. `CONQUIET_KILL_CYCLES` sets the cycle count (default 12).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use conquiet_db::{Db, DbOptions};

use crate::common::{Rng, entries, range_all};

#[test]
fn acknowledged_appends_survive_sigkill_over_many_cycles() {
    let cycles: u64 = std::env::var("CONQUIET_KILL_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!("sigkill test seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut acked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut total_acked = 0u64;
    for cycle in 0..cycles {
        let mut child = Process::new(env!("CARGO_BIN_EXE_conquiet-crash-writer"))
            .arg(dir.path())
            .arg(format!("c{cycle}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer");
        let stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(line) => lines.push(line),
                    Err(_) => break,
                }
            }
            lines
        });
        // Wait for the first acknowledgement, then a random while more, then kill.
        let started = Instant::now();
        std::thread::sleep(Duration::from_millis(100 + rng.below(400)));
        child.kill().expect("SIGKILL the writer");
        let _ = child.wait();
        let lines = reader.join().expect("reader thread");
        let mut this_cycle = 0;
        for line in lines {
            let parts: Vec<&str> = line.split(' ').collect();
            if parts.len() == 4 && parts[0] == "ACK" {
                acked
                    .entry(parts[1].to_string())
                    .or_default()
                    .insert(parts[3].to_string());
                this_cycle += 1;
            }
        }
        total_acked += this_cycle;
        let (db, report) =
            Db::open_dir(dir.path(), DbOptions::default()).expect("reopen after SIGKILL");
        let mut lost = 0;
        let mut present = 0;
        for (stream, tags) in &acked {
            let found: BTreeSet<String> =
                entries(db.submit_blocking(range_all(stream)).expect("range"))
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
            present += found.len();
            lost += tags.iter().filter(|t| !found.contains(*t)).count();
        }
        db.close().expect("close");
        println!(
            "cycle {cycle}: ran {} ms, {this_cycle} acknowledged, {present} stored, {lost} lost, torn tail {:?}",
            started.elapsed().as_millis(),
            report.torn_tail.map(|t| t.bytes_dropped)
        );
        assert_eq!(
            lost, 0,
            "cycle {cycle} (seed {seed}): acknowledged appends lost"
        );
    }
    println!("{cycles} cycles, {total_acked} acknowledged appends, 0 lost");
    assert!(
        total_acked > 0,
        "the writer acknowledged nothing: the test proved nothing"
    );
}
