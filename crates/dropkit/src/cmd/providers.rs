//! The service providers configured in the environment, for `cycle` and `doctor`.

use std::sync::Arc;
use std::time::Duration;

use dropkit_provider::{DeletionProvider, ProvidersFromEnv};

/// The providers whose token is set (MaestroQA: `MAESTROQA_API_TOKEN`; ID5: `ID5_TOKEN`),
/// each retrying one request for at most `max_wait`; or every provider whose settings are
/// unusable (a base URL that is not `https://`, a missing partner id), one per line: every
/// one is reported, not the first.
pub(crate) fn from_env(
    max_wait: Duration,
) -> Result<Vec<Arc<dyn DeletionProvider>>, dropkit_provider::ProvidersEnvError> {
    ProvidersFromEnv::new()
        .adjusting(move |options| options.with_max_wait(max_wait))
        .with::<dropkit_maestroqa::Client>()
        .with::<dropkit_id5::Client>()
        .finish()
}
