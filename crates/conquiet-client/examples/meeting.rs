//! A meeting of three agents taking turns in a room, where one agent, on its turn, asks
//! another a question by request/reply before it speaks.
//!
//! ```sh
//! cargo run --release --bin conquiet -- serve &
//! cargo run -p conquiet-client --example meeting
//! ```
//!
//! Each agent waits for its turn by reading the room's event stream from where it left off
//! (so it misses nothing), speaks, and passes the turn in the same command; the server
//! refuses anyone who speaks out of turn. `ada` asks `bo`'s answering service a question
//! while it holds the turn; `bo` answers through a worker whose return value is the reply.

use std::time::Duration;

use conquiet_client::{
    Client, ClientConfig, ErrorKind, Job, Message, QueueOptions, Worker, WorkerConfig, service,
};

const ROOM: &str = "standup";
const ROUNDS: u64 = 2;
const AGENTS: [&str; 3] = ["ada", "bo", "cy"];

/// One agent: on each of its turns, says something (ada first asks bo).
async fn agent(client: Client, me: &'static str, events: String) -> conquiet_client::Result<()> {
    let mut after = None;
    let mut spoken = 0;
    while spoken < ROUNDS {
        let batch = client
            .room_events(&events, after, 100, Some(Duration::from_secs(5)))
            .await?;
        let Some(last) = batch.last() else { continue };
        after = Some(last.id);
        let my_turn = batch.iter().any(|e| {
            matches!(e.event.as_str(), "started" | "turn-changed")
                && e.field("speaker").as_deref() == Some(me)
        });
        if !my_turn {
            continue;
        }
        let text = if me == "ada" {
            let question = Message::new().field("question", "is the release on track?");
            let reply = client
                .request("ask-bo", &question, Duration::from_secs(5))
                .await?;
            let answer = String::from_utf8_lossy(reply.field("answer").unwrap_or_default());
            format!("I asked bo; bo says: {answer}")
        } else {
            format!("{me} here, update number {}", spoken + 1)
        };
        let room = client.speak(ROOM, me, &text, true).await?;
        println!("[turn {}] {me}: {text}", room.turn - 1);
        spoken += 1;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::var("CONQUIET_ADDR").unwrap_or_else(|_| "127.0.0.1:6390".into());
    let client = Client::new(ClientConfig::new(addr));
    match client
        .create_queue("ask-bo", &QueueOptions::default())
        .await
    {
        Err(e) if e.kind() != ErrorKind::Exists => return Err(e.into()),
        _ => {}
    }
    let room = match client
        .create_room(ROOM, &AGENTS, Some(Duration::from_secs(30)))
        .await
    {
        Ok(room) => room,
        Err(e) if e.kind() == ErrorKind::Exists => {
            return Err(format!("room {ROOM} exists already: run this once per server").into());
        }
        Err(e) => return Err(e.into()),
    };

    // bo's answering service: the handler's return value is the reply.
    let answers = service(client.clone(), "ask-bo", |job: Job| async move {
        let question =
            String::from_utf8_lossy(job.field("question").unwrap_or_default()).into_owned();
        Ok(Message::new().field(
            "answer",
            format!("yes ('{question}' checked at delivery {})", job.deliveries),
        ))
    });
    let bo_service = Worker::new(client.clone(), WorkerConfig::new("ask-bo"), answers).spawn();

    let mut agents = tokio::task::JoinSet::new();
    for me in AGENTS {
        agents.spawn(agent(client.clone(), me, room.events_stream.clone()));
    }
    client.start_room(ROOM).await?;
    while let Some(done) = agents.join_next().await {
        done??;
    }
    client.end_room(ROOM).await?;
    bo_service.stop().await;

    println!("\nthe room's event stream, as any reader sees it:");
    for event in client
        .room_events(&room.events_stream, None, 1000, None)
        .await?
    {
        let fields: Vec<String> = event
            .fields
            .iter()
            .map(|(f, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(f),
                    String::from_utf8_lossy(v)
                )
            })
            .collect();
        println!("  {} {} {}", event.id, event.event, fields.join(" "));
    }
    Ok(())
}
