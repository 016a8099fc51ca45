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
    spawn_with(dir, port, &[])
}

fn spawn_with(dir: &std::path::Path, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conquiet"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--resp-addr", &format!("127.0.0.1:{port}")])
        .args(["--http-addr", "off"])
        .args(extra)
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

fn send_sigterm(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_second_signal_exits_at_once_while_a_graceful_shutdown_waits() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = spawn_with(dir.path(), port, &["--shutdown-timeout-ms", "60000"]);
    let mut con = connect(port);
    let value = "x".repeat(1000);
    for i in 1..=100 {
        let _: String = redis::cmd("XADD")
            .arg("s")
            .arg(format!("{i}-0"))
            .arg("f")
            .arg(&value)
            .query(&mut con)
            .unwrap();
    }
    // A client that asks for ~30 MB of replies and never reads holds the graceful shutdown
    // until its (60 s) deadline.
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request: &[u8] = b"*4\r\n$6\r\nXRANGE\r\n$1\r\ns\r\n$1\r\n-\r\n$1\r\n+\r\n";
    stalled.write_all(&request.repeat(300)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    send_sigterm(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the graceful shutdown waits for the stalled client"
    );
    send_sigterm(&child);
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                !status.success(),
                "the second signal exits at once: {status}"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the second signal did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stalled);
}

/// Stops the server with SIGTERM (graceful) and checks it exits 0.
fn unsafe_free_sigterm(child: &mut Child) {
    send_sigterm(child);
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
