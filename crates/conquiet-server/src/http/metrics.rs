//! `GET /metrics`: Prometheus text format 0.0.4, written by hand (a few families do not need
//! a client library). Each family's samples are contiguous, after its `# HELP` and `# TYPE`
//! lines, as the format requires. Label values are escaped (`\\`, `\"`, `\n`); names that are
//! not UTF-8 are shown lossily.
//!
//! Queue and group figures come from the engine (`QueueList`), store figures from
//! `Db::stats`, commands, refusals and connections from `Counters`.

use std::fmt::{Display, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use conquiet_core::queue::{GroupQueueInfo, QueueInfo};
use conquiet_db::writer::{FSYNC_BUCKETS_US, Stats};

use super::AppState;
use super::error::ApiError;
use super::queues::queue_list;
use crate::counters::Counters;

/// The content type Prometheus expects for the text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

type QueueValue = fn(&QueueInfo) -> u64;
type GroupValue = fn(&GroupQueueInfo) -> Option<u64>;

const QUEUE_GAUGES: [(&str, &str, QueueValue); 3] = [
    ("conquiet_queue_depth", "Entries in the queue.", |q| {
        q.length
    }),
    (
        "conquiet_queue_bytes",
        "Field and value bytes of the queue's entries.",
        |q| q.bytes,
    ),
    (
        "conquiet_queue_delayed",
        "Entries whose publish delay is still running.",
        |q| q.delayed,
    ),
];

const QUEUE_COUNTERS: [(&str, &str, QueueValue); 3] = [
    (
        "conquiet_queue_published_total",
        "Entries published to the queue.",
        |q| q.counters.published,
    ),
    (
        "conquiet_queue_duplicates_total",
        "Publishes that repeated an idempotency key within the window and added nothing.",
        |q| q.counters.duplicates,
    ),
    (
        "conquiet_queue_dropped_total",
        "Entries removed to make room under the drop-oldest overflow rule.",
        |q| q.counters.dropped,
    ),
];

const GROUP_GAUGES: [(&str, &str, GroupValue); 4] = [
    (
        "conquiet_group_pending",
        "Deliveries not yet settled.",
        |g| Some(g.pending),
    ),
    (
        "conquiet_group_waiting",
        "Entries waiting for a redelivery time or a publish delay.",
        |g| Some(g.waiting),
    ),
    (
        "conquiet_group_expired",
        "Pending deliveries whose lease has ended, waiting for redelivery.",
        |g| Some(g.expired),
    ),
    (
        "conquiet_group_lag",
        "Entries the group has not read yet (absent when unknown).",
        |g| g.lag,
    ),
];

const GROUP_COUNTERS: [(&str, &str, GroupValue); 5] = [
    (
        "conquiet_group_delivered_total",
        "Deliveries handed out, first ones and redeliveries.",
        |g| Some(g.counters.delivered),
    ),
    (
        "conquiet_group_redelivered_total",
        "Deliveries of entries delivered before.",
        |g| Some(g.counters.redelivered),
    ),
    (
        "conquiet_group_acked_total",
        "Deliveries acknowledged.",
        |g| Some(g.counters.acked),
    ),
    (
        "conquiet_group_nacked_total",
        "Deliveries given back for redelivery.",
        |g| Some(g.counters.nacked),
    ),
    (
        "conquiet_group_dead_lettered_total",
        "Entries moved to the dead-letter stream.",
        |g| Some(g.counters.dead_lettered),
    ),
];

pub async fn metrics(State(shared): State<AppState>) -> Result<Response, ApiError> {
    let stats = shared.db.stats().await.map_err(|e| ApiError::from_db(&e))?;
    // A poisoned store refuses the list; the store's own figures still go out.
    let queues = queue_list(&shared, false).await.ok();
    if let Some(queues) = &queues {
        let live: Vec<&[u8]> = queues.iter().map(|q| q.key.as_slice()).collect();
        shared.counters.retain_queues(&live);
    }
    let resp_connections = shared.clients.lock().map(|c| c.len()).unwrap_or(0);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let figures = Figures {
        queues: queues.as_deref().unwrap_or(&[]),
        stats: &stats,
        counters: &shared.counters,
        resp_connections,
        now_ms,
    };
    let text = encode(&figures);
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))];
    Ok((StatusCode::OK, content_type, text).into_response())
}

/// Everything one scrape shows.
pub struct Figures<'a> {
    pub queues: &'a [QueueInfo],
    pub stats: &'a Stats,
    pub counters: &'a Counters,
    pub resp_connections: usize,
    pub now_ms: u64,
}

pub fn encode(figures: &Figures<'_>) -> String {
    let mut text = Text(String::new());
    queue_families(&mut text, figures);
    group_families(&mut text, figures.queues);
    store_families(&mut text, figures.stats);
    server_families(&mut text, figures);
    text.0
}

fn queue_families(text: &mut Text, figures: &Figures<'_>) {
    let label = |q: &QueueInfo| [("queue", String::from_utf8_lossy(&q.key).into_owned())];
    for (kind, families) in [("gauge", &QUEUE_GAUGES), ("counter", &QUEUE_COUNTERS)] {
        for (name, help, value) in families {
            text.family(name, help, kind);
            for queue in figures.queues {
                text.sample(name, &label(queue), value(queue));
            }
        }
    }
    text.family(
        "conquiet_queue_oldest_age_seconds",
        "Age of the queue's first entry, from its id (0 when empty).",
        "gauge",
    );
    for queue in figures.queues {
        let first_ms = queue.first_id.map_or(figures.now_ms, |id| id.ms);
        let age_ms = figures.now_ms.saturating_sub(first_ms);
        let age = Seconds(age_ms as f64 / 1000.0);
        text.sample("conquiet_queue_oldest_age_seconds", &label(queue), age);
    }
    let name = "conquiet_queue_rejected_full_total";
    text.family(
        name,
        "Publishes refused because the queue was full (RESP and HTTP).",
        "counter",
    );
    for queue in figures.queues {
        let refused = figures.counters.rejected_full(&queue.key);
        text.sample(name, &label(queue), refused);
    }
    let name = "conquiet_queue_rejected_full_untracked_total";
    text.family(
        name,
        "Publishes refused as full for queues past the per-queue tracking limit.",
        "counter",
    );
    text.sample(name, &[], figures.counters.rejected_full_untracked());
}

fn group_families(text: &mut Text, queues: &[QueueInfo]) {
    for (kind, families) in [
        ("gauge", &GROUP_GAUGES[..]),
        ("counter", &GROUP_COUNTERS[..]),
    ] {
        for (name, help, value) in families {
            text.family(name, help, kind);
            for queue in queues {
                let queue_name = String::from_utf8_lossy(&queue.key).into_owned();
                for group in &queue.groups {
                    let Some(value) = value(group) else { continue };
                    let group_name = String::from_utf8_lossy(&group.name).into_owned();
                    let labels = [("queue", queue_name.clone()), ("group", group_name)];
                    text.sample(name, &labels, value);
                }
            }
        }
    }
}

fn store_families(text: &mut Text, stats: &Stats) {
    let name = "conquiet_fsync_duration_seconds";
    text.family(name, "Time each fdatasync of the log took.", "histogram");
    let histogram = &stats.fsync_latency;
    let mut cumulative = 0u64;
    for (bound_us, count) in FSYNC_BUCKETS_US.iter().zip(&histogram.counts) {
        cumulative += count;
        let le = Seconds(*bound_us as f64 / 1e6).to_string();
        text.sample(&format!("{name}_bucket"), &[("le", le)], cumulative);
    }
    let inf = [("le", "+Inf".to_string())];
    text.sample(&format!("{name}_bucket"), &inf, histogram.count);
    let sum = Seconds(histogram.sum_us as f64 / 1e6);
    text.sample(&format!("{name}_sum"), &[], sum);
    text.sample(&format!("{name}_count"), &[], histogram.count);
    let single: [(&str, &str, &str, u64); 3] = [
        (
            "conquiet_fsync_failures_total",
            "Failed fdatasyncs of the log (the first poisons the store).",
            "counter",
            stats.sync_failures,
        ),
        (
            "conquiet_write_failures_total",
            "Failed writes to the log.",
            "counter",
            stats.write_failures,
        ),
        (
            "conquiet_store_poisoned",
            "1 when a failed fsync made the store refuse writes until restarted.",
            "gauge",
            u64::from(stats.poisoned),
        ),
    ];
    for (name, help, kind, value) in single {
        text.family(name, help, kind);
        text.sample(name, &[], value);
    }
}

fn server_families(text: &mut Text, figures: &Figures<'_>) {
    let name = "conquiet_connections";
    text.family(name, "Open client connections, by protocol.", "gauge");
    let resp = [("protocol", "resp".to_string())];
    text.sample(name, &resp, figures.resp_connections);
    let http = [("protocol", "http".to_string())];
    text.sample(name, &http, figures.counters.http_connections());
    let name = "conquiet_commands_total";
    text.family(
        name,
        "Store commands answered, by command and outcome (RESP and HTTP).",
        "counter",
    );
    for (command, ok, error) in figures.counters.commands() {
        for (outcome, count) in [("ok", ok), ("error", error)] {
            let labels = [
                ("command", command.to_string()),
                ("outcome", outcome.to_string()),
            ];
            text.sample(name, &labels, count);
        }
    }
}

/// A float in seconds, written without an exponent (Rust's `Display` never uses one).
struct Seconds(f64);

impl Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

struct Text(String);

impl Text {
    fn family(&mut self, name: &str, help: &str, kind: &str) {
        // Writing to a String cannot fail.
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, String)], value: impl Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"{}\"", escape_label(value));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }
}

/// A label value as the text format needs it: backslash, double quote and line feed escaped.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text escapes only backslash and line feed.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use conquiet_core::StreamId;
    use conquiet_core::queue::{GroupCounters, StreamCounters, StreamPolicy};
    use std::time::Duration;

    fn queue(key: &[u8]) -> QueueInfo {
        QueueInfo {
            key: key.to_vec(),
            length: 3,
            bytes: 30,
            first_id: Some(StreamId::new(1_000, 0)),
            last_id: StreamId::new(3_000, 0),
            policy: StreamPolicy::default(),
            delayed: 1,
            dead_letter: false,
            counters: StreamCounters {
                published: 4,
                duplicates: 1,
                dropped: 0,
            },
            groups: vec![GroupQueueInfo {
                name: b"g".to_vec(),
                policy: None,
                consumers: 1,
                pending: 2,
                waiting: 0,
                expired: 0,
                lag: None,
                oldest_unsettled_ms: None,
                last_token: 2,
                counters: GroupCounters {
                    delivered: 2,
                    ..GroupCounters::default()
                },
            }],
        }
    }

    fn scrape(queues: &[QueueInfo], stats: &Stats, counters: &Counters) -> String {
        encode(&Figures {
            queues,
            stats,
            counters,
            resp_connections: 2,
            now_ms: 3_500,
        })
    }

    #[test]
    fn label_values_are_escaped() {
        let text = scrape(
            &[queue(b"a\"b\\c\nd")],
            &Stats::default(),
            &Counters::default(),
        );
        assert!(
            text.contains("conquiet_queue_depth{queue=\"a\\\"b\\\\c\\nd\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("conquiet_queue_oldest_age_seconds{queue=\"a\\\"b\\\\c\\nd\"} 2.5\n")
        );
    }

    #[test]
    fn families_are_contiguous_and_unknown_lag_is_left_out() {
        let text = scrape(
            &[queue(b"a"), queue(b"b")],
            &Stats::default(),
            &Counters::default(),
        );
        let mut seen = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_sum")
                .trim_end_matches("_count");
            if seen.last() != Some(&family.to_string()) {
                assert!(
                    !seen.contains(&family.to_string()),
                    "{family} split:\n{text}"
                );
                seen.push(family.to_string());
            }
        }
        assert!(text.contains("conquiet_group_pending{queue=\"b\",group=\"g\"} 2\n"));
        assert!(!text.contains("conquiet_group_lag{"));
        assert!(text.contains("conquiet_connections{protocol=\"resp\"} 2\n"));
    }

    #[test]
    fn the_fsync_histogram_is_cumulative_and_ends_with_inf() {
        let mut stats = Stats::default();
        stats.fsync_latency.record(Duration::from_micros(50));
        stats.fsync_latency.record(Duration::from_micros(300));
        stats.fsync_latency.record(Duration::from_secs(10));
        let text = scrape(&[], &stats, &Counters::default());
        let bucket = "conquiet_fsync_duration_seconds_bucket";
        assert!(
            text.contains(&format!("{bucket}{{le=\"0.0001\"}} 1\n")),
            "{text}"
        );
        assert!(text.contains(&format!("{bucket}{{le=\"0.00025\"}} 1\n")));
        assert!(text.contains(&format!("{bucket}{{le=\"0.0005\"}} 2\n")));
        assert!(text.contains(&format!("{bucket}{{le=\"4\"}} 2\n")));
        assert!(text.contains(&format!("{bucket}{{le=\"+Inf\"}} 3\n")));
        assert!(text.contains("conquiet_fsync_duration_seconds_sum 10.00035\n"));
        assert!(text.contains("conquiet_fsync_duration_seconds_count 3\n"));
    }
}
