//! The server in-process, driven by the `redis` crate over TCP.

use std::io::Write;
use std::time::Duration;

use conquiet_server::Config;
use redis::{Commands, Value};

use crate::support::{Peer, TestServer, multibulk, show};

#[test]
fn streams_and_groups_work_through_a_real_redis_client() {
    let mut server = TestServer::start(|_| {});
    let mut con = server.client();
    let id: String = redis::cmd("XADD")
        .arg("s")
        .arg("*")
        .arg("f")
        .arg("v")
        .query(&mut con)
        .unwrap();
    assert!(id.contains('-'));
    let len: i64 = con.xlen("s").unwrap();
    assert_eq!(len, 1);
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg("s")
        .arg("g")
        .arg("0")
        .query(&mut con)
        .unwrap();
    let read: Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("g")
        .arg("c")
        .arg("COUNT")
        .arg(10)
        .arg("STREAMS")
        .arg("s")
        .arg(">")
        .query(&mut con)
        .unwrap();
    assert!(format!("{read:?}").contains(&id), "{read:?}");
    let acked: i64 = redis::cmd("XACK")
        .arg("s")
        .arg("g")
        .arg(&id)
        .query(&mut con)
        .unwrap();
    assert_eq!(acked, 1);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_blocked_read_on_one_connection_is_woken_by_an_add_on_another() {
    let mut server = TestServer::start(|_| {});
    let url = server.url.clone();
    let reader = std::thread::spawn(move || {
        let mut con = redis::Client::open(url.as_str())
            .unwrap()
            .get_connection()
            .unwrap();
        redis::cmd("XREAD")
            .arg("BLOCK")
            .arg(5000)
            .arg("STREAMS")
            .arg("s")
            .arg("$")
            .query::<Value>(&mut con)
    });
    std::thread::sleep(Duration::from_millis(200));
    let mut con = server.client();
    let id: String = redis::cmd("XADD")
        .arg("s")
        .arg("*")
        .arg("f")
        .arg("v")
        .query(&mut con)
        .unwrap();
    let read = reader.join().unwrap().unwrap();
    assert!(format!("{read:?}").contains(&id), "{read:?}");
    server.stop().expect("clean shutdown");
}

#[test]
fn a_pipeline_of_thousands_of_commands_is_answered_in_order() {
    let mut server = TestServer::start(|_| {});
    let mut con = server.client();
    let mut pipe = redis::pipe();
    for i in 0..3000 {
        pipe.cmd("XADD")
            .arg("p")
            .arg(format!("{}-0", i + 1))
            .arg("i")
            .arg(i);
    }
    let ids: Vec<String> = pipe.query(&mut con).unwrap();
    assert_eq!(ids.len(), 3000);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(id, &format!("{}-0", i + 1));
    }
    server.stop().expect("clean shutdown");
}

/// The number `field` of INFO `section`.
fn info_number(peer: &mut Peer, section: &str, field: &str) -> u64 {
    let info = String::from_utf8(peer.call(&["INFO", section])).unwrap();
    info.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("INFO {section} has {field}"))
        .trim()
        .parse()
        .unwrap()
}

fn wal_syncs(peer: &mut Peer) -> u64 {
    info_number(peer, "persistence", "wal_syncs")
}

#[test]
fn pipelined_writes_share_fdatasyncs_and_are_answered_in_place() {
    let mut server = TestServer::start(|_| {});
    let mut peer = server.peer();
    let before = wal_syncs(&mut peer);
    let requests_before = info_number(&mut peer, "persistence", "writer_requests");
    // 400 adds in one write, an add the stream must refuse in the middle, then a read that
    // must see every add before it.
    let mut pipeline = Vec::new();
    for i in 1..=400 {
        if i == 201 {
            pipeline.extend(multibulk(&["XADD", "p", "100-0", "f", "late"]));
        }
        pipeline.extend(multibulk(&["XADD", "p", &format!("{i}-0"), "f", "v"]));
    }
    pipeline.extend(multibulk(&["XLEN", "p"]));
    peer.stream.write_all(&pipeline).unwrap();
    for i in 1..=400 {
        if i == 201 {
            let refused = peer.reply();
            assert!(refused.starts_with(b"-ERR"), "{}", show(&refused));
        }
        assert_eq!(
            peer.reply(),
            format!("${}\r\n{i}-0\r\n", format!("{i}-0").len()).as_bytes()
        );
    }
    assert_eq!(peer.reply(), b":400\r\n");
    // One connection's pipeline used to cost one fdatasync per add.
    let syncs = wal_syncs(&mut peer) - before;
    assert!(syncs < 100, "400 pipelined adds took {syncs} fdatasyncs");
    // ... and one hand-off to the store's writer per add.
    let requests = info_number(&mut peer, "persistence", "writer_requests") - requests_before;
    assert!(
        requests < 100,
        "402 pipelined commands took {requests} writer requests"
    );
    server.stop().expect("clean shutdown");
}

#[test]
fn a_client_that_half_closes_after_a_pipeline_gets_every_reply() {
    let mut server = TestServer::start(|_| {});
    let mut peer = server.peer();
    let mut pipeline = Vec::new();
    for i in 1..=50 {
        pipeline.extend(multibulk(&["XADD", "h", &format!("{i}-0"), "f", "v"]));
    }
    peer.stream.write_all(&pipeline).unwrap();
    // As `nc -N` or a script does: nothing more to send, the replies are still wanted.
    peer.stream.shutdown(std::net::Shutdown::Write).unwrap();
    for i in 1..=50 {
        assert_eq!(
            peer.reply(),
            format!("${}\r\n{i}-0\r\n", format!("{i}-0").len()).as_bytes()
        );
    }
    server.stop().expect("clean shutdown");
}

#[test]
fn info_memory_reports_the_resident_set_and_it_grows_with_entries() {
    let mut server = TestServer::start(|_| {});
    let mut peer = server.peer();
    let rss = |peer: &mut Peer| info_number(peer, "memory", "used_memory_rss");
    let before = rss(&mut peer);
    assert!(
        before > 1 << 20,
        "a running server is over 1 MiB resident: {before}"
    );
    let value = "v".repeat(4096);
    let mut pipeline = Vec::new();
    for _ in 0..5000 {
        pipeline.extend(multibulk(&["XADD", "m", "*", "f", &value]));
    }
    peer.stream.write_all(&pipeline).unwrap();
    for _ in 0..5000 {
        peer.reply();
    }
    // 20 MB of values are held in memory.
    let after = rss(&mut peer);
    assert!(after > before + (10 << 20), "{before} -> {after}");
    server.stop().expect("clean shutdown");
}

#[test]
fn multi_exec_is_atomic_and_watch_aborts_on_change() {
    let mut server = TestServer::start(|_| {});
    let mut con = server.client();
    let (a, b): (String, i64) = redis::pipe()
        .atomic()
        .cmd("XADD")
        .arg("t")
        .arg("1-0")
        .arg("f")
        .arg("v")
        .cmd("XLEN")
        .arg("t")
        .query(&mut con)
        .unwrap();
    assert_eq!((a.as_str(), b), ("1-0", 1));
    let _: () = redis::cmd("WATCH").arg("t").query(&mut con).unwrap();
    let mut other = server.client();
    let _: String = redis::cmd("XADD")
        .arg("t")
        .arg("2-0")
        .arg("f")
        .arg("v")
        .query(&mut other)
        .unwrap();
    let _: () = redis::cmd("MULTI").query(&mut con).unwrap();
    let _: () = redis::cmd("XADD")
        .arg("t")
        .arg("3-0")
        .arg("f")
        .arg("v")
        .query(&mut con)
        .unwrap();
    let exec: Value = redis::cmd("EXEC").query(&mut con).unwrap();
    assert_eq!(exec, Value::Nil, "a watched key changed: EXEC is aborted");
    let len: i64 = con.xlen("t").unwrap();
    assert_eq!(len, 2);
    server.stop().expect("clean shutdown");
}

#[test]
fn a_password_is_required_before_anything_but_auth() {
    let mut server = TestServer::start(|c| c.requirepass = Some("secret".into()));
    let mut con = redis::Client::open(server.url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let refused = redis::cmd("XLEN")
        .arg("s")
        .query::<i64>(&mut con)
        .unwrap_err();
    assert!(refused.to_string().contains("NOAUTH"), "{refused}");
    let wrong = redis::cmd("AUTH")
        .arg("nope")
        .query::<()>(&mut con)
        .unwrap_err();
    assert!(wrong.to_string().contains("WRONGPASS"), "{wrong}");
    let _: () = redis::cmd("AUTH").arg("secret").query(&mut con).unwrap();
    let len: i64 = con.xlen("s").unwrap();
    assert_eq!(len, 0);
    server.stop().expect("clean shutdown");
}

#[test]
fn shutdown_wakes_blocked_readers_with_their_empty_reply_and_leaves_no_connection() {
    let mut server = TestServer::start(|_| {});
    let url = server.url.clone();
    let reader = std::thread::spawn(move || {
        let mut con = redis::Client::open(url.as_str())
            .unwrap()
            .get_connection()
            .unwrap();
        redis::cmd("XREAD")
            .arg("BLOCK")
            .arg(0)
            .arg("STREAMS")
            .arg("s")
            .arg("$")
            .query::<Value>(&mut con)
    });
    std::thread::sleep(Duration::from_millis(200));
    let started = std::time::Instant::now();
    server.stop().expect("clean shutdown within the deadline");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        reader.join().unwrap().unwrap(),
        Value::Nil,
        "BLOCK 0 answered empty at shutdown"
    );
    // The listener is gone: nothing accepts connections any more.
    assert!(std::net::TcpStream::connect(server.addr).is_err());
    // Nothing the server spawned outlives it: no connection, timer or store task.
    assert_eq!(
        server.alive_tasks_after(Duration::from_secs(1)),
        0,
        "tasks left on the runtime after stop()"
    );
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let server = TestServer::start(|_| {});
    let config = Config {
        data_dir: server.dir.path().to_path_buf(),
        resp_addr: "127.0.0.1:0".parse().unwrap(),
        http_addr: None,
        ..Config::default()
    };
    let refused = server
        .runtime
        .block_on(conquiet_server::start(config))
        .err()
        .expect("refused");
    assert!(
        refused
            .to_string()
            .contains("in use by another running conquiet"),
        "{refused}"
    );
}

#[test]
fn a_malformed_frame_gets_an_error_and_the_connection_is_closed() {
    use std::io::{Read, Write};
    let mut server = TestServer::start(|_| {});
    let mut raw = std::net::TcpStream::connect(server.addr).unwrap();
    raw.write_all(b"*1\r\n$999999999999\r\n").unwrap();
    let mut reply = Vec::new();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = raw.read_to_end(&mut reply);
    assert_eq!(reply, b"-ERR Protocol error: invalid bulk length\r\n");
    // The server is still up for others.
    let mut con = server.client();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
    server.stop().expect("clean shutdown");
}

#[test]
fn client_info_and_command_answer_what_clients_ask_on_connect() {
    let mut server = TestServer::start(|_| {});
    let mut con = server.client();
    let mut other = server.client();
    let _: () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("worker-1")
        .query(&mut other)
        .unwrap();
    let other_id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut other).unwrap();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut con).unwrap();
    assert!(list.contains("name=worker-1"), "{list}");
    assert!(list.contains(&format!("id={other_id} ")), "{list}");
    let _: () = redis::cmd("CLIENT")
        .arg("SETINFO")
        .arg("LIB-NAME")
        .arg("x")
        .query(&mut con)
        .unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(other_id)
        .query(&mut con)
        .unwrap();
    assert_eq!(killed, 1);
    assert!(
        redis::cmd("PING").query::<String>(&mut other).is_err(),
        "the killed client is gone"
    );
    let info: String = redis::cmd("INFO").query(&mut con).unwrap();
    for field in [
        "redis_version:7.0",
        "arch_bits:64",
        "cluster_enabled:0",
        "blocked_clients:0",
        "connected_clients:",
        "aof_enabled:1",
        "total_commands_processed:",
        "# Keyspace",
    ] {
        assert!(info.contains(field), "INFO lacks {field}: {info}");
    }
    let count: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut con).unwrap();
    assert!(count > 30, "{count}");
    let all: Vec<redis::Value> = redis::cmd("COMMAND").query(&mut con).unwrap();
    assert_eq!(all.len() as i64, count);
    let xadd: Vec<redis::Value> = redis::cmd("COMMAND")
        .arg("INFO")
        .arg("xadd")
        .arg("nosuch")
        .query(&mut con)
        .unwrap();
    assert_eq!(xadd.len(), 2);
    assert_eq!(xadd[1], redis::Value::Nil);
    let docs: redis::Value = redis::cmd("COMMAND")
        .arg("DOCS")
        .arg("xadd")
        .query(&mut con)
        .unwrap();
    assert!(format!("{docs:?}").contains("summary"), "{docs:?}");
    server.stop().expect("clean shutdown");
}
