//! The time source every provider client waits on: the one [`Clock`] of `dropkit-http`, shared
//! with the DROP client, re-exported here so provider crates need no second import.
//!
//! Real `reqwest` calls against a `wiremock` server do not work under tokio's paused time, so
//! the clients take a [`Clock`] instead: [`SystemClock`] in production,
//! [`TestClock`](dropkit_http::TestClock) (also named
//! [`ManualClock`](crate::testing::ManualClock)) in tests.

pub use dropkit_http::{Clock, SharedClock, SystemClock};
