//! Engine replies as JSON: queues, groups, messages, entries. Names are shown as UTF-8 (bytes
//! that are not UTF-8 become U+FFFD); entry ids as `<ms>-<seq>` strings, since JSON numbers
//! cannot hold a u64 pair exactly in most clients.

use conquiet_core::queue::{
    EntryState, EntryStatus, GroupQueueInfo, Message, QueueInfo, SettleOutcome,
};
use conquiet_core::{EntryData, StreamId};
use serde::Serialize;
use serde_json::{Map, Value};

use super::policy::{GroupPolicyOut, StreamPolicyOut, group_policy_out, stream_policy_out};

pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An entry's fields as an object, in the order they were added. A field name repeated in one
/// entry (possible over RESP) shows its last value at the first name's place.
pub fn fields(data: &EntryData) -> Map<String, Value> {
    let mut map = Map::with_capacity(data.pair_count());
    for (field, value) in data.pairs() {
        map.insert(lossy(field), Value::String(lossy(value)));
    }
    map
}

#[derive(Serialize)]
pub struct QueueJson {
    name: String,
    length: u64,
    bytes: u64,
    first_id: Option<String>,
    last_id: String,
    policy: StreamPolicyOut,
    delayed: u64,
    dead_letter: bool,
    published: u64,
    duplicates: u64,
    dropped: u64,
    groups: Vec<GroupJson>,
}

#[derive(Serialize)]
pub struct GroupJson {
    name: String,
    policy: Option<GroupPolicyOut>,
    consumers: u64,
    pending: u64,
    waiting: u64,
    expired: u64,
    lag: Option<u64>,
    oldest_unsettled_ms: Option<u64>,
    last_token: u64,
    delivered: u64,
    redelivered: u64,
    acked: u64,
    nacked: u64,
    dead_lettered: u64,
}

pub fn queue(info: &QueueInfo) -> QueueJson {
    QueueJson {
        name: lossy(&info.key),
        length: info.length,
        bytes: info.bytes,
        first_id: info.first_id.map(|id| id.to_string()),
        last_id: info.last_id.to_string(),
        policy: stream_policy_out(&info.policy),
        delayed: info.delayed,
        dead_letter: info.dead_letter,
        published: info.counters.published,
        duplicates: info.counters.duplicates,
        dropped: info.counters.dropped,
        groups: info.groups.iter().map(|g| group(&info.key, g)).collect(),
    }
}

fn group(queue: &[u8], info: &GroupQueueInfo) -> GroupJson {
    GroupJson {
        name: lossy(&info.name),
        policy: info.policy.as_ref().map(|p| group_policy_out(queue, p)),
        consumers: info.consumers,
        pending: info.pending,
        waiting: info.waiting,
        expired: info.expired,
        lag: info.lag,
        oldest_unsettled_ms: info.oldest_unsettled_ms,
        last_token: info.last_token,
        delivered: info.counters.delivered,
        redelivered: info.counters.redelivered,
        acked: info.counters.acked,
        nacked: info.counters.nacked,
        dead_lettered: info.counters.dead_lettered,
    }
}

#[derive(Serialize)]
pub struct MessageJson {
    id: String,
    handle: String,
    token: u64,
    deliveries: u64,
    lease_until_ms: Option<u64>,
    fields: Map<String, Value>,
}

/// `<id>:<token>`: what ack, nack, touch and term take back. Paired with `parse_handle`.
pub fn handle(id: StreamId, token: u64) -> String {
    format!("{id}:{token}")
}

pub fn message(message: &Message) -> MessageJson {
    MessageJson {
        id: message.id.to_string(),
        handle: handle(message.id, message.token),
        token: message.token,
        deliveries: message.deliveries,
        lease_until_ms: message.lease_until_ms,
        fields: fields(&message.data),
    }
}

/// One settle result: the handle as sent, the outcome, and the outcome's details.
pub fn settled(handle: &str, outcome: &SettleOutcome) -> Value {
    let mut item = Map::new();
    item.insert("handle".into(), handle.into());
    item.insert("outcome".into(), outcome_name(outcome).into());
    match outcome {
        SettleOutcome::Acked | SettleOutcome::NotPending => {}
        SettleOutcome::Nacked { redeliver_at_ms } => {
            item.insert("redeliver_at_ms".into(), (*redeliver_at_ms).into());
        }
        SettleOutcome::Touched { lease_until_ms } => {
            item.insert("lease_until_ms".into(), (*lease_until_ms).into());
        }
        SettleOutcome::DeadLettered { dead_letter, id } => {
            item.insert("dead_letter".into(), lossy(dead_letter).into());
            item.insert("id".into(), id.to_string().into());
        }
        SettleOutcome::Stale { current } => {
            item.insert("current_token".into(), (*current).into());
        }
    }
    Value::Object(item)
}

fn outcome_name(outcome: &SettleOutcome) -> &'static str {
    match outcome {
        SettleOutcome::Acked => "acked",
        SettleOutcome::Nacked { .. } => "nacked",
        SettleOutcome::Touched { .. } => "touched",
        SettleOutcome::DeadLettered { .. } => "dead_lettered",
        SettleOutcome::Stale { .. } => "stale",
        SettleOutcome::NotPending => "not_pending",
    }
}

/// One message's status in one group (`GET /v1/queues/{name}/messages/{id}`): every key
/// always present, null where it does not apply, as CQ.STATUS's map.
#[derive(Serialize)]
pub struct StatusJson {
    id: String,
    group: String,
    state: &'static str,
    deliveries: Option<u64>,
    until_ms: Option<u64>,
    consumer: Option<String>,
    token: Option<u64>,
    dead_letter: Option<String>,
    dead_letter_id: Option<String>,
    reason: Option<String>,
    fields: Option<Map<String, Value>>,
}

pub fn status(status: &EntryStatus) -> StatusJson {
    StatusJson {
        id: status.id.to_string(),
        group: lossy(&status.group),
        state: state_name(status.state),
        deliveries: status.deliveries,
        until_ms: status.until_ms,
        consumer: status.consumer.as_deref().map(lossy),
        token: status.token,
        dead_letter: status.dead_letter.as_ref().map(|(s, _)| lossy(s)),
        dead_letter_id: status.dead_letter.as_ref().map(|(_, id)| id.to_string()),
        reason: status.reason.as_deref().map(lossy),
        fields: status.data.as_ref().map(fields),
    }
}

/// Snake case, as the settle outcomes are named over HTTP.
fn state_name(state: EntryState) -> &'static str {
    match state {
        EntryState::Waiting => "waiting",
        EntryState::Delayed => "delayed",
        EntryState::InFlight => "in_flight",
        EntryState::Acked => "acked",
        EntryState::DeadLettered => "dead_lettered",
        EntryState::Unknown => "unknown",
    }
}

/// `<id>:<token>` back into its parts; `None` for anything else.
pub fn parse_handle(text: &str) -> Option<(StreamId, u64)> {
    let (id, token) = text.split_once(':')?;
    if !id.contains('-') {
        return None;
    }
    let id = StreamId::parse(id.as_bytes(), 0)?;
    let token = conquiet_core::id::parse_u64(token.as_bytes())?;
    Some((id, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_malformed_ones_are_refused() {
        let id = StreamId::new(17, 3);
        assert_eq!(parse_handle(&handle(id, 9)), Some((id, 9)));
        for bad in [
            "", "17-3", "17:9", "17-3:", "17-3:x", "17-3:9:1", "a-b:1", "17-3:-1",
        ] {
            assert_eq!(parse_handle(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn settle_results_put_the_outcome_after_the_handle() {
        let value = settled("1-0:2", &SettleOutcome::Stale { current: 5 });
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"handle":"1-0:2","outcome":"stale","current_token":5}"#
        );
        let value = settled("1-0:2", &SettleOutcome::Acked);
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"handle":"1-0:2","outcome":"acked"}"#
        );
    }

    #[test]
    fn fields_keep_their_order_and_show_bytes_lossily() {
        let data = EntryData::pack(&[(b"z".to_vec(), b"1".to_vec()), (b"a".to_vec(), vec![0xff])]);
        let shown = serde_json::to_string(&fields(&data)).unwrap();
        assert_eq!(shown, "{\"z\":\"1\",\"a\":\"\u{fffd}\"}");
    }
}
