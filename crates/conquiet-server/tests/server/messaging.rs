//! Fan-out sends and conversations over RESP against a running server: a send to five
//! recipients leaves exactly one copy in each, and a send that one full recipient refuses
//! leaves none; two writers posting at once with EXPECT of the same last id: one wins, the
//! other gets CONFLICT, and the stream never forks; a reader that reconnects from its cursor
//! sees every message once; a conversation comes back after a stop and restart.

use std::collections::BTreeMap;

use conquiet_resp::{Frame, decode_frame};

use crate::support::{Peer, TestServer, show};

fn frame(reply: &[u8]) -> Frame {
    decode_frame(reply)
        .expect("a frame")
        .unwrap_or_else(|| panic!("a whole frame: {}", show(reply)))
        .0
}

/// A value as text: bulk and simple strings, integers, `nil`, arrays joined by commas.
fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Error(b) => {
            String::from_utf8_lossy(b).into_owned()
        }
        Frame::Integer(n) => n.to_string(),
        Frame::Null | Frame::NullArray => "nil".to_string(),
        Frame::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => panic!("unexpected value {other:?}"),
    }
}

/// A RESP2 map as `(key, text)` pairs in order; an error reply as `[("error", text)]`.
fn pairs(reply: &[u8]) -> Vec<(String, String)> {
    match frame(reply) {
        Frame::Array(items) => items
            .chunks_exact(2)
            .map(|pair| (text(&pair[0]), text(&pair[1])))
            .collect(),
        f @ Frame::Error(_) => vec![("error".to_string(), text(&f))],
        other => panic!("not a map: {other:?}"),
    }
}

fn map(reply: &[u8]) -> BTreeMap<String, String> {
    pairs(reply).into_iter().collect()
}

/// The entries of an XRANGE reply or of one stream in an XREAD reply: id and fields in order.
fn entries(list: &Frame) -> Vec<(String, Vec<(String, String)>)> {
    let Frame::Array(items) = list else {
        panic!("not a list of entries: {list:?}");
    };
    items
        .iter()
        .map(|entry| match entry {
            Frame::Array(pair) => {
                let Frame::Array(fields) = &pair[1] else {
                    panic!("no fields: {entry:?}");
                };
                let fields = fields
                    .chunks_exact(2)
                    .map(|kv| (text(&kv[0]), text(&kv[1])))
                    .collect();
                (text(&pair[0]), fields)
            }
            other => panic!("not an entry: {other:?}"),
        })
        .collect()
}

fn range(peer: &mut Peer, key: &str) -> Vec<(String, Vec<(String, String)>)> {
    entries(&frame(&peer.call(&["XRANGE", key, "-", "+"])))
}

#[test]
fn a_send_to_five_recipients_leaves_exactly_one_copy_in_each() {
    let server = TestServer::start(|_| {});
    let mut peer = server.peer();
    let names: Vec<String> = (1..=5).map(|i| format!("inbox-{i}")).collect();
    for name in &names {
        assert_eq!(show(&peer.call(&["CQ.CREATE", name])), "+OK\\r\\n");
    }
    let mut args = vec!["CQ.SEND", "TO", "5"];
    args.extend(names.iter().map(String::as_str));
    args.extend_from_slice(&["subject", "standup", "body", "at ten"]);
    let sent = pairs(&peer.call(&args));
    let order: Vec<&str> = sent.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(order, names, "one id per recipient, in the order named");
    for (name, id) in &sent {
        let got = range(&mut peer, name);
        assert_eq!(got.len(), 1, "{name} holds exactly one copy");
        assert_eq!(&got[0].0, id, "{name}");
        assert_eq!(
            got[0].1,
            [
                ("subject".to_string(), "standup".to_string()),
                ("body".to_string(), "at ten".to_string())
            ]
        );
        // Each recipient's own workers receive it, once.
        let received = frame(&peer.call(&["CQ.RECEIVE", name, "default", "w", "COUNT", "10"]));
        let Frame::Array(messages) = received else {
            panic!("{received:?}");
        };
        assert_eq!(messages.len(), 1, "{name}");
    }
    // One full recipient refuses the whole send: nobody gets a copy.
    let created = peer.call(&["CQ.CREATE", "full", "MAXLEN", "1"]);
    assert_eq!(show(&created), "+OK\\r\\n");
    map(&peer.call(&["CQ.SEND", "TO", "1", "full", "m", "first"]));
    let refused = map(&peer.call(&["CQ.SEND", "TO", "2", "inbox-1", "full", "m", "x"]));
    assert!(
        refused["error"].starts_with("FULL stream 'full' is full"),
        "{refused:?}"
    );
    let missing = map(&peer.call(&["CQ.SEND", "TO", "2", "inbox-1", "nobody", "m", "x"]));
    assert_eq!(
        missing["error"],
        "NOQUEUE no such queue 'nobody' to send to"
    );
    assert_eq!(
        range(&mut peer, "inbox-1").len(),
        1,
        "no copy from a refused send"
    );
}

fn create_conv(peer: &mut Peer, name: &str, participants: &[&str]) {
    let n = participants.len().to_string();
    let mut args = vec!["CQ.CONV.CREATE", name, "PARTICIPANTS", &n];
    args.extend_from_slice(participants);
    let created = map(&peer.call(&args));
    assert_eq!(created["messages"], "0", "{created:?}");
}

/// The conversation's last id now (`0-0` before the first message).
fn last_id(peer: &mut Peer, name: &str) -> String {
    let info = map(&peer.call(&["CQ.CONV.INFO", name]));
    match info["last-id"].as_str() {
        "nil" => "0-0".to_string(),
        id => id.to_string(),
    }
}

#[test]
fn two_writers_expecting_the_same_last_id_one_wins_and_the_stream_never_forks() {
    const ROUNDS: usize = 30;
    let server = TestServer::start(|_| {});
    let mut admin = server.peer();
    create_conv(&mut admin, "plan", &["ann", "bob"]);
    let mut peers = [server.peer(), server.peer()];
    let who = ["ann", "bob"];
    // What each accepted post expected, by the id it got.
    let mut expected_by_id = BTreeMap::new();
    for round in 0..ROUNDS {
        let seen = last_id(&mut admin, "plan");
        // Both writers act on the same state: each sends its post before reading any reply,
        // so the two requests are in the server at the same time.
        let requests: Vec<Vec<u8>> = who
            .iter()
            .map(|p| {
                crate::support::multibulk(&[
                    "CQ.CONV.POST",
                    "plan",
                    p,
                    "EXPECT",
                    &seen,
                    "text",
                    &format!("{p} {round}"),
                ])
            })
            .collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = peers
                .iter_mut()
                .zip(&requests)
                .map(|(peer, request)| s.spawn(move || pairs(&peer.send(request))))
                .collect();
            let replies: Vec<Vec<(String, String)>> =
                handles.into_iter().map(|h| h.join().unwrap()).collect();
            let (won, lost): (Vec<_>, Vec<_>) = replies.iter().partition(|r| r[0].0 != "error");
            assert_eq!(
                (won.len(), lost.len()),
                (1, 1),
                "round {round}: {replies:?}"
            );
            let id = won[0].iter().find(|(k, _)| k == "id").unwrap().1.clone();
            let conflict = &lost[0][0].1;
            assert_eq!(
                *conflict,
                format!("CONFLICT conversation 'plan' has moved on: last is {id}, not {seen}"),
                "round {round}"
            );
            expected_by_id.insert(id, seen.clone());
        });
    }
    let thread = range(&mut admin, "conv:plan:messages");
    assert_eq!(thread.len(), ROUNDS, "one message per round");
    let mut before = "0-0".to_string();
    for (id, fields) in &thread {
        assert_eq!(fields[0].0, "participant");
        assert_eq!(
            expected_by_id[id], before,
            "message {id}'s predecessor is what its poster expected"
        );
        before = id.clone();
    }
}

#[test]
fn a_reader_that_disconnects_resumes_from_its_cursor_and_sees_every_message_once() {
    const MESSAGES: usize = 40;
    let server = TestServer::start(|_| {});
    let mut writer = server.peer();
    create_conv(&mut writer, "log", &["w"]);
    let addr = server.addr;
    let reader = std::thread::spawn(move || {
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut cursor = "0-0".to_string();
        // A fresh connection for every few reads: each one is a reconnect from the cursor.
        while seen.len() < MESSAGES {
            let mut peer = Peer::connect(addr);
            for _ in 0..3 {
                let reply = frame(&peer.call(&[
                    "XREAD",
                    "COUNT",
                    "7",
                    "BLOCK",
                    "2000",
                    "STREAMS",
                    "conv:log:messages",
                    &cursor,
                ]));
                let Frame::Array(streams) = reply else {
                    continue; // timed out with nothing
                };
                let Frame::Array(stream) = &streams[0] else {
                    panic!("{streams:?}");
                };
                for (id, fields) in entries(&stream[1]) {
                    seen.push((id.clone(), fields[1].1.clone()));
                    cursor = id;
                }
            }
            drop(peer);
        }
        seen
    });
    for i in 0..MESSAGES {
        let posted = map(&writer.call(&["CQ.CONV.POST", "log", "w", "n", &i.to_string()]));
        assert!(posted.contains_key("id"), "{posted:?}");
        if i % 9 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    let seen = reader.join().unwrap();
    let texts: Vec<String> = seen.iter().map(|(_, n)| n.clone()).collect();
    let want: Vec<String> = (0..MESSAGES).map(|i| i.to_string()).collect();
    assert_eq!(texts, want, "every message exactly once, in order");
    let ids: Vec<String> = range(&mut writer, "conv:log:messages")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        seen.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        ids
    );
}

#[test]
fn a_conversation_survives_a_stop_and_restart_on_the_same_directory() {
    let mut first = TestServer::start(|_| {});
    let mut peer = first.peer();
    create_conv(&mut peer, "kept", &["ann", "bob"]);
    map(&peer.call(&["CQ.CONV.POST", "kept", "ann", "text", "one"]));
    let two = map(&peer.call(&["CQ.CONV.POST", "kept", "bob", "text", "two"]));
    let before = map(&peer.call(&["CQ.CONV.INFO", "kept"]));
    let thread = range(&mut peer, "conv:kept:messages");
    drop(peer);
    first.stop().expect("stops");
    let dir = first.dir.path().to_path_buf();
    let second = TestServer::start(move |config| config.data_dir = dir);
    let mut peer = second.peer();
    assert_eq!(map(&peer.call(&["CQ.CONV.INFO", "kept"])), before);
    assert_eq!(before["messages"], "2");
    assert_eq!(before["last-id"], two["id"]);
    assert_eq!(range(&mut peer, "conv:kept:messages"), thread);
    let stale = map(&peer.call(&["CQ.CONV.POST", "kept", "ann", "EXPECT", "0-0", "t", "x"]));
    assert!(stale["error"].starts_with("CONFLICT conversation 'kept' has moved on"));
    let three = map(&peer.call(&[
        "CQ.CONV.POST",
        "kept",
        "ann",
        "EXPECT",
        &two["id"],
        "t",
        "3",
    ]));
    assert_eq!(three["messages"], "3");
    let outsider = map(&peer.call(&["CQ.CONV.POST", "kept", "eve", "t", "x"]));
    assert_eq!(
        outsider["error"],
        "NOTPARTICIPANT conversation 'kept' has no participant 'eve'"
    );
}
