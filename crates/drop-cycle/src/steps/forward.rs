//! Step 6: forward deleted consumers' emails to every service provider, once each.

use std::sync::Arc;

use drop_provider::{DeletionProvider, DeletionRequest};
use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::state::{RoundState, StateDir, now};

/// A consumer whose data the broker deleted, as kept in `forward.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardConsumer {
    /// The broker's consumer key.
    pub key: String,
    /// The consumer's emails, standardized (DROP's email rule).
    pub emails: Vec<String>,
}

/// Sends each consumer's outstanding emails to each provider, saving the receipt (and
/// before sending, an in-flight mark) so that a resumed round sends only what no provider
/// has acknowledged.
///
/// A consumer in flight when a round stopped may have reached the provider without its
/// answer being saved; it is sent again (a deletion request for data already deleted is
/// harmless, a lost one is a missed legal duty) and logged as a possible duplicate.
pub(crate) async fn run(
    dir: &StateDir,
    state: &mut RoundState,
    providers: &[Arc<dyn DeletionProvider>],
    audit_label: &str,
) -> Result<(), CycleError> {
    if providers.is_empty() {
        return Ok(());
    }
    let consumers = load(dir)?;
    for provider in providers {
        let name = provider.name().to_owned();
        let mut failed = 0usize;
        let mut first_error = None;
        for consumer in &consumers {
            let done = state
                .forwarded
                .get(&name)
                .and_then(|m| m.get(&consumer.key))
                .map(|r| r.emails.clone())
                .unwrap_or_default();
            let outstanding: Vec<String> = consumer
                .emails
                .iter()
                .filter(|e| !done.contains(e))
                .cloned()
                .collect();
            if outstanding.is_empty() {
                continue;
            }
            let in_flight = state.forward_in_flight.entry(name.clone()).or_default();
            if in_flight.contains(&consumer.key) {
                tracing::warn!(
                    provider = %name,
                    key = %consumer.key,
                    "resending a deletion whose answer was not recorded: it may be a duplicate"
                );
            } else {
                in_flight.push(consumer.key.clone());
            }
            dir.save(state)?;

            let request = DeletionRequest::new(outstanding).with_audit_label(audit_label);
            let outcome = provider.request_deletion(&request).await;

            let record = state
                .forwarded
                .entry(name.clone())
                .or_default()
                .entry(consumer.key.clone())
                .or_default();
            for receipt in &outcome.receipts {
                record.emails.extend(receipt.emails.iter().cloned());
                record.job_ids.push(receipt.job_id.as_str().to_owned());
                record.status = receipt.status.state.as_str().to_owned();
                record.at = now();
            }
            if record.emails.is_empty() {
                // Nothing accepted: no receipt to keep.
                if let Some(m) = state.forwarded.get_mut(&name) {
                    m.remove(&consumer.key);
                }
            }
            if let Some(keys) = state.forward_in_flight.get_mut(&name) {
                keys.retain(|k| k != &consumer.key);
            }
            for failure in &outcome.failures {
                failed += 1;
                tracing::error!(provider = %name, key = %consumer.key, error = %failure.error, "deletion request failed");
                first_error.get_or_insert_with(|| failure.error.to_string());
            }
            dir.save(state)?;
        }
        if let Some(first) = first_error {
            return Err(CycleError::Forward {
                provider: name,
                failed,
                first,
            });
        }
    }
    Ok(())
}

fn load(dir: &StateDir) -> Result<Vec<ForwardConsumer>, CycleError> {
    let path = dir.forward_path();
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CycleError::State {
            path,
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(CycleError::io(&path, e)),
    }
}

/// Saves the consumers to forward (atomically), written by the match step.
pub(crate) fn save(dir: &StateDir, consumers: &[ForwardConsumer]) -> Result<(), CycleError> {
    let path = dir.forward_path();
    let json = serde_json::to_vec_pretty(consumers).map_err(|e| CycleError::State {
        path: path.clone(),
        message: e.to_string(),
    })?;
    crate::state::write_atomically(&path, &json)
}
