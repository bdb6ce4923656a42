//! `dropkit doctor`: check the DROP key, TLS, the records and mapping, each provider's token
//! and the state directory, without starting a download. One line per check; exit 1 if any
//! fails.

use std::path::PathBuf;
use std::process::ExitCode;

use dropkit_audit::{Entry, Request};
use dropkit_cycle::doctor::{Check, Patient, Verdict, examine};

use crate::audit_entry::{self, ERROR, OK, label};

/// Arguments of `dropkit doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory to check (not locked by a run, writable, its round state readable),
    /// whose audit chain (`audit.jsonl`) records the checks.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// The broker's records to check against the mapping (CSV or Parquet).
    #[arg(long, value_name = "FILE", requires = "map")]
    pub(crate) records: Option<PathBuf>,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...], as `dropkit cycle` takes it.
    #[arg(long, value_name = "FIELD=COLUMN,...", requires = "records")]
    pub(crate) map: Vec<String>,
}

/// Runs `dropkit doctor`.
///
/// One entry in the state directory's audit chain when the directory is there after the
/// checks (the state directory check creates it): `HEAD /data/download` when DROP was asked,
/// the counts of checks ok, skipped and failed (`failed.SUBJECT` for each failure), and `ok`
/// or `error` (`check-failed`). An entry that cannot be written is one more failed check.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mapping = if args.map.is_empty() {
        None
    } else {
        Some(dropkit_match::Mapping::parse_specs(
            args.map.iter().map(String::as_str),
        )?)
    };
    // A short deadline: the doctor asks, it does not wait out an outage.
    let max_wait = std::time::Duration::from_secs(30);
    let has_key = std::env::var(dropkit_client::API_KEY_VAR).is_ok_and(|k| !k.trim().is_empty());
    let client = has_key.then(|| {
        dropkit_client::ClientBuilder::from_env()
            .max_wait(max_wait)
            .build()
            .map_err(|e| e.to_string())
    });
    let (providers, provider_errors) = match super::providers::from_env(max_wait) {
        Ok(providers) => (providers, Vec::new()),
        Err(e) => (Vec::new(), vec![e.to_string()]),
    };
    let patient = Patient {
        client,
        records: args.records.as_deref().zip(mapping.as_ref()),
        providers,
        state_dir: Some(&args.state_dir),
    };
    let asked_drop = matches!(patient.client, Some(Ok(_)));
    let runtime = tokio::runtime::Runtime::new()?;
    let checks = runtime.block_on(examine(&patient));
    let mut failed = !provider_errors.is_empty();
    // The audit entry first: a failed print (a closed standard output) must not lose it.
    let mut chain_error = None;
    if args.state_dir.is_dir() {
        let entry = entry(&checks, provider_errors.len(), asked_drop);
        if let Err(e) = audit_entry::open_chain(&args.state_dir)
            .and_then(|mut chain| audit_entry::finish(&mut chain, entry, ExitCode::SUCCESS))
        {
            failed = true;
            chain_error = Some(e);
        }
    }
    for check in &checks {
        failed |= check.verdict == Verdict::Failed;
        say!("{check}")?;
    }
    for error in &provider_errors {
        say!("{:<4} {error}", Verdict::Failed.as_str())?;
    }
    if let Some(e) = chain_error {
        say!(
            "{:<4} audit chain: {}",
            Verdict::Failed.as_str(),
            crate::message(&e)
        )?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The doctor's audit entry: what was asked and how the checks went, by subject (never a
/// check's detail, which may quote a server's message).
fn entry(checks: &[Check], provider_errors: usize, asked_drop: bool) -> Entry {
    let count = |v: Verdict| checks.iter().filter(|c| c.verdict == v).count() as u64;
    let failed = count(Verdict::Failed) + provider_errors as u64;
    let mut entry = if failed == 0 {
        Entry::new("doctor", OK)
    } else {
        Entry::new("doctor", ERROR).error("check-failed")
    };
    if asked_drop {
        entry = entry.request(Request::new("HEAD", "/data/download"));
    }
    entry = entry
        .count("checks_ok", count(Verdict::Ok))
        .count("checks_skipped", count(Verdict::Skipped))
        .count("checks_failed", failed);
    for check in checks.iter().filter(|c| c.verdict == Verdict::Failed) {
        let subject = check.subject.replace(' ', "_");
        entry = entry.count(label(&format!("failed.{subject}")), 1);
    }
    if provider_errors > 0 {
        entry = entry.count("failed.provider_settings", provider_errors as u64);
    }
    entry
}
