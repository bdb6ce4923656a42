//! Which failures are retried, how long to wait between attempts, and who does the waiting.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};
use futures::future::BoxFuture;

use crate::error::{Endpoint, Error};

/// Waits for a duration. The client does all its waiting (backoff, `Retry-After`, polling a
/// package being prepared) through one, so tests can swap in a [`RecordingSleeper`] and never
/// wait real seconds.
pub trait Sleeper: fmt::Debug + Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real sleeper: `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A sleeper for tests: returns at once and records every duration it was asked to wait.
///
/// Clones share the record, so keep one and give a clone to the builder.
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper {
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// A sleeper that has not slept yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every duration asked for so far, in order.
    pub fn slept(&self) -> Vec<Duration> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// How failed requests are retried.
///
/// DROP's table: 429 waits for `Retry-After` ([`default_retry_after`](Self::default_retry_after),
/// 30 s, when absent); 500, 503 (any 5xx), timeouts and connection failures back off
/// exponentially with jitter, from [`min_delay`](Self::min_delay) doubling up to
/// [`max_delay`](Self::max_delay); 400, 401, 403, 404 and 409 are never retried. At most
/// [`max_retries`](Self::max_retries) retries follow the first attempt, whatever the cause,
/// and their waits add up to at most [`max_total_wait`](Self::max_total_wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: usize,
    /// First backoff delay.
    pub min_delay: Duration,
    /// Largest backoff delay.
    pub max_delay: Duration,
    /// Whether backoff delays get random jitter (recommended: many brokers retry at once).
    pub jitter: bool,
    /// Wait after a 429 without `Retry-After` (DROP: "Wait 30 seconds and retry").
    pub default_retry_after: Duration,
    /// Longest `Retry-After` honoured. A 429 asking for longer is returned as
    /// [`Error::RateLimited`] instead of blocking the caller that long.
    pub max_retry_after: Duration,
    /// Bound on the sum of all waits between attempts of one call: the policy gives up
    /// rather than start a wait that would pass it.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            jitter: true,
            default_retry_after: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(600),
            max_total_wait: Duration::from_secs(900),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: every error is returned at once.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the number of retries after the first attempt.
    pub fn with_max_retries(mut self, max_retries: usize) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first and the largest backoff delay.
    pub fn with_delays(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay.max(min_delay);
        self
    }

    /// Turns backoff jitter on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the wait after a 429 that has no `Retry-After`.
    pub fn with_default_retry_after(mut self, wait: Duration) -> Self {
        self.default_retry_after = wait;
        self
    }

    /// Sets the longest `Retry-After` the client will wait for.
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Sets the bound on the sum of all waits of one call.
    pub fn with_max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    fn backoff(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries);
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }

    /// The wait before the next attempt, or `None` to give up. `backoff` is the exponential
    /// delay backon proposes (`None` once the retries are used up).
    fn next_wait(&self, err: &Error, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        match err {
            Error::RateLimited { retry_after, .. } => {
                let wait = retry_after.unwrap_or(self.default_retry_after);
                (wait <= self.max_retry_after).then_some(wait)
            }
            _ => Some(backoff),
        }
    }

    /// Runs `attempt` until it succeeds, fails with an error that is not retryable, or the
    /// policy gives up. Returns the result and whether an earlier attempt failed in a way
    /// that may have left the request received by DROP (see [`Error::is_retryable`]).
    pub(crate) async fn run<T, F, Fut>(
        &self,
        sleeper: &Arc<dyn Sleeper>,
        endpoint: Endpoint,
        attempt: F,
    ) -> (Result<T, Error>, bool)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let sleeper = Arc::clone(sleeper);
        let mut maybe_received = false;
        let mut total_wait = Duration::ZERO;
        let result = attempt
            .retry(self.backoff())
            .sleep(move |d| sleeper.sleep(d))
            .when(Error::is_retryable)
            .adjust(|err, backoff| {
                let wait = self.next_wait(err, backoff)?;
                total_wait += wait;
                (total_wait <= self.max_total_wait).then_some(wait)
            })
            .notify(|err, wait| {
                maybe_received |= err.may_have_been_received();
                tracing::warn!(
                    endpoint = %endpoint,
                    error = %err,
                    wait_ms = wait.as_millis() as u64,
                    "DROP request failed, retrying"
                );
            })
            .await;
        (result, maybe_received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate_limited(retry_after: Option<u64>) -> Error {
        Error::RateLimited {
            endpoint: Endpoint::Download,
            retry_after: retry_after.map(Duration::from_secs),
            message: String::new(),
        }
    }

    #[test]
    fn rate_limit_waits_retry_after_or_thirty_seconds() {
        let p = RetryPolicy::default();
        let b = Some(Duration::from_millis(5));
        assert_eq!(
            p.next_wait(&rate_limited(Some(7)), b),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            p.next_wait(&rate_limited(None), b),
            Some(Duration::from_secs(30))
        );
        assert_eq!(p.next_wait(&rate_limited(Some(7)), None), None);
        assert_eq!(p.next_wait(&rate_limited(Some(3600)), b), None);
    }

    #[tokio::test]
    async fn total_wait_is_bounded() {
        let policy = RetryPolicy::default()
            .with_max_retries(10)
            .with_max_total_wait(Duration::from_secs(70));
        let sleeper = RecordingSleeper::new();
        let shared: Arc<dyn Sleeper> = Arc::new(sleeper.clone());
        let mut attempts = 0;
        let (result, maybe_received) = policy
            .run(&shared, Endpoint::Download, || {
                attempts += 1;
                std::future::ready(Err::<(), _>(rate_limited(Some(30))))
            })
            .await;
        assert!(matches!(result, Err(Error::RateLimited { .. })));
        assert!(!maybe_received, "a 429 was refused, not received");
        assert_eq!(attempts, 3);
        assert_eq!(sleeper.slept(), vec![Duration::from_secs(30); 2]);
    }

    #[test]
    fn recording_sleeper_records_and_shares() {
        let s = RecordingSleeper::new();
        let clone = s.clone();
        drop(clone.sleep(Duration::from_secs(2)));
        assert_eq!(s.slept(), vec![Duration::from_secs(2)]);
    }
}
