//! [`Client`]: one blocking HTTP/1.1 exchange per call with the server's JSON API, and the one
//! place transport failures and error replies become [`CliError`]s. Knows paths and status
//! codes, not what the replies mean.

use std::io;
use std::time::Duration;

use serde::Serialize;

use crate::error::CliError;
use crate::json::Json;
use crate::limits::{ERROR_BODY_CHARS_MAX, REPLY_BYTES_MAX, REQUEST_TIMEOUT_MS};

/// A connection to one server. Cheap to keep for a whole command; ureq reuses the TCP
/// connection between calls.
pub struct Client {
    agent: ureq::Agent,
    /// Without a trailing `/`; paths start with one.
    base: String,
    authorization: Option<String>,
}

enum Method {
    Get,
    Post(Vec<u8>),
    Delete,
}

impl Client {
    /// A client for `url` (`http://host:port`, a bare `host:port` is taken as http). TLS is not
    /// built in: the server speaks plain HTTP on loopback.
    pub fn new(url: &str, token: Option<&str>) -> Result<Client, CliError> {
        let base = base_url(url)?;
        let config = ureq::Agent::config_builder()
            // Error statuses carry the API's error body, which we want to read.
            .http_status_as_error(false)
            // An HTTP_PROXY meant for the internet must not capture calls to a local server.
            .proxy(None)
            .user_agent(concat!("conquiet-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent: ureq::Agent::new_with_config(config),
            base,
            authorization: token.map(|t| format!("Bearer {t}")),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> Result<Json, CliError> {
        self.exchange(Method::Get, path, 0)
    }

    pub fn delete(&self, path: &str) -> Result<Json, CliError> {
        self.exchange(Method::Delete, path, 0)
    }

    /// POSTs `body` as JSON. `wait_ms` is how long the server may legitimately hold the request
    /// (a blocking receive); the timeout grows by that much.
    pub fn post<B: Serialize>(&self, path: &str, body: &B, wait_ms: u64) -> Result<Json, CliError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| CliError::Usage(format!("cannot encode the request as JSON: {e}")))?;
        self.exchange(Method::Post(bytes), path, wait_ms)
    }

    fn exchange(&self, method: Method, path: &str, wait_ms: u64) -> Result<Json, CliError> {
        debug_assert!(path.starts_with('/'), "path {path} must start with '/'");
        let uri = format!("{}{path}", self.base);
        let timeout = Duration::from_millis(REQUEST_TIMEOUT_MS.saturating_add(wait_ms));
        let sent = match method {
            Method::Get => self.with_headers(self.agent.get(&uri), timeout).call(),
            Method::Delete => self.with_headers(self.agent.delete(&uri), timeout).call(),
            Method::Post(bytes) => self
                .with_headers(self.agent.post(&uri), timeout)
                .header("Content-Type", "application/json")
                .send(&bytes[..]),
        };
        let mut response = sent.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .body_mut()
            .with_config()
            .limit(REPLY_BYTES_MAX)
            .read_to_vec()
            .map_err(|e| self.transport_error(e))?;
        if (200..300).contains(&status) {
            return self.parse_reply(&body);
        }
        Err(error_reply(status, &body, retry_after))
    }

    fn with_headers<B>(
        &self,
        request: ureq::RequestBuilder<B>,
        timeout: Duration,
    ) -> ureq::RequestBuilder<B> {
        let request = request
            .header("Accept", "application/json")
            .config()
            .timeout_global(Some(timeout))
            .build();
        match &self.authorization {
            Some(value) => request.header("Authorization", value),
            None => request,
        }
    }

    /// A success reply; an empty body (204) reads as `null`.
    fn parse_reply(&self, body: &[u8]) -> Result<Json, CliError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Json::Null);
        }
        Json::parse(body).map_err(|e| CliError::BadReply {
            url: self.base.clone(),
            reason: format!("not JSON: {e}"),
        })
    }

    fn transport_error(&self, error: ureq::Error) -> CliError {
        let url = self.base.clone();
        match error {
            ureq::Error::Io(e) if is_connect_error(&e) => CliError::Unreachable {
                url,
                reason: io_reason(&e),
            },
            ureq::Error::HostNotFound => CliError::Unreachable {
                url,
                reason: "host not found".to_owned(),
            },
            ureq::Error::ConnectionFailed => CliError::Unreachable {
                url,
                reason: "connection failed".to_owned(),
            },
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                CliError::Unreachable {
                    url,
                    reason: "timed out connecting".to_owned(),
                }
            }
            ureq::Error::Timeout(_) => CliError::Transport {
                url,
                reason: "timed out waiting for the reply".to_owned(),
            },
            ureq::Error::BodyExceedsLimit(_) => CliError::BadReply {
                url,
                reason: format!("reply larger than {REPLY_BYTES_MAX} bytes"),
            },
            ureq::Error::BadUri(uri) => CliError::Usage(format!("--url gives a bad URI: {uri}")),
            ureq::Error::Io(e) => CliError::Transport {
                url,
                reason: io_reason(&e),
            },
            other => CliError::Transport {
                url,
                reason: other.to_string(),
            },
        }
    }
}

/// The base URL without a trailing slash. `https` is refused rather than silently sent as
/// plain text.
fn base_url(url: &str) -> Result<String, CliError> {
    let url = url.trim().trim_end_matches('/');
    if url.starts_with("https://") {
        return Err(CliError::Usage(format!(
            "--url {url}: https is not supported; conquiet serves plain HTTP (use http://)"
        )));
    }
    if url.is_empty() {
        return Err(CliError::Usage("--url is empty".to_owned()));
    }
    if url.starts_with("http://") {
        return Ok(url.to_owned());
    }
    if url.contains("://") {
        return Err(CliError::Usage(format!(
            "--url {url}: only http:// is supported"
        )));
    }
    Ok(format!("http://{url}"))
}

/// Errors that mean no connection was made (as opposed to one lost midway).
fn is_connect_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NotFound
    )
}

/// A lowercase reason without the "(os error N)" suffix, to fit inside our own sentence.
fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
        io::ErrorKind::HostUnreachable => "host unreachable".to_owned(),
        io::ErrorKind::NetworkUnreachable => "network unreachable".to_owned(),
        _ => e.to_string().to_lowercase(),
    }
}

/// The error of a non-2xx reply: the API's `{"error":{"code","message"}}` when present, else
/// the status and the start of the body.
pub fn error_reply(status: u16, body: &[u8], retry_after: Option<String>) -> CliError {
    let api = Json::parse(body).ok().and_then(|json| {
        let error = json.get("error")?;
        Some((
            error.get("code")?.as_str()?.to_owned(),
            error.get("message")?.as_str()?.to_owned(),
        ))
    });
    if let Some((code, message)) = api {
        return CliError::Api {
            status,
            code,
            message,
            retry_after,
        };
    }
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.trim().chars().take(ERROR_BODY_CHARS_MAX).collect();
    if excerpt.is_empty() {
        excerpt = "(empty body)".to_owned();
    }
    CliError::Http { status, excerpt }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_takes_host_port_and_refuses_https() {
        assert_eq!(
            base_url("http://127.0.0.1:8390/").unwrap(),
            "http://127.0.0.1:8390"
        );
        assert_eq!(base_url("localhost:9000").unwrap(), "http://localhost:9000");
        let err = base_url("https://example.test").unwrap_err();
        assert!(err.to_string().contains("https is not supported"), "{err}");
        assert!(base_url("ftp://x").is_err());
    }

    #[test]
    fn api_error_bodies_become_api_errors() {
        let body = br#"{"error":{"code":"queue_full","message":"queue 'q' is full"}}"#;
        let err = error_reply(429, body, Some("2".to_owned()));
        assert_eq!(err.to_string(), "queue 'q' is full (queue_full)");
        assert_eq!(
            err.hint().as_deref(),
            Some("the queue is full; retry after 2 s")
        );
    }

    #[test]
    fn other_error_bodies_are_quoted_briefly() {
        let long = "x".repeat(1000);
        let err = error_reply(502, long.as_bytes(), None);
        let CliError::Http { status, excerpt } = &err else {
            panic!("expected an HTTP error, got {err:?}");
        };
        assert_eq!(*status, 502);
        assert_eq!(excerpt.len(), ERROR_BODY_CHARS_MAX);
        let empty = error_reply(404, b"", None);
        assert_eq!(
            empty.to_string(),
            "the server answered HTTP 404: (empty body)"
        );
    }
}
