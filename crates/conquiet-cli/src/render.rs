//! Output for people: aligned tables of queues and groups, labelled blocks for one queue or the
//! store, and messages with their fields. Pure functions from reply JSON to text, so tests check
//! exact output; members a reply lacks show as `-` rather than failing, so an older or newer
//! server still prints.

use crate::json::Json;

/// Column alignment: text left, numbers right.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table with a header row; columns two spaces apart, no trailing spaces.
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(
            cells.len(),
            self.columns.len(),
            "a row has one cell per column"
        );
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].chars().count());
                cells.fold(self.columns[c].0.len(), usize::max)
            })
            .collect();
        let header: Vec<String> = self.columns.iter().map(|(h, _)| (*h).to_owned()).collect();
        let mut out = String::new();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (c, cell) in cells.iter().enumerate() {
                let pad = " ".repeat(widths[c].saturating_sub(cell.chars().count()));
                if c > 0 {
                    line.push_str("  ");
                }
                match self.columns[c].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Sum of member `key` over a queue's groups. Saturating: the numbers come from the server.
fn group_sum(queue: &Json, key: &str) -> String {
    let groups = queue.get("groups").map_or(&[][..], Json::items);
    let sum = groups
        .iter()
        .filter_map(|g| g.u64_at(key))
        .fold(0u64, u64::saturating_add);
    sum.to_string()
}

/// `queue list`: one row per queue, group figures summed.
pub fn queue_table(queues: &[Json]) -> String {
    let mut table = Table::new(&[
        ("NAME", Align::Left),
        ("LENGTH", Align::Right),
        ("GROUPS", Align::Right),
        ("PENDING", Align::Right),
        ("WAITING", Align::Right),
        ("DEAD-LETTERED", Align::Right),
    ]);
    for q in queues {
        let groups = q.get("groups").map_or(0, |g| g.items().len());
        table.row(vec![
            q.text_at("name"),
            q.text_at("length"),
            groups.to_string(),
            group_sum(q, "pending"),
            group_sum(q, "waiting"),
            group_sum(q, "dead_lettered"),
        ]);
    }
    table.render()
}

/// `dlq list`: dead-letter queues with their size and id range.
pub fn dead_letter_table(queues: &[Json]) -> String {
    let mut table = Table::new(&[
        ("NAME", Align::Left),
        ("LENGTH", Align::Right),
        ("BYTES", Align::Right),
        ("FIRST-ID", Align::Left),
        ("LAST-ID", Align::Left),
    ]);
    for q in queues {
        table.row(vec![
            q.text_at("name"),
            q.text_at("length"),
            q.text_at("bytes"),
            q.text_at("first_id"),
            q.text_at("last_id"),
        ]);
    }
    table.render()
}

/// `stats`: one row per group (a queue without groups gets one row with group `-`).
pub fn stats_table(queues: &[Json]) -> String {
    let mut table = Table::new(&[
        ("QUEUE", Align::Left),
        ("GROUP", Align::Left),
        ("DEPTH", Align::Right),
        ("PENDING", Align::Right),
        ("WAITING", Align::Right),
        ("DELIVERED", Align::Right),
        ("ACKED", Align::Right),
        ("NACKED", Align::Right),
        ("DEAD-LETTERED", Align::Right),
    ]);
    let keys = [
        "pending",
        "waiting",
        "delivered",
        "acked",
        "nacked",
        "dead_lettered",
    ];
    for q in queues {
        let groups = q.get("groups").map_or(&[][..], Json::items);
        if groups.is_empty() {
            let mut row = vec![q.text_at("name"), "-".to_owned(), q.text_at("length")];
            row.extend(keys.iter().map(|_| "-".to_owned()));
            table.row(row);
        }
        for g in groups {
            let mut row = vec![q.text_at("name"), g.text_at("name"), q.text_at("length")];
            row.extend(keys.iter().map(|k| g.text_at(k)));
            table.row(row);
        }
    }
    table.render()
}

/// `queue show`: the queue's members as labelled lines, then one block per group. Every member
/// the server sends is shown, in its order, so new figures appear without a client change.
pub fn queue_detail(queue: &Json) -> String {
    let mut out = format!("queue {}\n", queue.text_at("name"));
    out.push_str(&labelled(queue, &["name", "groups"], "  "));
    for g in queue.get("groups").map_or(&[][..], Json::items) {
        out.push_str(&format!("group {}\n", g.text_at("name")));
        out.push_str(&labelled(g, &["name"], "  "));
    }
    out
}

/// The store figures of `stats`: nested objects flattened to dotted labels.
pub fn store_detail(store: &Json) -> String {
    let mut lines = Vec::new();
    flatten("", store, &mut lines);
    let mut out = String::from("store\n");
    out.push_str(&label_lines(&lines, "  "));
    out
}

fn flatten(prefix: &str, value: &Json, lines: &mut Vec<(String, String)>) {
    match value {
        Json::Object(members) => {
            for (k, v) in members {
                let label = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&label, v, lines);
            }
        }
        other => lines.push((prefix.to_owned(), inline(other))),
    }
}

/// An object's members (less `skip`) as `label  value` lines, labels padded to one width.
fn labelled(object: &Json, skip: &[&str], indent: &str) -> String {
    let lines: Vec<(String, String)> = object
        .members()
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.replace('_', " "), inline(v)))
        .collect();
    label_lines(&lines, indent)
}

fn label_lines(lines: &[(String, String)], indent: &str) -> String {
    let width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in lines {
        let pad = " ".repeat(width - label.chars().count());
        out.push_str(&format!("{indent}{label}{pad}  {value}\n"));
    }
    out
}

/// A value on one line: policies as `key=value` lists, a backoff as `kind(key=value ...)`.
/// `error: MESSAGE (CODE)` when a per-item result of a batch is an error.
pub fn item_error(result: &Json) -> Option<String> {
    let error = result.get("error")?;
    Some(format!(
        "error: {} ({})",
        error.text_at("message"),
        error.text_at("code")
    ))
}

pub fn inline(value: &Json) -> String {
    match value {
        Json::Array(items) => items.iter().map(inline).collect::<Vec<_>>().join(","),
        Json::Object(members) => {
            let kind = value.get("kind").and_then(Json::as_str);
            let pairs: Vec<String> = members
                .iter()
                .filter(|(k, _)| k != "kind")
                .map(|(k, v)| format!("{k}={}", inline(v)))
                .collect();
            match kind {
                Some(kind) if pairs.is_empty() => kind.to_owned(),
                Some(kind) => format!("{kind}({})", pairs.join(" ")),
                None => pairs.join(" "),
            }
        }
        other => escape(&other.to_text()),
    }
}

/// Control characters escaped, so one value stays on one line.
pub fn escape(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One received or dead-letter message: a heading line with its id (and the delivery figures
/// when present), then its fields, aligned.
pub fn message(m: &Json) -> String {
    let mut heading = m.text_at("id");
    for key in ["deliveries", "token"] {
        if let Some(v) = m.get(key) {
            heading.push_str(&format!("  {key} {}", inline(v)));
        }
    }
    let fields: Vec<(String, String)> = m
        .get("fields")
        .map_or(&[][..], Json::members)
        .iter()
        .map(|(k, v)| (escape(k), inline(v)))
        .collect();
    format!("{heading}\n{}", label_lines(&fields, "  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUEUE: &str = r#"{
        "name": "orders", "length": 1234, "bytes": 56789,
        "first_id": "1700000000000-0", "last_id": "1700000000999-3",
        "policy": {"max_entries": 0, "max_bytes": 0, "overflow": "reject",
                   "dedup_window_ms": 0, "retention": "limits"},
        "delayed": 2, "dead_letter": false, "published": 1300, "duplicates": 5, "dropped": 0,
        "groups": [
            {"name": "default",
             "policy": {"lease_ms": 30000, "max_deliveries": 10,
                        "backoff": {"kind": "exponential", "base_ms": 1000, "factor": 2,
                                    "max_ms": 60000, "jitter_percent": 20, "seed": 0},
                        "dead_letter": null, "max_pending": 0, "max_pending_per_consumer": 0},
             "consumers": 2, "pending": 7, "waiting": 3, "expired": 1, "lag": 40,
             "oldest_unsettled_ms": 1700000000100, "last_token": 99, "delivered": 120,
             "redelivered": 9, "acked": 100, "nacked": 8, "dead_lettered": 4},
            {"name": "audit", "policy": null, "consumers": 0, "pending": 0, "waiting": 0,
             "expired": 0, "lag": null, "oldest_unsettled_ms": null, "last_token": 0,
             "delivered": 0, "redelivered": 0, "acked": 0, "nacked": 0, "dead_lettered": 1}
        ]
    }"#;

    fn queue() -> Json {
        Json::parse(QUEUE.as_bytes()).unwrap()
    }

    #[test]
    fn queue_list_sums_group_figures_in_aligned_columns() {
        let empty = Json::parse(br#"{"name":"q2","length":0,"groups":[]}"#).unwrap();
        let text = queue_table(&[queue(), empty]);
        assert_eq!(
            text,
            "\
NAME    LENGTH  GROUPS  PENDING  WAITING  DEAD-LETTERED
orders    1234       2        7        3              5
q2           0       0        0        0              0
"
        );
    }

    #[test]
    fn stats_table_has_a_row_per_group() {
        let text = stats_table(&[queue()]);
        assert_eq!(
            text,
            "\
QUEUE   GROUP    DEPTH  PENDING  WAITING  DELIVERED  ACKED  NACKED  DEAD-LETTERED
orders  default   1234        7        3        120    100       8              4
orders  audit     1234        0        0          0      0       0              1
"
        );
    }

    #[test]
    fn dead_letter_table_shows_missing_members_as_dashes() {
        let dlq = Json::parse(br#"{"name":"orders:dlq","length":4,"first_id":null}"#).unwrap();
        assert_eq!(
            dead_letter_table(&[dlq]),
            "NAME        LENGTH  BYTES  FIRST-ID  LAST-ID\norders:dlq       4      -  -         -\n"
        );
    }

    #[test]
    fn queue_detail_shows_policy_and_each_group() {
        let text = queue_detail(&queue());
        let expected_start = "\
queue orders
  length       1234
  bytes        56789
  first id     1700000000000-0
  last id      1700000000999-3
  policy       max_entries=0 max_bytes=0 overflow=reject dedup_window_ms=0 retention=limits
  delayed      2
";
        assert!(text.starts_with(expected_start), "{text}");
        assert!(
            text.contains(
                "  policy               lease_ms=30000 max_deliveries=10 \
                 backoff=exponential(base_ms=1000 factor=2 max_ms=60000 jitter_percent=20 seed=0) \
                 dead_letter=- max_pending=0 max_pending_per_consumer=0\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("group audit\n  policy               -\n"),
            "{text}"
        );
        assert!(
            text.contains("  oldest unsettled ms  1700000000100\n"),
            "{text}"
        );
    }

    #[test]
    fn messages_show_fields_in_order_with_control_characters_escaped() {
        let m = Json::parse(
            br#"{"id":"5-0","handle":"h","token":12,"deliveries":2,"lease_until_ms":9,
                 "fields":{"zeta":"a\nb","body":"hello world"}}"#,
        )
        .unwrap();
        assert_eq!(
            message(&m),
            "5-0  deliveries 2  token 12\n  zeta  a\\nb\n  body  hello world\n"
        );
    }

    #[test]
    fn store_figures_flatten_nested_objects() {
        let store = Json::parse(br#"{"wal":{"segments":3,"bytes":4096},"lsn":77}"#).unwrap();
        assert_eq!(
            store_detail(&store),
            "store\n  wal.segments  3\n  wal.bytes     4096\n  lsn           77\n"
        );
    }
}
