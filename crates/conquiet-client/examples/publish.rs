//! Publishes messages to a queue and shows where the last one is.
//!
//! ```sh
//! cargo run --release --bin conquiet -- serve &
//! cargo run -p conquiet-client --example publish -- jobs 100
//! ```
//!
//! Arguments: queue name (default `jobs`), how many (default 10). `CONQUIET_ADDR` overrides
//! the server address (default `127.0.0.1:6390`).

use conquiet_client::{Client, ClientConfig, ErrorKind, Message, QueueOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let queue = args.next().unwrap_or_else(|| "jobs".into());
    let count: usize = args.next().map_or(Ok(10), |n| n.parse())?;
    let addr = std::env::var("CONQUIET_ADDR").unwrap_or_else(|_| "127.0.0.1:6390".into());
    let client = Client::new(ClientConfig::new(addr));

    match client.create_queue(&queue, &QueueOptions::default()).await {
        Ok(()) => println!("created queue {queue}"),
        Err(e) if e.kind() == ErrorKind::Exists => {}
        Err(e) => return Err(e.into()),
    }
    let messages: Vec<Message> = (0..count)
        .map(|n| {
            Message::new()
                .field("n", n.to_string())
                .key(format!("example-{n}"))
        })
        .collect();
    let mut last = None;
    for (n, result) in client
        .publish_batch(&queue, &messages)
        .await
        .into_iter()
        .enumerate()
    {
        match result {
            Ok(p) if p.duplicate => println!("message {n}: duplicate of {}", p.id),
            Ok(p) => last = Some(p.id),
            Err(e) => println!("message {n}: refused: {e}"),
        }
    }
    if let Some(id) = last {
        let status = client.status(&queue, "default", id).await?;
        println!("last published {id}: {:?}", status.state);
    }
    let info = client.queue_info(&queue).await?;
    println!(
        "{queue}: {} entries, {} published",
        info.length, info.published
    );
    Ok(())
}
