//! CQ.LOCK, CQ.UNLOCK, CQ.RENEW and CQ.LOCKINFO: the typed commands `parse` makes (with
//! WAIT as the blocking time, BIND as "this connection"), their argument errors, and the
//! reply maps as bytes in RESP2 and RESP3. Replies are built by hand, independent of the
//! engine.

use conquiet_core::lock::{Acquire, Binding, LockAcquired, LockInfo};
use conquiet_core::{Command, Reply};
use conquiet_resp::{Proto, reply_frame, to_bytes};

use crate::queue_parsed::{command, engine, error};
use crate::support::show;

fn acquire(ttl_ms: u64, binding: Binding) -> Command {
    Command::LockAcquire(Acquire {
        name: b"job".to_vec(),
        owner: b"w1".to_vec(),
        ttl_ms,
        binding,
    })
}

#[test]
fn lock_reads_ttl_wait_and_bind_in_any_order() {
    assert_eq!(
        command("CQ.LOCK job w1 TTL 500"),
        acquire(500, Binding::None)
    );
    assert_eq!(
        engine("cq.lock job w1 wait 250 bind ttl 500"),
        (acquire(500, Binding::ThisConnection), Some(250))
    );
    assert_eq!(
        engine("CQ.LOCK job w1 TTL 500 WAIT 0"),
        (acquire(500, Binding::None), None),
        "WAIT 0 answers at once"
    );
    assert_eq!(
        engine("CQ.LOCK job w1 TTL 1 TTL 2"),
        (acquire(2, Binding::None), None)
    );
}

#[test]
fn lock_argument_errors() {
    assert_eq!(
        error("CQ.LOCK job w1"),
        "ERR wrong number of arguments for 'cq.lock' command"
    );
    assert_eq!(
        error("CQ.LOCK job w1 BIND"),
        "ERR wrong number of arguments for 'cq.lock' command"
    );
    assert_eq!(
        error("CQ.LOCK job w1 BIND WAIT 5"),
        "ERR CQ.LOCK needs TTL ms"
    );
    assert_eq!(
        error("CQ.LOCK job w1 BIND TTL"),
        "ERR syntax error, TTL needs a value"
    );
    assert_eq!(
        error("CQ.LOCK job w1 TTL -1"),
        "ERR TTL must be an integer from 0 to 18446744073709551615, got '-1'"
    );
    assert_eq!(
        error("CQ.LOCK job w1 TTL 5 WAIT 86400001"),
        "ERR WAIT is 86400001, limit is 86400000"
    );
    assert_eq!(
        error("CQ.LOCK job w1 TTL 5 FOREVER"),
        "ERR unknown option 'FOREVER' for 'cq.lock'"
    );
}

#[test]
fn unlock_renew_and_lockinfo_take_exact_arguments() {
    assert_eq!(
        command("CQ.UNLOCK job w1 7"),
        Command::LockRelease {
            name: b"job".to_vec(),
            owner: b"w1".to_vec(),
            token: 7
        }
    );
    assert_eq!(
        command("cq.renew job w1 7 ttl 900"),
        Command::LockRenew {
            name: b"job".to_vec(),
            owner: b"w1".to_vec(),
            token: 7,
            ttl_ms: 900
        }
    );
    assert_eq!(
        command("CQ.LOCKINFO job"),
        Command::LockInfo {
            name: b"job".to_vec()
        }
    );
    assert_eq!(
        error("CQ.UNLOCK job w1"),
        "ERR wrong number of arguments for 'cq.unlock' command"
    );
    assert_eq!(
        error("CQ.UNLOCK job w1 x"),
        "ERR token must be an integer from 0 to 18446744073709551615, got 'x'"
    );
    assert_eq!(
        error("CQ.RENEW job w1 7 LEASE 900"),
        "ERR unknown option 'LEASE' for 'cq.renew'"
    );
    assert_eq!(
        error("CQ.LOCKINFO a b"),
        "ERR wrong number of arguments for 'cq.lockinfo' command"
    );
}

/// The bytes `reply` to `command` is sent as in RESP2 and in RESP3.
fn check(command: &Command, reply: &Reply, resp2: &str, resp3: &str) {
    for (proto, expected) in [(Proto::Resp2, resp2), (Proto::Resp3, resp3)] {
        let got = to_bytes(&reply_frame(command, reply, proto), proto);
        assert_eq!(show(&got), show(expected.as_bytes()), "{proto:?} {reply:?}");
    }
}

#[test]
fn lock_replies_granted_or_the_holder() {
    let granted = Reply::Lock(LockAcquired::Granted {
        token: 5,
        until_ms: 1500,
    });
    let body = "$7\r\ngranted\r\n:1\r\n$5\r\ntoken\r\n:5\r\n$8\r\nuntil-ms\r\n:1500\r\n";
    let lock = acquire(500, Binding::None);
    check(
        &lock,
        &granted,
        &format!("*6\r\n{body}"),
        &format!("%3\r\n{body}"),
    );
    let refused = Reply::Lock(LockAcquired::Refused {
        holder: b"w2".to_vec(),
        token: 4,
        until_ms: 1400,
    });
    let body = "$7\r\ngranted\r\n:0\r\n$6\r\nholder\r\n$2\r\nw2\r\n$5\r\ntoken\r\n:4\r\n\
                $8\r\nuntil-ms\r\n:1400\r\n";
    check(
        &lock,
        &refused,
        &format!("*8\r\n{body}"),
        &format!("%4\r\n{body}"),
    );
}

#[test]
fn unlock_and_renew_reply_maps() {
    let unlock = Command::LockRelease {
        name: b"job".to_vec(),
        owner: b"w1".to_vec(),
        token: 5,
    };
    let body = "$8\r\nreleased\r\n:1\r\n";
    check(
        &unlock,
        &Reply::Int(1),
        &format!("*2\r\n{body}"),
        &format!("%1\r\n{body}"),
    );
    let renew = Command::LockRenew {
        name: b"job".to_vec(),
        owner: b"w1".to_vec(),
        token: 5,
        ttl_ms: 100,
    };
    let renewed = Reply::LockRenewed {
        token: 5,
        until_ms: 2000,
    };
    let body = "$7\r\nrenewed\r\n:1\r\n$5\r\ntoken\r\n:5\r\n$8\r\nuntil-ms\r\n:2000\r\n";
    check(
        &renew,
        &renewed,
        &format!("*6\r\n{body}"),
        &format!("%3\r\n{body}"),
    );
}

#[test]
fn lockinfo_replies_every_key_with_nils_when_free() {
    let command = Command::LockInfo {
        name: b"job".to_vec(),
    };
    let held = Reply::LockInfo(Box::new(LockInfo {
        name: b"job".to_vec(),
        holder: Some(b"w1".to_vec()),
        token: Some(5),
        until_ms: Some(1500),
        bound: true,
        last_token: 9,
    }));
    let body = "$4\r\nname\r\n$3\r\njob\r\n$6\r\nholder\r\n$2\r\nw1\r\n$5\r\ntoken\r\n:5\r\n\
                $8\r\nuntil-ms\r\n:1500\r\n$5\r\nbound\r\n:1\r\n$10\r\nlast-token\r\n:9\r\n";
    check(
        &command,
        &held,
        &format!("*12\r\n{body}"),
        &format!("%6\r\n{body}"),
    );
    let free = Reply::LockInfo(Box::new(LockInfo {
        name: b"job".to_vec(),
        holder: None,
        token: None,
        until_ms: None,
        bound: false,
        last_token: 9,
    }));
    let body = |nil: &str| {
        format!(
            "$4\r\nname\r\n$3\r\njob\r\n$6\r\nholder\r\n{nil}$5\r\ntoken\r\n{nil}\
             $8\r\nuntil-ms\r\n{nil}$5\r\nbound\r\n:0\r\n$10\r\nlast-token\r\n:9\r\n"
        )
    };
    check(
        &command,
        &free,
        &format!("*12\r\n{}", body("$-1\r\n")),
        &format!("%6\r\n{}", body("_\r\n")),
    );
}

#[test]
fn a_lock_release_of_bound_locks_is_a_plain_integer() {
    let bound = Command::LockReleaseBound {
        connection: Some(3),
    };
    check(&bound, &Reply::Int(2), ":2\r\n", ":2\r\n");
}
