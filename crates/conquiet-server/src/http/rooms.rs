//! `/v1/rooms`: create, start, speak, pass, end and show a turn-based room, as RESP's
//! CQ.ROOM.* commands answer them, and read (or wait for) its events stream after a cursor,
//! as XREAD on `room:<name>:events` does. The engine decides every turn; this module only
//! shapes JSON.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use conquiet_core::room::{RoomCommand, RoomView, events_key};
use conquiet_core::{Command, EntryData, ReadFrom, Reply, StreamId};
use conquiet_db::Block;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::{ApiError, Code};
use super::{AppState, body, json, json_response, submit, unexpected};
use crate::limits::{HTTP_PAGE_COUNT_DEFAULT, HTTP_PAGE_COUNT_MAX, HTTP_WAIT_MS_MAX};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    participants: Vec<String>,
    turn_timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeakBody {
    participant: String,
    text: String,
    #[serde(default)]
    pass: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PassBody {
    participant: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    after: Option<String>,
    count: Option<u64>,
    wait_ms: Option<u64>,
}

/// 201 with the room (state `created`).
pub async fn create(
    State(shared): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: CreateBody = body::json(body)?;
    let participants = body
        .participants
        .into_iter()
        .map(|p| body::non_empty("participant", p))
        .collect::<Result<Vec<_>, _>>()?;
    let command = RoomCommand::Create {
        name: body::non_empty("room name", body.name)?,
        participants,
        turn_timeout_ms: body.turn_timeout_ms,
    };
    room(&shared, command, StatusCode::CREATED).await
}

pub async fn start(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    room(&shared, RoomCommand::Start { name }, StatusCode::OK).await
}

/// 200 with the room after the speech (`id`: the `spoke` entry); 409 `not_your_turn` for
/// anyone but the current speaker.
pub async fn speak(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    let body: SpeakBody = body::json(body)?;
    let command = RoomCommand::Speak {
        name,
        participant: body::non_empty("participant", body.participant)?,
        text: body.text.into_bytes(),
        pass: body.pass,
    };
    room(&shared, command, StatusCode::OK).await
}

pub async fn pass(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    let body: PassBody = body::json(body)?;
    let command = RoomCommand::Pass {
        name,
        participant: body::non_empty("participant", body.participant)?,
    };
    room(&shared, command, StatusCode::OK).await
}

pub async fn end(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    room(&shared, RoomCommand::End { name }, StatusCode::OK).await
}

/// The room now. A read.
pub async fn show(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    room(&shared, RoomCommand::Info { name }, StatusCode::OK).await
}

/// Up to `count` events after the cursor `after` (an entry id; `0`, the default, is the
/// start; `$` is "only events from now on"). With `wait_ms`, waits up to that long for the
/// first event when there is none yet (a long-poll, woken by the room's next event, its
/// timer's included). `next_after` is the cursor to pass next: the last event's id, or the
/// `after` given when nothing came (null for `$`).
pub async fn events(
    State(shared): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let name = room_name(path)?;
    let query = body::query(query)?;
    let count = query.count.unwrap_or(HTTP_PAGE_COUNT_DEFAULT);
    if count > HTTP_PAGE_COUNT_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!("count is {count}, limit is {HTTP_PAGE_COUNT_MAX}"),
        ));
    }
    let wait_ms = query.wait_ms.unwrap_or(0);
    if wait_ms > HTTP_WAIT_MS_MAX {
        return Err(ApiError::new(
            Code::Limit,
            format!("wait_ms is {wait_ms}, limit is {HTTP_WAIT_MS_MAX}"),
        ));
    }
    let from = match query.after.as_deref() {
        None => ReadFrom::After(StreamId::ZERO),
        Some("$") => ReadFrom::Last,
        Some(text) => ReadFrom::After(StreamId::parse(text.as_bytes(), 0).ok_or_else(|| {
            ApiError::bad_request(format!(
                "after {text:?} is not an entry id (<ms>-<seq>, <ms> or $)"
            ))
        })?),
    };
    // A missing room is a 404, not an empty read that would wait for a room never created.
    let info = Command::Room(RoomCommand::Info { name: name.clone() });
    submit(&shared, info, Block::No).await?;
    let command = Command::Read {
        streams: vec![(events_key(&name), from)],
        count: Some(count),
    };
    // The store reads `Block::Ms(0)` as "wait for ever"; a wait of 0 here means "do not".
    let block = match wait_ms {
        0 => Block::No,
        ms => Block::Ms(ms),
    };
    let items = match submit(&shared, command, block).await? {
        Reply::Read(None) => Vec::new(),
        Reply::Read(Some(streams)) => streams.into_iter().flat_map(|s| s.items).collect(),
        other => return Err(unexpected(&other)),
    };
    let next_after = match (items.last(), from) {
        (Some(last), _) => Some(last.id.to_string()),
        (None, ReadFrom::After(id)) => Some(id.to_string()),
        (None, ReadFrom::Last) => None,
    };
    let events: Vec<Value> = items
        .iter()
        .filter_map(|item| item.data.as_ref().map(|data| event(item.id, data)))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "events": events, "next_after": next_after }),
    ))
}

/// The `{name}` of a room route.
fn room_name(path: Result<Path<String>, PathRejection>) -> Result<Vec<u8>, ApiError> {
    let Path(name) = path.map_err(|r| ApiError::bad_request(r.body_text()))?;
    body::non_empty("room name", name)
}

async fn room(
    shared: &AppState,
    command: RoomCommand,
    status: StatusCode,
) -> Result<Response, ApiError> {
    match submit(shared, Command::Room(command), Block::No).await? {
        Reply::Room(view) => Ok(json_response(status, &room_json(&view))),
        other => Err(unexpected(&other)),
    }
}

/// The room map of RESP's CQ.ROOM.* replies, keys in the same order, snake_case: `{name,
/// state, participants, speaker, turn, turn_until_ms, events_stream}`, then `id` for writes.
fn room_json(v: &RoomView) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), json::lossy(&v.name).into());
    map.insert("state".into(), v.state.as_str().into());
    let participants: Vec<Value> = v
        .participants
        .iter()
        .map(|p| json::lossy(p).into())
        .collect();
    map.insert("participants".into(), participants.into());
    map.insert(
        "speaker".into(),
        v.speaker.as_deref().map(json::lossy).into(),
    );
    map.insert("turn".into(), v.turn.into());
    map.insert("turn_until_ms".into(), v.turn_until_ms.into());
    map.insert("events_stream".into(), json::lossy(&v.events_stream).into());
    if v.write {
        map.insert("id".into(), v.event_id.map(|id| id.to_string()).into());
    }
    Value::Object(map)
}

/// One entry of the events stream: `{id, event, ...}` with the entry's fields after `id`,
/// names in snake_case, and the numeric ones (`turn`, `turn_until_ms`, `turns`) as numbers.
fn event(id: StreamId, data: &EntryData) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), id.to_string().into());
    for (field, value) in data.pairs() {
        let name = json::lossy(field).replace('-', "_");
        if name == "id" {
            continue;
        }
        let text = json::lossy(value);
        let value = match name.as_str() {
            "turn" | "turn_until_ms" | "turns" => text
                .parse::<u64>()
                .map_or_else(|_| Value::String(text.clone()), Value::from),
            _ => Value::String(text),
        };
        map.insert(name, value);
    }
    Value::Object(map)
}
