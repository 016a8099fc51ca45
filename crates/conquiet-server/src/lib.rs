//! The conquiet server: a Redis-protocol (RESP2/RESP3) listener and an HTTP/JSON API over the
//! durable store.
//!
//! - [`server::start`] locks the data directory, recovers the store and serves until
//!   [`server::Running::shutdown`]; [`config::Config`] holds its settings (defaults, TOML file,
//!   `CONQUIET_*` environment, flags).
//! - [`connection`] runs one client: decode frames, parse commands with `conquiet-resp`,
//!   submit them to the store, encode replies. No rules of its own: the engine decides.
//! - [`http`] is the same for HTTP/JSON: the work-queue API under `/v1`, `/openapi.json` and
//!   Prometheus `/metrics`; `counters` holds the figures both adapters feed to `/metrics`.

mod commands;
pub mod config;
mod connection;
mod counters;
pub mod http;
mod info;
pub mod limits;
pub mod lockfile;
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{Config, LogFormat, ServeArgs};
pub use server::{Running, ServerError, Stopper, start, start_with_storage};
