//! The `conquiet` binary: `conquiet serve` runs the server; the other subcommands are the
//! client (`conquiet-cli`).

use clap::{Parser, Subcommand};
use conquiet_server::{Config, LogFormat, ServeArgs};

/// mimalloc instead of the system allocator: the server allocates per request and per entry on
/// several threads, where glibc's malloc spent a tenth of the server's time (see
/// docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "conquiet",
    version,
    about = "A durable message queue that speaks the Redis protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand)]
enum Sub {
    /// Run the server: Redis protocol on --resp-addr, data in --data-dir.
    Serve(ServeArgs),
    #[command(flatten)]
    Client(conquiet_cli::Command),
}

fn main() {
    let cli = Cli::parse();
    let args = match cli.command {
        Sub::Serve(args) => args,
        Sub::Client(command) => std::process::exit(conquiet_cli::run(command).code()),
    };
    if let Err(e) = run(args) {
        // One clear line for people; no backtrace.
        eprintln!("conquiet: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve(&args)?;
    init_logs(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config))
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONQUIET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let running = conquiet_server::start(config).await?;
    let stopper = running.stopper();
    let mut waiting = tokio::spawn(running.wait());
    tokio::select! {
        () = wait_for_signals() => {
            tracing::info!("signal received: shutting down (a second signal exits at once)");
            stopper.stop();
            tokio::spawn(async {
                wait_for_signals().await;
                tracing::warn!("second signal: exiting now");
                std::process::exit(1);
            });
        }
        stopped = &mut waiting => return Ok(stopped??),
    }
    Ok(waiting.await??)
}

/// Resolves on the first SIGTERM or SIGINT.
async fn wait_for_signals() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
