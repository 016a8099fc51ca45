//! What `parse` hands the server: the typed requests, for the parts golden tests cannot see
//! (BLOCK, trim defaults, and the connection commands the harness does not run).

use conquiet_core::{
    Claim, Command, GroupReadFrom, GroupStart, IdSpec, ReadFrom, StreamId, TRIM_LIMIT_DEFAULT,
    Trim, TrimTo,
};
use conquiet_resp::conn::{
    ClientAttr, ClientCommand, ClientKill, ClientList, ClientType, CommandQuery, Credentials,
    FlushMode, KillFilter, Scan,
};
use conquiet_resp::{ConnCommand, Parsed, Proto, XGROUP_HELP, parse};

fn parsed(words: &str) -> Parsed {
    let args: Vec<Vec<u8>> = words.split(' ').map(|w| w.as_bytes().to_vec()).collect();
    parse(&args).unwrap_or_else(|e| panic!("{words}: {e}"))
}

fn command(words: &str) -> (Command, Option<u64>) {
    match parsed(words) {
        Parsed::Engine { command, block } => (command, block),
        other => panic!("{words}: {other:?}"),
    }
}

fn conn(words: &str) -> ConnCommand {
    match parsed(words) {
        Parsed::Connection(command) => command,
        other => panic!("{words}: {other:?}"),
    }
}

fn id(ms: u64, seq: u64) -> StreamId {
    StreamId::new(ms, seq)
}

#[test]
fn reads_carry_block_and_count() {
    let (read, block) = command("XREAD COUNT 3 BLOCK 0 STREAMS a b 5 $");
    assert_eq!(block, Some(0));
    assert_eq!(
        read,
        Command::Read {
            streams: vec![
                (b"a".to_vec(), ReadFrom::After(id(5, 0))),
                (b"b".to_vec(), ReadFrom::Last),
            ],
            count: Some(3),
        }
    );
    assert_eq!(
        command("XREAD COUNT 0 STREAMS a 0").0,
        command("XREAD STREAMS a 0").0
    );
    assert_eq!(command("XREAD STREAMS a 0").1, None);
    let (group_read, block) = command("XREADGROUP GROUP g c BLOCK 250 NOACK STREAMS a b > 7-1");
    assert_eq!(block, Some(250));
    assert_eq!(
        group_read,
        Command::ReadGroup {
            group: b"g".to_vec(),
            consumer: b"c".to_vec(),
            streams: vec![
                (b"a".to_vec(), GroupReadFrom::New),
                (b"b".to_vec(), GroupReadFrom::PendingAfter(id(7, 1))),
            ],
            count: None,
            no_ack: true,
        }
    );
}

#[test]
fn trims_leave_the_default_limit_to_the_engine() {
    let trim = |words: &str| match command(words).0 {
        Command::Add { trim, .. } => trim,
        other => panic!("{other:?}"),
    };
    let maxlen = |approx, limit| {
        Some(Trim {
            to: TrimTo::MaxLen(5),
            approx,
            limit,
        })
    };
    assert_eq!(
        trim("XADD s MAXLEN ~ 5 * f v"),
        maxlen(true, TRIM_LIMIT_DEFAULT)
    );
    assert_eq!(trim("XADD s MAXLEN 5 * f v"), maxlen(false, 0));
    assert_eq!(trim("XADD s MAXLEN = 5 * f v"), maxlen(false, 0));
    assert_eq!(trim("XADD s MAXLEN ~ 5 LIMIT 7 * f v"), maxlen(true, 7));
    assert_eq!(trim("XADD s MAXLEN ~ 5 LIMIT 0 * f v"), maxlen(true, 0));
    assert_eq!(trim("XADD s * f v"), None);
    match command("XTRIM s MINID ~ 3-1").0 {
        Command::Trim { trim, .. } => assert_eq!(
            trim,
            Trim {
                to: TrimTo::MinId(id(3, 1)),
                approx: true,
                limit: TRIM_LIMIT_DEFAULT,
            }
        ),
        other => panic!("{other:?}"),
    }
    match command("XADD s NOMKSTREAM 5-* a 1 b 2").0 {
        Command::Add {
            id,
            fields,
            no_create,
            ..
        } => {
            assert_eq!(id, IdSpec::AutoSeq(5));
            assert_eq!(fields.len(), 2);
            assert!(no_create);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ranges_become_inclusive_in_command_order() {
    let range = |words: &str| match command(words).0 {
        Command::Range {
            start,
            end,
            rev,
            count,
            ..
        } => (start, end, rev, count),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        range("XRANGE s (1-1 (5 COUNT 2"),
        // `(5` is 5 with the largest seq, excluded.
        (id(1, 2), id(5, u64::MAX - 1), false, Some(2))
    );
    assert_eq!(
        range("XREVRANGE s + -"),
        (StreamId::MAX, StreamId::ZERO, true, None)
    );
    assert_eq!(
        range("XREVRANGE s (5-0 (1"),
        (id(4, u64::MAX), id(1, 1), true, None)
    );
    assert_eq!(range("XRANGE s - + COUNT -3").3, Some(0));
}

#[test]
fn claims_pass_only_the_last_of_idle_and_time() {
    let claim = |words: &str| match command(words).0 {
        Command::Claim(claim) => claim,
        other => panic!("{other:?}"),
    };
    let c = claim("XCLAIM s g c 10 1-1 2-2 IDLE 5 TIME 9 RETRYCOUNT 3 FORCE JUSTID LASTID 4-4");
    assert_eq!(
        c,
        Claim {
            key: b"s".to_vec(),
            group: b"g".to_vec(),
            consumer: b"c".to_vec(),
            idle_min_ms: 10,
            ids: vec![id(1, 1), id(2, 2)],
            idle_ms: None,
            time_ms: Some(9),
            retry_count: Some(3),
            force: true,
            just_id: true,
            last_id: Some(id(4, 4)),
        }
    );
    let c = claim("XCLAIM s g c -1 1-1 TIME 9 IDLE 5 RETRYCOUNT -1");
    assert_eq!(
        (c.idle_min_ms, c.idle_ms, c.time_ms, c.retry_count),
        (0, Some(5), None, None)
    );
    let c = claim("XCLAIM s g c 0 1-1 IDLE -5");
    assert_eq!((c.idle_ms, c.time_ms), (Some(0), None));
    match command("XAUTOCLAIM s g c 5 (1-1").0 {
        Command::AutoClaim(a) => {
            assert_eq!((a.start, a.count, a.just_id), (id(1, 2), 100, false));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn groups_and_info_read_their_options() {
    assert_eq!(
        command("XGROUP CREATE s g $ MKSTREAM ENTRIESREAD -1").0,
        Command::GroupCreate {
            key: b"s".to_vec(),
            group: b"g".to_vec(),
            start: GroupStart::Last,
            make_stream: true,
            entries_read: None,
        }
    );
    assert_eq!(
        command("XGROUP SETID s g + ENTRIESREAD 4").0,
        Command::GroupSetId {
            key: b"s".to_vec(),
            group: b"g".to_vec(),
            start: GroupStart::Id(StreamId::MAX),
            entries_read: Some(4),
        }
    );
    let full = |words: &str| match command(words).0 {
        Command::InfoStream { full, .. } => full,
        other => panic!("{other:?}"),
    };
    assert_eq!(full("XINFO STREAM s"), None);
    assert_eq!(full("XINFO STREAM s FULL"), Some(10));
    assert_eq!(full("XINFO STREAM s full count 0"), Some(0));
    assert_eq!(full("XINFO STREAM s FULL COUNT -1"), Some(10));
    assert_eq!(parsed("XGROUP HELP"), Parsed::Help(XGROUP_HELP.to_vec()));
    assert_eq!(
        parsed("KEYS st*"),
        Parsed::Keys {
            pattern: b"st*".to_vec()
        }
    );
}

#[test]
fn connection_commands_are_typed() {
    let user = |u: &str, p: &str| Credentials {
        user: Some(u.as_bytes().to_vec()),
        password: p.as_bytes().to_vec(),
    };
    assert_eq!(
        conn("HELLO 3 AUTH u p SETNAME n"),
        ConnCommand::Hello {
            proto: Some(Proto::Resp3),
            auth: Some(user("u", "p")),
            name: Some(b"n".to_vec()),
        }
    );
    assert_eq!(
        conn("HELLO"),
        ConnCommand::Hello {
            proto: None,
            auth: None,
            name: None
        }
    );
    assert_eq!(conn("AUTH u p"), ConnCommand::Auth(user("u", "p")));
    assert_eq!(
        conn("AUTH p"),
        ConnCommand::Auth(Credentials {
            user: None,
            password: b"p".to_vec()
        })
    );
    assert!(!format!("{:?}", user("u", "secret")).contains("secret"));
    assert_eq!(conn("SELECT -3"), ConnCommand::Select { db: -3 });
    assert_eq!(conn("ping"), ConnCommand::Ping { message: None });
    assert_eq!(conn("QUIT now"), ConnCommand::Quit);
    assert_eq!(conn("RESET"), ConnCommand::Reset);
    assert_eq!(conn("MULTI"), ConnCommand::Multi);
    assert_eq!(conn("EXEC"), ConnCommand::Exec);
    assert_eq!(conn("DISCARD"), ConnCommand::Discard);
    assert_eq!(conn("UNWATCH"), ConnCommand::Unwatch);
    assert_eq!(
        conn("WATCH a b"),
        ConnCommand::Watch {
            keys: vec![b"a".to_vec(), b"b".to_vec()]
        }
    );
    assert_eq!(conn("TYPE a"), ConnCommand::Type { key: b"a".to_vec() });
    assert_eq!(
        conn("RENAME a b"),
        ConnCommand::Rename {
            key: b"a".to_vec(),
            new_key: b"b".to_vec()
        }
    );
    assert_eq!(conn("DBSIZE"), ConnCommand::DbSize);
    assert_eq!(conn("TIME"), ConnCommand::Time);
    assert_eq!(
        conn("FLUSHALL async"),
        ConnCommand::FlushAll(FlushMode::Async)
    );
    assert_eq!(conn("FLUSHDB"), ConnCommand::FlushDb(FlushMode::Default));
    assert_eq!(
        conn("FUNCTION FLUSH SYNC"),
        ConnCommand::FunctionFlush(FlushMode::Sync)
    );
    assert_eq!(
        conn("CONFIG SET a 1 b 2"),
        ConnCommand::ConfigSet {
            pairs: vec![
                (b"a".to_vec(), b"1".to_vec()),
                (b"b".to_vec(), b"2".to_vec())
            ]
        }
    );
    assert_eq!(
        conn("CONFIG GET *"),
        ConnCommand::ConfigGet {
            patterns: vec![b"*".to_vec()]
        }
    );
    assert_eq!(conn("COMMAND"), ConnCommand::Command(CommandQuery::All));
    assert_eq!(
        conn("COMMAND COUNT"),
        ConnCommand::Command(CommandQuery::Count)
    );
    assert_eq!(
        conn("COMMAND DOCS xadd"),
        ConnCommand::Command(CommandQuery::Docs {
            names: vec![b"xadd".to_vec()]
        })
    );
    assert_eq!(
        conn("COMMAND INFO"),
        ConnCommand::Command(CommandQuery::Info { names: vec![] })
    );
    assert_eq!(
        conn("INFO server clients"),
        ConnCommand::Info {
            sections: vec![b"server".to_vec(), b"clients".to_vec()]
        }
    );
    assert_eq!(
        conn("SCAN 17 MATCH s* COUNT 5 TYPE stream COUNT 6"),
        ConnCommand::Scan(Scan {
            cursor: 17,
            pattern: Some(b"s*".to_vec()),
            count: Some(6),
            kind: Some(b"stream".to_vec()),
        })
    );
}

#[test]
fn client_subcommands_are_typed() {
    let client = |words: &str| match conn(words) {
        ConnCommand::Client(command) => command,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        client("CLIENT SETNAME app"),
        ClientCommand::SetName(b"app".to_vec())
    );
    assert_eq!(client("CLIENT GETNAME"), ClientCommand::GetName);
    assert_eq!(client("CLIENT ID"), ClientCommand::Id);
    assert_eq!(client("CLIENT INFO"), ClientCommand::Info);
    assert_eq!(client("CLIENT LIST"), ClientCommand::List(ClientList::All));
    assert_eq!(
        client("CLIENT LIST TYPE slave"),
        ClientCommand::List(ClientList::Type(ClientType::Replica))
    );
    assert_eq!(
        client("CLIENT LIST ID 3 -1"),
        ClientCommand::List(ClientList::Ids(vec![3, -1]))
    );
    assert_eq!(
        client("CLIENT KILL 1.2.3.4:5"),
        ClientCommand::Kill(ClientKill::Addr(b"1.2.3.4:5".to_vec()))
    );
    assert_eq!(
        client("CLIENT KILL ID 7 TYPE pubsub SKIPME no USER u ADDR a LADDR l"),
        ClientCommand::Kill(ClientKill::Filter(KillFilter {
            id: Some(7),
            kind: Some(ClientType::PubSub),
            user: Some(b"u".to_vec()),
            addr: Some(b"a".to_vec()),
            laddr: Some(b"l".to_vec()),
            skip_me: false,
        }))
    );
    assert_eq!(
        client("CLIENT SETINFO LIB-NAME redis-py"),
        ClientCommand::SetInfo {
            attr: ClientAttr::LibName,
            value: b"redis-py".to_vec()
        }
    );
    let error = |args: &[&[u8]]| {
        let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        parse(&args).expect_err("refused").to_string()
    };
    assert_eq!(
        error(&[b"CLIENT", b"SETINFO", b"lib-foo", b"x"]),
        "ERR Unrecognized option 'lib-foo'"
    );
    assert_eq!(
        error(&[b"CLIENT", b"SETINFO", b"lib-ver", b"1 2"]),
        "ERR lib-ver cannot contain spaces, newlines or special characters."
    );
}
