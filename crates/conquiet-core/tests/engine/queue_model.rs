//! Property test of the work-queue state machine on the fake clock. Random publishes (some
//! delayed), receives by several consumers with and without their own lease, acks, nacks,
//! touches and terms with current or stale tokens, time jumps and snapshot round trips, under
//! random policies. After every step an observer that knows only what the replies said checks:
//! - no entry is lost: each published id is acked, dead-lettered, pending, waiting or unread,
//!   exactly one of them;
//! - nothing is delivered before its publish delay, backoff or nack delay, nor while another
//!   consumer's lease on it runs (so no two consumers hold it at once);
//! - tokens only grow, and a stale token never settles anything;
//! - an entry is dead-lettered exactly when its last allowed delivery failed (or on term);
//! - entry and pending limits are never exceeded.

use std::collections::{BTreeMap, BTreeSet};

use conquiet_core::codec::{decode_snapshot, encode_snapshot};
use conquiet_core::queue::*;
use conquiet_core::*;
use proptest::prelude::*;

use crate::queue::{create, info, publish_cmd, receive_cmd};
use crate::util::*;

#[derive(Clone, Debug)]
enum Step {
    Publish {
        delay_ms: u64,
    },
    Receive {
        consumer: u8,
        count: u64,
        lease_ms: Option<u64>,
    },
    /// A batch of one to three handles, each current or stale.
    Settle {
        action: u8,
        picks: Vec<(usize, bool)>,
        delay_ms: Option<u64>,
    },
    Advance {
        ms: u64,
    },
    Snapshot,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (prop_oneof![Just(0u64), 1u64..300]).prop_map(|delay_ms| Step::Publish { delay_ms }),
        4 => (0u8..3, 1u64..4, proptest::option::of(0u64..300))
            .prop_map(|(consumer, count, lease_ms)| Step::Receive { consumer, count, lease_ms }),
        4 => (
            0u8..4,
            proptest::collection::vec((0usize..64, proptest::bool::weighted(0.2)), 1..4),
            proptest::option::of(0u64..200),
        )
            .prop_map(|(action, picks, delay_ms)| Step::Settle { action, picks, delay_ms }),
        3 => (0u64..400).prop_map(|ms| Step::Advance { ms }),
        1 => Just(Step::Snapshot),
    ]
}

#[derive(Clone, Debug)]
struct Policy {
    lease_ms: u64,
    deliveries_max: u64,
    backoff: Backoff,
    pending_max: u64,
    per_consumer_max: u64,
    entries_max: u64,
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop_oneof![Just(0u64), Just(50), Just(200)],
        0u64..4,
        prop_oneof![Just(Backoff::None), Just(Backoff::List(vec![10, 40]))],
        prop_oneof![Just(0u64), Just(3)],
        prop_oneof![Just(0u64), Just(2)],
        prop_oneof![Just(0u64), Just(6)],
    )
        .prop_map(
            |(lease_ms, deliveries_max, backoff, pending_max, per_consumer_max, entries_max)| {
                Policy {
                    lease_ms,
                    deliveries_max,
                    backoff,
                    pending_max,
                    per_consumer_max,
                    entries_max,
                }
            },
        )
}

/// What the observer knows of one published entry.
#[derive(Clone, Debug, Default)]
struct Seen {
    /// Not deliverable before this time (publish delay, nack delay, another's lease).
    earliest: u64,
    /// The current delivery: consumer and token.
    holder: Option<(u8, u64)>,
    deliveries: u64,
    acked: bool,
    dead: bool,
}

struct Observer {
    policy: Policy,
    seen: BTreeMap<StreamId, Seen>,
    handles: Vec<(StreamId, u64)>,
    last_token: u64,
}

impl Observer {
    fn check_receive(&mut self, now: u64, consumer: u8, messages: &[Message]) {
        for m in messages {
            let s = self
                .seen
                .get_mut(&m.id)
                .expect("a delivered entry was published");
            assert!(
                !s.acked && !s.dead,
                "{} delivered after it was settled",
                m.id
            );
            assert!(
                now >= s.earliest,
                "{} delivered at {now}, not before {}",
                m.id,
                s.earliest
            );
            assert_eq!(m.deliveries, s.deliveries + 1, "delivery count of {}", m.id);
            if self.policy.deliveries_max > 0 {
                assert!(
                    m.deliveries <= self.policy.deliveries_max,
                    "{} past max deliveries",
                    m.id
                );
            }
            assert!(m.token > self.last_token, "tokens grow");
            self.last_token = m.token;
            s.deliveries = m.deliveries;
            s.holder = Some((consumer, m.token));
            s.earliest = m.lease_until_ms.unwrap_or(u64::MAX);
            self.handles.push((m.id, m.token));
        }
    }

    /// Dead letters written by receives (expired last deliveries) are found in the stream.
    fn note_dead_letters(&mut self, e: &mut Engine, now: u64) {
        let reply = ok(
            e,
            now,
            &Command::Range {
                key: k("q:dlq"),
                start: ZERO,
                end: MAX,
                count: None,
                rev: false,
            },
        );
        for entry in entries(reply) {
            let fields = entry.data.to_fields();
            let id_text = String::from_utf8_lossy(&fields[2].1).into_owned();
            let deliveries: u64 = String::from_utf8_lossy(&fields[3].1)
                .parse()
                .expect("count");
            let reason = fields[4].1.clone();
            let (ms, seq) = id_text.split_once('-').expect("id text");
            let id = StreamId::new(ms.parse().expect("ms"), seq.parse().expect("seq"));
            let s = self
                .seen
                .get_mut(&id)
                .expect("dead letter of a published entry");
            if !s.dead {
                assert!(!s.acked, "{id} both acked and dead-lettered");
                // The last nack reason if it was ever nacked, else the lease's end.
                assert!(
                    reason == b"lease expired" || reason == b"r",
                    "reason {reason:?}"
                );
                assert_eq!(
                    deliveries, self.policy.deliveries_max,
                    "{id} dead-lettered early"
                );
                assert_eq!(deliveries, s.deliveries);
                s.dead = true;
                s.holder = None;
            }
        }
    }
}

fn group(e: &Engine) -> Group {
    let stream = e.stream(b"q").expect("queue exists");
    let (_, g) = stream.groups().next().expect("one group");
    g.clone()
}

impl Observer {
    /// Checks one handle's outcome against what the observer knows; returns whether the
    /// outcome changed anything.
    fn check_settle(
        &mut self,
        now: u64,
        settle: &Settle,
        h: Handle,
        outcome: &SettleOutcome,
    ) -> bool {
        let policy = self.policy.clone();
        let s = self
            .seen
            .get_mut(&h.id)
            .expect("handle of a published entry");
        let current = s.holder.is_some_and(|(_, t)| t == h.token);
        if !current {
            assert!(
                !outcome.is_done(),
                "{}: token {} is not current, got {outcome:?}",
                h.id,
                h.token
            );
            return false;
        }
        match (settle, outcome) {
            (Settle::Ack, SettleOutcome::Acked) => {
                s.acked = true;
                s.holder = None;
            }
            (Settle::Touch { .. }, SettleOutcome::Touched { lease_until_ms }) => {
                s.earliest = lease_until_ms.unwrap_or(u64::MAX);
            }
            (Settle::Nack { delay_ms, .. }, SettleOutcome::Nacked { redeliver_at_ms }) => {
                let max = policy.deliveries_max;
                assert!(
                    max == 0 || s.deliveries < max,
                    "{} nacked past its last delivery",
                    h.id
                );
                let wait = match (delay_ms, &policy.backoff) {
                    (Some(d), _) => *d,
                    (None, Backoff::List(l)) => l[((s.deliveries - 1) as usize).min(l.len() - 1)],
                    (None, _) => 0,
                };
                assert_eq!(*redeliver_at_ms, now + wait);
                s.earliest = *redeliver_at_ms;
                s.holder = None;
            }
            (Settle::Nack { .. }, SettleOutcome::DeadLettered { .. }) => {
                assert_eq!(
                    s.deliveries, policy.deliveries_max,
                    "dead-lettered exactly at max"
                );
                s.dead = true;
                s.holder = None;
            }
            (Settle::Term { .. }, SettleOutcome::DeadLettered { .. }) => {
                s.dead = true;
                s.holder = None;
            }
            other => panic!("{}: unexpected outcome {other:?}", h.id),
        }
        true
    }
}

/// Every published entry is in exactly one place, and the limits hold.
fn check_state(e: &mut Engine, o: &Observer, now: u64) {
    let g = group(e);
    g.check();
    for (id, s) in &o.seen {
        let places = [
            s.acked,
            s.dead,
            g.pel.contains_key(id),
            g.waiting.contains_key(id),
            *id > g.last_id,
        ];
        let n = places.iter().filter(|p| **p).count();
        assert_eq!(n, 1, "{id} is in {n} places: {places:?}");
    }
    let p = &o.policy;
    if p.pending_max > 0 {
        assert!(g.pel.len() as u64 <= p.pending_max, "pending limit");
    }
    if p.per_consumer_max > 0 {
        for c in g.consumers.values() {
            assert!(
                c.pel.len() as u64 <= p.per_consumer_max,
                "per-consumer limit"
            );
        }
    }
    if p.entries_max > 0 {
        assert!(info(e, now, "q").length <= p.entries_max, "entry limit");
    }
}

fn run_steps(policy: Policy, steps: Vec<Step>) {
    let mut e = engine();
    create(
        &mut e,
        "q",
        StreamPolicyPatch {
            entries_max: Some(policy.entries_max),
            ..StreamPolicyPatch::default()
        },
        GroupPolicyPatch {
            lease_ms: Some(policy.lease_ms),
            deliveries_max: Some(policy.deliveries_max),
            backoff: Some(policy.backoff.clone()),
            pending_max: Some(policy.pending_max),
            pending_per_consumer_max: Some(policy.per_consumer_max),
            dead_letter: Some(None),
        },
    );
    let mut o = Observer {
        policy,
        seen: BTreeMap::new(),
        handles: Vec::new(),
        last_token: 0,
    };
    let mut now = 1;
    for step in steps {
        match step {
            Step::Publish { delay_ms } => {
                let delay = if delay_ms == 0 {
                    Delay::None
                } else {
                    Delay::AfterMs(delay_ms)
                };
                match run(&mut e, now, &publish_cmd("q", "x", delay, None)) {
                    Ok(Reply::Published {
                        id,
                        duplicate: false,
                    }) => {
                        let seen = Seen {
                            earliest: now + delay_ms,
                            ..Seen::default()
                        };
                        o.seen.insert(id, seen);
                    }
                    Err(CommandError::QueueFull { .. }) => {
                        assert!(o.policy.entries_max > 0, "full without a limit");
                    }
                    other => panic!("publish answered {other:?}"),
                }
            }
            Step::Receive {
                consumer,
                count,
                lease_ms,
            } => {
                let name = format!("c{consumer}");
                let reply = ok(&mut e, now, &receive_cmd(&name, count, lease_ms));
                let Reply::Messages(messages) = reply else {
                    panic!("{reply:?}")
                };
                assert!(messages.len() as u64 <= count);
                o.note_dead_letters(&mut e, now);
                o.check_receive(now, consumer, &messages);
            }
            Step::Settle {
                action,
                picks,
                delay_ms,
            } => {
                if o.handles.is_empty() {
                    continue;
                }
                let handles: Vec<Handle> = picks
                    .iter()
                    .map(|(pick, stale)| {
                        let (id, token) = o.handles[pick % o.handles.len()];
                        let token = if *stale {
                            token.saturating_sub(1)
                        } else {
                            token
                        };
                        Handle { id, token }
                    })
                    .collect();
                let settle = match action {
                    0 => Settle::Ack,
                    1 => Settle::Nack {
                        delay_ms,
                        reason: k("r"),
                    },
                    2 => Settle::Touch { lease_ms: delay_ms },
                    _ => Settle::Term { reason: k("t") },
                };
                let command = Command::Settle {
                    key: k("q"),
                    group: k("g"),
                    action: settle.clone(),
                    handles: handles.clone(),
                };
                let before = group(&e);
                let Reply::Settled(out) = ok(&mut e, now, &command) else {
                    panic!("settled")
                };
                assert_eq!(out.len(), handles.len());
                let mut changed = false;
                for (h, outcome) in handles.iter().zip(&out) {
                    changed |= o.check_settle(now, &settle, *h, outcome);
                }
                if !changed {
                    assert_eq!(group(&e), before, "a refused settle changed nothing");
                }
            }
            Step::Advance { ms } => now += ms,
            Step::Snapshot => {
                let mut bytes = Vec::new();
                encode_snapshot(&e, &mut bytes).expect("encode");
                let restored = decode_snapshot(&mut bytes.as_slice()).expect("decode");
                assert_eq!(group(&restored), group(&e));
                e = restored;
            }
        }
        check_state(&mut e, &o, now);
    }
    let ids: BTreeSet<_> = o.seen.keys().collect();
    assert_eq!(ids.len(), o.seen.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn work_queue_policies_hold_for_any_sequence(
        policy in policy(),
        steps in proptest::collection::vec(step(), 1..120),
    ) {
        run_steps(policy, steps);
    }
}
