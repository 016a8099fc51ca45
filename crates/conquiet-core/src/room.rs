//! Turn-based rooms: participants in a fixed order, one current speaker at a time, a turn
//! timeout, and an event stream per room. The types, the state (`Rooms`), and both halves of
//! every room command. `decide` checks the speaker and resolves every event of the op (the
//! entry ids, the turn end times, the turns that timed out by `now`); `apply` replays those
//! events onto the room and appends them to its stream, so replay needs no clock.
//!
//! A turn whose end time passed is over at that time, as a lease is: every command on the
//! room first catches up the turns that timed out by `now` (the same events are logged with
//! the command's own), and the writer also runs `RoomCommand::Expire` at each turn's end
//! (`Engine::room_deadline`), so the stream shows the timeout with no other traffic.
//! Semantics: docs/coordination.md.

use std::collections::{BTreeMap, BTreeSet};

use crate::StreamId;
use crate::command::{IdSpec, Op};
use crate::engine::{Decision, Engine, check_name, next_id};
use crate::entry::{EntryData, Field};
use crate::error::{CommandError, show};
use crate::limits::*;
use crate::reply::Reply;
use crate::stream::Stream;

/// Prefix and suffix of a room's events stream: `room:<name>:events`.
const EVENTS_PREFIX: &[u8] = b"room:";
const EVENTS_SUFFIX: &[u8] = b":events";

const _: () =
    assert!(ROOM_NAME_BYTES_MAX + EVENTS_PREFIX.len() + EVENTS_SUFFIX.len() == NAME_BYTES_MAX);

/// The key of the stream that records `room`'s events.
pub fn events_key(room: &[u8]) -> Vec<u8> {
    [EVENTS_PREFIX, room, EVENTS_SUFFIX].concat()
}

/// A room command as the adapters parse it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomCommand {
    Create {
        name: Vec<u8>,
        participants: Vec<Vec<u8>>,
        turn_timeout_ms: Option<u64>,
    },
    Start {
        name: Vec<u8>,
    },
    /// Only the current speaker; with `pass`, the turn goes to the next one in the same op.
    Speak {
        name: Vec<u8>,
        participant: Vec<u8>,
        text: Vec<u8>,
        pass: bool,
    },
    Pass {
        name: Vec<u8>,
        participant: Vec<u8>,
    },
    End {
        name: Vec<u8>,
    },
    /// A read.
    Info {
        name: Vec<u8>,
    },
    /// Not a client's: the writer's timer, at a turn's end, logs the turns that timed out.
    Expire {
        name: Vec<u8>,
    },
}

impl RoomCommand {
    pub fn name(&self) -> &[u8] {
        match self {
            RoomCommand::Create { name, .. }
            | RoomCommand::Start { name }
            | RoomCommand::Speak { name, .. }
            | RoomCommand::Pass { name, .. }
            | RoomCommand::End { name }
            | RoomCommand::Info { name }
            | RoomCommand::Expire { name } => name,
        }
    }
}

/// Where a room is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomState {
    Created,
    Started,
    Ended,
}

impl RoomState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomState::Created => "created",
            RoomState::Started => "started",
            RoomState::Ended => "ended",
        }
    }
}

/// The part of a room that events change. `turn` is 0 before the start; `speaker` indexes the
/// participants; `until_ms` is the current turn's end (none without a timeout or when not
/// started).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    pub state: RoomState,
    pub turn: u64,
    pub speaker: u32,
    pub until_ms: Option<u64>,
}

/// One room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub participants: Vec<Vec<u8>>,
    pub turn_timeout_ms: Option<u64>,
    pub turn: Turn,
}

/// One resolved event of a room: what the log stores and what the stream gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomEvent {
    /// Turn 1 begins, the first participant's.
    Started {
        until_ms: Option<u64>,
    },
    /// The current speaker spoke in the current turn.
    Spoke {
        text: Vec<u8>,
    },
    /// The turn goes to the next participant (wrapping), turn + 1.
    TurnChanged {
        until_ms: Option<u64>,
    },
    /// The current turn and the `turns - 1` after it timed out; the speaker stays on the last
    /// of them (a `TurnChanged` follows). `turns` is above 1 only when more turns timed out
    /// than one op lists one by one (`ROOM_TIMEOUTS_PER_OP_MAX`).
    TimedOut {
        turns: u64,
    },
    Ended,
}

/// Every room, with an index of turn end times (the writer's timer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rooms {
    pub(crate) rooms: BTreeMap<Vec<u8>, Room>,
    pub(crate) by_deadline: BTreeSet<(u64, Vec<u8>)>,
}

impl Rooms {
    pub fn room(&self, name: &[u8]) -> Option<&Room> {
        self.rooms.get(name)
    }

    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Every room, by name (snapshots).
    pub fn iter(&self) -> impl Iterator<Item = (&Vec<u8>, &Room)> {
        self.rooms.iter()
    }

    /// Puts a room in the table and the deadline index, replacing the name's older one.
    pub(crate) fn insert(&mut self, name: Vec<u8>, room: Room) {
        if let Some(old) = self.rooms.get(&name)
            && let Some(until) = old.turn.until_ms
        {
            self.by_deadline.remove(&(until, name.clone()));
        }
        if let Some(until) = room.turn.until_ms {
            self.by_deadline.insert((until, name.clone()));
        }
        self.rooms.insert(name, room);
    }
}

/// What a room command answers: the room as it is after the command (at `now` for INFO), and
/// for a write the id of its event (the `spoke` entry for a speak, else the last entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomView {
    pub name: Vec<u8>,
    pub state: RoomState,
    pub participants: Vec<Vec<u8>>,
    pub speaker: Option<Vec<u8>>,
    pub turn: u64,
    pub turn_until_ms: Option<u64>,
    pub events_stream: Vec<u8>,
    /// `None` for INFO and CREATE (no event).
    pub event_id: Option<StreamId>,
    pub write: bool,
}

fn view(name: &[u8], room: &Room, turn: Turn, event_id: Option<StreamId>, write: bool) -> Reply {
    let started = turn.state == RoomState::Started;
    Reply::Room(Box::new(RoomView {
        name: name.to_vec(),
        state: turn.state,
        participants: room.participants.clone(),
        speaker: started.then(|| room.participants[turn.speaker as usize].clone()),
        turn: turn.turn,
        turn_until_ms: turn.until_ms,
        events_stream: events_key(name),
        event_id,
        write,
    }))
}

/// The turn after `event`: the one rule that `decide` (to check) and `apply` (to store) share.
fn step(turn: &mut Turn, event: &RoomEvent, participants: u32) {
    let advance = |t: &mut Turn, n: u64| {
        t.turn = t.turn.saturating_add(n);
        let moved = (u64::from(t.speaker) + n % u64::from(participants)) % u64::from(participants);
        t.speaker = u32::try_from(moved).expect("below the participant count");
    };
    match event {
        RoomEvent::Started { until_ms } => {
            *turn = Turn {
                state: RoomState::Started,
                turn: 1,
                speaker: 0,
                until_ms: *until_ms,
            };
        }
        RoomEvent::Spoke { .. } => {}
        RoomEvent::TurnChanged { until_ms } => {
            advance(turn, 1);
            turn.until_ms = *until_ms;
        }
        RoomEvent::TimedOut { turns } => advance(turn, turns.saturating_sub(1)),
        RoomEvent::Ended => {
            turn.state = RoomState::Ended;
            turn.until_ms = None;
        }
    }
}

/// The stream entry of `event`, written with the turn as it was before the event (after it
/// for `started` and `turn-changed`, which name the turn they begin). Tabled in
/// docs/coordination.md.
fn entry_fields(room: &Room, before: Turn, after: Turn, event: &RoomEvent) -> Vec<Field> {
    let f = |k: &str, v: Vec<u8>| (k.as_bytes().to_vec(), v);
    let n = |v: u64| v.to_string().into_bytes();
    let who = |t: Turn| room.participants[t.speaker as usize].clone();
    let mut out = Vec::with_capacity(5);
    match event {
        RoomEvent::Started { until_ms } | RoomEvent::TurnChanged { until_ms } => {
            let kind = match event {
                RoomEvent::Started { .. } => "started",
                _ => "turn-changed",
            };
            out.push(f("event", kind.into()));
            out.push(f("turn", n(after.turn)));
            out.push(f("speaker", who(after)));
            if let Some(until) = until_ms {
                out.push(f("turn-until-ms", n(*until)));
            }
        }
        RoomEvent::Spoke { text } => {
            out.push(f("event", b"spoke".to_vec()));
            out.push(f("turn", n(before.turn)));
            out.push(f("participant", who(before)));
            out.push(f("text", text.clone()));
        }
        RoomEvent::TimedOut { turns } => {
            out.push(f("event", b"timed-out".to_vec()));
            out.push(f("turn", n(before.turn)));
            out.push(f("speaker", who(before)));
            if *turns > 1 {
                out.push(f("turns", n(*turns)));
            }
        }
        RoomEvent::Ended => {
            out.push(f("event", b"ended".to_vec()));
            out.push(f("turn", n(before.turn)));
        }
    }
    out
}

fn no_room(name: &[u8]) -> CommandError {
    CommandError::NoRoom { name: show(name) }
}

fn wrong_state(name: &[u8], why: &'static str) -> CommandError {
    CommandError::RoomState {
        name: show(name),
        why,
    }
}

/// The events a command logs, and the turn they lead to, starting with the turns that timed
/// out by `now`.
struct Plan {
    turn: Turn,
    events: Vec<RoomEvent>,
    participants: u32,
}

impl Plan {
    fn new(room: &Room, now: u64) -> Plan {
        let participants = u32::try_from(room.participants.len()).expect("at most 64");
        let mut plan = Plan {
            turn: room.turn,
            events: Vec::new(),
            participants,
        };
        let (Some(until), Some(timeout)) = (room.turn.until_ms, room.turn_timeout_ms) else {
            return plan;
        };
        if room.turn.state != RoomState::Started || now < until {
            return plan;
        }
        // Turns end back to back from the first missed end: at until, until + t, ...
        let missed = (now - until) / timeout + 1;
        let listed = missed.min(ROOM_TIMEOUTS_PER_OP_MAX);
        for i in 1..=listed {
            let turns = if i == listed { missed - listed + 1 } else { 1 };
            let ended = until.saturating_add(timeout.saturating_mul(i - 1 + turns - 1));
            plan.push(RoomEvent::TimedOut { turns });
            plan.push(RoomEvent::TurnChanged {
                until_ms: Some(ended.saturating_add(timeout)),
            });
        }
        plan
    }

    fn push(&mut self, event: RoomEvent) {
        step(&mut self.turn, &event, self.participants);
        self.events.push(event);
    }
}

fn check_create(
    name: &[u8],
    participants: &[Vec<u8>],
    turn_timeout_ms: Option<u64>,
) -> Result<(), CommandError> {
    if name.len() > ROOM_NAME_BYTES_MAX {
        return Err(CommandError::limit(
            "room name length",
            name.len(),
            ROOM_NAME_BYTES_MAX,
        ));
    }
    if participants.is_empty() || participants.len() > ROOM_PARTICIPANTS_MAX {
        return Err(CommandError::InvalidArgument(format!(
            "a room has 1..={ROOM_PARTICIPANTS_MAX} participants, not {}",
            participants.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for p in participants {
        check_name("consumer", p)?;
        if p.is_empty() {
            return Err(CommandError::InvalidArgument(
                "a participant's name must not be empty".into(),
            ));
        }
        if !seen.insert(p.as_slice()) {
            return Err(CommandError::InvalidArgument(format!(
                "participant '{}' is listed twice",
                show(p)
            )));
        }
    }
    if let Some(ms) = turn_timeout_ms
        && !(1..=ROOM_TURN_TIMEOUT_MS_MAX).contains(&ms)
    {
        return Err(CommandError::InvalidArgument(format!(
            "turn timeout is {ms} ms, it must be 1..={ROOM_TURN_TIMEOUT_MS_MAX}"
        )));
    }
    Ok(())
}

impl Engine {
    pub fn rooms(&self) -> &Rooms {
        &self.rooms
    }

    /// The earliest turn end of any room, with the room's name: when the writer must run
    /// `RoomCommand::Expire` (a turn's timeout is logged at its end with no other traffic).
    pub fn room_deadline(&self) -> Option<(u64, &[u8])> {
        self.rooms
            .by_deadline
            .first()
            .map(|(until, name)| (*until, name.as_slice()))
    }

    pub(crate) fn decide_room(
        &self,
        now: u64,
        command: &RoomCommand,
    ) -> Result<Decision, CommandError> {
        if let RoomCommand::Create {
            name,
            participants,
            turn_timeout_ms,
        } = command
        {
            return self.decide_room_create(name, participants, *turn_timeout_ms);
        }
        let name = command.name();
        let room = self.rooms.rooms.get(name).ok_or_else(|| no_room(name))?;
        let mut plan = Plan::new(room, now);
        let until = room.turn_timeout_ms.map(|t| now.saturating_add(t));
        match command {
            RoomCommand::Info { .. } => {
                return Ok(Decision::Read(view(name, room, plan.turn, None, false)));
            }
            RoomCommand::Expire { .. } if plan.events.is_empty() => {
                return Ok(Decision::Read(Reply::Nil));
            }
            RoomCommand::Expire { .. } => {}
            RoomCommand::Start { .. } => match plan.turn.state {
                RoomState::Created => plan.push(RoomEvent::Started { until_ms: until }),
                RoomState::Started => return Err(wrong_state(name, "has already started")),
                RoomState::Ended => return Err(wrong_state(name, "has ended")),
            },
            RoomCommand::Speak {
                participant,
                text,
                pass,
                ..
            } => {
                self.check_speaker(name, room, &plan, participant)?;
                if text.len() > ROOM_TEXT_BYTES_MAX {
                    return Err(CommandError::limit(
                        "text size",
                        text.len(),
                        ROOM_TEXT_BYTES_MAX,
                    ));
                }
                plan.push(RoomEvent::Spoke { text: text.clone() });
                if *pass {
                    plan.push(RoomEvent::TurnChanged { until_ms: until });
                }
            }
            RoomCommand::Pass { participant, .. } => {
                self.check_speaker(name, room, &plan, participant)?;
                plan.push(RoomEvent::TurnChanged { until_ms: until });
            }
            RoomCommand::End { .. } => {
                if plan.turn.state == RoomState::Ended {
                    return Err(wrong_state(name, "has ended"));
                }
                plan.push(RoomEvent::Ended);
            }
            RoomCommand::Create { .. } => unreachable!("handled above"),
        }
        let stream = events_key(name);
        let mut last = self
            .streams
            .get(&stream)
            .map_or(StreamId::ZERO, Stream::last_id);
        let mut events = Vec::with_capacity(plan.events.len());
        for event in plan.events {
            last = next_id(now, last, IdSpec::Auto)?;
            events.push((last, event));
        }
        Ok(Decision::Write(Op::Room(RoomOp::Events {
            name: name.to_vec(),
            stream,
            events,
        })))
    }

    /// Only the current speaker of a started room may speak or pass.
    fn check_speaker(
        &self,
        name: &[u8],
        room: &Room,
        plan: &Plan,
        participant: &[u8],
    ) -> Result<(), CommandError> {
        match plan.turn.state {
            RoomState::Created => return Err(wrong_state(name, "has not started")),
            RoomState::Ended => return Err(wrong_state(name, "has ended")),
            RoomState::Started => {}
        }
        if !room.participants.iter().any(|p| p == participant) {
            return Err(CommandError::NotParticipant {
                name: show(name),
                participant: show(participant),
            });
        }
        let speaker = &room.participants[plan.turn.speaker as usize];
        if speaker != participant {
            return Err(CommandError::NotYourTurn {
                name: show(name),
                speaker: show(speaker),
                turn: plan.turn.turn,
            });
        }
        Ok(())
    }

    fn decide_room_create(
        &self,
        name: &[u8],
        participants: &[Vec<u8>],
        turn_timeout_ms: Option<u64>,
    ) -> Result<Decision, CommandError> {
        check_create(name, participants, turn_timeout_ms)?;
        if self.rooms.rooms.contains_key(name) {
            return Err(CommandError::RoomExists { name: show(name) });
        }
        if self.rooms.len() >= ROOMS_MAX {
            return Err(CommandError::limit(
                "room count",
                self.rooms.len(),
                ROOMS_MAX,
            ));
        }
        let stream = events_key(name);
        self.check_new_stream(&stream, "a room's events stream")?;
        Ok(Decision::Write(Op::Room(RoomOp::Create {
            name: name.to_vec(),
            stream,
            participants: participants.to_vec(),
            turn_timeout_ms,
        })))
    }

    pub(crate) fn apply_room(&mut self, op: &RoomOp) -> Reply {
        match op {
            RoomOp::Create {
                name,
                stream,
                participants,
                turn_timeout_ms,
            } => {
                let room = Room {
                    participants: participants.clone(),
                    turn_timeout_ms: *turn_timeout_ms,
                    turn: Turn {
                        state: RoomState::Created,
                        turn: 0,
                        speaker: 0,
                        until_ms: None,
                    },
                };
                // The stream exists from the start, so a reader can block on it with `$`.
                self.streams.entry(stream.clone()).or_default();
                let reply = view(name, &room, room.turn, None, true);
                self.rooms.insert(name.clone(), room);
                reply
            }
            RoomOp::Events {
                name,
                stream,
                events,
            } => {
                let mut room = self
                    .rooms
                    .rooms
                    .get(name)
                    .cloned()
                    .expect("decide checked the room exists");
                let participants = u32::try_from(room.participants.len()).expect("at most 64");
                let node = self.config.node;
                let target = self.streams.entry(stream.clone()).or_default();
                for (id, event) in events {
                    let before = room.turn;
                    step(&mut room.turn, event, participants);
                    let fields = entry_fields(&room, before, room.turn, event);
                    target.append(*id, EntryData::pack(&fields), node);
                }
                let spoke = events
                    .iter()
                    .find(|(_, e)| matches!(e, RoomEvent::Spoke { .. }));
                let event_id = spoke.or(events.last()).map(|(id, _)| *id);
                let reply = view(name, &room, room.turn, event_id, true);
                self.rooms.insert(name.clone(), room);
                reply
            }
        }
    }
}

/// A resolved room change: what the log stores. `stream` is the room's events stream, named
/// so that `Op::keys` lists the stream the op appends to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomOp {
    Create {
        name: Vec<u8>,
        stream: Vec<u8>,
        participants: Vec<Vec<u8>>,
        turn_timeout_ms: Option<u64>,
    },
    /// Events in order, each with the id of its stream entry.
    Events {
        name: Vec<u8>,
        stream: Vec<u8>,
        events: Vec<(StreamId, RoomEvent)>,
    },
}

impl RoomOp {
    pub fn stream(&self) -> &[u8] {
        match self {
            RoomOp::Create { stream, .. } | RoomOp::Events { stream, .. } => stream,
        }
    }
}
