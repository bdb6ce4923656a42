//! The service providers configured in the environment, for `cycle` and `doctor`.

use std::sync::Arc;

use drop_provider::DeletionProvider;

/// The providers whose token is set (MaestroQA: `MAESTROQA_API_TOKEN`; ID5: `ID5_TOKEN`),
/// and one line per provider whose settings are unusable (a base URL that is not
/// `https://`, a missing partner id): every one is reported, not the first.
pub(crate) fn from_env() -> (Vec<Arc<dyn DeletionProvider>>, Vec<String>) {
    let mut providers: Vec<Arc<dyn DeletionProvider>> = Vec::new();
    let mut errors = Vec::new();
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if set(maestroqa::TOKEN_ENV) {
        match maestroqa::ClientBuilder::from_env().build() {
            Ok(client) => providers.push(Arc::new(client)),
            Err(e) => errors.push(format!("provider {}: {e}", maestroqa::PROVIDER_NAME)),
        }
    }
    if set(id5::TOKEN_ENV) {
        match id5::ClientBuilder::from_env().build() {
            Ok(client) => providers.push(Arc::new(client)),
            Err(e) => errors.push(format!("provider {}: {e}", id5::PROVIDER_NAME)),
        }
    }
    (providers, errors)
}
