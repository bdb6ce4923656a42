//! Step 6: forward deleted consumers' emails to every service provider, once each.

use std::collections::BTreeMap;

use dropkit_files::{WorkItemId, ZipFileName};
use dropkit_ledger::Ledger;
use dropkit_provider::{DeletionProvider, DeletionRequest, ErrorKind, OptOutPolicy, audit_label};
use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::carried;
use crate::ctx::Ctx;
use crate::error::ProviderFailure;
use crate::journal::Journal;
use crate::state::{RoundState, StateDir};

/// A consumer whose data the broker deleted, as kept in `forward.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardConsumer {
    /// The broker's consumer key.
    pub key: String,
    /// The consumer's emails, standardized (DROP's email rule).
    pub emails: Vec<String>,
    /// The consumer's mobile advertising ids, standardized (sent to providers that take
    /// them: ID5).
    #[serde(default)]
    pub maids: Vec<String>,
    /// Whether the consumer's requests are opt-outs only (status 4, their data is kept):
    /// sent to a provider only if its [`OptOutPolicy`] says so.
    #[serde(default)]
    pub opted_out: bool,
    /// The work items (Ids) whose deletion this forwards: each (work item, key) pair is
    /// forwarded to a provider once in its life (the ledger remembers it across rounds).
    #[serde(default)]
    pub work_items: Vec<String>,
    /// Identifiers a provider already accepted in an earlier round, for a consumer carried
    /// over after a failure (not sent again for it; sent again when the consumer is found
    /// anew with another work item).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<String>,
}

impl ForwardConsumer {
    /// Takes in `other`, the same consumer (same key) found again: every email, MAID and work
    /// item of both, once each, in the order first seen; an opt-out only if both are (one
    /// deletion makes the consumer's data deleted, to be passed on). What a provider already
    /// accepted for `other` is not kept: for the new work items every identifier is sent
    /// again (a repeated deletion request is harmless, a missing one is not).
    pub(crate) fn absorb(&mut self, other: ForwardConsumer) {
        let union = |into: &mut Vec<String>, from: Vec<String>| {
            for value in from {
                if !into.contains(&value) {
                    into.push(value);
                }
            }
        };
        union(&mut self.emails, other.emails);
        union(&mut self.maids, other.maids);
        union(&mut self.work_items, other.work_items);
        self.opted_out &= other.opted_out;
    }
}

/// Whether every provider has acknowledged every consumer.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.forwarded
}

/// Sends each consumer's outstanding emails to each provider. Before each request its
/// consumer is journaled as sent with its outcome unknown, and the provider's answer after it
/// (see [`Journal`]), so a resumed round sends only what no provider has acknowledged.
///
/// A consumer whose request may have reached the provider without an answer recorded (a
/// crash, a timeout, a lost answer) is sent again (a deletion request for data already
/// deleted is harmless, a lost one is a missed legal duty) and journaled and logged as a
/// possible duplicate. Every provider gets its requests even when another fails, and every
/// failing provider is reported.
///
/// Provider work never holds up the next DROP round: what a provider failed is carried over
/// in the ledger (table `pending_forward`) and retried by every later run (see
/// [`retry_carried`]), the failures are in the report, and the run ends with exit 1 to say
/// so; the round itself goes on to its end. The jobs a provider creates are recorded in the
/// ledger (table `provider_job`) before the journal marks the request finished.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let dir = ctx.dir;
    // Jobs this run creates must be followed too: the confirm step runs again after it.
    state.confirmed = None;
    let consumers = load(dir)?;
    // No provider configured: the consumers are the broker's to pass on (the report says
    // so); nothing is carried over for providers that do not exist.
    state.forward_unsent = match ctx.providers.is_empty() {
        true => consumers.len() as u64,
        false => 0,
    };
    if state.forward_unsent > 0 {
        tracing::warn!(
            consumers = consumers.len(),
            "no service provider is configured: deleted consumers are not forwarded"
        );
    }
    let round = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("the forward step ran before a download".into()))?;
    let mut journal = Journal::open(dir.root())?;
    let mut ledger = dir.ledger()?;
    // Providers are told only of deletions the broker's connector confirmed.
    let no_failures = BTreeMap::new();
    let not_deleted = state.deletion.as_ref().map_or(&no_failures, |d| &d.failed);
    let mut failures = Vec::new();
    for provider in ctx.providers {
        let name = provider.name();
        // Each (work item, key) pair is forwarded once in its life: a late match of a consumer
        // an earlier round already passed on for that request is not sent again.
        let done_before = ledger.forwarded_pairs(name)?;
        let outstanding: Vec<ForwardConsumer> = consumers
            .iter()
            .filter(|c| !not_deleted.contains_key(&c.key))
            .filter(|c| c.work_items.is_empty() || !pairs(c).all(|p| done_before.contains(&p)))
            .cloned()
            .collect();
        let mut outstanding = outstanding;
        // A consumer carried over from an earlier run and found again now keeps what it
        // carried (its emails, MAIDs and work items) in one entry, all sent.
        let (taken, _) = carried::take(&ledger, name, &mut journal, |k| ctx.is_exempt(k))?;
        for earlier in taken {
            match outstanding.iter_mut().find(|c| c.key == earlier.key) {
                Some(now) => now.absorb(earlier),
                None => outstanding.push(earlier),
            }
        }
        let policy = ctx.opt_out_policies.get(name).copied().unwrap_or_default();
        let download = match ctx.audit_label {
            "" => round.to_string(),
            prefix => format!("{prefix} {round}"),
        };
        let failure = forward_to(
            provider.as_ref(),
            &outstanding,
            (&mut journal, &mut ledger, Some(round)),
            &download,
            policy,
        )
        .await?;
        // What the journal says the provider accepted goes into the ledger (idempotent: a
        // run resumed after a crash here records the same pairs again, harmlessly).
        let accepted: Vec<(WorkItemId, String)> = outstanding
            .iter()
            .filter(|c| {
                let done = done_for(&journal, name, c);
                let skipped = c.opted_out && !policy.sends();
                !skipped && request_for(provider.as_ref(), c, &done, "").is_empty()
            })
            .flat_map(pairs)
            .collect();
        if !accepted.is_empty() {
            ledger.record_forward(name, &accepted, round, time::OffsetDateTime::now_utc())?;
        }
        let still = unacknowledged(provider.as_ref(), &outstanding, &journal, policy);
        carried::keep(&mut ledger, name, &still, &journal)?;
        failures.extend(failure);
    }
    for failure in &failures {
        tracing::error!(provider = %failure.provider, failed = failure.failed, first = %failure.first, "forwarding failed: carried over to the next run");
    }
    state.forward_failures = failures;
    state.forwarded = not_deleted.is_empty();
    dir.save(state)
}

/// The consumers `provider` has not acknowledged (skipping the opted-out ones its policy
/// does not send).
fn unacknowledged(
    provider: &dyn DeletionProvider,
    consumers: &[ForwardConsumer],
    journal: &Journal,
    policy: OptOutPolicy,
) -> Vec<ForwardConsumer> {
    consumers
        .iter()
        .filter(|c| !c.opted_out || policy.sends())
        .filter(|c| {
            let done = done_for(journal, provider.name(), c);
            !request_for(provider, c, &done, "").is_empty()
        })
        .map(|c| {
            // What the provider accepted travels with the consumer: a later round's new
            // journal would not know it.
            let mut c = c.clone();
            c.accepted = done_for(journal, provider.name(), &c);
            c
        })
        .collect()
}

/// What `provider` already accepted for `consumer`: this round's journal, and what an
/// earlier round recorded on a carried-over consumer.
fn done_for(journal: &Journal, provider: &str, consumer: &ForwardConsumer) -> Vec<String> {
    let mut done = journal.accepted_emails(provider, &consumer.key).to_vec();
    done.extend(consumer.accepted.iter().cloned());
    done
}

/// Retries the forwards earlier runs carried over (a run that finds nothing new at DROP still
/// passes them on). Returns the providers that failed again.
pub(crate) async fn retry_carried(ctx: &Ctx<'_>) -> Result<Vec<ProviderFailure>, CycleError> {
    let dir = ctx.dir;
    let mut ledger = dir.ledger()?;
    if ledger.pending_forwards(None)?.is_empty() {
        return Ok(Vec::new());
    }
    let mut journal = Journal::open(dir.root())?;
    let mut failures = Vec::new();
    for provider in ctx.providers {
        let name = provider.name();
        let (consumers, held) = carried::take(&ledger, name, &mut journal, |k| ctx.is_exempt(k))?;
        if !held {
            continue;
        }
        let policy = ctx.opt_out_policies.get(name).copied().unwrap_or_default();
        let failure = forward_to(
            provider.as_ref(),
            &consumers,
            (&mut journal, &mut ledger, None),
            "carried over",
            policy,
        )
        .await?;
        let still = unacknowledged(provider.as_ref(), &consumers, &journal, policy);
        carried::keep(&mut ledger, name, &still, &journal)?;
        failures.extend(failure);
    }
    Ok(failures)
}

/// The (work item, key) pairs a consumer's deletion stands for.
fn pairs(consumer: &ForwardConsumer) -> impl Iterator<Item = (WorkItemId, String)> + '_ {
    consumer
        .work_items
        .iter()
        .filter_map(|id| WorkItemId::new(id))
        .map(|id| (id, consumer.key.clone()))
}

/// The deletion request of `consumer` for `provider`: every identifier it takes (emails;
/// for ID5 also MAIDs and the record key as the partner user id, since the key is the
/// broker's own id of the consumer), minus what it already accepted, labelled with the DROP
/// download and the work items (MaestroQA keeps the label in its exportable audit log).
fn request_for(
    provider: &dyn DeletionProvider,
    consumer: &ForwardConsumer,
    done: &[String],
    label: &str,
) -> DeletionRequest {
    DeletionRequest::new(consumer.emails.iter().cloned())
        .with_maids(consumer.maids.iter().cloned())
        .with_partner_user_id(consumer.key.clone())
        .only(|i| provider.accepts(i.kind) && !done.contains(&i.value))
        .with_audit_label(label)
}

/// Where a forward is recorded: the journal, the ledger (jobs), and the round it is for.
type Records<'a> = (&'a mut Journal, &'a mut Ledger, Option<&'a ZipFileName>);

/// Forwards every consumer not yet acknowledged by `provider`; the failures, if any. The
/// jobs a provider creates go into the ledger before the journal records the answer: a crash
/// in between resends the request (marked a possible duplicate), and never loses a job.
async fn forward_to(
    provider: &dyn DeletionProvider,
    consumers: &[ForwardConsumer],
    (journal, ledger, round): Records<'_>,
    download: &str,
    policy: OptOutPolicy,
) -> Result<Option<ProviderFailure>, CycleError> {
    let name = provider.name();
    let mut failed = 0usize;
    let mut first_error = None;
    for consumer in consumers {
        if consumer.opted_out && !policy.sends() {
            continue;
        }
        let done = done_for(journal, name, consumer);
        let label = audit_label(download, &consumer.work_items);
        let request = request_for(provider, consumer, &done, &label);
        if request.is_empty() {
            continue;
        }
        let outstanding: Vec<String> = request.identifiers().into_iter().map(|i| i.value).collect();
        journal.sending(name, &consumer.key, &outstanding)?;
        let outcome = provider.request_deletion(&request).await;

        let accepted = (!outcome.receipts.is_empty()).then(|| {
            let values = outcome
                .receipts
                .iter()
                .flat_map(|r| r.identifiers.iter().map(|i| i.value.clone()))
                .collect();
            let jobs: Vec<String> = outcome
                .receipts
                .iter()
                .map(|r| r.job_id.as_str().to_owned())
                .collect();
            let status = outcome
                .receipts
                .last()
                .map(|r| r.status.state.as_str().to_owned())
                .unwrap_or_default();
            (values, jobs, status)
        });
        if let Some((_, jobs, _)) = &accepted {
            ledger.record_jobs(name, jobs, round, time::OffsetDateTime::now_utc())?;
        }
        // A transient failure (timeout, lost answer, 5xx) may have reached the provider: its
        // outcome stays unknown, so a resend is marked as a possible duplicate.
        let unknown = outcome
            .failures
            .iter()
            .find(|f| f.error.kind() == ErrorKind::Transient);
        match unknown {
            Some(failure) => {
                if let Some(accepted) = accepted {
                    journal.record_accepted(name, &consumer.key, accepted)?;
                }
                journal.outcome_unknown(name, &consumer.key, &failure.error.to_string())?;
            }
            None => journal.finished(name, &consumer.key, accepted)?,
        }
        for failure in &outcome.failures {
            failed += 1;
            tracing::error!(provider = %name, key = %consumer.key, error = %failure.error, "deletion request failed");
            first_error.get_or_insert_with(|| failure.error.to_string());
        }
    }
    Ok(first_error.map(|first| ProviderFailure {
        provider: name.to_owned(),
        failed,
        first,
    }))
}

pub(crate) fn load(dir: &StateDir) -> Result<Vec<ForwardConsumer>, CycleError> {
    crate::state::read_json(&dir.forward_path())
}

/// Saves the consumers to forward (atomically), written by the match step.
pub(crate) fn save(dir: &StateDir, consumers: &[ForwardConsumer]) -> Result<(), CycleError> {
    crate::state::write_json(&dir.forward_path(), consumers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(emails: &[&str], work_items: &[&str], opted_out: bool) -> ForwardConsumer {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        ForwardConsumer {
            key: "k1".into(),
            emails: owned(emails),
            maids: Vec::new(),
            opted_out,
            work_items: owned(work_items),
            accepted: Vec::new(),
        }
    }

    #[test]
    fn a_consumer_found_again_keeps_everything_both_carried() {
        // Carried over: email a@x failed at the provider, MAID m1 was accepted.
        let mut carried = consumer(&["a@x"], &["W1"], true);
        carried.maids = vec!["m1".into()];
        carried.accepted = vec!["m1".into()];
        // Found again in a later round with another email, by a deletion.
        let mut now = consumer(&["b@x", "a@x"], &["W2"], false);
        now.absorb(carried);
        assert_eq!(now.emails, ["b@x", "a@x"]);
        assert_eq!(now.maids, ["m1"]);
        assert_eq!(now.work_items, ["W2", "W1"]);
        // Sent again for the new work item: what the provider accepted is not carried in.
        assert!(now.accepted.is_empty());
        assert!(!now.opted_out, "one deletion makes it a deletion");

        let mut both_opt_outs = consumer(&["a@x"], &["W1"], true);
        both_opt_outs.absorb(consumer(&["a@x"], &["W1"], true));
        assert!(both_opt_outs.opted_out);
        assert_eq!(both_opt_outs.emails, ["a@x"]);
        assert_eq!(both_opt_outs.work_items, ["W1"]);
        // An opt-out found after a deletion does not make the deletion an opt-out.
        let mut deleted = consumer(&["a@x"], &["W1"], false);
        deleted.absorb(consumer(&["a@x"], &["W2"], true));
        assert!(!deleted.opted_out);
    }
}
