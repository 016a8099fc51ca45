//! Conversations in the engine: posts are appended in order to the conversation's stream
//! with `participant` first; only participants post; EXPECT refuses a post when someone
//! posted since (no fork); conversations survive snapshots and replay.

use conquiet_core::codec::{decode_snapshot, encode_snapshot};
use conquiet_core::conversation::{ConvCommand, ConvView};
use conquiet_core::*;

use crate::util::*;

fn create(name: &str, participants: &[&str]) -> Command {
    Command::Conv(ConvCommand::Create {
        name: k(name),
        participants: participants.iter().map(|p| k(p)).collect(),
    })
}

fn post(name: &str, who: &str, expect: Option<StreamId>, text: &str) -> Command {
    Command::Conv(ConvCommand::Post {
        name: k(name),
        participant: k(who),
        expect,
        fields: fields(&[("text", text)]),
    })
}

fn conv(reply: Reply) -> ConvView {
    match reply {
        Reply::Conv(v) => *v,
        other => panic!("not a conversation: {other:?}"),
    }
}

fn info(e: &mut Engine, name: &str) -> ConvView {
    conv(ok(
        e,
        0,
        &Command::Conv(ConvCommand::Info { name: k(name) }),
    ))
}

/// The stream's entries as (id, participant, text).
fn thread(e: &mut Engine, name: &str) -> Vec<(StreamId, String, String)> {
    let key = format!("conv:{name}:messages");
    let all = entries(ok(
        e,
        0,
        &Command::Range {
            key: k(&key),
            start: StreamId::ZERO,
            end: StreamId::MAX,
            count: None,
            rev: false,
        },
    ));
    all.iter()
        .map(|entry| {
            let f: Vec<(String, String)> = entry
                .data
                .pairs()
                .map(|(a, b)| {
                    (
                        String::from_utf8_lossy(a).into_owned(),
                        String::from_utf8_lossy(b).into_owned(),
                    )
                })
                .collect();
            assert_eq!(f[0].0, "participant", "participant comes first");
            assert_eq!(f[1].0, "text");
            (entry.id, f[0].1.clone(), f[1].1.clone())
        })
        .collect()
}

#[test]
fn posts_are_appended_in_order_with_the_participant_first() {
    let mut e = engine();
    let created = conv(ok(&mut e, 1, &create("c", &["ann", "bob"])));
    assert_eq!(
        (
            created.messages,
            created.last_id,
            created.id,
            created.stream
        ),
        (0, None, None, k("conv:c:messages"))
    );
    let a = conv(ok(&mut e, 10, &post("c", "ann", None, "one")));
    let b = conv(ok(&mut e, 10, &post("c", "bob", a.id, "two")));
    let c = conv(ok(&mut e, 5, &post("c", "ann", None, "three"))); // clock went back
    assert_eq!(
        [a.id, b.id, c.id],
        [Some(id(10, 0)), Some(id(10, 1)), Some(id(10, 2))]
    );
    let now = info(&mut e, "c");
    assert_eq!((now.messages, now.last_id), (3, Some(id(10, 2))));
    assert_eq!(now.participants, vec![k("ann"), k("bob")]);
    assert_eq!(
        thread(&mut e, "c"),
        vec![
            (id(10, 0), "ann".into(), "one".into()),
            (id(10, 1), "bob".into(), "two".into()),
            (id(10, 2), "ann".into(), "three".into()),
        ]
    );
}

#[test]
fn only_participants_post_and_names_are_checked() {
    let mut e = engine();
    ok(&mut e, 1, &create("c", &["ann", "bob"]));
    let refused = err(&mut e, 2, &post("c", "eve", None, "hi")).to_string();
    assert_eq!(
        refused,
        "NOTPARTICIPANT conversation 'c' has no participant 'eve'"
    );
    let missing = err(&mut e, 2, &post("nope", "ann", None, "hi")).to_string();
    assert_eq!(missing, "NOCONV no such conversation 'nope'");
    let busy = err(&mut e, 2, &create("c", &["x"])).to_string();
    assert_eq!(busy, "BUSYCONV conversation 'c' already exists");
    let twice = err(&mut e, 2, &create("d", &["x", "x"])).to_string();
    assert_eq!(twice, "ERR participant 'x' is listed twice");
    assert!(
        err(&mut e, 2, &create("d", &[]))
            .to_string()
            .contains("1..=64")
    );
    assert_eq!(info(&mut e, "c").messages, 0, "nothing was posted");
}

#[test]
fn expect_refuses_a_post_when_someone_posted_since() {
    let mut e = engine();
    ok(&mut e, 1, &create("c", &["ann", "bob"]));
    // Both have seen the empty conversation (0-0); ann posts first.
    let first = conv(ok(
        &mut e,
        2,
        &post("c", "ann", Some(StreamId::ZERO), "mine"),
    ));
    let conflict = err(
        &mut e,
        2,
        &post("c", "bob", Some(StreamId::ZERO), "no, mine"),
    );
    assert_eq!(
        conflict.to_string(),
        "CONFLICT conversation 'c' has moved on: last is 2-0, not 0-0"
    );
    // Bob reads, and posts against what he read.
    let second = conv(ok(&mut e, 3, &post("c", "bob", first.id, "after you")));
    assert_eq!(second.messages, 2);
    let stale = err(&mut e, 4, &post("c", "ann", first.id, "late")).to_string();
    assert!(stale.starts_with("CONFLICT conversation 'c' has moved on: last is 3-0"));
    assert_eq!(
        thread(&mut e, "c").len(),
        2,
        "no fork: the refused posts are absent"
    );
}

#[test]
fn conversations_survive_a_snapshot_and_replay() {
    let mut e = engine();
    let mut records = Vec::new();
    let commands = [
        (1, create("c", &["ann", "bob"])),
        (2, post("c", "ann", None, "one")),
        (3, post("c", "bob", Some(id(2, 0)), "two")),
        (4, create("empty", &["x"])),
    ];
    for (now, command) in &commands {
        let Decision::Write(op) = e.decide(*now, command).unwrap() else {
            panic!("a write");
        };
        records.push(Record {
            time_ms: *now,
            ops: vec![op],
        });
        e.apply_record(records.last().unwrap());
    }
    let mut replayed = engine();
    for record in &records {
        let bytes = codec::encode_record(record);
        replayed.apply_record(&codec::decode_record(&bytes).unwrap());
    }
    assert_eq!(replayed.conversations(), e.conversations());
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    let mut restored = decode_snapshot(&mut bytes.as_slice()).expect("decodes");
    assert_eq!(restored.conversations(), e.conversations());
    assert_eq!(thread(&mut restored, "c"), thread(&mut e, "c"));
    // The restored conversation goes on, and still knows its last message.
    let refused = err(&mut restored, 5, &post("c", "ann", Some(id(2, 0)), "x")).to_string();
    assert!(refused.starts_with("CONFLICT"), "{refused}");
    ok(&mut restored, 5, &post("c", "ann", Some(id(3, 0)), "three"));
    assert_eq!(info(&mut restored, "c").messages, 3);
}

#[test]
fn a_version_4_snapshot_still_reads_with_no_conversations() {
    let mut e = engine();
    add(&mut e, "s", 1, 0);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    bytes.truncate(bytes.len() - 4); // no conversation table
    bytes[..4].copy_from_slice(&4u32.to_le_bytes());
    let old = decode_snapshot(&mut bytes.as_slice()).expect("version 4 decodes");
    assert!(old.conversations().is_empty());
    assert_eq!(old.stream_count(), 1);
}
