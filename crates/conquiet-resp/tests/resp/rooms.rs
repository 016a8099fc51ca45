//! CQ.ROOM.CREATE, START, SPEAK, PASS, END and INFO: the typed commands `parse` makes, their
//! argument errors, and the room map as bytes in RESP2 and RESP3. Replies are built by hand,
//! independent of the engine.

use conquiet_core::room::{RoomCommand, RoomState, RoomView};
use conquiet_core::{Command, Reply, StreamId};
use conquiet_resp::{Proto, reply_frame, to_bytes};

use crate::queue_parsed::{command, error};
use crate::support::show;

fn v(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

#[test]
fn create_reads_the_participants_in_order_and_the_timeout() {
    assert_eq!(
        command("CQ.ROOM.CREATE standup PARTICIPANTS 3 ann bob cy"),
        Command::Room(RoomCommand::Create {
            name: b"standup".to_vec(),
            participants: v(&["ann", "bob", "cy"]),
            turn_timeout_ms: None,
        })
    );
    assert_eq!(
        command("cq.room.create standup participants 2 turn-timeout bob turn-timeout 5000"),
        Command::Room(RoomCommand::Create {
            name: b"standup".to_vec(),
            participants: v(&["turn-timeout", "bob"]),
            turn_timeout_ms: Some(5000),
        }),
        "the count decides what is a participant"
    );
}

#[test]
fn create_argument_errors() {
    assert_eq!(
        error("CQ.ROOM.CREATE r PARTICIPANTS 1"),
        "ERR wrong number of arguments for 'cq.room.create' command"
    );
    assert_eq!(
        error("CQ.ROOM.CREATE r PEOPLE 1 a"),
        "ERR CQ.ROOM.CREATE needs PARTICIPANTS n participant ..."
    );
    assert_eq!(
        error("CQ.ROOM.CREATE r PARTICIPANTS 3 a b"),
        "ERR syntax error"
    );
    assert_eq!(
        error("CQ.ROOM.CREATE r PARTICIPANTS 1 a TURN-TIMEOUT"),
        "ERR syntax error, TURN-TIMEOUT needs a value"
    );
    assert_eq!(
        error("CQ.ROOM.CREATE r PARTICIPANTS 1 a SLOW"),
        "ERR unknown option 'SLOW' for 'cq.room.create'"
    );
}

#[test]
fn speak_pass_start_end_and_info_parse() {
    let speak = |pass| {
        Command::Room(RoomCommand::Speak {
            name: b"r".to_vec(),
            participant: b"ann".to_vec(),
            text: b"hello".to_vec(),
            pass,
        })
    };
    assert_eq!(command("CQ.ROOM.SPEAK r ann hello"), speak(false));
    assert_eq!(command("cq.room.speak r ann hello pass"), speak(true));
    assert_eq!(
        error("CQ.ROOM.SPEAK r ann hello LOUDLY"),
        "ERR unknown option 'LOUDLY' for 'cq.room.speak'"
    );
    assert_eq!(
        error("CQ.ROOM.SPEAK r ann"),
        "ERR wrong number of arguments for 'cq.room.speak' command"
    );
    assert_eq!(
        command("CQ.ROOM.PASS r ann"),
        Command::Room(RoomCommand::Pass {
            name: b"r".to_vec(),
            participant: b"ann".to_vec(),
        })
    );
    let name = b"r".to_vec();
    assert_eq!(
        command("CQ.ROOM.START r"),
        Command::Room(RoomCommand::Start { name: name.clone() })
    );
    assert_eq!(
        command("CQ.ROOM.END r"),
        Command::Room(RoomCommand::End { name: name.clone() })
    );
    assert_eq!(
        command("CQ.ROOM.INFO r"),
        Command::Room(RoomCommand::Info { name })
    );
    assert_eq!(
        error("CQ.ROOM.INFO r extra"),
        "ERR wrong number of arguments for 'cq.room.info' command"
    );
}

fn check(command: &Command, reply: &Reply, resp2: &str, resp3: &str) {
    for (proto, expected) in [(Proto::Resp2, resp2), (Proto::Resp3, resp3)] {
        let got = to_bytes(&reply_frame(command, reply, proto), proto);
        assert_eq!(show(&got), show(expected.as_bytes()), "{proto:?} {reply:?}");
    }
}

fn view(write: bool) -> RoomView {
    RoomView {
        name: b"r".to_vec(),
        state: RoomState::Started,
        participants: v(&["a", "b"]),
        speaker: Some(b"b".to_vec()),
        turn: 2,
        turn_until_ms: Some(1500),
        events_stream: b"room:r:events".to_vec(),
        event_id: write.then_some(StreamId::new(1000, 1)),
        write,
    }
}

const HEAD2: &str = "$4\r\nname\r\n$1\r\nr\r\n$5\r\nstate\r\n$7\r\nstarted\r\n\
                     $12\r\nparticipants\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n";
const TAIL: &str = "$7\r\nspeaker\r\n$1\r\nb\r\n$4\r\nturn\r\n:2\r\n\
                    $13\r\nturn-until-ms\r\n:1500\r\n$13\r\nevents-stream\r\n$13\r\nroom:r:events\r\n";

#[test]
fn info_is_one_map_without_an_id() {
    let info = Command::Room(RoomCommand::Info {
        name: b"r".to_vec(),
    });
    let reply = Reply::Room(Box::new(view(false)));
    check(
        &info,
        &reply,
        &format!("*14\r\n{HEAD2}{TAIL}"),
        &format!("%7\r\n{HEAD2}{TAIL}"),
    );
}

#[test]
fn writes_add_the_event_id_and_nils_stay_in_place() {
    let speak = command("CQ.ROOM.SPEAK r a hi PASS");
    let reply = Reply::Room(Box::new(view(true)));
    let id = "$2\r\nid\r\n$6\r\n1000-1\r\n";
    check(
        &speak,
        &reply,
        &format!("*16\r\n{HEAD2}{TAIL}{id}"),
        &format!("%8\r\n{HEAD2}{TAIL}{id}"),
    );
    let created = RoomView {
        state: RoomState::Created,
        speaker: None,
        turn: 0,
        turn_until_ms: None,
        event_id: None,
        ..view(true)
    };
    let got = to_bytes(
        &reply_frame(&speak, &Reply::Room(Box::new(created)), Proto::Resp2),
        Proto::Resp2,
    );
    let expected = "*16\r\n$4\r\nname\r\n$1\r\nr\r\n$5\r\nstate\r\n$7\r\ncreated\r\n\
                    $12\r\nparticipants\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n\
                    $7\r\nspeaker\r\n$-1\r\n$4\r\nturn\r\n:0\r\n$13\r\nturn-until-ms\r\n$-1\r\n\
                    $13\r\nevents-stream\r\n$13\r\nroom:r:events\r\n$2\r\nid\r\n$-1\r\n";
    assert_eq!(show(&got), show(expected.as_bytes()));
}
