//! The SDK against a real conquiet server started in-process on a free port (its own
//! runtime and data directory), and against a counting connector for the pool's invariants.

mod coord;
mod pool;
mod support;
mod surface;
mod worker;
