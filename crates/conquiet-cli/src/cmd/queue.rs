//! `queue create | list | show | delete`.

use super::Ctx;
use crate::args::QueueCommand;
use crate::body::{CreateQueue, segment};
use crate::error::CliError;
use crate::json::Json;
use crate::render;

/// The group a create without `--group` makes (the server's default, per the queue spec).
const GROUP_DEFAULT: &str = "default";

pub fn run(ctx: &mut Ctx<'_, '_>, command: &QueueCommand) -> Result<(), CliError> {
    match command {
        QueueCommand::Create(args) => {
            let reply = ctx
                .client
                .post("/v1/queues", &CreateQueue::from_args(args), 0)?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let group = args.group.as_deref().unwrap_or(GROUP_DEFAULT);
            writeln!(
                ctx.io.stdout,
                "created queue {} with group {group}",
                args.name
            )?;
            Ok(())
        }
        QueueCommand::List => {
            let reply = ctx.client.get("/v1/queues")?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            let queues = reply.get("queues").map_or(&[][..], Json::items);
            if queues.is_empty() {
                return ctx.print("no queues\n");
            }
            ctx.print(&render::queue_table(queues))
        }
        QueueCommand::Show { name } => {
            let reply = ctx.client.get(&format!("/v1/queues/{}", segment(name)))?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            ctx.print(&render::queue_detail(&reply))
        }
        QueueCommand::Delete { name } => {
            let reply = ctx
                .client
                .delete(&format!("/v1/queues/{}", segment(name)))?;
            if ctx.json {
                return ctx.print_json(&reply);
            }
            writeln!(ctx.io.stdout, "deleted queue {name}")?;
            Ok(())
        }
    }
}
