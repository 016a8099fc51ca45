//! The conquiet server: a Redis-protocol (RESP2/RESP3) listener over the durable store.
//!
//! - [`server::start`] locks the data directory, recovers the store and serves until
//!   [`server::Running::shutdown`]; [`config::Config`] holds its settings (defaults, TOML file,
//!   `CONQUIET_*` environment, flags).
//! - [`connection`] runs one client: decode frames, parse commands with `conquiet-resp`,
//!   submit them to the store, encode replies. No rules of its own: the engine decides.

mod commands;
pub mod config;
mod connection;
mod info;
pub mod limits;
pub mod lockfile;
pub mod server;

pub use config::{Config, LogFormat, ServeArgs};
pub use server::{Running, ServerError, Stopper, start};
