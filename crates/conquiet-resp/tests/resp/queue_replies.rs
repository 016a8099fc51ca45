//! The `CQ.*` replies as bytes, RESP2 and RESP3: each map is a flat array in RESP2 and a `%`
//! map in RESP3, and nils are `$-1` / `_`. The replies are built by hand (the engine's queue
//! logic is not needed), so the shapes are pinned independently of it.

use conquiet_core::queue::{
    Backoff, Delay, EntryState, EntryStatus, GroupCounters, GroupPolicy, GroupPolicyPatch,
    GroupQueueInfo, Message, Overflow, Publish, QueueInfo, Receive, Redrive, Retention, Settle,
    SettleOutcome, StreamCounters, StreamPolicy, StreamPolicyPatch, group_policy_default,
};
use conquiet_core::{Command, EntryData, Reply, StreamId};
use conquiet_resp::{Proto, reply_frame, to_bytes};

use crate::support::show;

/// The bytes `reply` to `command` is sent as in RESP2 and in RESP3.
fn check(command: &Command, reply: &Reply, resp2: &[u8], resp3: &[u8]) {
    for (proto, expected) in [(Proto::Resp2, resp2), (Proto::Resp3, resp3)] {
        let got = to_bytes(&reply_frame(command, reply, proto), proto);
        assert_eq!(show(&got), show(expected), "{proto:?} {reply:?}");
    }
}

fn receive() -> Command {
    Command::Receive(Receive {
        key: b"jobs".to_vec(),
        group: b"g".to_vec(),
        consumer: b"c".to_vec(),
        count: 2,
        lease_ms: None,
    })
}

fn ack() -> Command {
    Command::Settle {
        key: b"jobs".to_vec(),
        group: b"g".to_vec(),
        action: Settle::Ack,
        handles: Vec::new(),
    }
}

fn info_command() -> Command {
    Command::QueueInfo {
        key: b"jobs".to_vec(),
    }
}

fn list_command() -> Command {
    Command::QueueList {
        dead_letters_only: false,
    }
}

#[test]
fn publish_replies_id_and_duplicate_flag() {
    let publish = Command::Publish(Publish {
        key: b"jobs".to_vec(),
        fields: vec![(b"f".to_vec(), b"v".to_vec())],
        delay: Delay::None,
        dedup_key: None,
    });
    let reply = |duplicate| Reply::Published {
        id: StreamId::new(1_700_000_000_000, 3),
        duplicate,
    };
    check(
        &publish,
        &reply(false),
        b"*2\r\n$15\r\n1700000000000-3\r\n:0\r\n",
        b"*2\r\n$15\r\n1700000000000-3\r\n:0\r\n",
    );
    check(
        &publish,
        &reply(true),
        b"*2\r\n$15\r\n1700000000000-3\r\n:1\r\n",
        b"*2\r\n$15\r\n1700000000000-3\r\n:1\r\n",
    );
}

#[test]
fn receive_replies_one_map_per_message() {
    let fields = |pairs: &[(&[u8], &[u8])]| {
        EntryData::pack(
            &pairs
                .iter()
                .map(|(f, v)| (f.to_vec(), v.to_vec()))
                .collect::<Vec<_>>(),
        )
    };
    let reply = Reply::Messages(vec![
        Message {
            id: StreamId::new(5, 1),
            data: fields(&[(b"f", b"v"), (b"n", b"42")]),
            token: 7,
            deliveries: 2,
            lease_until_ms: Some(30_005),
        },
        Message {
            id: StreamId::new(6, 0),
            data: fields(&[(b"k", b"")]),
            token: 8,
            deliveries: 1,
            lease_until_ms: None,
        },
    ]);
    check(
        &receive(),
        &reply,
        concat!(
            "*2\r\n",
            "*10\r\n",
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$6\r\nfields\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n$2\r\n42\r\n",
            "$5\r\ntoken\r\n:7\r\n",
            "$10\r\ndeliveries\r\n:2\r\n",
            "$14\r\nlease-until-ms\r\n:30005\r\n",
            "*10\r\n",
            "$2\r\nid\r\n$3\r\n6-0\r\n",
            "$6\r\nfields\r\n*2\r\n$1\r\nk\r\n$0\r\n\r\n",
            "$5\r\ntoken\r\n:8\r\n",
            "$10\r\ndeliveries\r\n:1\r\n",
            "$14\r\nlease-until-ms\r\n$-1\r\n",
        )
        .as_bytes(),
        concat!(
            "*2\r\n",
            "%5\r\n",
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$6\r\nfields\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nn\r\n$2\r\n42\r\n",
            "$5\r\ntoken\r\n:7\r\n",
            "$10\r\ndeliveries\r\n:2\r\n",
            "$14\r\nlease-until-ms\r\n:30005\r\n",
            "%5\r\n",
            "$2\r\nid\r\n$3\r\n6-0\r\n",
            "$6\r\nfields\r\n*2\r\n$1\r\nk\r\n$0\r\n\r\n",
            "$5\r\ntoken\r\n:8\r\n",
            "$10\r\ndeliveries\r\n:1\r\n",
            "$14\r\nlease-until-ms\r\n_\r\n",
        )
        .as_bytes(),
    );
}

#[test]
fn receive_with_nothing_due_replies_an_empty_array() {
    check(
        &receive(),
        &Reply::Messages(Vec::new()),
        b"*0\r\n",
        b"*0\r\n",
    );
}

#[test]
fn settle_replies_one_outcome_map_per_handle_in_order() {
    let reply = Reply::Settled(vec![
        SettleOutcome::Acked,
        SettleOutcome::Nacked {
            redeliver_at_ms: 2000,
        },
        SettleOutcome::Touched {
            lease_until_ms: Some(9000),
        },
        SettleOutcome::Touched {
            lease_until_ms: None,
        },
        SettleOutcome::DeadLettered {
            dead_letter: b"jobs:dlq".to_vec(),
            id: StreamId::new(8, 0),
        },
        SettleOutcome::Stale { current: 12 },
        SettleOutcome::NotPending,
    ]);
    check(
        &ack(),
        &reply,
        concat!(
            "*7\r\n",
            "*2\r\n$7\r\noutcome\r\n$5\r\nacked\r\n",
            "*4\r\n$7\r\noutcome\r\n$6\r\nnacked\r\n$15\r\nredeliver-at-ms\r\n:2000\r\n",
            "*4\r\n$7\r\noutcome\r\n$7\r\ntouched\r\n$14\r\nlease-until-ms\r\n:9000\r\n",
            "*4\r\n$7\r\noutcome\r\n$7\r\ntouched\r\n$14\r\nlease-until-ms\r\n$-1\r\n",
            "*6\r\n$7\r\noutcome\r\n$13\r\ndead-lettered\r\n",
            "$11\r\ndead-letter\r\n$8\r\njobs:dlq\r\n$2\r\nid\r\n$3\r\n8-0\r\n",
            "*4\r\n$7\r\noutcome\r\n$5\r\nstale\r\n$13\r\ncurrent-token\r\n:12\r\n",
            "*2\r\n$7\r\noutcome\r\n$11\r\nnot-pending\r\n",
        )
        .as_bytes(),
        concat!(
            "*7\r\n",
            "%1\r\n$7\r\noutcome\r\n$5\r\nacked\r\n",
            "%2\r\n$7\r\noutcome\r\n$6\r\nnacked\r\n$15\r\nredeliver-at-ms\r\n:2000\r\n",
            "%2\r\n$7\r\noutcome\r\n$7\r\ntouched\r\n$14\r\nlease-until-ms\r\n:9000\r\n",
            "%2\r\n$7\r\noutcome\r\n$7\r\ntouched\r\n$14\r\nlease-until-ms\r\n_\r\n",
            "%3\r\n$7\r\noutcome\r\n$13\r\ndead-lettered\r\n",
            "$11\r\ndead-letter\r\n$8\r\njobs:dlq\r\n$2\r\nid\r\n$3\r\n8-0\r\n",
            "%2\r\n$7\r\noutcome\r\n$5\r\nstale\r\n$13\r\ncurrent-token\r\n:12\r\n",
            "%1\r\n$7\r\noutcome\r\n$11\r\nnot-pending\r\n",
        )
        .as_bytes(),
    );
}

/// A queue with one group under the default policy and one plain (Redis-style) group.
fn queue() -> QueueInfo {
    QueueInfo {
        key: b"jobs".to_vec(),
        length: 2,
        bytes: 30,
        first_id: Some(StreamId::new(1, 0)),
        last_id: StreamId::new(2, 0),
        policy: StreamPolicy {
            entries_max: 100,
            bytes_max: 0,
            overflow: Overflow::DropOldest,
            dedup_window_ms: 60_000,
            retention: Retention::WorkQueue,
        },
        delayed: 1,
        dead_letter: false,
        counters: StreamCounters {
            published: 3,
            duplicates: 1,
            dropped: 0,
        },
        groups: vec![
            GroupQueueInfo {
                name: b"default".to_vec(),
                policy: Some(group_policy_default()),
                consumers: 1,
                pending: 1,
                waiting: 0,
                expired: 0,
                lag: Some(1),
                oldest_unsettled_ms: Some(1),
                last_token: 7,
                counters: GroupCounters {
                    delivered: 2,
                    redelivered: 1,
                    acked: 1,
                    nacked: 1,
                    dead_lettered: 0,
                },
            },
            GroupQueueInfo {
                name: b"plain".to_vec(),
                policy: None,
                consumers: 0,
                pending: 0,
                waiting: 0,
                expired: 0,
                lag: None,
                oldest_unsettled_ms: None,
                last_token: 0,
                counters: GroupCounters::default(),
            },
        ],
    }
}

/// `queue()`'s map in RESP2 (flat arrays, `$-1`).
const QUEUE_RESP2: &str = concat!(
    "*24\r\n",
    "$4\r\nname\r\n$4\r\njobs\r\n",
    "$6\r\nlength\r\n:2\r\n",
    "$5\r\nbytes\r\n:30\r\n",
    "$8\r\nfirst-id\r\n$3\r\n1-0\r\n",
    "$7\r\nlast-id\r\n$3\r\n2-0\r\n",
    "$6\r\npolicy\r\n*10\r\n",
    "$11\r\nmax-entries\r\n:100\r\n",
    "$9\r\nmax-bytes\r\n:0\r\n",
    "$8\r\noverflow\r\n$11\r\ndrop-oldest\r\n",
    "$15\r\ndedup-window-ms\r\n:60000\r\n",
    "$9\r\nretention\r\n$9\r\nworkqueue\r\n",
    "$7\r\ndelayed\r\n:1\r\n",
    "$11\r\ndead-letter\r\n:0\r\n",
    "$9\r\npublished\r\n:3\r\n",
    "$10\r\nduplicates\r\n:1\r\n",
    "$7\r\ndropped\r\n:0\r\n",
    "$6\r\ngroups\r\n*2\r\n",
    // The default group.
    "*28\r\n",
    "$4\r\nname\r\n$7\r\ndefault\r\n",
    "$6\r\npolicy\r\n*12\r\n",
    "$8\r\nlease-ms\r\n:30000\r\n",
    "$14\r\nmax-deliveries\r\n:10\r\n",
    "$7\r\nbackoff\r\n*12\r\n",
    "$4\r\nkind\r\n$11\r\nexponential\r\n",
    "$7\r\nbase-ms\r\n:1000\r\n",
    "$12\r\nfactor-milli\r\n:2000\r\n",
    "$6\r\nmax-ms\r\n:60000\r\n",
    "$14\r\njitter-percent\r\n:20\r\n",
    "$4\r\nseed\r\n:0\r\n",
    "$11\r\ndead-letter\r\n$-1\r\n",
    "$11\r\nmax-pending\r\n:0\r\n",
    "$24\r\nmax-pending-per-consumer\r\n:0\r\n",
    "$9\r\nconsumers\r\n:1\r\n",
    "$7\r\npending\r\n:1\r\n",
    "$7\r\nwaiting\r\n:0\r\n",
    "$7\r\nexpired\r\n:0\r\n",
    "$3\r\nlag\r\n:1\r\n",
    "$19\r\noldest-unsettled-ms\r\n:1\r\n",
    "$10\r\nlast-token\r\n:7\r\n",
    "$9\r\ndelivered\r\n:2\r\n",
    "$11\r\nredelivered\r\n:1\r\n",
    "$5\r\nacked\r\n:1\r\n",
    "$6\r\nnacked\r\n:1\r\n",
    "$13\r\ndead-lettered\r\n:0\r\n",
    // The plain group: no policy, lag and age unknown.
    "*28\r\n",
    "$4\r\nname\r\n$5\r\nplain\r\n",
    "$6\r\npolicy\r\n$-1\r\n",
    "$9\r\nconsumers\r\n:0\r\n",
    "$7\r\npending\r\n:0\r\n",
    "$7\r\nwaiting\r\n:0\r\n",
    "$7\r\nexpired\r\n:0\r\n",
    "$3\r\nlag\r\n$-1\r\n",
    "$19\r\noldest-unsettled-ms\r\n$-1\r\n",
    "$10\r\nlast-token\r\n:0\r\n",
    "$9\r\ndelivered\r\n:0\r\n",
    "$11\r\nredelivered\r\n:0\r\n",
    "$5\r\nacked\r\n:0\r\n",
    "$6\r\nnacked\r\n:0\r\n",
    "$13\r\ndead-lettered\r\n:0\r\n",
);

/// `queue()`'s map in RESP3 (`%` maps, `_`).
const QUEUE_RESP3: &str = concat!(
    "%12\r\n",
    "$4\r\nname\r\n$4\r\njobs\r\n",
    "$6\r\nlength\r\n:2\r\n",
    "$5\r\nbytes\r\n:30\r\n",
    "$8\r\nfirst-id\r\n$3\r\n1-0\r\n",
    "$7\r\nlast-id\r\n$3\r\n2-0\r\n",
    "$6\r\npolicy\r\n%5\r\n",
    "$11\r\nmax-entries\r\n:100\r\n",
    "$9\r\nmax-bytes\r\n:0\r\n",
    "$8\r\noverflow\r\n$11\r\ndrop-oldest\r\n",
    "$15\r\ndedup-window-ms\r\n:60000\r\n",
    "$9\r\nretention\r\n$9\r\nworkqueue\r\n",
    "$7\r\ndelayed\r\n:1\r\n",
    "$11\r\ndead-letter\r\n:0\r\n",
    "$9\r\npublished\r\n:3\r\n",
    "$10\r\nduplicates\r\n:1\r\n",
    "$7\r\ndropped\r\n:0\r\n",
    "$6\r\ngroups\r\n*2\r\n",
    "%14\r\n",
    "$4\r\nname\r\n$7\r\ndefault\r\n",
    "$6\r\npolicy\r\n%6\r\n",
    "$8\r\nlease-ms\r\n:30000\r\n",
    "$14\r\nmax-deliveries\r\n:10\r\n",
    "$7\r\nbackoff\r\n%6\r\n",
    "$4\r\nkind\r\n$11\r\nexponential\r\n",
    "$7\r\nbase-ms\r\n:1000\r\n",
    "$12\r\nfactor-milli\r\n:2000\r\n",
    "$6\r\nmax-ms\r\n:60000\r\n",
    "$14\r\njitter-percent\r\n:20\r\n",
    "$4\r\nseed\r\n:0\r\n",
    "$11\r\ndead-letter\r\n_\r\n",
    "$11\r\nmax-pending\r\n:0\r\n",
    "$24\r\nmax-pending-per-consumer\r\n:0\r\n",
    "$9\r\nconsumers\r\n:1\r\n",
    "$7\r\npending\r\n:1\r\n",
    "$7\r\nwaiting\r\n:0\r\n",
    "$7\r\nexpired\r\n:0\r\n",
    "$3\r\nlag\r\n:1\r\n",
    "$19\r\noldest-unsettled-ms\r\n:1\r\n",
    "$10\r\nlast-token\r\n:7\r\n",
    "$9\r\ndelivered\r\n:2\r\n",
    "$11\r\nredelivered\r\n:1\r\n",
    "$5\r\nacked\r\n:1\r\n",
    "$6\r\nnacked\r\n:1\r\n",
    "$13\r\ndead-lettered\r\n:0\r\n",
    "%14\r\n",
    "$4\r\nname\r\n$5\r\nplain\r\n",
    "$6\r\npolicy\r\n_\r\n",
    "$9\r\nconsumers\r\n:0\r\n",
    "$7\r\npending\r\n:0\r\n",
    "$7\r\nwaiting\r\n:0\r\n",
    "$7\r\nexpired\r\n:0\r\n",
    "$3\r\nlag\r\n_\r\n",
    "$19\r\noldest-unsettled-ms\r\n_\r\n",
    "$10\r\nlast-token\r\n:0\r\n",
    "$9\r\ndelivered\r\n:0\r\n",
    "$11\r\nredelivered\r\n:0\r\n",
    "$5\r\nacked\r\n:0\r\n",
    "$6\r\nnacked\r\n:0\r\n",
    "$13\r\ndead-lettered\r\n:0\r\n",
);

#[test]
fn info_replies_the_queue_map_itself() {
    let reply = Reply::Queues(vec![queue()]);
    check(
        &info_command(),
        &reply,
        QUEUE_RESP2.as_bytes(),
        QUEUE_RESP3.as_bytes(),
    );
}

#[test]
fn queues_and_dlq_list_reply_an_array_of_queue_maps() {
    let reply = Reply::Queues(vec![queue()]);
    let dlq_list = Command::QueueList {
        dead_letters_only: true,
    };
    for command in [list_command(), dlq_list] {
        check(
            &command,
            &reply,
            format!("*1\r\n{QUEUE_RESP2}").as_bytes(),
            format!("*1\r\n{QUEUE_RESP3}").as_bytes(),
        );
        check(&command, &Reply::Queues(Vec::new()), b"*0\r\n", b"*0\r\n");
    }
}

#[test]
fn info_without_a_queue_replies_nil() {
    check(
        &info_command(),
        &Reply::Queues(Vec::new()),
        b"$-1\r\n",
        b"_\r\n",
    );
}

/// The bytes of `queue()`'s first group policy with `policy` in place of the default.
fn group_policy_bytes(policy: GroupPolicy, proto: Proto) -> Vec<u8> {
    let mut info = queue();
    info.groups[0].policy = Some(policy);
    to_bytes(
        &reply_frame(&info_command(), &Reply::Queues(vec![info]), proto),
        proto,
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn backoff_none_and_list_and_a_named_dead_letter_have_their_own_shapes() {
    let policy = GroupPolicy {
        backoff: Backoff::None,
        dead_letter: Some(b"graveyard".to_vec()),
        ..group_policy_default()
    };
    let fragment = concat!(
        "$7\r\nbackoff\r\n$4\r\nnone\r\n",
        "$11\r\ndead-letter\r\n$9\r\ngraveyard\r\n",
    );
    for proto in [Proto::Resp2, Proto::Resp3] {
        let got = group_policy_bytes(policy.clone(), proto);
        assert!(
            contains(&got, fragment.as_bytes()),
            "{proto:?}: {}",
            show(&got)
        );
    }
    let policy = GroupPolicy {
        backoff: Backoff::List(vec![100, 2000]),
        ..group_policy_default()
    };
    let list = |header: &str| {
        format!(
            "$7\r\nbackoff\r\n{header}$4\r\nkind\r\n$4\r\nlist\r\n\
             $9\r\ndelays-ms\r\n*2\r\n:100\r\n:2000\r\n"
        )
    };
    for (proto, header) in [(Proto::Resp2, "*4\r\n"), (Proto::Resp3, "%2\r\n")] {
        let got = group_policy_bytes(policy.clone(), proto);
        assert!(
            contains(&got, list(header).as_bytes()),
            "{proto:?}: {}",
            show(&got)
        );
    }
}

#[test]
fn create_and_set_reply_ok_and_dlq_redrive_and_purge_a_count() {
    let create = Command::QueueCreate {
        key: b"jobs".to_vec(),
        group: b"default".to_vec(),
        stream_policy: StreamPolicyPatch::default(),
        group_policy: GroupPolicyPatch::default(),
    };
    check(&create, &Reply::Ok, b"+OK\r\n", b"+OK\r\n");
    let redrive = Command::Redrive(Redrive {
        dead_letter: b"jobs:dlq".to_vec(),
        to: None,
        start: StreamId::ZERO,
        end: StreamId::MAX,
        count: 0,
    });
    check(&redrive, &Reply::Int(3), b":3\r\n", b":3\r\n");
    let purge = Command::Purge {
        key: b"jobs:dlq".to_vec(),
    };
    check(&purge, &Reply::Int(0), b":0\r\n", b":0\r\n");
}

fn status_command() -> Command {
    Command::QueueStatus {
        key: b"jobs".to_vec(),
        group: b"g".to_vec(),
        id: StreamId::new(5, 1),
    }
}

#[test]
fn status_replies_every_key_in_order_with_nils_where_nothing_applies() {
    let in_flight = Reply::Status(Box::new(EntryStatus {
        id: StreamId::new(5, 1),
        group: b"g".to_vec(),
        state: EntryState::InFlight,
        deliveries: Some(2),
        until_ms: Some(30_005),
        consumer: Some(b"c".to_vec()),
        token: Some(7),
        dead_letter: None,
        reason: Some(b"busy".to_vec()),
        data: Some(EntryData::pack(&[(b"f".to_vec(), b"v".to_vec())])),
    }));
    let keys_and_values = |nil: &str| {
        [
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$5\r\ngroup\r\n$1\r\ng\r\n",
            "$5\r\nstate\r\n$9\r\nin-flight\r\n",
            "$10\r\ndeliveries\r\n:2\r\n",
            "$8\r\nuntil-ms\r\n:30005\r\n",
            "$8\r\nconsumer\r\n$1\r\nc\r\n",
            "$5\r\ntoken\r\n:7\r\n",
            &format!("$11\r\ndead-letter\r\n{nil}"),
            &format!("$14\r\ndead-letter-id\r\n{nil}"),
            "$6\r\nreason\r\n$4\r\nbusy\r\n",
            "$6\r\nfields\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
        ]
        .concat()
    };
    check(
        &status_command(),
        &in_flight,
        format!("*22\r\n{}", keys_and_values("$-1\r\n")).as_bytes(),
        format!("%11\r\n{}", keys_and_values("_\r\n")).as_bytes(),
    );
}

#[test]
fn status_of_a_dead_letter_names_its_stream_and_id_and_an_unknown_entry_is_all_nil() {
    let dead = Reply::Status(Box::new(EntryStatus {
        id: StreamId::new(5, 1),
        group: b"g".to_vec(),
        state: EntryState::DeadLettered,
        deliveries: Some(3),
        until_ms: None,
        consumer: None,
        token: None,
        dead_letter: Some((b"jobs:dlq".to_vec(), StreamId::new(9, 0))),
        reason: Some(b"bad".to_vec()),
        data: None,
    }));
    check(
        &status_command(),
        &dead,
        concat!(
            "*22\r\n",
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$5\r\ngroup\r\n$1\r\ng\r\n",
            "$5\r\nstate\r\n$13\r\ndead-lettered\r\n",
            "$10\r\ndeliveries\r\n:3\r\n",
            "$8\r\nuntil-ms\r\n$-1\r\n",
            "$8\r\nconsumer\r\n$-1\r\n",
            "$5\r\ntoken\r\n$-1\r\n",
            "$11\r\ndead-letter\r\n$8\r\njobs:dlq\r\n",
            "$14\r\ndead-letter-id\r\n$3\r\n9-0\r\n",
            "$6\r\nreason\r\n$3\r\nbad\r\n",
            "$6\r\nfields\r\n$-1\r\n",
        )
        .as_bytes(),
        concat!(
            "%11\r\n",
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$5\r\ngroup\r\n$1\r\ng\r\n",
            "$5\r\nstate\r\n$13\r\ndead-lettered\r\n",
            "$10\r\ndeliveries\r\n:3\r\n",
            "$8\r\nuntil-ms\r\n_\r\n",
            "$8\r\nconsumer\r\n_\r\n",
            "$5\r\ntoken\r\n_\r\n",
            "$11\r\ndead-letter\r\n$8\r\njobs:dlq\r\n",
            "$14\r\ndead-letter-id\r\n$3\r\n9-0\r\n",
            "$6\r\nreason\r\n$3\r\nbad\r\n",
            "$6\r\nfields\r\n_\r\n",
        )
        .as_bytes(),
    );
    for (state, name) in [
        (EntryState::Waiting, "waiting"),
        (EntryState::Delayed, "delayed"),
        (EntryState::Acked, "acked"),
        (EntryState::Unknown, "unknown"),
    ] {
        let reply = Reply::Status(Box::new(EntryStatus {
            id: StreamId::new(5, 1),
            group: b"g".to_vec(),
            state,
            deliveries: None,
            until_ms: None,
            consumer: None,
            token: None,
            dead_letter: None,
            reason: None,
            data: None,
        }));
        let expected = [
            "*22\r\n",
            "$2\r\nid\r\n$3\r\n5-1\r\n",
            "$5\r\ngroup\r\n$1\r\ng\r\n",
            &format!("$5\r\nstate\r\n${}\r\n{name}\r\n", name.len()),
            "$10\r\ndeliveries\r\n$-1\r\n",
            "$8\r\nuntil-ms\r\n$-1\r\n",
            "$8\r\nconsumer\r\n$-1\r\n",
            "$5\r\ntoken\r\n$-1\r\n",
            "$11\r\ndead-letter\r\n$-1\r\n",
            "$14\r\ndead-letter-id\r\n$-1\r\n",
            "$6\r\nreason\r\n$-1\r\n",
            "$6\r\nfields\r\n$-1\r\n",
        ]
        .concat();
        let got = to_bytes(
            &reply_frame(&status_command(), &reply, Proto::Resp2),
            Proto::Resp2,
        );
        assert_eq!(show(&got), show(expected.as_bytes()), "{name}");
    }
}
