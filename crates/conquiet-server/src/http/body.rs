//! Request bodies and path or query parts, parsed into typed requests with our error codes:
//! `invalid_json` when the bytes are not JSON, `bad_request` when the JSON does not fit the
//! route (a missing or unknown field, a wrong type, a negative or fractional number),
//! `body_too_large` past `HTTP_BODY_BYTES_MAX`. Every body type denies unknown fields, so a
//! typo is an error instead of a silently ignored setting.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use conquiet_core::StreamId;
use serde::de::DeserializeOwned;

use super::error::{ApiError, Code};
use crate::limits::HTTP_BODY_BYTES_MAX;

/// Refuses a request whose Content-Length is past the limit before reading any of its body:
/// otherwise the client would send every byte only to be refused at the limit (axum's limit
/// counts bytes as they arrive, for bodies sent without a length).
pub async fn refuse_oversize(request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(length) if length > HTTP_BODY_BYTES_MAX as u64 => too_large().into_response(),
        _ => next.run(request).await,
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        Code::BodyTooLarge,
        format!("request body is larger than {HTTP_BODY_BYTES_MAX} bytes, the limit"),
    )
}

/// The body's bytes, or why they could not be read.
pub fn bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::bad_request(format!(
                "reading the request body: {}",
                rejection.body_text()
            ))
        }
    })
}

/// Parses a JSON body into `T`.
pub fn json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let body = bytes(body)?;
    from_slice(&body)
}

/// Parses a JSON body into `T`, reading an empty body as `{}` (for routes whose every field
/// is optional).
pub fn json_or_empty<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = bytes(body)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return from_slice(b"{}");
    }
    from_slice(&body)
}

fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    // Trailing bytes after the value (`{}}`) are a syntax error too.
    deserializer.end().map_err(invalid_json)?;
    Ok(value)
}

/// A JSON value already parsed (a body whose shape depends on its keys) into `T`.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(json_error)
}

/// Syntax errors are `invalid_json`; JSON of the wrong shape is `bad_request`, with the path
/// of the field at fault (`policy.max_entries: invalid type ...`).
fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        Category::Data if path == "." => ApiError::bad_request(inner.to_string()),
        Category::Data => ApiError::bad_request(format!("{path}: {inner}")),
        Category::Syntax | Category::Eof | Category::Io => invalid_json(inner),
    }
}

fn invalid_json(error: serde_json::Error) -> ApiError {
    ApiError::new(
        Code::InvalidJson,
        format!("body is not valid JSON: {error}"),
    )
}

/// The `{name}` of a route.
pub fn name(path: Result<Path<String>, PathRejection>) -> Result<Vec<u8>, ApiError> {
    let Path(name) = path.map_err(|r| ApiError::bad_request(r.body_text()))?;
    non_empty("queue name", name)
}

/// A name given in a body or path: at least one byte (the engine checks the upper limit).
pub fn non_empty(what: &str, name: String) -> Result<Vec<u8>, ApiError> {
    if name.is_empty() {
        return Err(ApiError::bad_request(format!("{what} is empty")));
    }
    Ok(name.into_bytes())
}

pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|r| ApiError::bad_request(r.body_text()))
}

/// Which end of a range a bound is for: a bare `<ms>` means the first id of that ms as a
/// start and the last as an end, as XRANGE reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

/// A range bound: `-` (the first id), `+` (the last), `<ms>` or `<ms>-<seq>`.
pub fn range_bound(what: &str, text: Option<&str>, bound: Bound) -> Result<StreamId, ApiError> {
    let missing_seq = match bound {
        Bound::Start => 0,
        Bound::End => u64::MAX,
    };
    match text {
        None if bound == Bound::Start => Ok(StreamId::ZERO),
        None => Ok(StreamId::MAX),
        Some("-") => Ok(StreamId::ZERO),
        Some("+") => Ok(StreamId::MAX),
        Some(text) => StreamId::parse(text.as_bytes(), missing_seq).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{what} {text:?} is not an entry id (<ms>-<seq>, <ms>, - or +)"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(rename = "n")]
        _n: u64,
    }

    fn parse(text: &str) -> Result<Body, ApiError> {
        json(Ok(Bytes::from(text.to_string())))
    }

    #[test]
    fn syntax_errors_are_invalid_json_and_shape_errors_bad_request() {
        assert!(parse(r#"{"n":1}"#).is_ok());
        for text in ["", "{", "{\"n\":1", "nope", "{\"n\":1}}"] {
            assert_eq!(parse(text).unwrap_err().code, Code::InvalidJson, "{text:?}");
        }
        let error = parse(r#"{"n":-1}"#).unwrap_err();
        assert!(
            error.message.starts_with("n: invalid value"),
            "{}",
            error.message
        );
        for text in [
            r#"{"n":-1}"#,
            r#"{"n":1.5}"#,
            r#"{"n":18446744073709551616}"#,
            r#"{"n":"1"}"#,
            r#"{}"#,
            r#"{"n":1,"m":2}"#,
            "[]",
        ] {
            assert_eq!(parse(text).unwrap_err().code, Code::BadRequest, "{text:?}");
        }
    }

    #[test]
    fn range_bounds_read_as_xrange_reads_them() {
        let start = |t| range_bound("start", t, Bound::Start);
        let end = |t| range_bound("end", t, Bound::End);
        assert_eq!(start(None).unwrap(), StreamId::ZERO);
        assert_eq!(end(None).unwrap(), StreamId::MAX);
        assert_eq!(start(Some("5")).unwrap(), StreamId::new(5, 0));
        assert_eq!(end(Some("5")).unwrap(), StreamId::new(5, u64::MAX));
        assert_eq!(end(Some("5-1")).unwrap(), StreamId::new(5, 1));
        assert_eq!(start(Some("+")).unwrap(), StreamId::MAX);
        assert_eq!(start(Some("x")).unwrap_err().code, Code::BadRequest);
        assert_eq!(start(Some("(5")).unwrap_err().code, Code::BadRequest);
    }
}
