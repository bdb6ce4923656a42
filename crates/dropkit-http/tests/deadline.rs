//! The total deadline bounds every retry of a request, whatever the failures.

use std::time::Duration;

use dropkit_http::{Clock as _, RetryPolicy, TestClock, Verdict};

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Runs a request that always fails with `verdict`, recording the waits; returns the number
/// of attempts.
async fn always_failing(policy: RetryPolicy, clock: &TestClock, verdict: Verdict) -> usize {
    let mut attempts = 0usize;
    let result: Result<(), &str> = policy
        .run(
            clock,
            || {
                attempts += 1;
                std::future::ready(Err("down"))
            },
            |_| verdict,
            |_, _| {},
        )
        .await;
    assert_eq!(result, Err("down"), "the last error is returned");
    attempts
}

#[tokio::test]
async fn transient_failures_are_retried_until_the_deadline_not_a_count() {
    let clock = TestClock::new();
    let policy = RetryPolicy::default()
        .with_jitter(false)
        .with_max_wait(secs(600));
    let attempts = always_failing(policy, &clock, Verdict::Transient { retry_after: None }).await;
    // 1+2+4+8+16+32+60*8 = 543, then a wait shortened to the 57 s left: last attempt at 600.
    assert_eq!(clock.now(), secs(600));
    assert_eq!(attempts, 16);
    assert_eq!(clock.sleeps().last(), Some(&secs(57)));
}

#[tokio::test]
async fn the_default_deadline_lasts_hours() {
    let clock = TestClock::new();
    let attempts = always_failing(
        RetryPolicy::default(),
        &clock,
        Verdict::Transient { retry_after: None },
    )
    .await;
    assert_eq!(clock.now(), secs(6 * 3600));
    assert!(attempts > 100, "{attempts} attempts in six hours");
    assert!(clock.sleeps().iter().all(|d| *d <= secs(120)));
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_ends_the_retries() {
    let clock = TestClock::new();
    let policy = RetryPolicy::default().with_max_wait(secs(100));
    let verdict = Verdict::RateLimited {
        retry_after: Some(secs(45)),
    };
    let attempts = always_failing(policy, &clock, verdict).await;
    // 45 + 45 = 90; a third 45 would end at 135 > 100: not shortened, not waited.
    assert_eq!(clock.sleeps(), [secs(45), secs(45)]);
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn time_spent_in_attempts_counts_against_the_deadline() {
    let clock = TestClock::new();
    let policy = RetryPolicy::default().with_max_wait(secs(100));
    let mut attempts = 0;
    let result: Result<(), ()> = policy
        .run(
            &clock,
            || {
                attempts += 1;
                clock.advance(secs(40)); // a slow answer
                std::future::ready(Err(()))
            },
            |_| Verdict::RateLimited {
                retry_after: Some(secs(10)),
            },
            |_, _| {},
        )
        .await;
    assert!(result.is_err());
    // 40 (attempt) + 10 + 40 (attempt) = 90; 10 more would reach 100 exactly: allowed;
    // then 140 > 100.
    assert_eq!(attempts, 3);
    assert_eq!(clock.sleeps(), [secs(10), secs(10)]);
}

#[tokio::test]
async fn failures_not_worth_retrying_are_returned_at_once() {
    let clock = TestClock::new();
    let attempts = always_failing(RetryPolicy::default(), &clock, Verdict::Fail).await;
    assert_eq!(attempts, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn none_and_a_retry_cap_stop_early() {
    let clock = TestClock::new();
    let transient = Verdict::Transient { retry_after: None };
    assert_eq!(
        always_failing(RetryPolicy::none(), &clock, transient).await,
        1
    );
    let capped = RetryPolicy::default().with_max_retries(2);
    assert_eq!(always_failing(capped, &clock, transient).await, 3);
}

#[tokio::test]
async fn rate_limits_without_retry_after_wait_the_default() {
    let clock = TestClock::new();
    let mut answers = vec![Ok(7), Err(429), Err(429)];
    let mut told = Vec::new();
    let result = RetryPolicy::default()
        .run(
            &clock,
            || std::future::ready(answers.pop().unwrap_or(Err(500))),
            |_| Verdict::RateLimited { retry_after: None },
            |status: &u16, wait| told.push((*status, wait)),
        )
        .await;
    assert_eq!(result, Ok(7));
    assert_eq!(told, [(429, secs(30)), (429, secs(30))]);
}
