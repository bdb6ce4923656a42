//! The time source every provider client waits on, so tests can swap in a manual clock and
//! never wait real seconds.
//!
//! Real `reqwest` calls against a `wiremock` server do not work under tokio's paused time, so the
//! clients take a [`Clock`] instead: [`SystemClock`] in production,
//! [`ManualClock`](crate::testing::ManualClock) in tests.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// A monotonic time source that can also wait.
pub trait Clock: fmt::Debug + Send + Sync + 'static {
    /// Time elapsed since this clock's origin (a fixed point in its past).
    fn now(&self) -> Duration;

    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// A clock shared between a client, its rate limiter and its retries.
pub type SharedClock = Arc<dyn Clock>;

/// The real clock: [`std::time::Instant`] and `tokio::time::sleep` (needs a tokio runtime with
/// the time driver).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }

    /// A new system clock, shared.
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock::new())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn system_clock_moves_forward() {
        let clock = SystemClock::new();
        let before = clock.now();
        clock.sleep(Duration::from_millis(1)).await;
        assert!(clock.now() >= before + Duration::from_millis(1));
    }
}
