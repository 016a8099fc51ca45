//! Integration tests of the store on the real file system: restart, blocking reads, snapshots,
//! compaction, and a real process killed with SIGKILL.

mod common;
mod kill;
mod queue;
mod store;
