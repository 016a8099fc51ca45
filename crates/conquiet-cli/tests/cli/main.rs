//! The client end to end against a stub server: a std `TcpListener` thread that records each
//! request and answers canned JSON. Checks the paths and bodies the CLI sends, what it prints,
//! and its exit status.

mod stub;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};
use conquiet_cli::{Command, Exit, Io};
use stub::{Reply, Stub};

/// Mirrors the `conquiet` binary: the client commands flattened next to `serve`.
#[derive(Parser)]
#[command(name = "conquiet")]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Subcommand)]
enum Sub {
    Serve,
    #[command(flatten)]
    Client(Box<Command>),
}

/// What one run of a command left behind.
struct Run {
    exit: Exit,
    stdout: String,
    stderr: String,
}

fn command(args: &[&str]) -> Command {
    let argv = std::iter::once("conquiet").chain(args.iter().copied());
    match Cli::try_parse_from(argv).expect("the test's command line parses") {
        Cli {
            command: Sub::Client(command),
        } => *command,
        Cli {
            command: Sub::Serve,
        } => panic!("parsed as serve"),
    }
}

fn run_with_stop(args: &[&str], stdin: &[u8], stop: Arc<AtomicBool>) -> Run {
    let mut stdin = stdin;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        stop,
        idle: Arc::new(AtomicBool::new(true)),
    };
    let exit = conquiet_cli::run_with(command(args), &mut io);
    Run {
        exit,
        stdout: String::from_utf8(stdout).expect("the CLI writes UTF-8"),
        stderr: String::from_utf8(stderr).expect("the CLI writes UTF-8"),
    }
}

fn run(args: &[&str], stdin: &[u8]) -> Run {
    run_with_stop(args, stdin, Arc::new(AtomicBool::new(false)))
}

#[test]
fn publish_posts_the_fields_in_order_with_the_token() {
    let stub = Stub::start(vec![Reply::ok(
        r#"{"id":"1700000000000-0","duplicate":false}"#,
    )]);
    let url = stub.url();
    let args = [
        "publish",
        "or ders",
        "--key",
        "k1",
        "--at-ms",
        "1800000000000",
        "body=hello",
        "q=a=b",
        "--url",
        &url,
        "--token",
        "s3cret",
    ];
    let out = run(&args, b"");
    let requests = stub.finish();
    assert_eq!(out.stderr, "");
    assert_eq!(out.exit, Exit::Success);
    assert_eq!(out.stdout, "1700000000000-0\n");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.line(), "POST /v1/queues/or%20ders/messages");
    assert_eq!(
        request.body,
        r#"{"fields":{"body":"hello","q":"a=b"},"deliver_at_ms":1800000000000,"idempotency_key":"k1"}"#
    );
    assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(request.header("content-type"), Some("application/json"));
}

#[test]
fn publish_reports_a_duplicate() {
    let stub = Stub::start(vec![Reply::ok(r#"{"id":"5-0","duplicate":true}"#)]);
    let out = run(
        &["publish", "q", "--key", "k", "a=1", "--url", &stub.url()],
        b"",
    );
    stub.finish();
    assert_eq!(out.stdout, "5-0 duplicate\n");
    assert_eq!(out.exit, Exit::Success);
}

#[test]
fn publish_stdin_sends_one_batch_and_prints_a_result_per_line() {
    let stub = Stub::start(vec![Reply::ok(
        r#"{"results":[{"id":"1-0","duplicate":false},
                       {"error":{"code":"queue_full","message":"queue 'q' is full"}},
                       {"id":"1-1","duplicate":false}]}"#,
    )]);
    let out = run(
        &[
            "publish",
            "q",
            "--stdin",
            "--delay-ms",
            "10",
            "--url",
            &stub.url(),
        ],
        b"first\n\nsecond\r\n\xff\nthird",
    );
    let requests = stub.finish();
    assert_eq!(requests[0].line(), "POST /v1/queues/q/messages");
    assert_eq!(
        requests[0].body,
        concat!(
            r#"{"messages":[{"fields":{"body":"first"},"delay_ms":10},"#,
            r#"{"fields":{"body":"second"},"delay_ms":10},"#,
            r#"{"fields":{"body":"third"},"delay_ms":10}]}"#
        )
    );
    assert_eq!(
        out.stdout,
        "1-0\nerror: queue 'q' is full (queue_full)\nerror: line 4 is not UTF-8\n1-1\n"
    );
    assert_eq!(out.stderr, "error: 2 of 4 messages failed\n");
    assert_eq!(out.exit, Exit::Failure);
}

#[test]
fn consume_ack_receives_prints_then_acks_every_handle() {
    let stub = Stub::start(vec![
        Reply::ok(
            r#"{"messages":[
                {"id":"1-0","handle":"h-1","token":7,"deliveries":1,"lease_until_ms":99,
                 "fields":{"body":"hi","n":"1"}},
                {"id":"2-0","handle":{"id":"2-0","token":8},"token":8,"deliveries":3,
                 "lease_until_ms":99,"fields":{"body":"again"}}]}"#,
        ),
        Reply::ok(
            r#"{"results":[{"handle":"h-1","outcome":"acked"},
                           {"handle":{"id":"2-0","token":8},"outcome":"stale","current_token":9}]}"#,
        ),
    ]);
    let args = [
        "consume",
        "orders",
        "--consumer",
        "w1",
        "--count",
        "2",
        "--wait-ms",
        "50",
        "--ack",
        "--url",
        &stub.url(),
    ];
    let out = run(&args, b"");
    let requests = stub.finish();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].line(), "POST /v1/queues/orders/receive");
    assert_eq!(
        requests[0].body,
        r#"{"group":"default","consumer":"w1","max_messages":2,"wait_ms":50}"#
    );
    assert_eq!(requests[1].line(), "POST /v1/queues/orders/ack");
    assert_eq!(
        requests[1].body,
        r#"{"group":"default","handles":["h-1",{"id":"2-0","token":8}]}"#
    );
    assert_eq!(
        out.stdout,
        "\
1-0  deliveries 1  token 7
  body  hi
  n     1

2-0  deliveries 3  token 8
  body  again
1-0  acked
2-0  stale current_token=9
"
    );
    assert_eq!(out.stderr, "error: 1 of 2 settles failed\n");
    assert_eq!(out.exit, Exit::Failure);
}

#[test]
fn consume_term_sends_the_reason() {
    let stub = Stub::start(vec![
        Reply::ok(
            r#"{"messages":[{"id":"3-0","handle":"h","token":1,"deliveries":1,"fields":{}}]}"#,
        ),
        Reply::ok(
            r#"{"results":[{"handle":"h","outcome":"dead_lettered","dead_letter":"q:dlq","id":"4-0"}]}"#,
        ),
    ]);
    let args = [
        "consume",
        "q",
        "--group",
        "g",
        "--term",
        "--reason",
        "bad input",
        "--url",
    ];
    let out = run(&[&args[..], &[&stub.url()]].concat(), b"");
    let requests = stub.finish();
    assert_eq!(requests[1].line(), "POST /v1/queues/q/term");
    assert_eq!(
        requests[1].body,
        r#"{"group":"g","handles":["h"],"reason":"bad input"}"#
    );
    assert!(
        out.stdout
            .ends_with("3-0  dead_lettered dead_letter=q:dlq id=4-0\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.exit, Exit::Success);
}

#[test]
fn consume_follow_keeps_receiving_until_stopped() {
    let stop = Arc::new(AtomicBool::new(false));
    let message =
        r#"{"messages":[{"id":"1-0","handle":"h","token":1,"deliveries":1,"fields":{"a":"b"}}]}"#;
    let stub = Stub::start_with_hook(vec![Reply::ok(message), Reply::ok(r#"{"messages":[]}"#)], {
        let stop = Arc::clone(&stop);
        // A Ctrl-C arriving while the second receive waits.
        move |served| {
            if served == 1 {
                stop.store(true, Ordering::SeqCst);
            }
        }
    });
    let out = run_with_stop(
        &["consume", "q", "--follow", "--url", &stub.url()],
        b"",
        stop,
    );
    let requests = stub.finish();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.line(), "POST /v1/queues/q/receive");
        assert!(
            request.body.contains(r#""wait_ms":20000"#),
            "{}",
            request.body
        );
    }
    assert_eq!(out.stdout, "1-0  deliveries 1  token 1\n  a  b\n");
    assert_eq!(out.exit, Exit::Success);
}

#[test]
fn dlq_redrive_posts_the_range() {
    let stub = Stub::start(vec![Reply::ok(r#"{"redriven":3}"#)]);
    let args = [
        "dlq",
        "redrive",
        "orders:dlq",
        "--to",
        "orders",
        "--start",
        "1-0",
        "--end",
        "9-0",
        "--count",
        "5",
        "--url",
        &stub.url(),
    ];
    let out = run(&args, b"");
    let requests = stub.finish();
    assert_eq!(requests[0].line(), "POST /v1/dlq/orders:dlq/redrive");
    assert_eq!(
        requests[0].body,
        r#"{"to":"orders","start":"1-0","end":"9-0","count":5}"#
    );
    assert_eq!(out.stdout, "redrove 3 messages from orders:dlq to orders\n");
    assert_eq!(out.exit, Exit::Success);
}

#[test]
fn dlq_show_and_purge_use_their_paths() {
    let stub = Stub::start(vec![
        Reply::ok(r#"{"messages":[{"id":"7-0","fields":{"cq-source":"orders","body":"x"}}]}"#),
        Reply::ok(r#"{"purged":1}"#),
    ]);
    let show = run(
        &["dlq", "show", "q:dlq", "--count", "3", "--url", &stub.url()],
        b"",
    );
    let purge = run(&["dlq", "purge", "q:dlq", "--url", &stub.url()], b"");
    let requests = stub.finish();
    assert_eq!(requests[0].line(), "GET /v1/dlq/q:dlq/messages?count=3");
    assert_eq!(show.stdout, "7-0\n  cq-source  orders\n  body       x\n");
    assert_eq!(requests[1].line(), "POST /v1/dlq/q:dlq/purge");
    assert_eq!(requests[1].body, "{}");
    assert_eq!(purge.stdout, "purged 1 messages from q:dlq\n");
}

#[test]
fn json_output_is_the_servers_reply_pretty_in_its_order() {
    let stub = Stub::start(vec![Reply::ok(
        r#"{"queues":[{"name":"b","length":2,"groups":[]}]}"#,
    )]);
    let out = run(&["queue", "list", "--json", "--url", &stub.url()], b"");
    let requests = stub.finish();
    assert_eq!(requests[0].line(), "GET /v1/queues");
    assert_eq!(
        out.stdout,
        "{\n  \"queues\": [\n    {\n      \"name\": \"b\",\n      \"length\": 2,\n      \"groups\": []\n    }\n  ]\n}\n"
    );
}

#[test]
fn a_full_queue_is_an_error_with_a_retry_hint() {
    let body = r#"{"error":{"code":"queue_full","message":"queue 'q' is full"}}"#;
    let stub = Stub::start(vec![Reply::status(429, body).header("Retry-After", "1")]);
    let out = run(&["publish", "q", "a=1", "--url", &stub.url()], b"");
    stub.finish();
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: queue 'q' is full (queue_full)\nhint: the queue is full; retry after 1 s\n"
    );
    assert_eq!(out.exit, Exit::Failure);
    assert_eq!(out.exit.code(), 1);
}

#[test]
fn queue_delete_and_show_use_the_queue_path() {
    let stub = Stub::start(vec![
        Reply::status(204, ""),
        Reply::status(
            404,
            r#"{"error":{"code":"not_found","message":"no queue 'gone'"}}"#,
        ),
    ]);
    let deleted = run(&["queue", "delete", "gone", "--url", &stub.url()], b"");
    let shown = run(&["queue", "show", "gone", "--url", &stub.url()], b"");
    let requests = stub.finish();
    assert_eq!(requests[0].line(), "DELETE /v1/queues/gone");
    assert_eq!(deleted.stdout, "deleted queue gone\n");
    assert_eq!(requests[1].line(), "GET /v1/queues/gone");
    assert_eq!(shown.stderr, "error: no queue 'gone' (not_found)\n");
    assert_eq!(shown.exit.code(), 1);
}

#[test]
fn an_unreachable_server_is_named_with_exit_code_2() {
    // A port that was just free: bind, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = run(&["stats", "--url", &url], b"");
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot reach conquiet at {url} (connection refused); \
             is 'conquiet serve' running?\n"
        )
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.exit, Exit::Unreachable);
    assert_eq!(out.exit.code(), 2);
}
