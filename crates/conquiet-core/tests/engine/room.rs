//! Turn-based rooms on the fake clock: turn order and wrap-around, refusals (not your turn,
//! not a participant, wrong state), PASS, turn timeouts decided at `now` (one, several in a
//! row, many collapsed into one event), the timer command the writer sends, the events
//! stream, limits, and room state through snapshots and through replay of the log.

use conquiet_core::codec::{decode_record, decode_snapshot, encode_record, encode_snapshot};
use conquiet_core::limits::*;
use conquiet_core::room::{RoomCommand, RoomState, RoomView, events_key};
use conquiet_core::*;

use crate::util::*;

fn create(name: &str, participants: &[&str], timeout: Option<u64>) -> Command {
    Command::Room(RoomCommand::Create {
        name: k(name),
        participants: participants.iter().map(|p| k(p)).collect(),
        turn_timeout_ms: timeout,
    })
}

fn start(name: &str) -> Command {
    Command::Room(RoomCommand::Start { name: k(name) })
}

fn speak(name: &str, who: &str, text: &str, pass: bool) -> Command {
    Command::Room(RoomCommand::Speak {
        name: k(name),
        participant: k(who),
        text: k(text),
        pass,
    })
}

fn pass(name: &str, who: &str) -> Command {
    Command::Room(RoomCommand::Pass {
        name: k(name),
        participant: k(who),
    })
}

fn end(name: &str) -> Command {
    Command::Room(RoomCommand::End { name: k(name) })
}

fn info_cmd(name: &str) -> Command {
    Command::Room(RoomCommand::Info { name: k(name) })
}

fn expire(name: &str) -> Command {
    Command::Room(RoomCommand::Expire { name: k(name) })
}

fn room(reply: Reply) -> RoomView {
    match reply {
        Reply::Room(view) => *view,
        other => panic!("not a room reply: {other:?}"),
    }
}

fn info(e: &mut Engine, now: u64, name: &str) -> RoomView {
    room(ok(e, now, &info_cmd(name)))
}

/// Speaker name and turn, as INFO answers them at `now`.
fn turn_at(e: &mut Engine, now: u64, name: &str) -> (String, u64) {
    let v = info(e, now, name);
    let who = v
        .speaker
        .map(|s| String::from_utf8(s).expect("utf-8"))
        .unwrap_or_default();
    (who, v.turn)
}

/// Every entry of a room's stream as `field=value` strings, `text` and ids left out.
fn events(e: &mut Engine, name: &str) -> Vec<String> {
    let reply = ok(
        e,
        0,
        &Command::Range {
            key: events_key(name.as_bytes()),
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: None,
            rev: false,
        },
    );
    entries(reply)
        .into_iter()
        .map(|entry| {
            entry
                .data
                .pairs()
                .filter(|(f, _)| *f != b"turn-until-ms")
                .map(|(f, v)| {
                    format!(
                        "{}={}",
                        String::from_utf8_lossy(f),
                        String::from_utf8_lossy(v)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn started(e: &mut Engine, now: u64, participants: &[&str], timeout: Option<u64>) {
    ok(e, now, &create("r", participants, timeout));
    ok(e, now, &start("r"));
}

#[test]
fn turns_go_in_order_and_wrap_around() {
    let mut e = engine();
    let created = room(ok(&mut e, 100, &create("r", &["a", "b", "c"], None)));
    assert_eq!(created.state, RoomState::Created);
    assert_eq!((created.speaker, created.turn), (None, 0));
    assert_eq!(created.events_stream, k("room:r:events"));
    let begun = room(ok(&mut e, 100, &start("r")));
    assert_eq!((begun.speaker, begun.turn), (Some(k("a")), 1));
    for (turn, who) in [(1, "a"), (2, "b"), (3, "c"), (4, "a"), (5, "b")] {
        assert_eq!(turn_at(&mut e, 200, "r"), (who.to_string(), turn));
        ok(&mut e, 200, &speak("r", who, "hello", false));
        let after = room(ok(&mut e, 200, &pass("r", who)));
        assert_eq!(after.turn, turn + 1);
    }
    assert_eq!(turn_at(&mut e, 300, "r"), ("c".to_string(), 6));
}

#[test]
fn only_the_current_speaker_may_speak_or_pass() {
    let mut e = engine();
    started(&mut e, 100, &["a", "b"], None);
    assert_eq!(
        err(&mut e, 100, &speak("r", "b", "me first", false)).to_string(),
        "NOTYOURTURN room 'r': it is 'a's turn (turn 1)"
    );
    assert_eq!(
        err(&mut e, 100, &pass("r", "b")).to_string(),
        "NOTYOURTURN room 'r': it is 'a's turn (turn 1)"
    );
    assert_eq!(
        err(&mut e, 100, &speak("r", "z", "hi", false)).to_string(),
        "NOTPARTICIPANT room 'r' has no participant 'z'"
    );
    // Speaking does not pass the turn by itself.
    ok(&mut e, 100, &speak("r", "a", "one", false));
    ok(&mut e, 100, &speak("r", "a", "two", false));
    assert!(matches!(
        err(&mut e, 100, &speak("r", "b", "x", false)),
        CommandError::NotYourTurn { turn: 1, .. }
    ));
    // PASS on speak speaks and passes in one op.
    let spoke = room(ok(&mut e, 100, &speak("r", "a", "three", true)));
    assert_eq!((spoke.speaker, spoke.turn), (Some(k("b")), 2));
    assert_eq!(
        events(&mut e, "r"),
        [
            "event=started turn=1 speaker=a",
            "event=spoke turn=1 participant=a text=one",
            "event=spoke turn=1 participant=a text=two",
            "event=spoke turn=1 participant=a text=three",
            "event=turn-changed turn=2 speaker=b",
        ]
    );
}

#[test]
fn a_speak_reply_names_its_spoke_entry() {
    let mut e = engine();
    started(&mut e, 100, &["a", "b"], None);
    let spoke = room(ok(&mut e, 150, &speak("r", "a", "hi", true)));
    assert_eq!(
        spoke.event_id,
        Some(id(150, 0)),
        "the spoke entry, not the turn change"
    );
    let passed = room(ok(&mut e, 160, &pass("r", "b")));
    assert_eq!(passed.event_id, Some(id(160, 0)));
}

#[test]
fn room_states_refuse_what_they_do_not_allow() {
    let mut e = engine();
    ok(&mut e, 100, &create("r", &["a"], None));
    let early = err(&mut e, 100, &speak("r", "a", "hi", false));
    assert_eq!(early.to_string(), "ROOMSTATE room 'r' has not started");
    assert!(matches!(
        err(&mut e, 100, &pass("r", "a")),
        CommandError::RoomState { .. }
    ));
    ok(&mut e, 100, &start("r"));
    assert_eq!(
        err(&mut e, 100, &start("r")).to_string(),
        "ROOMSTATE room 'r' has already started"
    );
    let ended = room(ok(&mut e, 100, &end("r")));
    assert_eq!((ended.state, ended.speaker), (RoomState::Ended, None));
    assert_eq!(
        err(&mut e, 100, &speak("r", "a", "late", false)).to_string(),
        "ROOMSTATE room 'r' has ended"
    );
    assert!(matches!(
        err(&mut e, 100, &pass("r", "a")),
        CommandError::RoomState { .. }
    ));
    assert!(matches!(
        err(&mut e, 100, &end("r")),
        CommandError::RoomState { .. }
    ));
    assert!(matches!(
        err(&mut e, 100, &start("r")),
        CommandError::RoomState { .. }
    ));
    assert_eq!(
        events(&mut e, "r").last().map(String::as_str),
        Some("event=ended turn=1")
    );
    assert_eq!(
        err(&mut e, 100, &create("r", &["b"], None)).to_string(),
        "BUSYROOM room 'r' already exists"
    );
    assert_eq!(
        err(&mut e, 100, &info_cmd("nope")).to_string(),
        "NOROOM no such room 'nope'"
    );
}

#[test]
fn a_turn_times_out_at_its_end_as_seen_at_now() {
    let mut e = engine();
    started(&mut e, 1000, &["a", "b", "c"], Some(100));
    let v = info(&mut e, 1099, "r");
    assert_eq!(
        (v.speaker, v.turn, v.turn_until_ms),
        (Some(k("a")), 1, Some(1100))
    );
    assert!(!is_write(&e, 1099, &expire("r")), "nothing ended yet");
    // At 1100 the turn is over: INFO says so, and a's speak is refused, without any op.
    let v = info(&mut e, 1100, "r");
    assert_eq!(
        (v.speaker, v.turn, v.turn_until_ms),
        (Some(k("b")), 2, Some(1200))
    );
    assert!(matches!(
        err(&mut e, 1100, &speak("r", "a", "late", false)),
        CommandError::NotYourTurn { turn: 2, .. }
    ));
    // b's speak logs the timeout with its own events, in order.
    ok(&mut e, 1150, &speak("r", "b", "hi", false));
    assert_eq!(
        events(&mut e, "r"),
        [
            "event=started turn=1 speaker=a",
            "event=timed-out turn=1 speaker=a",
            "event=turn-changed turn=2 speaker=b",
            "event=spoke turn=2 participant=b text=hi",
        ]
    );
    // The next turn ends a timeout after the missed end (1200), not after the speak.
    assert_eq!(info(&mut e, 1150, "r").turn_until_ms, Some(1200));
}

#[test]
fn several_timeouts_in_a_row_pass_several_turns() {
    let mut e = engine();
    started(&mut e, 1000, &["a", "b", "c"], Some(100));
    // Ends at 1100, 1200, 1300, 1400: four turns over by 1450; turn 5 is b's.
    assert_eq!(turn_at(&mut e, 1450, "r"), ("b".to_string(), 5));
    assert_eq!(e.room_deadline().map(|(at, _)| at), Some(1100));
    let expired = room(ok(&mut e, 1450, &expire("r")));
    assert_eq!((expired.turn, expired.turn_until_ms), (5, Some(1500)));
    assert_eq!(e.room_deadline().map(|(at, _)| at), Some(1500));
    assert_eq!(
        events(&mut e, "r")[1..],
        [
            "event=timed-out turn=1 speaker=a",
            "event=turn-changed turn=2 speaker=b",
            "event=timed-out turn=2 speaker=b",
            "event=turn-changed turn=3 speaker=c",
            "event=timed-out turn=3 speaker=c",
            "event=turn-changed turn=4 speaker=a",
            "event=timed-out turn=4 speaker=a",
            "event=turn-changed turn=5 speaker=b",
        ]
    );
}

#[test]
fn many_missed_turns_are_logged_as_one_counted_timeout() {
    let mut e = engine();
    started(&mut e, 0, &["a", "b", "c"], Some(10));
    // 1000 turns ended by 10_000 (at 10, 20, ..., 10_000).
    let expired = room(ok(&mut e, 10_000, &expire("r")));
    assert_eq!((expired.turn, expired.turn_until_ms), (1001, Some(10_010)));
    assert_eq!(expired.speaker, Some(k(["a", "b", "c"][1000 % 3])));
    let all = events(&mut e, "r");
    assert_eq!(all.len(), 1 + 2 * ROOM_TIMEOUTS_PER_OP_MAX as usize);
    assert_eq!(
        all[all.len() - 2],
        "event=timed-out turn=64 speaker=a turns=937"
    );
    assert_eq!(all[all.len() - 1], "event=turn-changed turn=1001 speaker=b");
}

#[test]
fn ending_a_room_stops_its_timer() {
    let mut e = engine();
    started(&mut e, 1000, &["a", "b"], Some(100));
    ok(&mut e, 1050, &end("r"));
    assert_eq!(e.room_deadline(), None);
    assert!(!is_write(&e, 5000, &expire("r")));
    assert_eq!(info(&mut e, 5000, "r").turn, 1);
}

#[test]
fn rooms_are_independent() {
    let mut e = engine();
    ok(&mut e, 0, &create("x", &["a", "b"], None));
    ok(&mut e, 0, &create("y", &["b", "a"], Some(50)));
    ok(&mut e, 0, &start("x"));
    ok(&mut e, 0, &start("y"));
    ok(&mut e, 10, &speak("x", "a", "in x", true));
    ok(&mut e, 10, &speak("y", "b", "in y", false));
    assert_eq!(turn_at(&mut e, 20, "x"), ("b".to_string(), 2));
    assert_eq!(turn_at(&mut e, 20, "y"), ("b".to_string(), 1));
    assert_eq!(turn_at(&mut e, 60, "x"), ("b".to_string(), 2));
    assert_eq!(turn_at(&mut e, 60, "y"), ("a".to_string(), 2));
}

#[test]
fn create_checks_its_arguments_and_the_limits() {
    let mut e = engine();
    let many: Vec<String> = (0..=ROOM_PARTICIPANTS_MAX)
        .map(|i| format!("p{i}"))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(matches!(
        err(&mut e, 0, &create("r", &many, None)),
        CommandError::InvalidArgument(_)
    ));
    assert!(matches!(
        err(&mut e, 0, &create("r", &[], None)),
        CommandError::InvalidArgument(_)
    ));
    assert_eq!(
        err(&mut e, 0, &create("r", &["a", "b", "a"], None)).to_string(),
        "ERR participant 'a' is listed twice"
    );
    assert!(matches!(
        err(&mut e, 0, &create("r", &["a"], Some(0))),
        CommandError::InvalidArgument(_)
    ));
    let long = "n".repeat(ROOM_NAME_BYTES_MAX + 1);
    assert!(matches!(
        err(&mut e, 0, &create(&long, &["a"], None)),
        CommandError::Limit { .. }
    ));
    ok(
        &mut e,
        0,
        &create(&"n".repeat(ROOM_NAME_BYTES_MAX), &["a"], None),
    );
    add(&mut e, "room:taken:events", 1, 0);
    assert!(matches!(
        err(&mut e, 0, &create("taken", &["a"], None)),
        CommandError::InvalidArgument(_)
    ));
    assert!(create("r", &["a"], None).keys().is_empty());
    assert!(!info_cmd("r").is_write());
}

#[test]
fn the_room_count_is_bounded() {
    let mut e = engine();
    for i in 0..ROOMS_MAX {
        ok(&mut e, 0, &create(&format!("r{i}"), &["a"], None));
    }
    assert_eq!(
        err(&mut e, 0, &create("one-more", &["a"], None)).to_string(),
        format!("ERR room count is {ROOMS_MAX}, limit is {ROOMS_MAX}")
    );
}

/// A room's life as records, in order.
fn room_history() -> Vec<Record> {
    let mut e = engine();
    let mut records = Vec::new();
    let commands = [
        (1000, create("r", &["a", "b", "c"], Some(100))),
        (1000, create("q", &["x", "y"], None)),
        (1000, start("r")),
        (1010, speak("r", "a", "first", true)),
        (1250, expire("r")),
        (1260, pass("r", "a")),
        (1270, start("q")),
        (1280, end("q")),
    ];
    for (now, command) in commands {
        if let Decision::Write(op) = e.decide(now, &command).expect("decides") {
            let record = Record {
                time_ms: now,
                ops: vec![op],
            };
            e.apply_record(&record);
            records.push(record);
        }
    }
    records
}

#[test]
fn replaying_the_log_gives_the_same_rooms_and_streams() {
    let records = room_history();
    let mut live = engine();
    let mut replayed = engine();
    for record in &records {
        live.apply_record(record);
        replayed.apply_record(&decode_record(&encode_record(record)).expect("decodes"));
    }
    assert_eq!(live.rooms(), replayed.rooms());
    assert_eq!(events(&mut live, "r"), events(&mut replayed, "r"));
    // a spoke and passed (b from 1010, until 1110), b's turn timed out at 1110 and c's at
    // 1210 (a from 1210 until 1310), then a passed at 1260: b's turn 5 until 1360.
    let v = info(&mut replayed, 1300, "r");
    assert_eq!(
        (v.speaker, v.turn, v.turn_until_ms),
        (Some(k("b")), 5, Some(1360))
    );
    assert_eq!(info(&mut replayed, 1300, "q").state, RoomState::Ended);
}

#[test]
fn a_snapshot_carries_every_room() {
    let mut e = engine();
    for record in room_history() {
        e.apply_record(&record);
    }
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    let mut restored = decode_snapshot(&mut bytes.as_slice()).expect("decodes");
    assert_eq!(restored.rooms(), e.rooms());
    assert_eq!(restored.room_deadline(), Some((1360, &b"r"[..])));
    assert_eq!(events(&mut restored, "r"), events(&mut e, "r"));
    // The restored room goes on: b speaks, and the timer works from the snapshot's state.
    ok(&mut restored, 1300, &speak("r", "b", "after", true));
    assert_eq!(turn_at(&mut restored, 1300, "r"), ("c".to_string(), 6));
}

#[test]
fn a_version_3_snapshot_still_reads_with_no_rooms() {
    let mut e = engine();
    add(&mut e, "s", 1, 0);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    bytes.truncate(bytes.len() - 4); // no room table
    bytes[..4].copy_from_slice(&3u32.to_le_bytes());
    let old = decode_snapshot(&mut bytes.as_slice()).expect("version 3 decodes");
    assert!(old.rooms().is_empty());
    assert_eq!(old.stream_count(), 1);
}
