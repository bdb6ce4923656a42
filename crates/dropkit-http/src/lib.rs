//! The one clock, retry and TLS policy shared by dropkit's HTTP clients: the DROP client and
//! the deletion providers' clients.
//!
//! - [`Clock`]: where a client reads the time and waits. [`SystemClock`] in production;
//!   [`TestClock`] in tests, which records every wait and returns at once, so no test waits
//!   real seconds.
//! - [`RetryPolicy`]: 429, 5xx and transport failures are retried with jittered backoff and
//!   `Retry-After` honoured, until **one total deadline per request**
//!   ([`max_wait`](RetryPolicy::max_wait), six hours by default, long enough for an
//!   unattended run to outlast an outage). Not a fixed number of retries.
//! - [`require_https`]: base URLs from the environment must be `https://`, except on the
//!   loopback interface (emulators, tests).
//!
//! ```
//! use std::time::Duration;
//!
//! use dropkit_http::{RetryPolicy, TestClock, Verdict, require_https};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let base = require_https("DROP_BASE_URL", "http://127.0.0.1:8080")?;
//! assert_eq!(base.port(), Some(8080));
//!
//! // A server that answers 503 twice, then succeeds.
//! let clock = TestClock::new();
//! let mut answers = vec![Ok("done"), Err(503), Err(503)];
//! let result = RetryPolicy::default()
//!     .with_max_wait(Duration::from_secs(60))
//!     .with_jitter(false)
//!     .run(
//!         &clock,
//!         || std::future::ready(answers.pop().unwrap_or(Err(500))),
//!         |status: &u16| match status {
//!             429 => Verdict::RateLimited { retry_after: None },
//!             500..=599 => Verdict::Transient { retry_after: None },
//!             _ => Verdict::Fail,
//!         },
//!         |status, wait| eprintln!("{status}, retrying in {wait:?}"),
//!     )
//!     .await;
//! assert_eq!(result, Ok("done"));
//! // Backoff from 1 s, doubling; the test clock never really waited.
//! assert_eq!(clock.sleeps(), [Duration::from_secs(1), Duration::from_secs(2)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod clock;
mod retry;
mod tls;

pub use clock::{Clock, SharedClock, SystemClock, TestClock};
pub use retry::{RetryPolicy, Verdict, retry_after};
pub use tls::{InsecureUrl, require_https};
