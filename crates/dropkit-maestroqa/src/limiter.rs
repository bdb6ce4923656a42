//! MaestroQA's per-token rate limits, enforced on the client so a batch never draws a 429.

use std::num::NonZeroU32;
use std::time::Duration;

use dropkit_provider::clock::SharedClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// Requests allowed per token: MaestroQA's are 1 per second and 30 per minute
/// ([`RateLimits::MAESTROQA`], the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimits {
    /// Requests per second.
    pub per_second: NonZeroU32,
    /// Requests per minute.
    pub per_minute: NonZeroU32,
}

impl RateLimits {
    /// MaestroQA's documented limits: 1 request per second, 30 per minute.
    pub const MAESTROQA: RateLimits = RateLimits {
        per_second: NonZeroU32::MIN,
        per_minute: NonZeroU32::new(30).expect("30 is not zero"),
    };

    /// Other limits (a token with a different allowance).
    pub const fn new(per_second: NonZeroU32, per_minute: NonZeroU32) -> Self {
        RateLimits {
            per_second,
            per_minute,
        }
    }

    /// The spacing between two requests that keeps both limits in every window.
    ///
    /// A token bucket with a burst would let 30 requests through in the first 30 seconds and
    /// more in the next 30, so a sliding 60-second window would see more than 30; spacing every
    /// request by the larger of `1 s / per_second` and `60 s / per_minute` (2 s for MaestroQA)
    /// keeps at most `per_minute` requests in any 60-second window and at most `per_second` in
    /// any second.
    pub fn interval(&self) -> Duration {
        let by_second = Duration::from_secs(1) / self.per_second.get();
        let by_minute = Duration::from_secs(60) / self.per_minute.get();
        by_second.max(by_minute)
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits::MAESTROQA
    }
}

/// Adapts the injectable clock to governor's.
#[derive(Debug, Clone)]
struct GovernorClock(SharedClock);

impl governor::clock::Clock for GovernorClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.now()
    }
}

/// A GCRA limiter (governor) with no burst, waiting on the injectable clock.
#[derive(Debug)]
pub(crate) struct Limiter {
    limiter: RateLimiter<NotKeyed, InMemoryState, GovernorClock, NoOpMiddleware<Duration>>,
    clock: SharedClock,
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits, clock: SharedClock) -> Self {
        let quota = Quota::with_period(limits.interval())
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN));
        Limiter {
            limiter: RateLimiter::direct_with_clock(quota, GovernorClock(clock.clone())),
            clock,
        }
    }

    /// Waits until one more request is allowed, and counts it.
    pub(crate) async fn until_ready(&self) {
        loop {
            match self.limiter.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    // never spin on a zero wait that rounding could produce
                    let wait = wait.max(Duration::from_millis(1));
                    tracing::trace!(?wait, "maestroqa: waiting for the rate limit");
                    self.clock.sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use dropkit_provider::clock::Clock as _;
    use dropkit_provider::testing::ManualClock;

    use super::*;

    fn count_in_window(times: &[Duration], start: Duration, len: Duration) -> usize {
        times
            .iter()
            .filter(|t| **t >= start && **t < start + len)
            .count()
    }

    #[tokio::test]
    async fn hundred_requests_keep_one_per_second_and_thirty_per_minute() {
        let clock = Arc::new(ManualClock::new());
        let limiter = Limiter::new(RateLimits::MAESTROQA, clock.clone());
        let mut times = Vec::new();
        for _ in 0..100 {
            limiter.until_ready().await;
            times.push(clock.now());
        }
        for start in &times {
            assert!(count_in_window(&times, *start, Duration::from_secs(60)) <= 30);
            assert!(count_in_window(&times, *start, Duration::from_secs(1)) <= 1);
        }
        // no slower than needed: 100 requests spaced 2 s apart
        assert_eq!(times[0], Duration::ZERO);
        assert_eq!(times[99], Duration::from_secs(198));
    }

    #[tokio::test]
    async fn no_wait_when_requests_are_already_spaced() {
        let clock = Arc::new(ManualClock::new());
        let limiter = Limiter::new(RateLimits::MAESTROQA, clock.clone());
        limiter.until_ready().await;
        clock.advance(Duration::from_secs(5));
        limiter.until_ready().await;
        assert!(clock.sleeps().is_empty());
    }

    #[test]
    fn interval_is_the_stricter_limit() {
        assert_eq!(RateLimits::MAESTROQA.interval(), Duration::from_secs(2));
        let fast = RateLimits::new(NonZeroU32::new(10).unwrap(), NonZeroU32::new(6000).unwrap());
        assert_eq!(fast.interval(), Duration::from_millis(100));
    }
}
