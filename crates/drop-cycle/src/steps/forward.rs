//! Step 6: forward deleted consumers' emails to every service provider, once each.

use std::sync::Arc;

use drop_provider::{DeletionProvider, DeletionRequest};
use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::journal::Journal;
use crate::state::StateDir;

/// A consumer whose data the broker deleted, as kept in `forward.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardConsumer {
    /// The broker's consumer key.
    pub key: String,
    /// The consumer's emails, standardized (DROP's email rule).
    pub emails: Vec<String>,
}

/// Sends each consumer's outstanding emails to each provider. Before each request its
/// consumer is journaled as in flight, and the provider's answer after it (see
/// [`Journal`]), so a resumed round sends only what no provider has acknowledged.
///
/// A consumer in flight when a round stopped may have reached the provider without its
/// answer being recorded; it is sent again (a deletion request for data already deleted is
/// harmless, a lost one is a missed legal duty) and logged as a possible duplicate.
pub(crate) async fn run(
    dir: &StateDir,
    providers: &[Arc<dyn DeletionProvider>],
    audit_label: &str,
) -> Result<(), CycleError> {
    let consumers = load(dir)?;
    if providers.is_empty() {
        if !consumers.is_empty() {
            tracing::warn!(
                consumers = consumers.len(),
                "no service provider is configured: deleted consumers are not forwarded"
            );
        }
        return Ok(());
    }
    let mut journal = Journal::open(dir.root())?;
    // Every provider gets its requests even when another one fails.
    let mut failures: Vec<(String, usize, String)> = Vec::new();
    for provider in providers {
        let name = provider.name();
        let mut failed = 0usize;
        let mut first_error = None;
        for consumer in &consumers {
            let done = journal.accepted_emails(name, &consumer.key);
            let outstanding: Vec<String> = consumer
                .emails
                .iter()
                .filter(|e| !done.contains(e))
                .cloned()
                .collect();
            if outstanding.is_empty() {
                continue;
            }
            if journal.is_in_flight(name, &consumer.key) {
                tracing::warn!(
                    provider = %name,
                    key = %consumer.key,
                    "resending a deletion whose answer was not recorded: it may be a duplicate"
                );
            }
            journal.sending(name, &consumer.key, &outstanding)?;

            let request = DeletionRequest::new(outstanding).with_audit_label(audit_label);
            let outcome = provider.request_deletion(&request).await;

            let accepted = (!outcome.receipts.is_empty()).then(|| {
                let emails = outcome
                    .receipts
                    .iter()
                    .flat_map(|r| r.emails.clone())
                    .collect();
                let jobs = outcome
                    .receipts
                    .iter()
                    .map(|r| r.job_id.as_str().to_owned())
                    .collect();
                let status = outcome
                    .receipts
                    .last()
                    .map(|r| r.status.state.as_str().to_owned())
                    .unwrap_or_default();
                (emails, jobs, status)
            });
            journal.finished(name, &consumer.key, accepted)?;
            for failure in &outcome.failures {
                failed += 1;
                tracing::error!(provider = %name, key = %consumer.key, error = %failure.error, "deletion request failed");
                first_error.get_or_insert_with(|| failure.error.to_string());
            }
        }
        if let Some(first) = first_error {
            failures.push((name.to_owned(), failed, first));
        }
    }
    match failures.into_iter().next() {
        Some((provider, failed, first)) => Err(CycleError::Forward {
            provider,
            failed,
            first,
        }),
        None => Ok(()),
    }
}

fn load(dir: &StateDir) -> Result<Vec<ForwardConsumer>, CycleError> {
    crate::state::read_json(&dir.forward_path())
}

/// Saves the consumers to forward (atomically), written by the match step.
pub(crate) fn save(dir: &StateDir, consumers: &[ForwardConsumer]) -> Result<(), CycleError> {
    crate::state::write_json(&dir.forward_path(), consumers)
}
