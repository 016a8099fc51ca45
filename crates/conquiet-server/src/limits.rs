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
