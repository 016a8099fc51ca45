//! `dlq list | show | redrive | purge`.

use super::Ctx;
use crate::args::DlqCommand;
use crate::body::{Empty, Redrive, segment};
use crate::error::CliError;
use crate::json::Json;
use crate::render;

pub fn run(ctx: &mut Ctx<'_, '_>, command: &DlqCommand) -> Result<(), CliError> {
    match command {
        DlqCommand::List => {
            let reply = ctx.client.get("/v1/dlq")?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let queues = reply.get("dead_letters").map_or(&[][..], Json::items);
            if queues.is_empty() {
                return ctx.print("no dead-letter queues\n");
            }
            ctx.print(&render::dead_letter_table(queues))
        }
        DlqCommand::Show { name, count } => {
            let mut path = format!("/v1/dlq/{}/messages", segment(name));
            if let Some(count) = count {
                path.push_str(&format!("?count={count}"));
            }
            let reply = ctx.client.get(&path)?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let messages = reply.get("messages").map_or(&[][..], Json::items);
            if messages.is_empty() {
                return ctx.print(&format!("no dead letters in {name}\n"));
            }
            let text: Vec<String> = messages.iter().map(render::message).collect();
            ctx.print(&text.join("\n"))
        }
        DlqCommand::Redrive(args) => {
            let path = format!("/v1/dlq/{}/redrive", segment(&args.name));
            let reply = ctx.client.post(&path, &Redrive::from_args(args), 0)?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let n = reply.text_at("redriven");
            let to = args.to.as_deref().unwrap_or("their source queues");
            writeln!(
                ctx.io.stdout,
                "redrove {n} messages from {} to {to}",
                args.name
            )?;
            Ok(())
        }
        DlqCommand::Purge { name } => {
            let reply =
                ctx.client
                    .post(&format!("/v1/dlq/{}/purge", segment(name)), &Empty {}, 0)?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let n = reply.text_at("purged");
            writeln!(ctx.io.stdout, "purged {n} messages from {name}")?;
            Ok(())
        }
    }
}
