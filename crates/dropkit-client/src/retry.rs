//! DROP's retry table, applied through the shared [`dropkit_http::RetryPolicy`].

use std::future::Future;

use dropkit_http::{Clock, RetryPolicy, Verdict};

use crate::error::{Endpoint, Error};

impl Error {
    /// What the retry policy makes of this error: 429 waits for `Retry-After`; 5xx, timeouts
    /// and connection failures back off; everything else (400, 401, 403, 404, 409, ...) is
    /// returned at once.
    pub(crate) fn verdict(&self) -> Verdict {
        match self {
            Error::RateLimited { retry_after, .. } => Verdict::RateLimited {
                retry_after: *retry_after,
            },
            Error::Server { retry_after, .. } => Verdict::Transient {
                retry_after: *retry_after,
            },
            Error::Timeout { .. } | Error::Transport { .. } => {
                Verdict::Transient { retry_after: None }
            }
            _ => Verdict::Fail,
        }
    }
}

/// Runs `attempt` under `policy` on `clock`. Returns the result and whether an earlier
/// attempt failed in a way that may have left the request received by DROP (see
/// [`Error::is_retryable`]).
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    clock: &dyn Clock,
    endpoint: Endpoint,
    attempt: F,
) -> (Result<T, Error>, bool)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut maybe_received = false;
    let result = policy
        .run(clock, attempt, Error::verdict, |err, wait| {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dropkit_http::TestClock;

    use super::*;

    fn rate_limited(retry_after: Option<u64>) -> Error {
        Error::RateLimited {
            endpoint: Endpoint::Download,
            retry_after: retry_after.map(Duration::from_secs),
            message: String::new(),
        }
    }

    #[tokio::test]
    async fn the_deadline_bounds_the_retries() {
        let policy = RetryPolicy::default().with_max_wait(Duration::from_secs(70));
        let clock = TestClock::new();
        let mut attempts = 0;
        let (result, maybe_received) = run(&policy, &clock, Endpoint::Download, || {
            attempts += 1;
            std::future::ready(Err::<(), _>(rate_limited(Some(30))))
        })
        .await;
        assert!(matches!(result, Err(Error::RateLimited { .. })));
        assert!(!maybe_received, "a 429 was refused, not received");
        assert_eq!(attempts, 3);
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(30); 2]);
    }

    #[test]
    fn only_drops_retryable_answers_are_retried() {
        assert_eq!(
            rate_limited(None).verdict(),
            Verdict::RateLimited { retry_after: None }
        );
        let conflict = Error::NoActiveDownload {
            endpoint: Endpoint::Upload,
            status: 409,
            message: String::new(),
        };
        assert_eq!(conflict.verdict(), Verdict::Fail);
        assert!(!conflict.is_retryable());
    }
}
