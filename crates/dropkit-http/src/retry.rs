//! Which failures are retried, how long to wait between attempts, and the one deadline that
//! bounds them all.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder as _, ExponentialBuilder};
use http::HeaderMap;
use http::header::RETRY_AFTER;

use crate::clock::Clock;

/// What a client makes of one failed attempt; the policy decides how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Not worth retrying (400, 401, 403, 404, 409, a body that cannot be read...): the error
    /// is returned at once.
    Fail,
    /// A transient failure (5xx, timeout, connection failed or cut): retried after the next
    /// backoff delay, or after the server's `Retry-After` when it sent one.
    Transient {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Throttled (429): retried after the server's `Retry-After`, or after
    /// [`RetryPolicy::default_retry_after`] when it sent none.
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
}

/// How failed requests are retried: until one total deadline per request.
///
/// - 429 waits for `Retry-After`, or [`default_retry_after`](Self::default_retry_after)
///   (DROP's "wait 30 seconds and retry") when there is none.
/// - 5xx, timeouts and connection failures back off exponentially with jitter, from
///   [`min_delay`](Self::min_delay) doubling up to [`max_delay`](Self::max_delay); a
///   `Retry-After` on them is honoured instead.
/// - Everything else ([`Verdict::Fail`]) is returned at once.
///
/// Every retry of one request happens within [`max_wait`](Self::max_wait) of its first
/// attempt, measured on the client's [`Clock`] (attempts count, not only waits). A backoff
/// delay that would pass the deadline is shortened so the last attempt lands on it; a wait the
/// server asked for (`Retry-After`) that would pass it is not shortened: the retries end with
/// the last error, as waiting less than asked would only be refused again. No wait is ever
/// shorter than [`min_delay`](Self::min_delay), so a `Retry-After: 0` cannot spin.
///
/// The default deadline is six hours: an unattended run (cron) outlasts a long outage
/// rather than give up a round after a few minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The one total deadline of a request, from its first attempt (zero disables retrying).
    pub max_wait: Duration,
    /// First backoff delay, and the shortest wait of any retry.
    pub min_delay: Duration,
    /// Largest backoff delay (before jitter).
    pub max_delay: Duration,
    /// Whether backoff delays get random jitter (recommended: many clients retry at once).
    pub jitter: bool,
    /// Wait after a 429 without `Retry-After`.
    pub default_retry_after: Duration,
    /// An optional cap on the number of retries after the first attempt, on top of the
    /// deadline (`None`, the default: the deadline alone bounds the retries).
    pub max_retries: Option<usize>,
}

impl RetryPolicy {
    /// The default total deadline of a request: six hours.
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(6 * 60 * 60);

    /// No retries at all: every error is returned at once.
    pub fn none() -> Self {
        RetryPolicy {
            max_wait: Duration::ZERO,
            max_retries: Some(0),
            ..Self::default()
        }
    }

    /// Sets the total deadline of a request.
    #[must_use]
    pub fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Caps the number of retries after the first attempt (the deadline still applies).
    #[must_use]
    pub fn with_max_retries(mut self, max_retries: usize) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the first and the largest backoff delay.
    #[must_use]
    pub fn with_delays(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay.max(min_delay);
        self
    }

    /// Turns backoff jitter on or off.
    #[must_use]
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the wait after a 429 that has no `Retry-After`.
    #[must_use]
    pub fn with_default_retry_after(mut self, wait: Duration) -> Self {
        self.default_retry_after = wait;
        self
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay.max(self.min_delay))
            .without_max_times();
        let builder = if self.jitter {
            builder.with_jitter()
        } else {
            builder
        };
        builder.build()
    }

    /// Runs `attempt` until it succeeds, `classify` says its error is not worth retrying, or
    /// the deadline (or the retry cap) is reached; returns the last result.
    ///
    /// `classify` sees every error (a client can note there, say, that a failed upload may
    /// still have reached the server); `on_retry` is told each error that will be retried and
    /// the wait before the next attempt (for logging).
    pub async fn run<T, E, F, Fut>(
        &self,
        clock: &dyn Clock,
        mut attempt: F,
        mut classify: impl FnMut(&E) -> Verdict,
        mut on_retry: impl FnMut(&E, Duration),
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let deadline = clock.now().saturating_add(self.max_wait);
        let mut backoff = self.backoff();
        let mut retries = 0usize;
        loop {
            let err = match attempt().await {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let verdict = classify(&err);
            if self.max_retries.is_some_and(|cap| retries >= cap) {
                return Err(err);
            }
            let remaining = deadline.saturating_sub(clock.now());
            let Some(wait) = self.next_wait(verdict, remaining, &mut backoff) else {
                return Err(err);
            };
            on_retry(&err, wait);
            clock.sleep(wait).await;
            retries += 1;
        }
    }

    /// The wait before the next attempt, or `None` to give up with the last error.
    fn next_wait(
        &self,
        verdict: Verdict,
        remaining: Duration,
        backoff: &mut impl Iterator<Item = Duration>,
    ) -> Option<Duration> {
        if remaining.is_zero() {
            return None;
        }
        let (wait, asked_by_server) = match verdict {
            Verdict::Fail => return None,
            Verdict::Transient {
                retry_after: Some(wait),
            }
            | Verdict::RateLimited {
                retry_after: Some(wait),
            } => (wait, true),
            Verdict::RateLimited { retry_after: None } => (self.default_retry_after, true),
            Verdict::Transient { retry_after: None } => {
                (backoff.next().unwrap_or(self.max_delay), false)
            }
        };
        let wait = wait.max(self.min_delay);
        if wait <= remaining {
            Some(wait)
        } else if asked_by_server {
            None
        } else {
            Some(remaining)
        }
    }
}

impl Default for RetryPolicy {
    /// Six hours per request, backoff from 1 s doubling to 60 s with jitter, 30 s after a
    /// 429 without `Retry-After`, no cap on the number of retries.
    fn default() -> Self {
        RetryPolicy {
            max_wait: Self::DEFAULT_MAX_WAIT,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter: true,
            default_retry_after: Duration::from_secs(30),
            max_retries: None,
        }
    }
}

/// `Retry-After` as whole seconds (the form DROP and the providers send). An HTTP date, or
/// anything else, counts as absent: the policy's own wait applies.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, http::HeaderValue::from_static(" 7 "));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            http::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn server_waits_are_not_shortened_backoff_is() {
        let p = RetryPolicy::default().with_jitter(false);
        let mut b = p.backoff();
        let rl = |s| Verdict::RateLimited {
            retry_after: Some(Duration::from_secs(s)),
        };
        let secs = Duration::from_secs;
        assert_eq!(p.next_wait(rl(7), secs(10), &mut b), Some(secs(7)));
        assert_eq!(p.next_wait(rl(11), secs(10), &mut b), None);
        assert_eq!(
            p.next_wait(
                Verdict::RateLimited { retry_after: None },
                secs(100),
                &mut b
            ),
            Some(secs(30))
        );
        let transient = Verdict::Transient { retry_after: None };
        assert_eq!(p.next_wait(transient, secs(100), &mut b), Some(secs(1)));
        assert_eq!(p.next_wait(transient, secs(100), &mut b), Some(secs(2)));
        assert_eq!(p.next_wait(transient, secs(3), &mut b), Some(secs(3)));
        assert_eq!(p.next_wait(transient, Duration::ZERO, &mut b), None);
        assert_eq!(p.next_wait(Verdict::Fail, secs(100), &mut b), None);
        assert_eq!(p.next_wait(rl(0), secs(100), &mut b), Some(secs(1)));
    }

    #[test]
    fn backoff_is_capped_at_max_delay() {
        let p = RetryPolicy::default().with_jitter(false);
        let delays: Vec<_> = p.backoff().take(9).map(|d| d.as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
