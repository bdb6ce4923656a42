//! The time source every client reads and waits on, so tests can swap in a [`TestClock`] and
//! never wait real seconds.
//!
//! Real `reqwest` calls against a `wiremock` server do not work under tokio's paused time, so
//! the clients take a [`Clock`] instead: [`SystemClock`] in production, [`TestClock`] in tests.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// A monotonic time source that can also wait.
///
/// [`now`](Self::now) plays the part of [`Instant::now`]: its values are only compared with
/// each other (the time elapsed since an origin fixed in the clock's past).
pub trait Clock: fmt::Debug + Send + Sync + 'static {
    /// Time elapsed since this clock's origin; never goes backwards.
    fn now(&self) -> Duration;

    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// A clock shared between a client, its rate limiter and its retries.
pub type SharedClock = Arc<dyn Clock>;

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        (**self).sleep(duration)
    }
}

/// The real clock: [`Instant`] and `tokio::time::sleep` (needs a tokio runtime with the time
/// driver).
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

/// A clock for tests: it starts at zero and only moves when something sleeps on it or the test
/// [advances](Self::advance) it. A sleep returns at once, after moving the clock forward, and
/// is recorded.
///
/// Clones share the same time and record: keep one and give a clone to the client.
#[derive(Debug, Clone, Default)]
pub struct TestClock {
    state: Arc<Mutex<TestState>>,
}

#[derive(Debug, Default)]
struct TestState {
    now: Duration,
    sleeps: Vec<Duration>,
}

impl TestClock {
    /// A clock at zero that has never slept.
    pub fn new() -> Self {
        TestClock::default()
    }

    /// Moves the clock forward without recording a sleep (time passing elsewhere, such as a
    /// slow request).
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.now = state.now.saturating_add(by);
    }

    /// Every sleep so far, in order (zero-length ones included).
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// The sum of every sleep so far.
    pub fn slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TestState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for TestClock {
    fn now(&self) -> Duration {
        self.lock().now
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let mut state = self.lock();
        state.now = state.now.saturating_add(duration);
        state.sleeps.push(duration);
        Box::pin(std::future::ready(()))
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

    #[tokio::test]
    async fn test_clock_records_sleeps_and_clones_share_them() {
        let clock = TestClock::new();
        let shared: SharedClock = Arc::new(clock.clone());
        shared.sleep(Duration::from_secs(2)).await;
        clock.advance(Duration::from_secs(5));
        shared.sleep(Duration::from_secs(3)).await;
        assert_eq!(clock.now(), Duration::from_secs(10));
        assert_eq!(
            clock.sleeps(),
            vec![Duration::from_secs(2), Duration::from_secs(3)]
        );
        assert_eq!(clock.slept(), Duration::from_secs(5));
    }
}
