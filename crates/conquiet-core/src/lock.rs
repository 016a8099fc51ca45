//! Named locks with fencing tokens: the types, the state (`Locks`), and both halves of every
//! lock command. `decide` checks and resolves (the token and the end time are chosen there, so
//! replay needs no clock); `apply` performs the op. A lock whose end time passed is free at
//! that time: no op is needed to expire it, as with a lease. Semantics: docs/coordination.md.
//!
//! Lock ops never touch streams, so `Command::keys` and `Op::keys` name none; transactions
//! refuse lock writes (their undo copies only streams).

use std::collections::{BTreeMap, BTreeSet};

use crate::command::{Command, Op};
use crate::engine::{Decision, Engine, check_name};
use crate::error::{CommandError, show};
use crate::limits::*;
use crate::reply::Reply;

/// Who a lock is bound to, so that it is released when that connection closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Only the TTL ends the grant (HTTP, or RESP without BIND).
    None,
    /// RESP's BIND as parsed: the server replaces it with its connection's id before
    /// submitting; the engine refuses it, since it knows no connection.
    ThisConnection,
    /// Released when the server's connection with this id closes.
    Connection(u64),
}

/// CQ.LOCK's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acquire {
    pub name: Vec<u8>,
    pub owner: Vec<u8>,
    pub ttl_ms: u64,
    pub binding: Binding,
}

/// One grant: who holds the lock, with which token, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub owner: Vec<u8>,
    pub token: u64,
    pub until_ms: u64,
    pub connection: Option<u64>,
}

impl Grant {
    /// Whether the grant still holds at `now` (it ends at `until_ms`, exclusive).
    pub fn is_live(&self, now: u64) -> bool {
        now < self.until_ms
    }
}

/// Every lock's latest grant, with indexes by end time (to forget expired grants when the
/// table is full) and by connection (to release bound locks when a connection closes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locks {
    pub(crate) grants: BTreeMap<Vec<u8>, Grant>,
    pub(crate) by_until: BTreeSet<(u64, Vec<u8>)>,
    pub(crate) by_connection: BTreeSet<(u64, Vec<u8>)>,
    /// The largest token ever granted, of any name: the next grant gets a larger one, so
    /// tokens of one name grow even after its entry was forgotten. Snapshots carry it.
    pub(crate) last_token: u64,
}

impl Locks {
    pub fn grant(&self, name: &[u8]) -> Option<&Grant> {
        self.grants.get(name)
    }

    pub fn last_token(&self) -> u64 {
        self.last_token
    }

    pub fn len(&self) -> usize {
        self.grants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// Every remembered grant, by name (snapshots).
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Grant)> {
        self.grants.iter()
    }

    /// Puts a grant in the table and its indexes, replacing the name's older one.
    pub(crate) fn insert(&mut self, name: Vec<u8>, grant: Grant) {
        self.remove(&name);
        self.last_token = self.last_token.max(grant.token);
        self.by_until.insert((grant.until_ms, name.clone()));
        if let Some(connection) = grant.connection {
            self.by_connection.insert((connection, name.clone()));
        }
        self.grants.insert(name, grant);
    }

    fn remove(&mut self, name: &[u8]) -> Option<Grant> {
        let grant = self.grants.remove(name)?;
        self.by_until.remove(&(grant.until_ms, name.to_vec()));
        if let Some(connection) = grant.connection {
            self.by_connection.remove(&(connection, name.to_vec()));
        }
        Some(grant)
    }

    /// Forgets at most `LOCK_EXPIRED_FORGET_MAX` grants that ended by `now`: bounded work per
    /// op, deterministic (the record's time), and only ever grants that are free anyway.
    fn forget_expired(&mut self, now: u64) {
        for _ in 0..LOCK_EXPIRED_FORGET_MAX {
            let Some((until, name)) = self.by_until.first().cloned() else {
                return;
            };
            if until > now {
                return;
            }
            self.remove(&name);
        }
    }

    fn has_expired(&self, now: u64) -> bool {
        self.by_until
            .first()
            .is_some_and(|(until, _)| *until <= now)
    }
}

/// CQ.LOCK's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockAcquired {
    Granted {
        token: u64,
        until_ms: u64,
    },
    /// Held by another owner: who, with which token, until when.
    Refused {
        holder: Vec<u8>,
        token: u64,
        until_ms: u64,
    },
}

/// CQ.LOCKINFO's answer. `holder`, `token`, `until_ms` and `bound` describe the live grant;
/// all empty when the lock is free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockInfo {
    pub name: Vec<u8>,
    pub holder: Option<Vec<u8>>,
    pub token: Option<u64>,
    pub until_ms: Option<u64>,
    pub bound: bool,
    /// The largest token granted so far, of any name: the next grant is larger.
    pub last_token: u64,
}

fn stale(name: &[u8], token: u64, why: String) -> CommandError {
    CommandError::LockStale {
        name: show(name),
        token,
        why,
    }
}

fn check_ttl(ttl_ms: u64) -> Result<(), CommandError> {
    if !(1..=LOCK_TTL_MS_MAX).contains(&ttl_ms) {
        return Err(CommandError::InvalidArgument(format!(
            "lock TTL is {ttl_ms} ms, it must be 1..={LOCK_TTL_MS_MAX}"
        )));
    }
    Ok(())
}

fn check_lock_names(name: &[u8], owner: &[u8]) -> Result<(), CommandError> {
    check_name("key", name)?;
    if owner.len() > NAME_BYTES_MAX {
        return Err(CommandError::limit(
            "lock owner length",
            owner.len(),
            NAME_BYTES_MAX,
        ));
    }
    Ok(())
}

impl Engine {
    pub fn locks(&self) -> &Locks {
        &self.locks
    }

    /// The live grant of `name` at `now`, if any.
    fn live_grant(&self, now: u64, name: &[u8]) -> Option<&Grant> {
        self.locks.grants.get(name).filter(|g| g.is_live(now))
    }

    pub(crate) fn decide_lock(
        &self,
        now: u64,
        command: &Command,
    ) -> Result<Decision, CommandError> {
        use Decision::{Read, Write};
        match command {
            Command::LockAcquire(acquire) => self.decide_acquire(now, acquire),
            Command::LockRelease { name, owner, token } => {
                // A current grant that already ended is dropped too; the reply then says that
                // nothing was held (0).
                self.current_grant(name, owner, *token)?;
                Ok(Write(Op::LockRelease {
                    locks: vec![(name.clone(), *token)],
                }))
            }
            Command::LockRenew {
                name,
                owner,
                token,
                ttl_ms,
            } => {
                check_ttl(*ttl_ms)?;
                let grant = self.current_grant(name, owner, *token)?;
                if !grant.is_live(now) {
                    let why = format!("expired at {} ms", grant.until_ms);
                    return Err(stale(name, *token, why));
                }
                Ok(Write(Op::LockRenew {
                    name: name.clone(),
                    token: *token,
                    until_ms: now.saturating_add(*ttl_ms),
                }))
            }
            Command::LockInfo { name } => {
                let live = self.live_grant(now, name);
                Ok(Read(Reply::LockInfo(Box::new(LockInfo {
                    name: name.clone(),
                    holder: live.map(|g| g.owner.clone()),
                    token: live.map(|g| g.token),
                    until_ms: live.map(|g| g.until_ms),
                    bound: live.is_some_and(|g| g.connection.is_some()),
                    last_token: self.locks.last_token,
                }))))
            }
            Command::LockReleaseBound { connection } => {
                let locks: Vec<(Vec<u8>, u64)> = self
                    .locks
                    .by_connection
                    .iter()
                    .filter(|(c, _)| connection.is_none_or(|wanted| *c == wanted))
                    .take(LOCK_RELEASES_PER_OP_MAX)
                    .filter_map(|(_, name)| {
                        Some((name.clone(), self.locks.grants.get(name)?.token))
                    })
                    .collect();
                if locks.is_empty() {
                    return Ok(Read(Reply::Int(0)));
                }
                Ok(Write(Op::LockRelease { locks }))
            }
            other => unreachable!("not a lock command: {other:?}"),
        }
    }

    /// The grant `owner` and `token` name, which must be the latest of `name` (live or not).
    fn current_grant(&self, name: &[u8], owner: &[u8], token: u64) -> Result<&Grant, CommandError> {
        let Some(grant) = self.locks.grants.get(name) else {
            return Err(stale(
                name,
                token,
                "is not current, the lock is free".into(),
            ));
        };
        if grant.token != token {
            let why = format!("is not current, current is {}", grant.token);
            return Err(stale(name, token, why));
        }
        if grant.owner != owner {
            let why = format!("is held by '{}', not '{}'", show(&grant.owner), show(owner));
            return Err(stale(name, token, why));
        }
        Ok(grant)
    }

    fn decide_acquire(&self, now: u64, a: &Acquire) -> Result<Decision, CommandError> {
        check_lock_names(&a.name, &a.owner)?;
        check_ttl(a.ttl_ms)?;
        let connection = match a.binding {
            Binding::None => None,
            Binding::Connection(id) => Some(id),
            Binding::ThisConnection => {
                return Err(CommandError::InvalidArgument(
                    "BIND needs a connection to bind the lock to".into(),
                ));
            }
        };
        if let Some(grant) = self.live_grant(now, &a.name) {
            if grant.owner == a.owner {
                return Err(CommandError::LockHeld {
                    name: show(&a.name),
                    token: grant.token,
                });
            }
            return Ok(Decision::Read(Reply::Lock(LockAcquired::Refused {
                holder: grant.owner.clone(),
                token: grant.token,
                until_ms: grant.until_ms,
            })));
        }
        let known = self.locks.grants.contains_key(&a.name);
        if !known && self.locks.len() >= LOCKS_MAX && !self.locks.has_expired(now) {
            return Err(CommandError::limit(
                "lock count",
                self.locks.len(),
                LOCKS_MAX,
            ));
        }
        if let Some(id) = connection {
            let bound = self
                .locks
                .by_connection
                .range((id, Vec::new())..)
                .take_while(|(c, _)| *c == id)
                .count();
            if bound >= LOCKS_PER_CONNECTION_MAX {
                return Err(CommandError::limit(
                    "locks bound to one connection",
                    bound,
                    LOCKS_PER_CONNECTION_MAX,
                ));
            }
        }
        let token = self
            .locks
            .last_token
            .checked_add(1)
            .ok_or_else(|| CommandError::InvalidArgument("lock tokens are exhausted".into()))?;
        Ok(Decision::Write(Op::LockAcquire {
            name: a.name.clone(),
            owner: a.owner.clone(),
            token,
            until_ms: now.saturating_add(a.ttl_ms),
            connection,
        }))
    }

    pub(crate) fn apply_lock(&mut self, now: u64, op: &Op) -> Reply {
        match op {
            Op::LockAcquire {
                name,
                owner,
                token,
                until_ms,
                connection,
            } => {
                assert!(
                    *token > self.locks.last_token,
                    "lock token {token} not above the last {}",
                    self.locks.last_token
                );
                self.locks.forget_expired(now);
                let grant = Grant {
                    owner: owner.clone(),
                    token: *token,
                    until_ms: *until_ms,
                    connection: *connection,
                };
                self.locks.insert(name.clone(), grant);
                Reply::Lock(LockAcquired::Granted {
                    token: *token,
                    until_ms: *until_ms,
                })
            }
            Op::LockRenew {
                name,
                token,
                until_ms,
            } => {
                let mut grant = self
                    .locks
                    .grants
                    .get(name)
                    .filter(|g| g.token == *token)
                    .cloned()
                    .expect("decide checked the grant is current");
                grant.until_ms = *until_ms;
                self.locks.insert(name.clone(), grant);
                Reply::LockRenewed {
                    token: *token,
                    until_ms: *until_ms,
                }
            }
            Op::LockRelease { locks } => {
                let mut held = 0;
                for (name, token) in locks {
                    let current = self.locks.grants.get(name).filter(|g| g.token == *token);
                    if let Some(grant) = current {
                        held += usize::from(grant.is_live(now));
                        self.locks.remove(name);
                    }
                }
                Reply::Int(held as i64)
            }
            other => unreachable!("not a lock op: {other:?}"),
        }
    }

    /// When a blocked acquire of `name` should try again without another event: when the
    /// live grant ends.
    pub(crate) fn lock_wake_time(&self, now: u64, name: &[u8]) -> Option<u64> {
        self.live_grant(now, name).map(|g| g.until_ms)
    }
}
