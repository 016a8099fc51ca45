//! Fan-out sends and conversations over RESP against a running server: a send to five
//! recipients leaves exactly one copy in each, and a send that one full recipient refuses
//! leaves none.

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
