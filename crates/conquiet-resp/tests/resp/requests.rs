//! CQ.REQUEST and CQ.REPLY: the typed commands `parse` makes (a request always blocks for its
//! timeout), their argument errors, and the reply maps as bytes in RESP2 and RESP3.

use conquiet_core::request::{ReplyStatus, ReplyTo, Request, RequestAnswer};
use conquiet_core::{Command, Reply, StreamId};
use conquiet_resp::{Proto, reply_frame, to_bytes};

use crate::queue_parsed::{command, engine, error};
use crate::support::show;

fn pairs(words: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    words
        .iter()
        .map(|(f, v)| (f.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

#[test]
fn a_request_names_its_service_timeout_and_fields_and_blocks_for_the_timeout() {
    let (parsed, block) = engine("CQ.REQUEST svc timeout 2500 n 7 m 8");
    assert_eq!(
        parsed,
        Command::Request(Request {
            service: b"svc".to_vec(),
            timeout_ms: 2500,
            fields: pairs(&[("n", "7"), ("m", "8")]),
        })
    );
    assert_eq!(block, Some(2500));
}

#[test]
fn request_argument_errors() {
    assert_eq!(
        error("CQ.REQUEST svc 2500 n 7"),
        "ERR wrong number of arguments for 'cq.request' command"
    );
    assert_eq!(
        error("CQ.REQUEST svc WAIT 2500 n 7"),
        "ERR CQ.REQUEST needs TIMEOUT ms"
    );
    assert_eq!(
        error("CQ.REQUEST svc TIMEOUT 10 n 7 m"),
        "ERR wrong number of arguments for 'cq.request' command, expected field value pairs"
    );
    assert_eq!(
        error("CQ.REQUEST svc TIMEOUT 86400001 n 7"),
        "ERR TIMEOUT is 86400001, limit is 86400000"
    );
}

#[test]
fn a_reply_names_the_correlation_and_error_is_told_apart_by_parity() {
    assert_eq!(
        command("CQ.REPLY svc 5-1 a b"),
        Command::Reply(ReplyTo {
            service: b"svc".to_vec(),
            correlation: StreamId::new(5, 1),
            status: ReplyStatus::Ok,
            fields: pairs(&[("a", "b")]),
        })
    );
    assert_eq!(
        command("CQ.REPLY svc 5-1 ERROR why no"),
        Command::Reply(ReplyTo {
            service: b"svc".to_vec(),
            correlation: StreamId::new(5, 1),
            status: ReplyStatus::Error,
            fields: pairs(&[("why", "no")]),
        })
    );
    // A field named error in an ok reply.
    assert_eq!(
        command("CQ.REPLY svc 5-1 error x a b"),
        Command::Reply(ReplyTo {
            service: b"svc".to_vec(),
            correlation: StreamId::new(5, 1),
            status: ReplyStatus::Ok,
            fields: pairs(&[("error", "x"), ("a", "b")]),
        })
    );
    assert_eq!(
        error("CQ.REPLY svc x a b"),
        "ERR Invalid stream ID specified as stream command argument"
    );
    assert_eq!(
        error("CQ.REPLY svc 5-1 ERROR"),
        "ERR wrong number of arguments for 'cq.reply' command"
    );
}

#[test]
fn the_reply_maps_as_bytes() {
    let request = command_of("CQ.REQUEST svc TIMEOUT 10 n 7");
    let answer = Reply::RequestAnswer(Box::new(RequestAnswer {
        correlation: StreamId::new(5, 1),
        status: ReplyStatus::Ok,
        fields: pairs(&[("double", "14")]),
    }));
    let cases: [(&Command, Reply, Proto, &str); 4] = [
        (
            &request,
            answer.clone(),
            Proto::Resp2,
            "*6\r\n$11\r\ncorrelation\r\n$3\r\n5-1\r\n$6\r\nstatus\r\n$2\r\nok\r\n\
             $6\r\nfields\r\n*2\r\n$6\r\ndouble\r\n$2\r\n14\r\n",
        ),
        (
            &request,
            answer,
            Proto::Resp3,
            "%3\r\n$11\r\ncorrelation\r\n$3\r\n5-1\r\n$6\r\nstatus\r\n$2\r\nok\r\n\
             $6\r\nfields\r\n*2\r\n$6\r\ndouble\r\n$2\r\n14\r\n",
        ),
        (
            &request,
            Reply::Delivered(1),
            Proto::Resp2,
            "*2\r\n$9\r\ndelivered\r\n:1\r\n",
        ),
        (
            &request,
            Reply::Delivered(0),
            Proto::Resp3,
            "%1\r\n$9\r\ndelivered\r\n:0\r\n",
        ),
    ];
    for (command, reply, proto, want) in cases {
        let got = to_bytes(&reply_frame(command, &reply, proto), proto);
        assert_eq!(show(&got), show(want.as_bytes()), "{reply:?} {proto:?}");
    }
}

fn command_of(words: &str) -> Command {
    engine(words).0
}
