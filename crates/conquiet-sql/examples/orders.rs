//! An order service: consumes `orders`, writes each order into PostgreSQL exactly once, and
//! publishes a follow-up to `shipments` through the transactional outbox, until Ctrl-C.
//!
//! ```sh
//! cargo run --release --bin conquiet -- serve &
//! cargo run -p conquiet-sql --example orders -- --demo 20
//! ```
//!
//! `--demo N` publishes N orders first (each twice, as a careless producer would, which the
//! orders table and the inbox absorb). `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `CONQUIET_ADDR` (default `127.0.0.1:6390`)
//! say where things are.

use std::time::Duration;

use conquiet_client::{
    Client, ClientConfig, ErrorKind, Message, QueueOptions, Worker, WorkerConfig, shutdown_signal,
};
use conquiet_sql::{Db, JobError, OutboxRelay, Pool, RelayOptions, Value, transactional};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let addr = std::env::var("CONQUIET_ADDR").unwrap_or_else(|_| "127.0.0.1:6390".into());
    let demo: usize = match std::env::args().nth(1).as_deref() {
        Some("--demo") => std::env::args().nth(2).map_or(Ok(10), |n| n.parse())?,
        _ => 0,
    };

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&url)
        .await?;
    let db = Db::new(Pool::Postgres(pool));
    db.setup().await?;
    db.transaction(|s| {
        Box::pin(async move {
            s.execute(
                "CREATE TABLE IF NOT EXISTS example_orders (id TEXT PRIMARY KEY, item TEXT NOT NULL, \
                 token BIGINT NOT NULL)",
                &[],
            )
            .await
        })
    })
    .await?;

    let client = Client::new(ClientConfig::new(addr));
    for queue in ["orders", "shipments"] {
        // The dedup window covers a relay that is down for up to ten minutes.
        let options = QueueOptions {
            dedup_window: Some(Duration::from_secs(600)),
            ..QueueOptions::default()
        };
        match client.create_queue(queue, &options).await {
            Err(e) if e.kind() != ErrorKind::Exists => return Err(e.into()),
            _ => {}
        }
    }
    for n in 0..demo {
        let order = Message::new()
            .field("order", format!("order-{n}"))
            .field("item", format!("item-{}", n % 3));
        client.publish("orders", &order).await?;
        client.publish("orders", &order).await?;
    }

    let handler = transactional(db.clone(), |s, job| {
        Box::pin(async move {
            let text = |name: &str| {
                job.field(name)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .ok_or_else(|| JobError::Fail(format!("no {name} field")))
            };
            let (order, item) = (text("order")?, text("item")?);
            let token = i64::try_from(job.token).unwrap_or(i64::MAX);
            let row = [
                ("id", Value::Text(order.clone())),
                ("item", Value::Text(item)),
                ("token", Value::Int(token)),
            ];
            if s.insert_if_absent("example_orders", &row, &["id"]).await? {
                let follow_up = Message::new().field("order", order.clone());
                s.publish("shipments", &follow_up).await?;
                println!(
                    "order {order} stored (delivery {}, token {token})",
                    job.deliveries
                );
            } else {
                println!("order {order} was stored before: nothing to do");
            }
            Ok(())
        })
    });
    let worker = Worker::new(client.clone(), WorkerConfig::new("orders"), handler);
    let relay = OutboxRelay::new(db.clone(), client.clone(), RelayOptions::default());

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stopping = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let signal = tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    println!("consuming orders; Ctrl-C to stop");
    let (report, relayed) = tokio::join!(
        worker.run(stopping(stopped.clone())),
        relay.run(stopping(stopped.clone()))
    );
    signal.abort();
    println!("worker: {report:?}, {:?}", worker.metrics().snapshot());
    println!("relay: {} follow-ups published", relayed?);
    let shipments = client.queue_info("shipments").await?;
    println!("shipments queue: {} entries", shipments.length);
    Ok(())
}
