//! Locks with fencing tokens on the fake clock: grants, tokens that grow across grants,
//! expiry and forgetting, stale releases and renewals, the waiting helpers the writer uses,
//! bound locks, limits, and lock state through snapshots and through replay of the log.

use conquiet_core::codec::{decode_record, decode_snapshot, encode_record, encode_snapshot};
use conquiet_core::lock::{Acquire, Binding, LockAcquired, LockInfo};
use conquiet_core::*;

use crate::util::*;

pub fn lock_cmd(name: &str, owner: &str, ttl_ms: u64) -> Command {
    Command::LockAcquire(Acquire {
        name: k(name),
        owner: k(owner),
        ttl_ms,
        binding: Binding::None,
    })
}

fn unlock_cmd(name: &str, owner: &str, token: u64) -> Command {
    Command::LockRelease {
        name: k(name),
        owner: k(owner),
        token,
    }
}

fn renew_cmd(name: &str, owner: &str, token: u64, ttl_ms: u64) -> Command {
    Command::LockRenew {
        name: k(name),
        owner: k(owner),
        token,
        ttl_ms,
    }
}

/// The token of a grant; panics on a refusal.
fn granted(e: &mut Engine, now: u64, name: &str, owner: &str, ttl_ms: u64) -> (u64, u64) {
    match ok(e, now, &lock_cmd(name, owner, ttl_ms)) {
        Reply::Lock(LockAcquired::Granted { token, until_ms }) => (token, until_ms),
        other => panic!("lock {name} for {owner} answered {other:?}"),
    }
}

fn info(e: &mut Engine, now: u64, name: &str) -> LockInfo {
    let command = Command::LockInfo { name: k(name) };
    assert!(!is_write(e, now, &command), "LOCKINFO is a read");
    match ok(e, now, &command) {
        Reply::LockInfo(info) => *info,
        other => panic!("lockinfo answered {other:?}"),
    }
}

#[test]
fn a_free_lock_is_granted_with_a_token_and_an_end() {
    let mut e = engine();
    assert_eq!(granted(&mut e, 1000, "l", "a", 500), (1, 1500));
    let i = info(&mut e, 1200, "l");
    assert_eq!(i.holder, Some(k("a")));
    assert_eq!(
        (i.token, i.until_ms, i.bound, i.last_token),
        (Some(1), Some(1500), false, 1)
    );
}

#[test]
fn a_held_lock_is_refused_with_its_holder_and_answers_as_a_read() {
    let mut e = engine();
    granted(&mut e, 1000, "l", "a", 500);
    let command = lock_cmd("l", "b", 500);
    assert!(!is_write(&e, 1100, &command), "a refusal changes nothing");
    let reply = ok(&mut e, 1100, &command);
    assert_eq!(
        reply,
        Reply::Lock(LockAcquired::Refused {
            holder: k("a"),
            token: 1,
            until_ms: 1500
        })
    );
    assert!(
        reply.is_empty_read(),
        "a refusal is what a WAIT-er waits on"
    );
}

#[test]
fn the_holder_acquiring_again_is_refused_with_busylock() {
    let mut e = engine();
    granted(&mut e, 1000, "l", "a", 500);
    let error = err(&mut e, 1100, &lock_cmd("l", "a", 500));
    assert_eq!(
        error.to_string(),
        "BUSYLOCK lock 'l' is already held by this owner with token 1; renew or release it"
    );
}

#[test]
fn tokens_strictly_grow_across_grants_releases_expiry_and_names() {
    let mut e = engine();
    let mut last = 0;
    let mut now = 1000;
    for round in 0..20u64 {
        let owner = if round % 2 == 0 { "a" } else { "b" };
        let (token, _) = granted(&mut e, now, "l", owner, 100);
        assert!(token > last, "round {round}: token {token} after {last}");
        last = token;
        if round % 3 == 0 {
            assert_eq!(
                ok(&mut e, now + 10, &unlock_cmd("l", owner, token)),
                Reply::Int(1)
            );
            now += 20;
        } else {
            now += 100; // expires: free at its end, exactly
        }
        let (other, _) = granted(&mut e, now, "other", owner, 1);
        assert!(
            other > last,
            "another name's grant also takes a larger token"
        );
        last = other;
        now += 1;
    }
}

#[test]
fn a_lock_is_free_at_its_end_time_and_not_before() {
    let mut e = engine();
    granted(&mut e, 1000, "l", "a", 500);
    assert!(matches!(
        ok(&mut e, 1499, &lock_cmd("l", "b", 10)),
        Reply::Lock(LockAcquired::Refused { .. })
    ));
    assert_eq!(info(&mut e, 1500, "l").holder, None, "free at until-ms");
    assert_eq!(granted(&mut e, 1500, "l", "b", 10), (2, 1510));
}

#[test]
fn a_release_with_an_old_token_after_a_new_grant_is_stale_and_changes_nothing() {
    let mut e = engine();
    let (old, _) = granted(&mut e, 1000, "l", "a", 100);
    let (new, _) = granted(&mut e, 1100, "l", "b", 100);
    let command = unlock_cmd("l", "a", old);
    assert!(e.decide(1150, &command).is_err());
    let error = err(&mut e, 1150, &command);
    assert_eq!(
        error.to_string(),
        format!("STALE lock 'l' token {old} is not current, current is {new}")
    );
    assert_eq!(info(&mut e, 1150, "l").holder, Some(k("b")));
    let wrong_owner = err(&mut e, 1150, &unlock_cmd("l", "a", new));
    assert_eq!(
        wrong_owner.to_string(),
        format!("STALE lock 'l' token {new} is held by 'b', not 'a'")
    );
    let released = ok(&mut e, 1150, &unlock_cmd("l", "b", new));
    assert_eq!(released, Reply::Int(1));
    let free = err(&mut e, 1150, &unlock_cmd("l", "b", new));
    assert_eq!(
        free.to_string(),
        format!("STALE lock 'l' token {new} is not current, the lock is free")
    );
}

#[test]
fn releasing_a_grant_that_already_ended_answers_zero_and_forgets_it() {
    let mut e = engine();
    let (token, _) = granted(&mut e, 1000, "l", "a", 100);
    assert_eq!(
        ok(&mut e, 1200, &unlock_cmd("l", "a", token)),
        Reply::Int(0)
    );
    assert!(e.locks().grant(b"l").is_none());
}

#[test]
fn renew_extends_a_current_grant_and_refuses_a_stale_or_ended_one() {
    let mut e = engine();
    let (token, _) = granted(&mut e, 1000, "l", "a", 100);
    let renewed = ok(&mut e, 1050, &renew_cmd("l", "a", token, 300));
    assert_eq!(
        renewed,
        Reply::LockRenewed {
            token,
            until_ms: 1350
        }
    );
    assert!(matches!(
        ok(&mut e, 1200, &lock_cmd("l", "b", 10)),
        Reply::Lock(LockAcquired::Refused { until_ms: 1350, .. })
    ));
    let ended = err(&mut e, 1400, &renew_cmd("l", "a", token, 300));
    assert_eq!(
        ended.to_string(),
        format!("STALE lock 'l' token {token} expired at 1350 ms")
    );
    let (new, _) = granted(&mut e, 1400, "l", "b", 100);
    let stale = err(&mut e, 1410, &renew_cmd("l", "a", token, 300));
    assert!(stale.to_string().starts_with("STALE "), "{stale}");
    assert_eq!(info(&mut e, 1410, "l").token, Some(new));
}

#[test]
fn ttl_and_names_are_checked() {
    let mut e = engine();
    for ttl in [0, limits::LOCK_TTL_MS_MAX + 1] {
        let error = err(&mut e, 1000, &lock_cmd("l", "a", ttl));
        assert!(error.to_string().contains("lock TTL"), "{error}");
    }
    granted(&mut e, 1000, "l", "a", limits::LOCK_TTL_MS_MAX);
    let long = "n".repeat(limits::NAME_BYTES_MAX + 1);
    assert!(matches!(
        err(&mut e, 1000, &lock_cmd(&long, "a", 10)),
        CommandError::Limit {
            what: "key length",
            ..
        }
    ));
    assert!(matches!(
        err(&mut e, 1000, &lock_cmd("m", &long, 10)),
        CommandError::Limit {
            what: "lock owner length",
            ..
        }
    ));
    let unbound = Command::LockAcquire(Acquire {
        binding: Binding::ThisConnection,
        ..match lock_cmd("m", "a", 10) {
            Command::LockAcquire(a) => a,
            _ => unreachable!(),
        }
    });
    assert!(err(&mut e, 1000, &unbound).to_string().contains("BIND"));
}

#[test]
fn the_writer_rechecks_a_waiting_acquire_when_the_grant_ends() {
    let mut e = engine();
    assert_eq!(
        e.wake_time(1000, &lock_cmd("l", "b", 10)),
        None,
        "free: nothing to wait for"
    );
    granted(&mut e, 1000, "l", "a", 500);
    assert_eq!(e.wake_time(1100, &lock_cmd("l", "b", 10)), Some(1500));
    assert_eq!(e.wake_time(1500, &lock_cmd("l", "b", 10)), None);
}

fn bound_cmd(name: &str, owner: &str, connection: u64) -> Command {
    Command::LockAcquire(Acquire {
        name: k(name),
        owner: k(owner),
        ttl_ms: 10_000,
        binding: Binding::Connection(connection),
    })
}

#[test]
fn locks_bound_to_a_connection_are_released_when_it_closes_and_no_others() {
    let mut e = engine();
    ok(&mut e, 1000, &bound_cmd("x", "a", 7));
    ok(&mut e, 1000, &bound_cmd("y", "a", 7));
    ok(&mut e, 1000, &bound_cmd("z", "b", 8));
    granted(&mut e, 1000, "w", "a", 10_000);
    assert!(info(&mut e, 1000, "x").bound);
    let other = Command::LockReleaseBound {
        connection: Some(9),
    };
    assert!(
        !is_write(&e, 1000, &other),
        "a connection without locks needs no record"
    );
    let closed = Command::LockReleaseBound {
        connection: Some(7),
    };
    assert_eq!(ok(&mut e, 1100, &closed), Reply::Int(2));
    assert_eq!(info(&mut e, 1100, "x").holder, None);
    assert_eq!(info(&mut e, 1100, "y").holder, None);
    assert_eq!(info(&mut e, 1100, "z").holder, Some(k("b")));
    assert_eq!(info(&mut e, 1100, "w").holder, Some(k("a")));
    let all = Command::LockReleaseBound { connection: None };
    assert_eq!(ok(&mut e, 1100, &all), Reply::Int(1));
    assert!(!is_write(&e, 1100, &all));
    assert_eq!(
        info(&mut e, 1100, "w").holder,
        Some(k("a")),
        "unbound locks stay"
    );
}

#[test]
fn a_bound_lock_still_ends_at_its_ttl() {
    let mut e = engine();
    ok(&mut e, 1000, &bound_cmd("x", "a", 7));
    assert_eq!(info(&mut e, 11_000, "x").holder, None);
    granted(&mut e, 11_000, "x", "b", 10);
}

#[test]
fn ended_grants_are_forgotten_by_later_acquires() {
    let mut e = engine();
    for i in 0..10 {
        granted(&mut e, 1000, &format!("l{i}"), "a", 10);
    }
    assert_eq!(e.locks().len(), 10);
    granted(&mut e, 2000, "fresh", "a", 10);
    assert_eq!(e.locks().len(), 1, "ended grants went, the new one stays");
    assert_eq!(e.locks().last_token(), 11);
}

fn snapshot_of(e: &Engine) -> Engine {
    let mut bytes = Vec::new();
    encode_snapshot(e, &mut bytes).expect("writing to a Vec cannot fail");
    decode_snapshot(&mut bytes.as_slice()).expect("own snapshot decodes")
}

/// Grants, renewals, releases and bound locks, as records, in order.
fn lock_history() -> Vec<Record> {
    let mut e = engine();
    let mut records = Vec::new();
    let commands = [
        (1000, lock_cmd("a", "x", 1000)),
        (1000, bound_cmd("b", "y", 3)),
        (1010, lock_cmd("c", "z", 10)),
        (1020, renew_cmd("a", "x", 1, 5000)),
        (1030, lock_cmd("c", "y", 100)),
        (1040, unlock_cmd("c", "y", 4)),
        (1050, lock_cmd("d", "x", 50_000)),
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
fn replaying_the_log_gives_the_same_locks() {
    let records = lock_history();
    let mut live = engine();
    let mut replayed = engine();
    for record in &records {
        live.apply_record(record);
        let bytes = encode_record(record);
        replayed.apply_record(&decode_record(&bytes).expect("decodes"));
    }
    assert_eq!(live.locks(), replayed.locks());
    assert_eq!(replayed.locks().last_token(), 5);
    let a = replayed.locks().grant(b"a").expect("a is held");
    assert_eq!((a.owner.clone(), a.token, a.until_ms), (k("x"), 1, 6020));
    assert_eq!(
        replayed.locks().grant(b"b").and_then(|g| g.connection),
        Some(3)
    );
    assert!(replayed.locks().grant(b"c").is_none());
}

#[test]
fn a_snapshot_carries_every_grant_and_the_last_token() {
    let mut e = engine();
    for record in lock_history() {
        e.apply_record(&record);
    }
    let restored = snapshot_of(&e);
    assert_eq!(restored.locks(), e.locks());
    let mut restored = restored;
    assert_eq!(info(&mut restored, 2000, "a").holder, Some(k("x")));
    assert!(info(&mut restored, 2000, "b").bound);
    let (token, _) = granted(&mut restored, 2000, "c", "q", 10);
    assert_eq!(token, 6, "the counter goes on after a restore");
}

#[test]
fn a_snapshot_with_a_lock_token_past_the_last_token_is_refused() {
    let mut e = engine();
    granted(&mut e, 1000, "l", "a", 100);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    // The lock table comes before the room table (an empty one: its count, 4 bytes, ends the
    // body): last token (u64), count (u32), name, owner, token, ... The last token sits
    // 8 + 4 + (4 + 1) + (4 + 1) + 8 + 8 + 1 + 4 bytes from the end.
    let at = bytes.len() - (8 + 4 + 5 + 5 + 8 + 8 + 1 + 4);
    bytes[at..at + 8].copy_from_slice(&0u64.to_le_bytes());
    assert!(decode_snapshot(&mut bytes.as_slice()).is_err());
}

#[test]
fn a_version_2_snapshot_still_reads_with_no_locks() {
    let mut e = engine();
    add(&mut e, "s", 1, 0);
    let mut bytes = Vec::new();
    encode_snapshot(&e, &mut bytes).expect("writes");
    bytes.truncate(bytes.len() - 16); // no lock table, no room table
    bytes[..4].copy_from_slice(&2u32.to_le_bytes());
    let old = decode_snapshot(&mut bytes.as_slice()).expect("version 2 decodes");
    assert!(old.locks().is_empty());
    assert_eq!(old.stream_count(), 1);
}

#[test]
fn lock_writes_do_not_name_streams() {
    let command = lock_cmd("l", "a", 10);
    assert!(command.keys().is_empty());
    assert!(command.is_write());
    assert!(!Command::LockInfo { name: k("l") }.is_write());
}
