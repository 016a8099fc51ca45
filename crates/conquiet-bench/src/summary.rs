//! `conquiet-bench summarize`: several runs' JSON documents (one per line, as `run --json`
//! prints them) folded into one table per system: median, spread (min–max) and ratio to
//! conquiet's work-queue commands.

use anyhow::{Context, Result};

use crate::report::{Align, Document, Row, millis, rate, table};

/// The system every other is compared with: conquiet over its work-queue commands.
pub const BASELINE: &str = "conquiet-cq";

/// One system's runs, in the order the systems first appeared.
#[derive(Debug)]
pub struct Runs<'a> {
    pub system: &'a str,
    pub rows: Vec<&'a Row>,
}

/// Documents from JSON lines; blank lines are skipped, anything else must parse.
pub fn parse_lines(text: &str) -> Result<Vec<Document>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("line {}: not a result", i + 1))
        })
        .collect()
}

pub fn group(documents: &[Document]) -> Vec<Runs<'_>> {
    let mut groups: Vec<Runs<'_>> = Vec::new();
    for row in documents.iter().flat_map(|d| &d.results) {
        match groups.iter_mut().find(|g| g.system == row.system) {
            Some(group) => group.rows.push(row),
            None => groups.push(Runs {
                system: &row.system,
                rows: vec![row],
            }),
        }
    }
    groups
}

/// The median of `values` (the mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// Smallest and largest of `values`; `None` if empty.
pub fn spread(values: &[f64]) -> Option<(f64, f64)> {
    let min = values.iter().copied().min_by(f64::total_cmp)?;
    let max = values.iter().copied().max_by(f64::total_cmp)?;
    Some((min, max))
}

/// The summary table. Failed runs are counted, not averaged in.
pub fn render(documents: &[Document]) -> String {
    use Align::{Left, Right};
    let groups = group(documents);
    fn ok<'a>(runs: &Runs<'a>) -> Vec<&'a Row> {
        runs.rows
            .iter()
            .copied()
            .filter(|r| r.is_success())
            .collect()
    }
    let e2e = |rows: &[&Row]| rows.iter().map(|r| r.e2e_msgs_per_s).collect::<Vec<_>>();
    let baseline = groups
        .iter()
        .find(|g| g.system == BASELINE)
        .and_then(|g| median(&e2e(&ok(g))));
    let header = [
        "system",
        "runs",
        "e2e msg/s",
        "e2e spread",
        "produce msg/s",
        "consume msg/s",
        "p99 ms",
        "vs conquiet-cq",
        "durability",
    ];
    let align = [Left, Right, Right, Right, Right, Right, Right, Right, Left];
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|runs| {
            let rows = ok(runs);
            let pick = |f: fn(&Row) -> f64| median(&rows.iter().map(|r| f(r)).collect::<Vec<_>>());
            let e2e_median = median(&e2e(&rows));
            let failed = runs.rows.len() - rows.len();
            let runs_cell = match failed {
                0 => runs.rows.len().to_string(),
                n => format!("{} ({n} failed)", runs.rows.len()),
            };
            vec![
                runs.system.to_string(),
                runs_cell,
                e2e_median.map_or("-".into(), rate),
                spread(&e2e(&rows))
                    .map_or("-".into(), |(lo, hi)| format!("{}–{}", rate(lo), rate(hi))),
                pick(|r| r.produce_msgs_per_s).map_or("-".into(), rate),
                pick(|r| r.consume_msgs_per_s).map_or("-".into(), rate),
                pick(|r| r.publish_confirm_ms.map_or(f64::NAN, |p| p.p99_ms))
                    .map_or("-".into(), millis),
                match (e2e_median, baseline) {
                    (Some(value), Some(base)) if base > 0.0 => format!("{:.2}", value / base),
                    _ => "-".into(),
                },
                runs.rows
                    .first()
                    .map_or(String::new(), |r| r.durability.clone()),
            ]
        })
        .collect();
    let mut out = table(&header, &align, &rows);
    out.push_str(
        "\nmedians over successful runs; spread is min–max of e2e msg/s; \
         ratio is e2e median over conquiet-cq's\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::WorkloadJson;

    fn row(system: &str, e2e: f64) -> Row {
        let mut row = Row::failed(system, String::new());
        row.error = None;
        row.e2e_msgs_per_s = e2e;
        row.produce_msgs_per_s = e2e * 2.0;
        row.consume_msgs_per_s = e2e * 3.0;
        row.durability = format!("{system} durability");
        row
    }

    fn document(rows: Vec<Row>) -> Document {
        Document {
            mode: "run".into(),
            workload: WorkloadJson {
                messages: 10,
                size_bytes: 32,
                producers: 1,
                window: 1,
                backlog: 0,
                consumers: 1,
                receive_batch: 10,
            },
            started_unix_ms: 0,
            results: rows,
        }
    }

    #[test]
    fn median_takes_the_middle_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((1.0, 3.0)));
    }

    #[test]
    fn runs_group_by_system_in_first_seen_order() {
        let docs = vec![
            document(vec![row("nats", 1.0)]),
            document(vec![row("conquiet-cq", 2.0), row("nats", 3.0)]),
        ];
        let groups = group(&docs);
        let names: Vec<&str> = groups.iter().map(|g| g.system).collect();
        assert_eq!(names, ["nats", "conquiet-cq"]);
        assert_eq!(groups[0].rows.len(), 2);
    }

    #[test]
    fn the_summary_shows_median_spread_and_ratio_to_conquiet() {
        let mut broken = row("nats", 0.0);
        broken.missing = 3;
        let docs = vec![
            document(vec![
                row("conquiet-cq", 1000.0),
                row("nats", 3000.0),
                broken,
            ]),
            document(vec![row("conquiet-cq", 3000.0), row("nats", 5000.0)]),
        ];
        let text = render(&docs);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].starts_with("conquiet-cq"), "{text}");
        assert!(lines[2].contains("2 000  1 000–3 000"), "{text}");
        assert!(lines[2].contains("1.00"), "{text}");
        assert!(lines[3].contains("3 (1 failed)"), "{text}");
        assert!(lines[3].contains("4 000  3 000–5 000"), "{text}");
        assert!(lines[3].contains("2.00"), "{text}");
    }

    #[test]
    fn lines_that_are_not_results_are_refused_with_their_number() {
        let line = serde_json::to_string(&document(vec![row("disk", 1.0)])).unwrap();
        let text = format!("{line}\n\n{line}\n");
        assert_eq!(parse_lines(&text).unwrap().len(), 2);
        let error = parse_lines(&format!("{line}\nnot json\n")).unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
    }
}
