//! Waiting for a job with backoff: the delays between polls of a provider's deletion job.
//!
//! Retrying a failed request is not done here: [`Connection::send`](crate::Connection::send)
//! follows `dropkit-http`'s [`RetryPolicy`](crate::RetryPolicy), one total deadline per request.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder as _, ExponentialBuilder};

use crate::clock::Clock;

/// Exponentially growing delays: `first`, then multiplied by `factor` up to `max`.
///
/// No jitter, so the delays are reproducible; providers spread their own requests with a rate
/// limiter instead.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// The first delay.
    pub first: Duration,
    /// The largest delay.
    pub max: Duration,
    /// Growth from one delay to the next (at least 1).
    pub factor: f32,
    /// How many delays the sequence has; `None` for no end (polling ends at its deadline;
    /// [`wait_until`] repeats the last delay once they run out).
    pub max_times: Option<usize>,
}

impl Backoff {
    /// Delays from `first`, doubling, up to `max`, without end.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            factor: 2.0,
            max_times: None,
        }
    }

    /// The same delays with another growth factor (values below 1 are taken as 1).
    #[must_use]
    pub const fn with_factor(mut self, factor: f32) -> Self {
        self.factor = if factor < 1.0 { 1.0 } else { factor };
        self
    }

    /// The same delays, at most `times` of them.
    #[must_use]
    pub const fn with_max_times(mut self, times: usize) -> Self {
        self.max_times = Some(times);
        self
    }

    /// The sequence of delays (usable as a `backon` backoff).
    pub fn delays(&self) -> impl Iterator<Item = Duration> + Send + Sync + Unpin + 'static {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.first)
            .with_max_delay(self.max.max(self.first))
            .with_factor(self.factor);
        let builder = match self.max_times {
            Some(times) => builder.with_max_times(times),
            None => builder.without_max_times(),
        };
        builder.build()
    }
}

/// Why [`wait_until`] returned without a final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitError<T, E> {
    /// A probe failed; waiting stops at the first failure.
    Probe(E),
    /// The deadline passed while the answer was still not final.
    DeadlinePassed {
        /// The last answer.
        last: T,
        /// How long the wait lasted, on the clock given.
        waited: Duration,
    },
}

impl<T, E> WaitError<T, E> {
    /// The probe's error as it is, or the passed deadline made into one by
    /// `deadline_passed(last, waited)`: how a client turns a wait into its own error.
    pub fn into_error(self, deadline_passed: impl FnOnce(T, Duration) -> E) -> E {
        match self {
            WaitError::Probe(err) => err,
            WaitError::DeadlinePassed { last, waited } => deadline_passed(last, waited),
        }
    }
}

/// Calls `probe` until `is_final` accepts its answer, sleeping on `clock` between calls by
/// `backoff`'s delays, for at most `within`.
///
/// The last probe happens at the deadline itself (a delay that would overshoot it is shortened),
/// so a job that finishes just in time is still seen. When the backoff's delays run out before
/// the deadline, its last delay is repeated.
pub async fn wait_until<T, E, F, Fut>(
    clock: &dyn Clock,
    backoff: &Backoff,
    within: Duration,
    mut probe: F,
    is_final: impl Fn(&T) -> bool,
) -> Result<T, WaitError<T, E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = clock.now();
    let deadline = start.saturating_add(within);
    let mut delays = backoff.delays();
    let mut last_delay = backoff.first;
    loop {
        let answer = probe().await.map_err(WaitError::Probe)?;
        if is_final(&answer) {
            return Ok(answer);
        }
        let now = clock.now();
        if now >= deadline {
            return Err(WaitError::DeadlinePassed {
                last: answer,
                waited: now.saturating_sub(start),
            });
        }
        if let Some(delay) = delays.next() {
            last_delay = delay;
        }
        clock.sleep(last_delay.min(deadline - now)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ManualClock;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn delays_double_up_to_max() {
        let delays: Vec<_> = Backoff::new(secs(1), secs(5))
            .with_max_times(5)
            .delays()
            .collect();
        assert_eq!(delays, [secs(1), secs(2), secs(4), secs(5), secs(5)]);
    }

    #[tokio::test]
    async fn polls_with_backoff_until_final() {
        let clock = ManualClock::new();
        let mut answers = vec!["done", "pending", "pending", "pending"];
        let result: Result<_, WaitError<_, ()>> = wait_until(
            &clock,
            &Backoff::new(secs(1), secs(60)),
            secs(600),
            || std::future::ready(Ok(answers.pop().unwrap_or("done"))),
            |a| *a == "done",
        )
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(clock.sleeps(), [secs(1), secs(2), secs(4)]);
        assert_eq!(clock.now(), secs(7));
    }

    #[tokio::test]
    async fn deadline_passes_with_last_answer_after_probing_at_deadline() {
        let clock = ManualClock::new();
        let mut probes = 0;
        let result: Result<&str, WaitError<_, ()>> = wait_until(
            &clock,
            &Backoff::new(secs(4), secs(4)),
            secs(10),
            || {
                probes += 1;
                std::future::ready(Ok("pending"))
            },
            |a| *a == "done",
        )
        .await;
        assert_eq!(
            result,
            Err(WaitError::DeadlinePassed {
                last: "pending",
                waited: secs(10)
            })
        );
        // probes at 0, 4, 8 and 10 (the deadline)
        assert_eq!(probes, 4);
        assert_eq!(clock.sleeps(), [secs(4), secs(4), secs(2)]);
    }

    #[tokio::test]
    async fn probe_error_stops_waiting() {
        let clock = ManualClock::new();
        let result: Result<&str, _> = wait_until(
            &clock,
            &Backoff::new(secs(1), secs(1)),
            secs(10),
            || std::future::ready(Err("boom")),
            |_| true,
        )
        .await;
        assert_eq!(result, Err(WaitError::Probe("boom")));
        assert_eq!(
            WaitError::<u8, _>::Probe("boom").into_error(|_, _| "late"),
            "boom"
        );
        let late = WaitError::DeadlinePassed {
            last: 3,
            waited: secs(9),
        };
        assert_eq!(late.into_error(|last, waited| (last, waited)), (3, secs(9)));
        assert!(clock.sleeps().is_empty());
    }
}
