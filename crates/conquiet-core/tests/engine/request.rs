//! Request/reply in the engine: a request is the publish of an entry whose first fields are
//! its correlation id (its own id) and its reply-by time, refused like a publish (a full
//! queue) and for a bad timeout or no fields; it replays from its log record like any
//! publish; a reply is checked and changes nothing (the writer routes it).

use conquiet_core::codec::{decode_record, encode_record};
use conquiet_core::limits::REQUEST_TIMEOUT_MS_MAX;
use conquiet_core::request::{ReplyStatus, ReplyTo, Request};
use conquiet_core::*;

use crate::util::*;

fn request(service: &str, timeout_ms: u64, fields: &[(&str, &str)]) -> Command {
    Command::Request(Request {
        service: k(service),
        timeout_ms,
        fields: fields.iter().map(|(f, v)| (k(f), k(v))).collect(),
    })
}

#[test]
fn a_request_is_published_with_its_correlation_and_reply_by_fields_first() {
    let mut engine = Engine::default();
    let decision = engine
        .decide(1_000, &request("svc", 250, &[("n", "7")]))
        .unwrap();
    let Decision::Write(op) = decision else {
        panic!("a request is a write");
    };
    // The op is a plain publish: its log record replays as any publish does.
    let record = Record {
        time_ms: 1_000,
        ops: vec![op.clone()],
    };
    assert_eq!(decode_record(&encode_record(&record)).unwrap(), record);
    let Reply::Published { id, duplicate } = engine.apply(1_000, &op) else {
        panic!("not a publish reply");
    };
    assert!(!duplicate);
    assert_eq!(id, StreamId::new(1_000, 0));
    let entries = match engine.execute(
        1_000,
        &Command::Range {
            key: k("svc"),
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: None,
            rev: false,
        },
    ) {
        Ok(Reply::Entries(entries)) => entries,
        other => panic!("{other:?}"),
    };
    let fields: Vec<(Vec<u8>, Vec<u8>)> = entries[0]
        .data
        .pairs()
        .map(|(f, v)| (f.to_vec(), v.to_vec()))
        .collect();
    assert_eq!(
        fields,
        vec![
            (k("cq-correlation"), k("1000-0")),
            (k("cq-reply-by-ms"), k("1250")),
            (k("n"), k("7")),
        ]
    );
    // A second request in the same ms gets the next id, so correlations never repeat.
    let second = engine
        .execute(1_000, &request("svc", 250, &[("n", "8")]))
        .unwrap();
    assert_eq!(
        second,
        Reply::Published {
            id: StreamId::new(1_000, 1),
            duplicate: false
        }
    );
}

#[test]
fn requests_are_refused_for_a_bad_timeout_or_no_fields() {
    let engine = Engine::default();
    for timeout in [0, REQUEST_TIMEOUT_MS_MAX + 1] {
        let error = engine
            .decide(1, &request("svc", timeout, &[("a", "b")]))
            .unwrap_err();
        assert!(
            error.to_string().starts_with("ERR request timeout is"),
            "{error}"
        );
    }
    let error = engine.decide(1, &request("svc", 10, &[])).unwrap_err();
    assert_eq!(error.to_string(), "ERR a request needs at least one field");
}

#[test]
fn a_reply_changes_nothing_in_the_engine() {
    let mut engine = Engine::default();
    let reply = Command::Reply(ReplyTo {
        service: k("svc"),
        correlation: StreamId::new(5, 0),
        status: ReplyStatus::Error,
        fields: vec![(k("why"), k("no"))],
    });
    assert_eq!(
        engine.decide(1, &reply).unwrap(),
        Decision::Read(Reply::Delivered(0))
    );
    assert_eq!(engine.execute(1, &reply).unwrap(), Reply::Delivered(0));
    assert_eq!(engine.stream_count(), 0);
}

#[test]
fn the_timeout_error_has_a_stable_prefix() {
    let error = CommandError::RequestTimeout {
        id: "5-0".into(),
        service: "svc".into(),
        timeout_ms: 300,
    };
    assert_eq!(
        error.to_string(),
        "TIMEOUT request 5-0 to 'svc' got no reply within 300 ms"
    );
}
