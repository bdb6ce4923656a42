//! Provider work carried over between runs, kept in the ledger: forwards a provider has not
//! acknowledged (retried by every later run) and deletion jobs still pending (polled by
//! every later run).
//!
//! An earlier release kept them in `pending-forwards.json` and `provider-jobs.json` at the
//! top of the state directory. The first time the ledger is opened they are imported (in one
//! transaction each, idempotent) and renamed `*.imported`, so they are imported once and
//! kept for the record.

use std::collections::BTreeMap;
use std::path::Path;

use dropkit_ledger::{Ledger, PendingForward};
use serde::Deserialize;

use crate::CycleError;
use crate::journal::Journal;
use crate::state::read_json;
use crate::steps::forward::ForwardConsumer;

/// The file an earlier release kept unacknowledged forwards in.
pub const PENDING_FORWARDS_FILE: &str = "pending-forwards.json";
/// The file an earlier release kept pending provider jobs in.
pub const PROVIDER_JOBS_FILE: &str = "provider-jobs.json";

/// `pending-forwards.json`: per provider, the consumers not acknowledged, and the keys
/// whose last request's outcome is unknown.
#[derive(Debug, Default, Deserialize)]
struct LegacyForwards {
    #[serde(default)]
    consumers: BTreeMap<String, Vec<ForwardConsumer>>,
    #[serde(default)]
    unknown: BTreeMap<String, Vec<String>>,
}

/// `provider-jobs.json`: per provider, the job ids still pending.
#[derive(Debug, Default, Deserialize)]
struct LegacyJobs {
    #[serde(default)]
    pending: BTreeMap<String, Vec<String>>,
}

/// Imports the files of an earlier release in `root` into `ledger`, then renames each
/// `<name>.imported`. A crash between the import and the rename imports again, which
/// changes nothing (what is in the ledger already is kept).
pub(crate) fn import_legacy(root: &Path, ledger: &mut Ledger) -> Result<(), CycleError> {
    let now = time::OffsetDateTime::now_utc();
    let forwards = root.join(PENDING_FORWARDS_FILE);
    if forwards.is_file() {
        let legacy: LegacyForwards = read_json(&forwards)?;
        let mut pending = Vec::new();
        for (provider, consumers) in &legacy.consumers {
            let unknown = legacy.unknown.get(provider);
            for consumer in consumers {
                pending.push(PendingForward {
                    provider: provider.clone(),
                    key: consumer.key.clone(),
                    payload: payload(&forwards, consumer)?,
                    outcome_unknown: unknown.is_some_and(|u| u.contains(&consumer.key)),
                });
            }
        }
        ledger.import_pending_forwards(&pending, now)?;
        rename_imported(&forwards)?;
        tracing::info!(
            forwards = pending.len(),
            "pending forwards imported into the ledger"
        );
    }
    let jobs = root.join(PROVIDER_JOBS_FILE);
    if jobs.is_file() {
        let legacy: LegacyJobs = read_json(&jobs)?;
        for (provider, ids) in &legacy.pending {
            ledger.record_jobs(provider, ids, None, now)?;
        }
        rename_imported(&jobs)?;
        tracing::info!("pending provider jobs imported into the ledger");
    }
    Ok(())
}

/// What an earlier release's files hold that no run has imported yet.
#[derive(Debug, Default)]
pub(crate) struct LegacyPending {
    /// The forwards not acknowledged: (provider, consumer key).
    pub(crate) forwards: Vec<(String, String)>,
    /// The jobs pending: (provider, job id).
    pub(crate) jobs: Vec<(String, String)>,
}

/// Reads what an earlier release's files in `root` hold, changing nothing (for
/// `dropkit status`, which never writes). Empty when the files are gone (imported, or never
/// there).
pub(crate) fn legacy_pending(root: &Path) -> Result<LegacyPending, CycleError> {
    let mut pending = LegacyPending::default();
    let path = root.join(PENDING_FORWARDS_FILE);
    if path.is_file() {
        let legacy: LegacyForwards = read_json(&path)?;
        for (provider, consumers) in legacy.consumers {
            let keys = consumers.into_iter().map(|c| (provider.clone(), c.key));
            pending.forwards.extend(keys);
        }
    }
    let path = root.join(PROVIDER_JOBS_FILE);
    if path.is_file() {
        let legacy: LegacyJobs = read_json(&path)?;
        for (provider, ids) in legacy.pending {
            pending
                .jobs
                .extend(ids.into_iter().map(|id| (provider.clone(), id)));
        }
    }
    Ok(pending)
}

fn rename_imported(path: &Path) -> Result<(), CycleError> {
    let mut to = path.as_os_str().to_owned();
    to.push(".imported");
    std::fs::rename(path, &to).map_err(|e| CycleError::io(path, e))?;
    crate::state::sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

fn payload(path: &Path, consumer: &ForwardConsumer) -> Result<String, CycleError> {
    serde_json::to_string(consumer).map_err(|e| CycleError::State {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Takes `provider`'s carried-over consumers, but those whose key `exempt` says is exempt
/// now (a consumer carried from before its exemption was given: never sent, it leaves the
/// ledger when [`keep`] replaces the list), seeding `journal` with the ones whose outcome is
/// unknown, so their resend is marked as a possible duplicate. They stay in the ledger until
/// [`keep`] replaces them. Also says whether the ledger held any for `provider`, exempt or
/// not (a list to replace even when nothing is left to send).
pub(crate) fn take(
    ledger: &Ledger,
    provider: &str,
    journal: &mut Journal,
    exempt: impl Fn(&str) -> bool,
) -> Result<(Vec<ForwardConsumer>, bool), CycleError> {
    let mut consumers = Vec::new();
    let pending = ledger.pending_forwards(Some(provider))?;
    let held = !pending.is_empty();
    for p in pending {
        if exempt(&p.key) {
            continue;
        }
        if p.outcome_unknown && !journal.is_in_flight(provider, &p.key) {
            journal.sending(provider, &p.key, &[])?;
            journal.outcome_unknown(provider, &p.key, "carried over from an earlier run")?;
        }
        let consumer: ForwardConsumer =
            serde_json::from_str(&p.payload).map_err(|e| CycleError::State {
                path: ledger.path().to_owned(),
                message: format!("table pending_forward, {provider}: {e}"),
            })?;
        consumers.push(consumer);
    }
    Ok((consumers, held))
}

/// Keeps `still` (what `provider` has not acknowledged) for a later run, replacing what was
/// carried for it, in one transaction.
pub(crate) fn keep(
    ledger: &mut Ledger,
    provider: &str,
    still: &[ForwardConsumer],
    journal: &Journal,
) -> Result<(), CycleError> {
    let pending = still
        .iter()
        .map(|c| {
            Ok(PendingForward {
                provider: provider.to_owned(),
                key: c.key.clone(),
                payload: payload(ledger.path(), c)?,
                outcome_unknown: journal.is_in_flight(provider, &c.key),
            })
        })
        .collect::<Result<Vec<_>, CycleError>>()?;
    ledger.set_pending_forwards(provider, &pending, time::OffsetDateTime::now_utc())?;
    Ok(())
}
