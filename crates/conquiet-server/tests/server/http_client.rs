//! A small HTTP/1.1 client over a plain socket for the HTTP API tests: one request per
//! connection (`Connection: close`), the whole reply read back, JSON helpers on top. Kept by
//! hand so the tests need no HTTP client crate.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::Value;

use crate::support::{REPLY_WAIT, TestServer};

/// A whole HTTP reply.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "reply {} is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The stable code of an error reply, after checking the error's shape.
    pub fn code(&self) -> String {
        let body = self.json();
        let error = &body["error"];
        assert!(
            error["message"].is_string(),
            "error without a message: {body}"
        );
        assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
        error["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_string()
    }

    /// Asserts the status and error code, for a failed request.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{}",
            self.text()
        );
    }

    /// Asserts the status and returns the JSON body, for a request that should succeed.
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        self.json()
    }
}

/// The HTTP API of one test server.
#[derive(Clone)]
pub struct Api {
    pub addr: SocketAddr,
    pub token: Option<String>,
}

impl Api {
    pub fn of(server: &TestServer) -> Api {
        let running = server.running.as_ref().expect("running");
        Api {
            addr: running.http_addr.expect("the test server serves HTTP"),
            token: None,
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            addr: self.addr,
            token: Some(token.to_string()),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[], None)
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, &[], None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, body.to_string().as_bytes())
    }

    pub fn patch(&self, path: &str, body: &Value) -> Reply {
        self.request("PATCH", path, &[], Some(body.to_string().as_bytes()))
    }

    pub fn post_raw(&self, path: &str, body: &[u8]) -> Reply {
        self.request("POST", path, &[], Some(body))
    }

    /// Sends one request and reads the reply to the end of the connection.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.set_read_timeout(Some(REPLY_WAIT)).expect("timeout");
        stream
            .write_all(&self.head(method, path, headers, body.map(<[u8]>::len)))
            .unwrap();
        if let Some(body) = body {
            stream.write_all(body).unwrap();
        }
        read_reply(&mut stream)
    }

    /// The request line and headers; `length` is the Content-Length to announce.
    pub fn head(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        length: Option<usize>,
    ) -> Vec<u8> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if let Some(length) = length {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {length}\r\n"
            ));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

/// Reads a reply until the server closes the connection.
pub fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head: {}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    if let Some((_, length)) = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        assert_eq!(
            length.parse::<usize>().unwrap(),
            body.len(),
            "content-length"
        );
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
            .expect("chunk size in hex");
        rest = &rest[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A server with the HTTP API on a free port, and its client.
pub fn start() -> (TestServer, Api) {
    let server = TestServer::start(|_| {});
    let api = Api::of(&server);
    (server, api)
}

/// Creates a queue with `body` merged over `{"name": name}`; panics unless it is created.
pub fn create_queue(api: &Api, name: &str, extra: Value) -> Value {
    let mut body = serde_json::json!({ "name": name });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    api.post("/v1/queues", &body).ok(201)
}

/// The queue as `GET /v1/queues/{name}` shows it.
pub fn queue(api: &Api, name: &str) -> Value {
    api.get(&format!("/v1/queues/{name}")).ok(200)
}

/// Publishes one message with `fields` and returns its id.
pub fn publish(api: &Api, name: &str, fields: Value) -> String {
    let reply = api
        .post(
            &format!("/v1/queues/{name}/messages"),
            &serde_json::json!({ "fields": fields }),
        )
        .ok(201);
    reply["id"].as_str().unwrap().to_string()
}

/// Receives with `body` (a consumer `c` unless given) and returns the messages.
pub fn receive(api: &Api, name: &str, body: Value) -> Vec<Value> {
    let mut request = serde_json::json!({ "consumer": "c" });
    if let (Some(request), Value::Object(body)) = (request.as_object_mut(), body) {
        request.extend(body);
    }
    let reply = api
        .post(&format!("/v1/queues/{name}/receive"), &request)
        .ok(200);
    reply["messages"].as_array().unwrap().clone()
}

/// Settles `handles` with `action` (ack, nack, touch, term) and returns the results.
pub fn settle(api: &Api, name: &str, action: &str, body: Value) -> Vec<Value> {
    let reply = api
        .post(&format!("/v1/queues/{name}/{action}"), &body)
        .ok(200);
    reply["results"].as_array().unwrap().clone()
}

/// The first group of a queue.
pub fn group(api: &Api, name: &str) -> Value {
    queue(api, name)["groups"][0].clone()
}
