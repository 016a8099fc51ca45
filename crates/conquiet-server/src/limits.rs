//! Per-client and all-client limits of the server. The protocol decoder's own limits (bulk
//! length, argument count, inline length) live in `conquiet-resp`.

use std::time::Duration;

/// Redis's default `maxclients`.
pub const CLIENTS_MAX_DEFAULT: usize = 10_000;
/// A client that does not read its replies is cut off past this, instead of growing memory.
pub const OUTPUT_BYTES_MAX_DEFAULT: usize = 64 << 20;
/// Unprocessed input one client may hold: a few maximum-size requests.
pub const INPUT_BYTES_MAX_DEFAULT: usize = 64 << 20;
/// One budget for the buffers of every client together.
pub const ALL_CLIENTS_BYTES_MAX_DEFAULT: usize = 1 << 30;
/// Commands queued in one MULTI before it is refused.
pub const MULTI_COMMANDS_MAX: usize = 100_000;
/// Engine commands one connection may have in the store at once, waiting for their replies:
/// pipelined requests past this wait for the oldest replies, bounding what a connection holds
/// in replies not yet encoded.
pub const PIPELINE_DEPTH_MAX: usize = 1024;
/// Keys one client may WATCH.
pub const WATCH_KEYS_MAX: usize = 10_000;

/// Limits the server enforces on clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientLimits {
    pub clients_max: usize,
    pub output_bytes_max: usize,
    pub input_bytes_max: usize,
    pub all_clients_bytes_max: usize,
    /// Close a client idle this long; `None` never.
    pub idle_timeout: Option<Duration>,
}

impl Default for ClientLimits {
    fn default() -> ClientLimits {
        ClientLimits {
            clients_max: CLIENTS_MAX_DEFAULT,
            output_bytes_max: OUTPUT_BYTES_MAX_DEFAULT,
            input_bytes_max: INPUT_BYTES_MAX_DEFAULT,
            all_clients_bytes_max: ALL_CLIENTS_BYTES_MAX_DEFAULT,
            idle_timeout: None,
        }
    }
}

impl ClientLimits {
    /// Refuses settings that could not work: no clients, or buffers smaller than one request.
    pub fn check(&self) -> Result<(), String> {
        if self.clients_max == 0 {
            return Err("maxclients is 0, minimum is 1".into());
        }
        let request_min = 1 << 20;
        if self.input_bytes_max < request_min {
            return Err(format!(
                "client input bytes max is {}, minimum is {request_min}",
                self.input_bytes_max
            ));
        }
        if self.all_clients_bytes_max < self.input_bytes_max {
            return Err(format!(
                "all-clients bytes max is {}, it must be at least the per-client input max {}",
                self.all_clients_bytes_max, self.input_bytes_max
            ));
        }
        Ok(())
    }
}

/// Largest HTTP request body. A batch publish of a few maximum-size entries fits; anything
/// larger is refused (413) before it is buffered.
pub const HTTP_BODY_BYTES_MAX: usize = 16 << 20;
/// Longest long-poll of `POST /v1/queues/{name}/receive`: below common proxy and load-balancer
/// idle timeouts (30 s and more), so a waiting receive is not cut by the network.
pub const HTTP_WAIT_MS_MAX: u64 = 20_000;
/// Most messages in one batch publish: each is its own command, so a batch costs as many
/// writer slots as it has messages.
pub const HTTP_PUBLISH_BATCH_MAX: usize = 1_000;
/// Most dead letters one `GET /v1/dlq/{name}/messages` returns, and its default.
pub const HTTP_PAGE_COUNT_MAX: u64 = 1_000;
pub const HTTP_PAGE_COUNT_DEFAULT: u64 = 100;
/// Most HTTP connections open at once; more are answered 503 and closed.
pub const HTTP_CONNECTIONS_MAX: usize = 10_000;
/// How long a client may take to send a request's headers, so a silent connection does not
/// hold a slot for ever.
pub const HTTP_HEADER_READ_MS: u64 = 30_000;
/// Queues whose refused-as-full publishes are counted one by one for /metrics; refusals for
/// queues past it are counted together, so a client inventing names cannot grow the map.
pub const REJECTED_FULL_QUEUES_MAX: usize = 10_000;
const _: () = assert!(HTTP_PAGE_COUNT_DEFAULT <= HTTP_PAGE_COUNT_MAX);
