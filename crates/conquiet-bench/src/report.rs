//! Results: one `Row` per system and run, rendered as a text table or as JSON. `summary`
//! reads these rows back; the JSON field names are the contract between the two.

use serde::{Deserialize, Serialize};

use crate::latency::Percentiles;

/// The workload a document's rows were measured with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadJson {
    pub messages: u64,
    pub size_bytes: usize,
    pub producers: usize,
    /// Publishes in flight per producer; documents from before the window existed had 1.
    #[serde(default = "one")]
    pub window: usize,
    #[serde(default)]
    pub backlog: u64,
    pub consumers: usize,
    pub receive_batch: usize,
}

fn one() -> usize {
    1
}

/// What `--json` prints: one line, one document per invocation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Document {
    pub mode: String,
    pub workload: WorkloadJson,
    pub started_unix_ms: u64,
    pub results: Vec<Row>,
}

/// One phase of a measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseRow {
    pub name: String,
    pub messages: u64,
    pub seconds: f64,
    pub msgs_per_s: f64,
    pub publish_confirm_ms: Option<Percentiles>,
    pub duplicates: u64,
    pub missing: u64,
}

/// One system's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub system: String,
    /// A few words for the table, such as `fsync always`.
    pub durability: String,
    /// What an acknowledged publish survives, in a sentence or two.
    pub durability_note: String,
    /// The server's name and version as it reported them.
    pub server: String,
    pub e2e_msgs_per_s: f64,
    pub produce_msgs_per_s: f64,
    pub consume_msgs_per_s: f64,
    /// Publish-confirm latency of the end-to-end phase.
    pub publish_confirm_ms: Option<Percentiles>,
    pub duplicates: u64,
    pub missing: u64,
    pub phases: Vec<PhaseRow>,
    /// Entries stored in each queue before its phases and never delivered.
    #[serde(default)]
    pub backlog: u64,
    /// The server's resident memory growth while the first backlog was stored, per entry.
    #[serde(default)]
    pub memory_per_backlog_entry_bytes: Option<f64>,
    /// Why the measurement failed; a row with an error is never a success.
    pub error: Option<String>,
}

impl Row {
    /// A row for a system that failed before or while measuring.
    pub fn failed(system: &str, error: String) -> Row {
        Row {
            system: system.to_string(),
            durability: String::new(),
            durability_note: String::new(),
            server: String::new(),
            e2e_msgs_per_s: 0.0,
            produce_msgs_per_s: 0.0,
            consume_msgs_per_s: 0.0,
            publish_confirm_ms: None,
            duplicates: 0,
            missing: 0,
            phases: Vec::new(),
            backlog: 0,
            memory_per_backlog_entry_bytes: None,
            error: Some(error),
        }
    }

    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.missing == 0
    }
}

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A plain text table: a header, a rule, the rows; columns two spaces apart, trailing
/// spaces trimmed.
pub fn table(header: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    assert_eq!(header.len(), align.len(), "one alignment per column");
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        assert_eq!(row.len(), header.len(), "row {row:?} has the wrong width");
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .zip(align)
            .map(|((cell, &width), align)| match align {
                Align::Left => format!("{cell:<width$}"),
                Align::Right => format!("{cell:>width$}"),
            })
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = line(&mut header.iter().copied());
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// A rate as a whole number with thousands grouped by spaces, as docs/performance.md writes
/// them: `17 215`.
pub fn rate(value: f64) -> String {
    if !value.is_finite() || value < 0.0 {
        return "-".to_string();
    }
    let digits = format!("{:.0}", value);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with about three significant digits.
pub fn millis(value: f64) -> String {
    match value {
        v if !v.is_finite() || v < 0.0 => "-".to_string(),
        v if v < 1.0 => format!("{v:.3}"),
        v if v < 10.0 => format!("{v:.2}"),
        v if v < 100.0 => format!("{v:.1}"),
        v => format!("{v:.0}"),
    }
}

/// The results table of one invocation, then a note per system: its server, its durability
/// promise, and its error if it failed.
pub fn render(rows: &[Row]) -> String {
    use Align::{Left, Right};
    let header = [
        "system",
        "durability",
        "e2e msg/s",
        "produce msg/s",
        "consume msg/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "dup",
        "missing",
    ];
    let align = [
        Left, Left, Right, Right, Right, Right, Right, Right, Right, Right,
    ];
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    let mut out = table(&header, &align, &cells);
    out.push_str("\npublish-confirm latency is the end-to-end phase's\n");
    for row in rows {
        match row.server.as_str() {
            "" => out.push_str(&format!("\n{}:\n", row.system)),
            server => out.push_str(&format!("\n{}: {server}\n", row.system)),
        }
        if !row.durability_note.is_empty() {
            out.push_str(&format!("  durability: {}\n", row.durability_note));
        }
        if row.backlog > 0 {
            let memory = row
                .memory_per_backlog_entry_bytes
                .map_or_else(|| "not reported".to_string(), |b| format!("{b:.0} bytes"));
            out.push_str(&format!(
                "  backlog: {} entries stored in each queue first; resident memory per entry: {memory}\n",
                rate(row.backlog as f64)
            ));
        }
        if let Some(error) = &row.error {
            out.push_str(&format!("  FAILED: {error}\n"));
        }
    }
    out
}

fn cells(row: &Row) -> Vec<String> {
    let latency = |pick: fn(&Percentiles) -> f64| {
        row.publish_confirm_ms
            .as_ref()
            .map_or_else(|| "-".to_string(), |p| millis(pick(p)))
    };
    let throughput = |value: f64| {
        if row.error.is_some() && value == 0.0 {
            "FAILED".to_string()
        } else {
            rate(value)
        }
    };
    vec![
        row.system.clone(),
        row.durability.clone(),
        throughput(row.e2e_msgs_per_s),
        throughput(row.produce_msgs_per_s),
        throughput(row.consume_msgs_per_s),
        latency(|p| p.p50_ms),
        latency(|p| p.p99_ms),
        latency(|p| p.p999_ms),
        row.duplicates.to_string(),
        row.missing.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_row(system: &str, e2e: f64) -> Row {
        Row {
            system: system.to_string(),
            durability: "fsync always".to_string(),
            durability_note: "fsync before every reply".to_string(),
            server: "conquiet 0.1.0".to_string(),
            e2e_msgs_per_s: e2e,
            produce_msgs_per_s: 4000.4,
            consume_msgs_per_s: 12_345.6,
            publish_confirm_ms: Some(Percentiles {
                p50_ms: 0.8123,
                p99_ms: 2.345,
                p999_ms: 12.5,
                max_ms: 130.0,
                mean_ms: 1.0,
            }),
            duplicates: 0,
            missing: 0,
            phases: Vec::new(),
            backlog: 0,
            memory_per_backlog_entry_bytes: None,
            error: None,
        }
    }

    #[test]
    fn rates_group_thousands_with_spaces() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(999.4), "999");
        assert_eq!(rate(1000.0), "1 000");
        assert_eq!(rate(17_215.2), "17 215");
        assert_eq!(rate(1_234_567.0), "1 234 567");
        assert_eq!(rate(f64::NAN), "-");
    }

    #[test]
    fn milliseconds_keep_about_three_digits() {
        assert_eq!(millis(0.2724), "0.272");
        assert_eq!(millis(2.345), "2.35");
        assert_eq!(millis(12.54), "12.5");
        assert_eq!(millis(1234.4), "1234");
    }

    #[test]
    fn a_table_aligns_columns_under_a_rule() {
        let text = table(
            &["name", "n"],
            &[Align::Left, Align::Right],
            &[
                vec!["a".into(), "1".into()],
                vec!["long name".into(), "1 000".into()],
            ],
        );
        assert_eq!(
            text,
            "name           n\n---------  -----\na              1\nlong name  1 000\n"
        );
    }

    #[test]
    fn the_results_table_shows_every_column_and_the_notes() {
        let mut failed = Row::failed("nats", "connection refused".to_string());
        failed.server = "nats-server 2.9.10".to_string();
        let text = render(&[sample_row("conquiet-cq", 3378.0), failed]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("system       durability"), "{text}");
        assert!(lines[0].ends_with("p99.9 ms  dup  missing"), "{text}");
        assert!(
            lines[2].contains("3 378") && lines[2].contains("4 000") && lines[2].contains("12 346"),
            "{text}"
        );
        assert!(
            lines[2].contains("0.812") && lines[2].contains("2.35"),
            "{text}"
        );
        assert!(lines[3].contains("FAILED"), "{text}");
        assert!(
            text.contains("  durability: fsync before every reply\n"),
            "{text}"
        );
        assert!(text.contains("  FAILED: connection refused\n"), "{text}");
    }

    #[test]
    fn a_row_round_trips_through_json() {
        let row = sample_row("redis-always", 1.5);
        let text = serde_json::to_string(&row).unwrap();
        assert!(text.contains("\"e2e_msgs_per_s\":1.5"), "{text}");
        let back: Row = serde_json::from_str(&text).unwrap();
        assert_eq!(back, row);
    }

    #[test]
    fn missing_messages_make_a_row_a_failure() {
        let mut row = sample_row("postgres", 10.0);
        assert!(row.is_success());
        row.missing = 1;
        assert!(!row.is_success());
    }
}
