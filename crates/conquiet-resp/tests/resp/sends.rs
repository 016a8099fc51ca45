//! CQ.SEND: the typed command `parse` makes (recipients after TO n, then field value pairs),
//! its argument errors, and the reply map as bytes in RESP2 and RESP3.

use conquiet_core::send::Send;
use conquiet_core::{Command, Reply, StreamId};
use conquiet_resp::{Proto, reply_frame, to_bytes};

use crate::queue_parsed::{command, engine, error};
use crate::support::show;

fn words(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|w| w.as_bytes().to_vec()).collect()
}

#[test]
fn a_send_names_its_recipients_then_its_fields() {
    let (parsed, block) = engine("CQ.SEND to 3 a b c m hi n 2");
    assert_eq!(
        parsed,
        Command::Send(Send {
            recipients: words(&["a", "b", "c"]),
            fields: vec![
                (b"m".to_vec(), b"hi".to_vec()),
                (b"n".to_vec(), b"2".to_vec())
            ],
        })
    );
    assert_eq!(block, None, "a send never blocks");
    // A recipient may be named like a keyword: the count says where the fields start.
    assert_eq!(
        command("CQ.SEND TO 1 to to to"),
        Command::Send(Send {
            recipients: words(&["to"]),
            fields: vec![(b"to".to_vec(), b"to".to_vec())],
        })
    );
}

#[test]
fn send_argument_errors() {
    assert_eq!(
        error("CQ.SEND TO 1 a m"),
        "ERR wrong number of arguments for 'cq.send' command"
    );
    assert_eq!(
        error("CQ.SEND FOR 1 a m hi"),
        "ERR CQ.SEND needs TO n recipient ..."
    );
    // The count leaves no field after the recipients, or exceeds what was sent.
    assert_eq!(error("CQ.SEND TO 3 a m hi"), "ERR syntax error");
    assert_eq!(error("CQ.SEND TO 99999999999 a m hi"), "ERR syntax error");
    assert_eq!(
        error("CQ.SEND TO 1 a m hi n"),
        "ERR wrong number of arguments for 'cq.send' command, expected field value pairs"
    );
    assert_eq!(
        error("CQ.SEND TO x a m hi"),
        "ERR TO must be an integer from 0 to 18446744073709551615, got 'x'"
    );
}

#[test]
fn the_sent_map_as_bytes() {
    let send = command("CQ.SEND TO 2 a b m hi");
    let reply = Reply::Sent(vec![
        (b"a".to_vec(), StreamId::new(5, 0)),
        (b"b".to_vec(), StreamId::new(7, 1)),
    ]);
    let cases = [
        (
            Proto::Resp2,
            "*4\r\n$1\r\na\r\n$3\r\n5-0\r\n$1\r\nb\r\n$3\r\n7-1\r\n",
        ),
        (
            Proto::Resp3,
            "%2\r\n$1\r\na\r\n$3\r\n5-0\r\n$1\r\nb\r\n$3\r\n7-1\r\n",
        ),
    ];
    for (proto, want) in cases {
        let got = to_bytes(&reply_frame(&send, &reply, proto), proto);
        assert_eq!(show(&got), show(want.as_bytes()), "{proto:?}");
    }
}

#[test]
fn conversation_commands_parse() {
    use conquiet_core::conversation::ConvCommand;
    assert_eq!(
        command("CQ.CONV.CREATE c PARTICIPANTS 2 ann bob"),
        Command::Conv(ConvCommand::Create {
            name: b"c".to_vec(),
            participants: words(&["ann", "bob"]),
        })
    );
    assert_eq!(
        command("CQ.CONV.POST c ann EXPECT 5-1 text hi"),
        Command::Conv(ConvCommand::Post {
            name: b"c".to_vec(),
            participant: b"ann".to_vec(),
            expect: Some(StreamId::new(5, 1)),
            fields: vec![(b"text".to_vec(), b"hi".to_vec())],
        })
    );
    // A lone pair whose field is named expect is a field, not the option.
    assert_eq!(
        command("CQ.CONV.POST c ann expect 5-1"),
        Command::Conv(ConvCommand::Post {
            name: b"c".to_vec(),
            participant: b"ann".to_vec(),
            expect: None,
            fields: vec![(b"expect".to_vec(), b"5-1".to_vec())],
        })
    );
    assert_eq!(
        command("CQ.CONV.INFO c"),
        Command::Conv(ConvCommand::Info {
            name: b"c".to_vec()
        })
    );
    assert_eq!(
        error("CQ.CONV.CREATE c PARTICIPANTS 3 ann bob"),
        "ERR syntax error"
    );
    assert_eq!(
        error("CQ.CONV.CREATE c WITH 1 ann"),
        "ERR CQ.CONV.CREATE needs PARTICIPANTS n participant ..."
    );
    assert_eq!(
        error("CQ.CONV.POST c ann EXPECT x text hi"),
        "ERR Invalid stream ID specified as stream command argument"
    );
    assert_eq!(
        error("CQ.CONV.POST c ann text hi more"),
        "ERR wrong number of arguments for 'cq.conv.post' command, expected field value pairs"
    );
    assert_eq!(
        error("CQ.CONV.POST c ann text"),
        "ERR wrong number of arguments for 'cq.conv.post' command"
    );
}

#[test]
fn the_conversation_map_as_bytes() {
    use conquiet_core::conversation::ConvView;
    let post = command("CQ.CONV.POST c ann text hi");
    let view = |write, id| {
        Reply::Conv(Box::new(ConvView {
            name: b"c".to_vec(),
            participants: words(&["ann", "bob"]),
            messages: 1,
            last_id: Some(StreamId::new(5, 0)),
            stream: b"conv:c:messages".to_vec(),
            id,
            write,
        }))
    };
    let info = "$4\r\nname\r\n$1\r\nc\r\n$12\r\nparticipants\r\n*2\r\n$3\r\nann\r\n$3\r\nbob\r\n\
                $8\r\nmessages\r\n:1\r\n$7\r\nlast-id\r\n$3\r\n5-0\r\n\
                $6\r\nstream\r\n$15\r\nconv:c:messages\r\n";
    let cases = [
        (view(false, None), Proto::Resp2, format!("*10\r\n{info}")),
        (
            view(true, Some(StreamId::new(5, 0))),
            Proto::Resp3,
            format!("%6\r\n{info}$2\r\nid\r\n$3\r\n5-0\r\n"),
        ),
        (
            view(true, None),
            Proto::Resp2,
            format!("*12\r\n{info}$2\r\nid\r\n$-1\r\n"),
        ),
    ];
    for (reply, proto, want) in cases {
        let got = to_bytes(&reply_frame(&post, &reply, proto), proto);
        assert_eq!(show(&got), show(want.as_bytes()), "{proto:?}");
    }
}
