//! `publish`: one message from FIELD=VALUE arguments, or with `--stdin` one message per line,
//! sent in bounded batches, with one result line per input line.

use std::io::{self, BufRead, Read};

use super::Ctx;
use crate::args::PublishArgs;
use crate::body::{Fields, Publish, PublishBatch, segment};
use crate::error::CliError;
use crate::json::Json;
use crate::limits::{PUBLISH_BATCH_BYTES_MAX, PUBLISH_BATCH_MESSAGES_MAX, STDIN_LINE_BYTES_MAX};
use crate::render;

pub fn run(ctx: &mut Ctx<'_, '_>, args: PublishArgs) -> Result<(), CliError> {
    let path = format!("/v1/queues/{}/messages", segment(&args.name));
    if args.stdin {
        return publish_lines(ctx, &path, &args);
    }
    let body = Publish {
        fields: Fields::new(args.fields)?,
        delay_ms: args.delay_ms,
        deliver_at_ms: args.at_ms,
        idempotency_key: args.key,
    };
    let reply = ctx.client.post(&path, &body, 0)?;
    if ctx.json {
        return ctx.print_json(&reply);
    }
    let (line, _) = result_line(&reply);
    writeln!(ctx.io.stdout, "{line}")?;
    Ok(())
}

/// One input line's place in the output: its result comes from the server or from us.
enum Slot {
    Sent,
    Rejected(String),
}

/// Lines read but not yet reported, in input order, and the messages among them.
#[derive(Default)]
struct Batch {
    slots: Vec<Slot>,
    messages: Vec<Publish>,
    bytes: usize,
    failed: usize,
    total: usize,
}

fn publish_lines(ctx: &mut Ctx<'_, '_>, path: &str, args: &PublishArgs) -> Result<(), CliError> {
    let mut batch = Batch::default();
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    loop {
        let line = read_line(&mut *ctx.io.stdin, &mut buf).map_err(CliError::Stdin)?;
        line_no += 1;
        let text = match line {
            Line::Eof => break,
            Line::Blank => continue,
            Line::TooLong => {
                let why = format!("line {line_no} is longer than {STDIN_LINE_BYTES_MAX} bytes");
                batch.slots.push(Slot::Rejected(why));
                continue;
            }
            Line::NotUtf8 => {
                let why = format!("line {line_no} is not UTF-8");
                batch.slots.push(Slot::Rejected(why));
                continue;
            }
            Line::Text(text) => text,
        };
        let bytes = json_string_bytes(&text);
        if !batch.messages.is_empty() && batch.bytes + bytes > PUBLISH_BATCH_BYTES_MAX {
            send(ctx, path, &mut batch)?;
        }
        batch.bytes += bytes;
        batch.messages.push(Publish {
            fields: Fields::body(text),
            delay_ms: args.delay_ms,
            deliver_at_ms: args.at_ms,
            idempotency_key: None,
        });
        batch.slots.push(Slot::Sent);
        if batch.messages.len() >= PUBLISH_BATCH_MESSAGES_MAX {
            send(ctx, path, &mut batch)?;
        }
    }
    send(ctx, path, &mut batch)?;
    if batch.failed > 0 {
        return Err(CliError::ItemsFailed {
            failed: batch.failed,
            total: batch.total,
            what: "messages",
        });
    }
    Ok(())
}

/// Sends the batch's messages (if any) and reports every pending slot in input order.
fn send(ctx: &mut Ctx<'_, '_>, path: &str, batch: &mut Batch) -> Result<(), CliError> {
    let sent = batch.messages.len();
    let reply = if sent == 0 {
        Json::Null
    } else {
        let body = PublishBatch {
            messages: std::mem::take(&mut batch.messages),
        };
        ctx.client.post(path, &body, 0)?
    };
    let results = reply.get("results").map_or(&[][..], Json::items);
    if results.len() != sent {
        return Err(CliError::BadReply {
            url: ctx.client.base().to_owned(),
            reason: format!("{} results for a batch of {sent} messages", results.len()),
        });
    }
    if ctx.json {
        ctx.print_json(&reply)?;
    }
    let mut results = results.iter();
    for slot in batch.slots.drain(..) {
        batch.total += 1;
        let (line, ok) = match slot {
            Slot::Rejected(why) => (format!("error: {why}"), false),
            Slot::Sent => result_line(results.next().expect("one result per sent message")),
        };
        if !ok {
            batch.failed += 1;
        }
        // Under --json, stdout stays JSON: local rejections go to stderr.
        match (ctx.json, ok) {
            (false, _) => writeln!(ctx.io.stdout, "{line}")?,
            (true, false) => writeln!(ctx.io.stderr, "{line}")?,
            (true, true) => {}
        }
    }
    batch.bytes = 0;
    Ok(())
}

/// Bytes of `text` as a JSON string (quotes and escapes included), as serde_json writes it:
/// what a line adds to the request body, which can be up to six times its own length.
fn json_string_bytes(text: &str) -> usize {
    let escaped: usize = text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum();
    escaped + 2
}

/// `ID`, `ID duplicate`, or `error: MESSAGE (CODE)`; and whether it is a success.
fn result_line(result: &Json) -> (String, bool) {
    if let Some(line) = render::item_error(result) {
        return (line, false);
    }
    let id = result.text_at("id");
    match result.get("duplicate").and_then(Json::as_bool) {
        Some(true) => (format!("{id} duplicate"), true),
        _ => (id, true),
    }
}

#[derive(Debug, PartialEq)]
enum Line {
    Eof,
    /// Empty once the line end is removed; skipped, not published.
    Blank,
    TooLong,
    NotUtf8,
    Text(String),
}

/// Reads one line of at most [`STDIN_LINE_BYTES_MAX`] bytes (without its `\n` or `\r\n`). A
/// longer line is skipped to its end without being held in memory.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let limit = STDIN_LINE_BYTES_MAX as u64 + 1; // Room for the '\n'.
    let n = (&mut *input).take(limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() != Some(&b'\n') && n as u64 == limit {
        skip_to_line_end(input)?;
        return Ok(Line::TooLong);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.is_empty() {
        return Ok(Line::Blank);
    }
    Ok(String::from_utf8(std::mem::take(buf)).map_or(Line::NotUtf8, Line::Text))
}

fn skip_to_line_end(input: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        if let Some(i) = chunk.iter().position(|b| *b == b'\n') {
            input.consume(i + 1);
            return Ok(());
        }
        let len = chunk.len();
        input.consume(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Line> {
        let mut reader = input;
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line(&mut reader, &mut buf).unwrap();
            if line == Line::Eof {
                return out;
            }
            out.push(line);
        }
    }

    #[test]
    fn lines_lose_their_endings_and_blanks_are_marked() {
        let got = lines(b"one\r\n\ntwo=2\nlast");
        let want = [
            Line::Text("one".to_owned()),
            Line::Blank,
            Line::Text("two=2".to_owned()),
            Line::Text("last".to_owned()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn an_overlong_line_is_skipped_whole() {
        let mut input = vec![b'x'; STDIN_LINE_BYTES_MAX + 10];
        input.extend_from_slice(b"\nnext\n\xff\n");
        let got = lines(&input);
        assert_eq!(
            got,
            [Line::TooLong, Line::Text("next".to_owned()), Line::NotUtf8]
        );
    }

    #[test]
    fn a_line_at_the_limit_is_kept() {
        let mut input = vec![b'y'; STDIN_LINE_BYTES_MAX];
        input.push(b'\n');
        let got = lines(&input);
        assert!(matches!(&got[..], [Line::Text(t)] if t.len() == STDIN_LINE_BYTES_MAX));
    }

    #[test]
    fn json_string_bytes_match_what_serde_json_writes() {
        for text in ["plain", "quo\"te\\", "tab\tnl\n\u{1}\u{8}", "é✓🦀", ""] {
            let written = serde_json::to_string(text).unwrap();
            assert_eq!(json_string_bytes(text), written.len(), "{text:?}");
        }
    }

    #[test]
    fn result_lines_name_duplicates_and_errors() {
        let ok = Json::parse(br#"{"id":"1-0","duplicate":false}"#).unwrap();
        assert_eq!(result_line(&ok), ("1-0".to_owned(), true));
        let dup = Json::parse(br#"{"id":"1-0","duplicate":true}"#).unwrap();
        assert_eq!(result_line(&dup), ("1-0 duplicate".to_owned(), true));
        let err = Json::parse(br#"{"error":{"code":"queue_full","message":"full"}}"#).unwrap();
        assert_eq!(
            result_line(&err),
            ("error: full (queue_full)".to_owned(), false)
        );
    }
}
