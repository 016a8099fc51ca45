//! Turn-based rooms over RESP against a running server: ten clients speak at the same moment
//! round after round and exactly one wins each turn, in the order the events stream shows; a
//! turn timeout passes the turn with no other traffic and wakes a reader blocked on the
//! events stream; a room and its current turn come back after a stop and a restart on the
//! same data directory.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

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

/// A RESP2 room map as `key -> text`; an error reply as `{"error": text}`.
fn map(reply: &[u8]) -> BTreeMap<String, String> {
    match frame(reply) {
        Frame::Array(items) => items
            .chunks_exact(2)
            .map(|pair| (text(&pair[0]), text(&pair[1])))
            .collect(),
        f @ Frame::Error(_) => BTreeMap::from([("error".to_string(), text(&f))]),
        other => panic!("not a map: {other:?}"),
    }
}

/// The entries of an XRANGE or of one stream in an XREAD reply: id and fields.
fn entries(list: &Frame) -> Vec<(String, BTreeMap<String, String>)> {
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

fn events(peer: &mut Peer, room: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let key = format!("room:{room}:events");
    entries(&frame(&peer.call(&["XRANGE", &key, "-", "+"])))
}

fn info(peer: &mut Peer, room: &str) -> BTreeMap<String, String> {
    map(&peer.call(&["CQ.ROOM.INFO", room]))
}

fn create(peer: &mut Peer, room: &str, participants: &[String], extra: &[&str]) {
    let n = participants.len().to_string();
    let mut args = vec!["CQ.ROOM.CREATE", room, "PARTICIPANTS", &n];
    args.extend(participants.iter().map(String::as_str));
    args.extend_from_slice(extra);
    let created = map(&peer.call(&args));
    assert_eq!(created["state"], "created", "{created:?}");
}

#[test]
fn ten_speakers_at_once_exactly_one_wins_each_turn_in_the_streams_order() {
    const SPEAKERS: usize = 10;
    const ROUNDS: usize = 20;
    let server = TestServer::start(|_| {});
    let names: Vec<String> = (0..SPEAKERS).map(|i| format!("agent-{i}")).collect();
    let mut admin = server.peer();
    create(&mut admin, "meeting", &names, &[]);
    assert_eq!(
        map(&admin.call(&["CQ.ROOM.START", "meeting"]))["speaker"],
        "agent-0"
    );
    let barrier = Arc::new(Barrier::new(SPEAKERS));
    let threads: Vec<_> = names
        .iter()
        .map(|name| {
            let mut peer = server.peer();
            let barrier = barrier.clone();
            let name = name.clone();
            std::thread::spawn(move || {
                let mut replies = Vec::new();
                for round in 0..ROUNDS {
                    barrier.wait(); // every speaker sends at the same moment
                    let said = format!("{name} in round {round}");
                    let reply =
                        map(&peer.call(&["CQ.ROOM.SPEAK", "meeting", &name, &said, "PASS"]));
                    replies.push((round, name.clone(), said, reply));
                }
                replies
            })
        })
        .collect();
    let mut wins = Vec::new();
    let mut wins_per_round = vec![0; ROUNDS];
    for thread in threads {
        for (round, name, said, reply) in thread.join().expect("speaker thread") {
            match reply.get("error") {
                Some(error) => assert!(
                    error.starts_with("NOTYOURTURN room 'meeting': it is '"),
                    "{name}: {error}"
                ),
                None => {
                    wins_per_round[round] += 1;
                    // With PASS the reply shows the turn after the one spoken in.
                    let turn: u64 = reply["turn"].parse().expect("a turn");
                    wins.push((turn - 1, name, said, reply["id"].clone()));
                }
            }
        }
    }
    assert!(
        wins_per_round.iter().all(|n| *n >= 1),
        "a round with no winner: {wins_per_round:?}"
    );
    wins.sort();
    // Exactly one success per turn, turns without gaps, each by the participant in order.
    for (i, (turn, name, _, _)) in wins.iter().enumerate() {
        assert_eq!(
            *turn,
            i as u64 + 1,
            "turns {:?}",
            wins.iter().map(|w| w.0).collect::<Vec<_>>()
        );
        assert_eq!(*name, names[i % SPEAKERS], "turn {turn}");
    }
    // The stream's spoke entries are the successful replies, in turn order, each followed by
    // the turn change to the next participant.
    let all = events(&mut admin, "meeting");
    assert_eq!(all[0].1["event"], "started");
    let spoke: Vec<_> = all.iter().filter(|(_, f)| f["event"] == "spoke").collect();
    assert_eq!(spoke.len(), wins.len());
    for ((id, fields), (turn, name, said, won_id)) in spoke.iter().zip(&wins) {
        assert_eq!(id, won_id);
        assert_eq!(fields["turn"], turn.to_string());
        assert_eq!(&fields["participant"], name);
        assert_eq!(&fields["text"], said);
    }
    for pair in all[1..].chunks(2) {
        assert_eq!(pair[0].1["event"], "spoke");
        assert_eq!(pair[1].1["event"], "turn-changed");
        let next: u64 = pair[1].1["turn"].parse().expect("a turn");
        assert_eq!(pair[1].1["speaker"], names[(next as usize - 1) % SPEAKERS]);
    }
    let now = info(&mut admin, "meeting");
    assert_eq!(now["turn"], (wins.len() + 1).to_string());
}

#[test]
fn a_turn_timeout_passes_the_turn_with_no_traffic_and_wakes_a_blocked_reader() {
    let server = TestServer::start(|_| {});
    let names = vec!["ann".to_string(), "bob".to_string()];
    let mut admin = server.peer();
    create(&mut admin, "slow", &names, &["TURN-TIMEOUT", "300"]);
    let begun = map(&admin.call(&["CQ.ROOM.START", "slow"]));
    assert_eq!(begun["speaker"], "ann");
    let started = Instant::now();
    let mut reader = server.peer();
    // Blocks for what comes after the started entry; nobody else sends anything.
    let woken =
        frame(&reader.call(&["XREAD", "BLOCK", "5000", "STREAMS", "room:slow:events", "$"]));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
        "woken after {waited:?}"
    );
    let Frame::Array(streams) = woken else {
        panic!("XREAD answered {woken:?}");
    };
    let Frame::Array(stream) = &streams[0] else {
        panic!("not a stream: {streams:?}");
    };
    let got = entries(&stream[1]);
    assert_eq!(got[0].1["event"], "timed-out");
    assert_eq!(got[0].1["speaker"], "ann");
    assert_eq!(got[0].1["turn"], "1");
    let now = info(&mut admin, "slow");
    assert_eq!(
        (now["speaker"].as_str(), now["turn"].as_str()),
        ("bob", "2")
    );
    let late = map(&admin.call(&["CQ.ROOM.SPEAK", "slow", "ann", "sorry, I was away"]));
    assert_eq!(
        late["error"],
        "NOTYOURTURN room 'slow': it is 'bob's turn (turn 2)"
    );
    // Several turns in a row pass while nobody speaks.
    std::thread::sleep(Duration::from_millis(700));
    let kinds: Vec<String> = events(&mut admin, "slow")
        .into_iter()
        .map(|(_, f)| f["event"].clone())
        .collect();
    assert!(
        kinds.len() >= 5
            && kinds[1..5] == ["timed-out", "turn-changed", "timed-out", "turn-changed"],
        "{kinds:?}"
    );
    map(&admin.call(&["CQ.ROOM.END", "slow"]));
    let ended = events(&mut admin, "slow").len();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        events(&mut admin, "slow").len(),
        ended,
        "an ended room's timer stops"
    );
}

#[test]
fn a_room_and_its_turn_survive_a_restart_on_the_same_directory() {
    let mut first = TestServer::start(|_| {});
    let mut peer = first.peer();
    let names = vec!["ann".to_string(), "bob".to_string(), "cy".to_string()];
    create(&mut peer, "kept", &names, &["TURN-TIMEOUT", "600000"]);
    create(&mut peer, "quick", &names, &["TURN-TIMEOUT", "100"]);
    map(&peer.call(&["CQ.ROOM.START", "kept"]));
    map(&peer.call(&["CQ.ROOM.SPEAK", "kept", "ann", "one", "PASS"]));
    map(&peer.call(&["CQ.ROOM.SPEAK", "kept", "bob", "two", "PASS"]));
    map(&peer.call(&["CQ.ROOM.START", "quick"]));
    let before = info(&mut peer, "kept");
    assert_eq!(
        (before["speaker"].as_str(), before["turn"].as_str()),
        ("cy", "3")
    );
    let kept_events = events(&mut peer, "kept");
    drop(peer);
    first.stop().expect("stops");
    std::thread::sleep(Duration::from_millis(300));
    let dir = first.dir.path().to_path_buf();
    let second = TestServer::start(move |config| config.data_dir = dir);
    let mut peer = second.peer();
    assert_eq!(
        info(&mut peer, "kept"),
        before,
        "speaker, turn and its end come back"
    );
    assert_eq!(events(&mut peer, "kept"), kept_events);
    let refused = map(&peer.call(&["CQ.ROOM.SPEAK", "kept", "ann", "me again"]));
    assert_eq!(
        refused["error"],
        "NOTYOURTURN room 'kept': it is 'cy's turn (turn 3)"
    );
    let spoke = map(&peer.call(&["CQ.ROOM.SPEAK", "kept", "cy", "three", "PASS"]));
    assert_eq!(
        (spoke["speaker"].as_str(), spoke["turn"].as_str()),
        ("ann", "4")
    );
    // The quick room's turns ended while the server was down: they pass at the start, and
    // the events stream says so.
    let quick = info(&mut peer, "quick");
    assert!(
        quick["turn"].parse::<u64>().expect("a turn") >= 3,
        "{quick:?}"
    );
    let kinds: Vec<String> = events(&mut peer, "quick")
        .into_iter()
        .map(|(_, f)| f["event"].clone())
        .collect();
    assert_eq!(kinds[..3], ["started", "timed-out", "turn-changed"]);
    let busy = map(&peer.call(&["CQ.ROOM.CREATE", "kept", "PARTICIPANTS", "1", "x"]));
    assert_eq!(busy["error"], "BUSYROOM room 'kept' already exists");
}
