//! HTTP errors: every failure leaves as `{"error":{"code":"<code>","message":"..."}}` with a
//! status that goes with the code. The codes are stable (clients match on them); the messages
//! are for people. [`ApiError::from_db`] is the one place a store error becomes an HTTP error.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use conquiet_core::CommandError;
use conquiet_db::DbError;
use serde::Serialize;

/// The stable error codes of the HTTP API (listed in docs/http-api.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    BadRequest,
    InvalidJson,
    BodyTooLarge,
    NotFound,
    MethodNotAllowed,
    Exists,
    QueueFull,
    /// A lock release or renewal whose owner and token are not the lock's latest grant.
    Stale,
    /// An acquire by the owner already holding the lock.
    Held,
    /// A room speak or pass by a participant whose turn it is not.
    NotYourTurn,
    /// A room start, speak, pass or end that the room's state (created, started, ended)
    /// does not allow.
    RoomState,
    /// A conversation post whose EXPECT is not the latest message (someone posted since).
    Conflict,
    Unauthorized,
    /// A request that got no reply within its timeout.
    Timeout,
    Limit,
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "bad_request",
            Code::InvalidJson => "invalid_json",
            Code::BodyTooLarge => "body_too_large",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Exists => "exists",
            Code::QueueFull => "queue_full",
            Code::Stale => "stale",
            Code::Held => "held",
            Code::NotYourTurn => "not_your_turn",
            Code::RoomState => "room_state",
            Code::Conflict => "conflict",
            Code::Unauthorized => "unauthorized",
            Code::Timeout => "timeout",
            Code::Limit => "limit",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRequest | Code::InvalidJson | Code::Limit => StatusCode::BAD_REQUEST,
            Code::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::Exists
            | Code::Stale
            | Code::Held
            | Code::NotYourTurn
            | Code::RoomState
            | Code::Conflict => StatusCode::CONFLICT,
            Code::QueueFull => StatusCode::TOO_MANY_REQUESTS,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failed request: a client error (4xx: fix the request), or an operating error (5xx: the
/// store cannot take writes now; back off). Nothing was changed in either case, except that
/// a 5xx after a write was sent cannot promise the write did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
}

/// The body of an error, also used for the per-item errors of a batch.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'static str,
    pub message: &'a str,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorBody<'a>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::BadRequest, message)
    }

    pub fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            code: self.code.as_str(),
            message: &self.message,
        }
    }

    /// The one mapping from a store error to an HTTP error (tested below, variant by
    /// variant). The match is exhaustive on purpose: a new engine error must be given a code.
    pub fn from_db(error: &DbError) -> ApiError {
        let code = match error {
            DbError::Command(command) => command_code(command),
            DbError::Poisoned(_) | DbError::Closed | DbError::TooManyWaiters(_) => {
                Code::Unavailable
            }
            DbError::Write(_) | DbError::Start(_) | DbError::Recovery(_) => Code::Internal,
        };
        ApiError::new(code, without_resp_code(&error.to_string()))
    }
}

fn command_code(error: &CommandError) -> Code {
    match error {
        CommandError::NoSuchKey
        | CommandError::GroupNeedsKey
        | CommandError::NoConsumerGroup { .. }
        | CommandError::NoGroupForKey { .. }
        | CommandError::NoGroupRead { .. } => Code::NotFound,
        CommandError::NoRoom { .. }
        | CommandError::NoRecipient { .. }
        | CommandError::NoConv { .. } => Code::NotFound,
        CommandError::ConvExists { .. } => Code::Exists,
        CommandError::ConvConflict { .. } => Code::Conflict,
        CommandError::BusyGroup | CommandError::RoomExists { .. } => Code::Exists,
        CommandError::NotYourTurn { .. } => Code::NotYourTurn,
        CommandError::RoomState { .. } => Code::RoomState,
        CommandError::QueueFull { .. } => Code::QueueFull,
        CommandError::LockStale { .. } => Code::Stale,
        CommandError::LockHeld { .. } => Code::Held,
        CommandError::RequestTimeout { .. } => Code::Timeout,
        CommandError::Limit { .. } => Code::Limit,
        CommandError::IdTooSmall
        | CommandError::IdZero
        | CommandError::IdExhausted
        | CommandError::SeqExhausted
        | CommandError::SetIdTooSmall
        | CommandError::SetIdEntriesAdded
        | CommandError::SetIdMaxDeleted
        | CommandError::WrongType
        | CommandError::InvalidId
        | CommandError::EntriesReadRange
        | CommandError::CountNotPositive
        | CommandError::InvalidPolicy(_)
        | CommandError::InvalidArgument(_)
        | CommandError::NotParticipant { .. }
        | CommandError::ConvNotParticipant { .. } => Code::BadRequest,
        // The HTTP API runs no transactions: reaching this is a bug of the adapter.
        CommandError::NotInTransaction
        | CommandError::LockInTransaction
        | CommandError::RoomInTransaction
        | CommandError::ConvInTransaction
        | CommandError::RequestInTransaction => Code::Internal,
    }
}

/// Store error texts start with their RESP code (`ERR`, `NOGROUP`, `FULL`, ...); over HTTP
/// the stable code travels in its own field, so the message drops it.
fn without_resp_code(text: &str) -> String {
    match text.split_once(' ') {
        Some((first, rest))
            if first.len() >= 2 && first.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            rest.to_string()
        }
        _ => text.to_string(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Envelope { error: self.body() })
            .expect("an error envelope of strings always serializes");
        let mut response = (
            self.code.status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        match self.code {
            // The queue may drain within a second; a producer that waits that long before
            // retrying does not add load while it is full.
            Code::QueueFull => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Code::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(error: DbError) -> (StatusCode, &'static str) {
        let api = ApiError::from_db(&error);
        (api.code.status(), api.code.as_str())
    }

    #[test]
    fn every_store_error_maps_to_a_status_and_a_stable_code() {
        use CommandError as C;
        let group = || ("k".to_string(), "g".to_string());
        let cases: Vec<(DbError, u16, &str)> = vec![
            (C::NoSuchKey.into(), 404, "not_found"),
            (C::GroupNeedsKey.into(), 404, "not_found"),
            (
                C::NoConsumerGroup {
                    key: group().0,
                    group: group().1,
                }
                .into(),
                404,
                "not_found",
            ),
            (
                C::NoGroupForKey {
                    key: group().0,
                    group: group().1,
                }
                .into(),
                404,
                "not_found",
            ),
            (
                C::NoGroupRead {
                    key: group().0,
                    group: group().1,
                }
                .into(),
                404,
                "not_found",
            ),
            (C::BusyGroup.into(), 409, "exists"),
            (
                C::QueueFull {
                    key: "q".into(),
                    what: "entries",
                    value: 2,
                    limit: 1,
                }
                .into(),
                429,
                "queue_full",
            ),
            (
                C::Limit {
                    what: "count",
                    value: 2,
                    limit: 1,
                }
                .into(),
                400,
                "limit",
            ),
            (C::IdTooSmall.into(), 400, "bad_request"),
            (C::IdZero.into(), 400, "bad_request"),
            (C::IdExhausted.into(), 400, "bad_request"),
            (C::SeqExhausted.into(), 400, "bad_request"),
            (C::SetIdTooSmall.into(), 400, "bad_request"),
            (C::SetIdEntriesAdded.into(), 400, "bad_request"),
            (C::SetIdMaxDeleted.into(), 400, "bad_request"),
            (C::WrongType.into(), 400, "bad_request"),
            (C::InvalidId.into(), 400, "bad_request"),
            (C::EntriesReadRange.into(), 400, "bad_request"),
            (C::CountNotPositive.into(), 400, "bad_request"),
            (C::InvalidPolicy("x".into()).into(), 400, "bad_request"),
            (C::InvalidArgument("x".into()).into(), 400, "bad_request"),
            (C::NotInTransaction.into(), 500, "internal"),
            (C::LockInTransaction.into(), 500, "internal"),
            (
                C::LockStale {
                    name: "l".into(),
                    token: 4,
                    why: "is not current, current is 5".into(),
                }
                .into(),
                409,
                "stale",
            ),
            (
                C::LockHeld {
                    name: "l".into(),
                    token: 4,
                }
                .into(),
                409,
                "held",
            ),
            (DbError::Poisoned("sync failed".into()), 503, "unavailable"),
            (DbError::Closed, 503, "unavailable"),
            (DbError::TooManyWaiters(5), 503, "unavailable"),
            (
                DbError::Write(conquiet_wal::WalError::Poisoned),
                500,
                "internal",
            ),
            (DbError::Start("x".into()), 500, "internal"),
            (DbError::Recovery("x".into()), 500, "internal"),
        ];
        for (error, status, code) in cases {
            let shown = error.to_string();
            assert_eq!(
                code_of(error),
                (StatusCode::from_u16(status).unwrap(), code),
                "{shown}"
            );
        }
    }

    #[test]
    fn messages_drop_the_resp_code_but_keep_the_words() {
        let api = ApiError::from_db(&CommandError::NoSuchKey.into());
        assert_eq!(api.message, "no such key");
        let api = ApiError::from_db(&CommandError::BusyGroup.into());
        assert_eq!(api.message, "Consumer Group name already exists");
        assert_eq!(
            without_resp_code("recovery failed: x"),
            "recovery failed: x"
        );
        assert_eq!(without_resp_code("A b"), "A b");
    }

    #[test]
    fn a_full_queue_says_when_to_retry_and_an_unauthorized_client_how_to_authenticate() {
        let full = ApiError::new(Code::QueueFull, "full").into_response();
        assert_eq!(full.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(full.headers()[header::RETRY_AFTER], "1");
        let unauthorized = ApiError::new(Code::Unauthorized, "no").into_response();
        assert_eq!(unauthorized.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
