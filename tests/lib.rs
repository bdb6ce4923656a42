//! End-to-end tests of dropkit live in this package's test targets (`cycle.rs`).
