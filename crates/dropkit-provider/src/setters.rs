//! The setters every provider crate's `ClientBuilder` shares, written once.

/// Writes the shared setters (`token`, `timeout`, `connect_timeout`, `clock`, `retry_policy`,
/// `max_wait`, `user_agent`, `options`) as inherent methods of a builder that keeps its
/// [`ProviderOptions`](crate::ProviderOptions) in a field named `options`. Each forwards to
/// the `with_*` setter of the same name; the base-URL setter stays the crate's own (MaestroQA
/// calls it `endpoint`, ID5 `base_url`).
///
/// ```
/// use dropkit_provider::ProviderOptions;
///
/// struct ClientBuilder {
///     options: ProviderOptions,
/// }
///
/// impl ClientBuilder {
///     dropkit_provider::shared_setters!();
/// }
///
/// let builder = ClientBuilder { options: ProviderOptions::new() }
///     .token("t0k".into())
///     .max_wait(std::time::Duration::from_secs(60));
/// assert_eq!(builder.options.retry().max_wait.as_secs(), 60);
/// ```
#[macro_export]
macro_rules! shared_setters {
    () => {
        /// Changes the shared [`ProviderOptions`]($crate::ProviderOptions), several at once.
        #[must_use]
        pub fn options(
            mut self,
            change: impl FnOnce($crate::ProviderOptions) -> $crate::ProviderOptions,
        ) -> Self {
            self.options = change(self.options);
            self
        }

        /// The token (kept in a secret type; `Debug` prints `***`).
        #[must_use]
        pub fn token(self, token: $crate::SecretString) -> Self {
            self.options(|o| o.with_token(token))
        }

        /// The limit for one attempt of a request, connection to last byte.
        #[must_use]
        pub fn timeout(self, timeout: ::std::time::Duration) -> Self {
            self.options(|o| o.with_timeout(timeout))
        }

        /// The limit for opening a connection.
        #[must_use]
        pub fn connect_timeout(self, timeout: ::std::time::Duration) -> Self {
            self.options(|o| o.with_connect_timeout(timeout))
        }

        /// The clock every wait goes through (rate limit, retries, polls): the system clock
        /// by default, a [`TestClock`]($crate::testing::TestClock) in tests.
        #[must_use]
        pub fn clock(self, clock: $crate::clock::SharedClock) -> Self {
            self.options(|o| o.with_clock(clock))
        }

        /// How a 429, a 5xx or a transport failure is retried (after `Retry-After` when the
        /// server sends one), until the policy's total deadline per request.
        #[must_use]
        pub fn retry_policy(self, retry: $crate::RetryPolicy) -> Self {
            self.options(|o| o.with_retry(retry))
        }

        /// The total deadline of one request, retries (and rate-limit waits) included.
        #[must_use]
        pub fn max_wait(self, max_wait: ::std::time::Duration) -> Self {
            self.options(|o| o.with_max_wait(max_wait))
        }

        /// The `User-Agent` header (the crate's own by default).
        #[must_use]
        pub fn user_agent(self, user_agent: impl Into<String>) -> Self {
            self.options(|o| o.with_user_agent(user_agent))
        }
    };
}
