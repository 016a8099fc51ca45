//! `consume`: receive under a lease, print, then ack / nack / term what was received; once, or
//! with `--follow` until Ctrl-C.
//!
//! Ctrl-C is safe at any point for the queue (an unsettled delivery is redelivered when its lease
//! ends), but a message printed and not yet settled would be handled twice. So while a batch is
//! in hand the first Ctrl-C only asks the loop to stop after settling it; while waiting for a
//! batch, or on a second Ctrl-C, the process exits at once with 128 + the signal number.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::Ctx;
use crate::args::{ConsumeArgs, Settle};
use crate::body::{self, Receive, segment};
use crate::error::CliError;
use crate::json::Json;
use crate::limits::{FOLLOW_IDLE_PAUSE_MS, FOLLOW_WAIT_MS_DEFAULT};
use crate::render;

/// Installs the Ctrl-C (and SIGTERM) behaviour described in the module doc. Handlers run in
/// registration order, so the exits are registered before the flag they test is set.
pub fn on_ctrl_c(stop: &Arc<AtomicBool>, idle: &Arc<AtomicBool>) -> io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for signal in [SIGINT, SIGTERM] {
        flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(idle))?;
        flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(stop))?;
        flag::register(signal, Arc::clone(stop))?;
    }
    Ok(())
}

pub fn run(ctx: &mut Ctx<'_, '_>, args: &ConsumeArgs) -> Result<(), CliError> {
    let consumer = args.consumer.clone().unwrap_or_else(default_consumer);
    let wait_ms = args.wait_ms.unwrap_or(if args.follow {
        FOLLOW_WAIT_MS_DEFAULT
    } else {
        0
    });
    let receive = Receive::from_args(args, consumer, wait_ms);
    let queue = segment(&args.name);
    let settle = args.settle();
    let mut tally = Tally::default();
    loop {
        ctx.io.idle.store(true, Ordering::SeqCst);
        let started = Instant::now();
        let reply = ctx
            .client
            .post(&format!("/v1/queues/{queue}/receive"), &receive, wait_ms)?;
        ctx.io.idle.store(false, Ordering::SeqCst);
        let messages = reply.get("messages").map_or(&[][..], Json::items);
        show(ctx, &reply, messages, args.follow)?;
        if !messages.is_empty() {
            settle_all(ctx, &queue, args, &settle, messages, &mut tally)?;
        }
        if !args.follow || ctx.io.stop.load(Ordering::SeqCst) {
            break;
        }
        if messages.is_empty() && started.elapsed() < Duration::from_millis(FOLLOW_IDLE_PAUSE_MS) {
            ctx.io.idle.store(true, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(FOLLOW_IDLE_PAUSE_MS));
        }
    }
    if tally.failed > 0 {
        return Err(CliError::ItemsFailed {
            failed: tally.failed,
            total: tally.total,
            what: "settles",
        });
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    failed: usize,
    total: usize,
}

fn show(
    ctx: &mut Ctx<'_, '_>,
    reply: &Json,
    messages: &[Json],
    follow: bool,
) -> Result<(), CliError> {
    if messages.is_empty() {
        // An idle --follow would otherwise print an empty reply every long poll.
        return match (follow, ctx.json) {
            (true, _) => Ok(()),
            (false, true) => ctx.print_json(reply),
            (false, false) => ctx.print("no messages\n"),
        };
    }
    if ctx.json {
        return ctx.print_json(reply);
    }
    let text: Vec<String> = messages.iter().map(render::message).collect();
    ctx.print(&text.join("\n"))
}

fn settle_all(
    ctx: &mut Ctx<'_, '_>,
    queue: &str,
    args: &ConsumeArgs,
    settle: &Settle,
    messages: &[Json],
    tally: &mut Tally,
) -> Result<(), CliError> {
    let (action, reason, delay_ms) = match settle {
        Settle::Keep => return Ok(()),
        Settle::Ack => ("ack", None, None),
        Settle::Nack { reason, delay_ms } => ("nack", reason.clone(), *delay_ms),
        Settle::Term { reason } => ("term", reason.clone(), None),
    };
    let mut handles = Vec::with_capacity(messages.len());
    for m in messages {
        let Some(handle) = m.get("handle") else {
            return Err(CliError::BadReply {
                url: ctx.client.base().to_owned(),
                reason: format!("message {} has no handle", m.text_at("id")),
            });
        };
        handles.push(handle.clone());
    }
    let body = body::Settle {
        group: args.group.clone(),
        handles,
        reason,
        delay_ms,
    };
    let reply = ctx
        .client
        .post(&format!("/v1/queues/{queue}/{action}"), &body, 0)?;
    let results = reply.get("results").map_or(&[][..], Json::items);
    if results.len() != messages.len() {
        return Err(CliError::BadReply {
            url: ctx.client.base().to_owned(),
            reason: format!("{} results for {} handles", results.len(), messages.len()),
        });
    }
    if ctx.json {
        ctx.print_json(&reply)?;
    }
    // Results come in the order of the handles sent, so each names its message by position.
    for (m, result) in messages.iter().zip(results) {
        let (line, ok) = outcome_line(result);
        tally.total += 1;
        if !ok {
            tally.failed += 1;
        }
        if !ctx.json {
            writeln!(ctx.io.stdout, "{}  {line}", m.text_at("id"))?;
        }
    }
    Ok(())
}

/// `acked`, `dead-lettered dead_letter=q:dlq id=9-0`, `error: ...`; and whether the message
/// was settled. Stale and not-pending mean nothing changed: this consumer no longer holds it.
fn outcome_line(result: &Json) -> (String, bool) {
    if let Some(line) = render::item_error(result) {
        return (line, false);
    }
    let outcome = result.text_at("outcome");
    let mut line = outcome.clone();
    for (k, v) in result.members() {
        if k != "outcome" && k != "handle" {
            line.push_str(&format!(" {k}={}", render::inline(v)));
        }
    }
    // The server may spell outcomes with '_' or '-'; compare one spelling.
    let settled = matches!(
        outcome.replace('_', "-").as_str(),
        "acked" | "nacked" | "touched" | "dead-lettered"
    );
    (line, settled)
}

/// `cli-<hostname>`, or `cli-<pid>` when the host has no name we can read.
fn default_consumer() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    match host {
        Some(host) => format!("cli-{host}"),
        None => format!("cli-{}", std::process::id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_that_changed_nothing_count_as_failures() {
        let acked = Json::parse(br#"{"handle":"h1","outcome":"acked"}"#).unwrap();
        assert_eq!(outcome_line(&acked), ("acked".to_owned(), true));
        let dead = Json::parse(
            br#"{"handle":"h","outcome":"dead_lettered","dead_letter":"q:dlq","id":"9-0"}"#,
        )
        .unwrap();
        assert_eq!(
            outcome_line(&dead),
            ("dead_lettered dead_letter=q:dlq id=9-0".to_owned(), true)
        );
        let stale = Json::parse(br#"{"handle":"h","outcome":"stale","current_token":8}"#).unwrap();
        assert_eq!(
            outcome_line(&stale),
            ("stale current_token=8".to_owned(), false)
        );
        let gone = Json::parse(br#"{"handle":"h","outcome":"not-pending"}"#).unwrap();
        assert!(!outcome_line(&gone).1);
    }

    #[test]
    fn the_default_consumer_is_named_after_the_host_or_pid() {
        let name = default_consumer();
        assert!(name.starts_with("cli-") && name.len() > 4, "{name}");
    }
}
