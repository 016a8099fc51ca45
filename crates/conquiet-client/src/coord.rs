//! Coordination calls: named locks with fencing tokens (`CQ.LOCK` and friends) and turn-based
//! rooms (`CQ.ROOM.*`), as typed calls on [`Client`]. Semantics: docs/coordination.md.
//!
//! A lock bound to its connection ([`Client::lock_bound`]) lives on a connection of its own,
//! never a pooled one: a pooled connection goes back to the pool and serves other callers,
//! so a lock bound to it would outlive its holder (the advisory-lock-on-a-pooled-connection
//! mistake). The [`BoundLock`] guard owns that connection; dropping it closes the connection,
//! and the server releases the lock.

use std::time::Duration;

use conquiet_resp::Frame;

use crate::client::Client;
use crate::conn::{Connection, within};
use crate::decode::{Record, array, pairs};
use crate::error::{Error, Result};
use crate::types::{EntryId, entry_id, millis};

/// What an acquire answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockGrant {
    /// The lock is ours until `until_ms`; pass `token` to the resource it guards.
    Granted {
        /// The fencing token of this grant: larger than every earlier grant's.
        token: u64,
        /// When the grant ends (Unix ms).
        until_ms: u64,
    },
    /// Someone else holds it (after the wait, if one was asked for).
    Held {
        /// The holder's owner name.
        holder: String,
        /// The holder's token.
        token: u64,
        /// When the holder's grant ends (Unix ms).
        until_ms: u64,
    },
}

impl LockGrant {
    fn from_frame(frame: Frame) -> Result<LockGrant> {
        let mut r = Record::from_frame(frame)?;
        if r.u64("granted")? == 1 {
            Ok(LockGrant::Granted {
                token: r.u64("token")?,
                until_ms: r.u64("until-ms")?,
            })
        } else {
            Ok(LockGrant::Held {
                holder: r.string("holder")?,
                token: r.u64("token")?,
                until_ms: r.u64("until-ms")?,
            })
        }
    }
}

/// Who holds a lock (`CQ.LOCKINFO`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockInfo {
    /// The lock's name.
    pub name: String,
    /// The holder; `None` when free.
    pub holder: Option<String>,
    /// The holder's token.
    pub token: Option<u64>,
    /// When the holder's grant ends (Unix ms).
    pub until_ms: Option<u64>,
    /// Whether the grant is bound to its connection.
    pub bound: bool,
    /// The largest token granted so far, of any lock.
    pub last_token: u64,
}

fn lock_args(name: &str, owner: &str, ttl: Duration, wait: Option<Duration>) -> Vec<Vec<u8>> {
    let mut args: Vec<Vec<u8>> = vec![
        b"CQ.LOCK".to_vec(),
        name.into(),
        owner.into(),
        b"TTL".to_vec(),
        millis(ttl).max(1).to_string().into_bytes(),
    ];
    if let Some(wait) = wait.filter(|w| !w.is_zero()) {
        args.push(b"WAIT".to_vec());
        args.push(millis(wait).to_string().into_bytes());
    }
    args
}

/// A lock bound to a connection of its own; dropping the guard (or the process dying) closes
/// the connection and the server releases the lock. The TTL still applies as a backstop.
pub struct BoundLock {
    conn: Connection,
    name: String,
    owner: String,
    /// The grant's fencing token.
    pub token: u64,
    /// When the grant ends unless renewed (Unix ms).
    pub until_ms: u64,
    command_timeout: Duration,
}

impl BoundLock {
    /// Extends the grant by `ttl` from now; [`Error::Stale`] if it is no longer ours.
    pub async fn renew(&mut self, ttl: Duration) -> Result<()> {
        let ttl = millis(ttl).max(1).to_string();
        let token = self.token.to_string();
        let args = ["CQ.RENEW", &self.name, &self.owner, &token, "TTL", &ttl];
        let frame = within(self.command_timeout, self.conn.call(&args))
            .await?
            .into_result()?;
        self.until_ms = Record::from_frame(frame)?.u64("until-ms")?;
        Ok(())
    }

    /// Releases the lock now and closes the connection.
    pub async fn release(mut self) -> Result<()> {
        let token = self.token.to_string();
        let args = ["CQ.UNLOCK", &self.name, &self.owner, &token];
        within(self.command_timeout, self.conn.call(&args))
            .await?
            .into_result()
            .map(|_| ())
    }
}

impl Client {
    /// Acquires `name` for `owner` for `ttl`, waiting up to `wait` if it is held (on the
    /// blocking pool). Not bound to a connection: it ends at release or at its TTL.
    pub async fn lock(
        &self,
        name: &str,
        owner: &str,
        ttl: Duration,
        wait: Option<Duration>,
    ) -> Result<LockGrant> {
        let args = lock_args(name, owner, ttl, wait);
        let frame = self
            .command_waiting(&args, wait.unwrap_or_default())
            .await?;
        LockGrant::from_frame(frame)
    }

    /// Acquires `name` bound to a connection of its own, waiting up to `wait`. `Ok(None)`
    /// when someone else still holds it after the wait.
    pub async fn lock_bound(
        &self,
        name: &str,
        owner: &str,
        ttl: Duration,
        wait: Option<Duration>,
    ) -> Result<Option<BoundLock>> {
        let mut conn = self.dedicated().await?;
        let mut args = lock_args(name, owner, ttl, wait);
        args.push(b"BIND".to_vec());
        let limit = self.command_timeout() + wait.unwrap_or_default();
        let frame = within(limit, conn.call(&args)).await?.into_result()?;
        match LockGrant::from_frame(frame)? {
            LockGrant::Granted { token, until_ms } => Ok(Some(BoundLock {
                conn,
                name: name.to_string(),
                owner: owner.to_string(),
                token,
                until_ms,
                command_timeout: self.command_timeout(),
            })),
            LockGrant::Held { .. } => Ok(None),
        }
    }

    /// Releases a grant; `false` if it had already ended. [`Error::Stale`] if a newer grant
    /// holds the lock or the owner is wrong: nothing changed.
    pub async fn unlock(&self, name: &str, owner: &str, token: u64) -> Result<bool> {
        let token = token.to_string();
        let frame = self.command(&["CQ.UNLOCK", name, owner, &token]).await?;
        Ok(Record::from_frame(frame)?.u64("released")? == 1)
    }

    /// Extends a grant by `ttl` from now; answers the new end (Unix ms). [`Error::Stale`]
    /// if the grant is not current.
    pub async fn renew(&self, name: &str, owner: &str, token: u64, ttl: Duration) -> Result<u64> {
        let (token, ttl) = (token.to_string(), millis(ttl).max(1).to_string());
        let frame = self
            .command(&["CQ.RENEW", name, owner, &token, "TTL", &ttl])
            .await?;
        Record::from_frame(frame)?.u64("until-ms")
    }

    /// Who holds `name`.
    pub async fn lock_info(&self, name: &str) -> Result<LockInfo> {
        let mut r = Record::from_frame(self.command(&["CQ.LOCKINFO", name]).await?)?;
        Ok(LockInfo {
            name: r.string("name")?,
            holder: r.opt_string("holder")?,
            token: r.opt_u64("token")?,
            until_ms: r.opt_u64("until-ms")?,
            bound: r.u64("bound")? == 1,
            last_token: r.u64("last-token")?,
        })
    }
}

/// A room's state (`CQ.ROOM.*` replies).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Room {
    /// The room's name.
    pub name: String,
    /// `created`, `started` or `ended`.
    pub state: String,
    /// The participants, in turn order.
    pub participants: Vec<String>,
    /// Whose turn it is (started rooms only).
    pub speaker: Option<String>,
    /// The turn number (0 before the start).
    pub turn: u64,
    /// When the turn times out (Unix ms), with a turn timeout.
    pub turn_until_ms: Option<u64>,
    /// The stream holding the room's events.
    pub events_stream: String,
    /// The event this command appended, if any.
    pub event_id: Option<EntryId>,
}

impl Room {
    fn from_frame(frame: Frame) -> Result<Room> {
        let mut r = Record::from_frame(frame)?;
        let participants = array(r.take("participants")?)?
            .into_iter()
            .map(crate::decode::string)
            .collect::<Result<_>>()?;
        let event_id = match r.take("id") {
            Ok(Frame::Null | Frame::NullArray) | Err(_) => None,
            Ok(f) => Some(entry_id(f)?),
        };
        Ok(Room {
            name: r.string("name")?,
            state: r.string("state")?,
            participants,
            speaker: r.opt_string("speaker")?,
            turn: r.u64("turn")?,
            turn_until_ms: r.opt_u64("turn-until-ms")?,
            events_stream: r.string("events-stream")?,
            event_id,
        })
    }
}

/// One entry of a room's event stream: `event` (`started`, `spoke`, `turn-changed`,
/// `timed-out`, `ended`) and its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomEvent {
    /// The entry's id: the cursor to read on from.
    pub id: EntryId,
    /// The event's name.
    pub event: String,
    /// The other fields (`turn`, `speaker`, `participant`, `text`, ...).
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl RoomEvent {
    /// The first field named `name`, as text.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

impl Client {
    /// Creates a room with participants in turn order and an optional turn timeout.
    pub async fn create_room(
        &self,
        room: &str,
        participants: &[&str],
        turn_timeout: Option<Duration>,
    ) -> Result<Room> {
        let mut args: Vec<Vec<u8>> = vec![
            b"CQ.ROOM.CREATE".to_vec(),
            room.into(),
            b"PARTICIPANTS".to_vec(),
            participants.len().to_string().into_bytes(),
        ];
        args.extend(participants.iter().map(|p| p.as_bytes().to_vec()));
        if let Some(t) = turn_timeout {
            args.push(b"TURN-TIMEOUT".to_vec());
            args.push(millis(t).max(1).to_string().into_bytes());
        }
        Room::from_frame(self.command(&args).await?)
    }

    /// Starts a room: the first participant's turn begins.
    pub async fn start_room(&self, room: &str) -> Result<Room> {
        Room::from_frame(self.command(&["CQ.ROOM.START", room]).await?)
    }

    /// Speaks in the room as `participant`, and passes the turn too when `pass`. Only the
    /// current speaker may speak: anyone else gets [`Error::Conflict`] (`NOTYOURTURN`).
    pub async fn speak(
        &self,
        room: &str,
        participant: &str,
        text: &str,
        pass: bool,
    ) -> Result<Room> {
        let mut args = vec!["CQ.ROOM.SPEAK", room, participant, text];
        if pass {
            args.push("PASS");
        }
        Room::from_frame(self.command(&args).await?)
    }

    /// Passes the turn to the next participant.
    pub async fn pass_turn(&self, room: &str, participant: &str) -> Result<Room> {
        Room::from_frame(self.command(&["CQ.ROOM.PASS", room, participant]).await?)
    }

    /// Ends the room.
    pub async fn end_room(&self, room: &str) -> Result<Room> {
        Room::from_frame(self.command(&["CQ.ROOM.END", room]).await?)
    }

    /// The room's state.
    pub async fn room_info(&self, room: &str) -> Result<Room> {
        Room::from_frame(self.command(&["CQ.ROOM.INFO", room]).await?)
    }

    /// Events of the room after `after` (`None`: from the start), at most `count`, waiting
    /// up to `wait` for one when there are none yet (on the blocking pool). Read on from the
    /// last event's id to miss nothing.
    pub async fn room_events(
        &self,
        events_stream: &str,
        after: Option<EntryId>,
        count: u32,
        wait: Option<Duration>,
    ) -> Result<Vec<RoomEvent>> {
        let after = after.map_or("0-0".to_string(), |id| id.to_string());
        let count = count.max(1).to_string();
        let mut args = vec!["XREAD".to_string(), "COUNT".into(), count];
        let wait = wait.filter(|w| !w.is_zero());
        if let Some(w) = wait {
            args.push("BLOCK".into());
            args.push(millis(w).max(1).to_string());
        }
        args.extend(["STREAMS".into(), events_stream.to_string(), after]);
        let frame = self
            .command_waiting(&args, wait.unwrap_or_default())
            .await?;
        events(frame)
    }
}

/// XREAD's reply for one stream: `{stream: [[id, fields], ...]}` (RESP3) or
/// `[[stream, [[id, fields], ...]]]` (RESP2); nil when nothing came.
fn events(frame: Frame) -> Result<Vec<RoomEvent>> {
    let entries = match frame {
        Frame::Null | Frame::NullArray => return Ok(Vec::new()),
        Frame::Map(mut streams) => match streams.pop() {
            Some((_, entries)) => entries,
            None => return Ok(Vec::new()),
        },
        other => {
            let mut streams = array(other)?;
            let Some(stream) = streams.pop() else {
                return Ok(Vec::new());
            };
            let mut pair = array(stream)?;
            pair.pop()
                .ok_or_else(|| Error::Protocol("XREAD stream without entries".into()))?
        }
    };
    array(entries)?
        .into_iter()
        .map(|entry| {
            let mut parts = array(entry)?.into_iter();
            let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
                return Err(Error::Protocol("an entry is not [id, fields]".into()));
            };
            let mut fields = pairs(fields)?;
            let at = fields
                .iter()
                .position(|(f, _)| f == b"event")
                .ok_or_else(|| Error::Protocol("a room event without 'event'".into()))?;
            let event = String::from_utf8_lossy(&fields.remove(at).1).into_owned();
            Ok(RoomEvent {
                id: entry_id(id)?,
                event,
                fields,
            })
        })
        .collect()
}
