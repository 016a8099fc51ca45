//! The real binary: written through RESP, killed with SIGKILL, restarted, read back.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conquiet"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--resp-addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn conquiet")
}

fn connect(port: u16) -> redis::Connection {
    let started = Instant::now();
    loop {
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
        match client.get_connection() {
            Ok(con) => return con,
            Err(e) if started.elapsed() > Duration::from_secs(20) => {
                panic!("server did not come up: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn everything_acknowledged_over_resp_survives_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut acked = Vec::new();
    for round in 0..3 {
        let mut child = spawn(dir.path(), port);
        let mut con = connect(port);
        for i in 0..200 {
            let id: String = redis::cmd("XADD")
                .arg("k")
                .arg("*")
                .arg("v")
                .arg(format!("{round}-{i}"))
                .query(&mut con)
                .unwrap();
            acked.push(id);
        }
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
    }
    let mut child = spawn(dir.path(), port);
    let mut con = connect(port);
    let ids: Vec<String> = {
        let reply: redis::Value = redis::cmd("XRANGE")
            .arg("k")
            .arg("-")
            .arg("+")
            .query(&mut con)
            .unwrap();
        let redis::Value::Array(entries) = reply else {
            panic!("{reply:?}")
        };
        entries
            .into_iter()
            .map(|e| match e {
                redis::Value::Array(mut parts) => match parts.remove(0) {
                    redis::Value::BulkString(id) => String::from_utf8(id).unwrap(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        ids, acked,
        "every acknowledged entry is back, in order, and nothing else"
    );
    unsafe_free_sigterm(&mut child);
}

/// Stops the server with SIGTERM (graceful) and checks it exits 0.
fn unsafe_free_sigterm(child: &mut Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "shutdown took too long"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
