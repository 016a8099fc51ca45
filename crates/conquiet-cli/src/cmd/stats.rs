//! `stats`: every queue's groups in one table, then the store's figures.

use super::Ctx;
use crate::error::CliError;
use crate::json::Json;
use crate::render;

pub fn run(ctx: &mut Ctx<'_, '_>) -> Result<(), CliError> {
    let reply = ctx.client.get("/v1/stats")?;
    if ctx.json {
        return ctx.print_json(&reply);
    }
    let queues = reply.get("queues").map_or(&[][..], Json::items);
    let mut text = if queues.is_empty() {
        "no queues\n".to_owned()
    } else {
        render::stats_table(queues)
    };
    if let Some(store) = reply.get("store") {
        text.push('\n');
        text.push_str(&render::store_detail(store));
    }
    ctx.print(&text)
}
