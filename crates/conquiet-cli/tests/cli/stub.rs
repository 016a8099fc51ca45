//! A stub HTTP/1.1 server on 127.0.0.1: answers each request with the next canned reply and
//! records it. Serves keep-alive connections (the client reuses one) and stops after the last
//! reply. Every wait is bounded, so a client that sends less than expected fails the test
//! instead of hanging it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest a test waits for the client's next connection or bytes.
const STUB_WAIT: Duration = Duration::from_secs(10);
/// Largest request body the stub reads: test requests are small.
const STUB_BODY_BYTES_MAX: usize = 1 << 20;

pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply::status(200, body)
    }

    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub target: String,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    /// `METHOD /path?query`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }
}

pub struct Stub {
    port: u16,
    thread: JoinHandle<Vec<Request>>,
}

impl Stub {
    pub fn start(replies: Vec<Reply>) -> Stub {
        Stub::start_with_hook(replies, |_| {})
    }

    /// `hook(n)` runs before the n-th reply (from 0) is sent.
    pub fn start_with_hook(replies: Vec<Reply>, hook: impl Fn(usize) + Send + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("a bound address").port();
        listener.set_nonblocking(true).expect("nonblocking accept");
        let thread = std::thread::spawn(move || serve(&listener, replies, hook));
        Stub { port, thread }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests received, once every reply was sent.
    pub fn finish(self) -> Vec<Request> {
        self.thread.join().expect("the stub thread ran to the end")
    }
}

fn serve(listener: &TcpListener, replies: Vec<Reply>, hook: impl Fn(usize)) -> Vec<Request> {
    let mut requests = Vec::new();
    let mut replies = replies.into_iter().enumerate().peekable();
    while replies.peek().is_some() {
        let stream = accept(listener);
        stream
            .set_read_timeout(Some(STUB_WAIT))
            .expect("read timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
        let mut writer = stream;
        // One connection may carry several requests; a closed one sends us back to accept.
        while replies.peek().is_some() {
            let Some(request) = read_request(&mut reader) else {
                break;
            };
            let (n, reply) = replies.next().expect("peeked");
            hook(n);
            requests.push(request);
            write_reply(&mut writer, &reply);
        }
    }
    requests
}

fn accept(listener: &TcpListener) -> TcpStream {
    let deadline = Instant::now() + STUB_WAIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking stream");
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no connection from the client");
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("accept failed: {e}"),
        }
    }
}

/// `None` when the client closed the connection before a new request.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().expect("a method").to_owned();
    let target = parts.next().expect("a target").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("a header line");
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("name: value");
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().expect("a numeric content-length"));
    assert!(
        length <= STUB_BODY_BYTES_MAX,
        "request body of {length} bytes"
    );
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the whole body");
    Some(Request {
        method,
        target,
        headers,
        body: String::from_utf8(body).expect("a UTF-8 body"),
    })
}

fn write_reply(writer: &mut TcpStream, reply: &Reply) {
    let mut head = format!(
        "HTTP/1.1 {} Stub\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes()).expect("write the head");
    writer
        .write_all(reply.body.as_bytes())
        .expect("write the body");
    writer.flush().expect("flush the reply");
}
