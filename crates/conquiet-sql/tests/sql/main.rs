//! The SQL module against the machine's PostgreSQL (5432, database `test`) and MariaDB (3306,
//! database `test`), and a conquiet server started in-process. Every test that needs the
//! databases is ignored in a plain `cargo test`; `.ci/run` runs them.

mod exactly_once;
mod lost_update;
mod outbox;
mod session;
mod support;
