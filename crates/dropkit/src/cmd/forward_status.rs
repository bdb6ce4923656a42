//! `dropkit forward-status`: print the status of service-provider deletion jobs.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;

use dropkit_audit::Entry;
use dropkit_provider::JobId;

use crate::audit_entry::{self, ERROR, OK, label};

/// Arguments of `dropkit forward-status`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service provider.
    #[arg(long, value_enum)]
    pub(crate) provider: super::Provider,
    /// Job ids returned by `dropkit forward`.
    #[arg(value_name = "JOB_ID", required = true)]
    pub(crate) job_ids: Vec<String>,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = super::forward::DEFAULT_MAX_WAIT_SECS)]
    pub(crate) max_wait: u64,
    /// State directory whose audit chain (`audit.jsonl`) records the lookups (created when
    /// missing).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: std::path::PathBuf,
}

/// Runs `dropkit forward-status`: prints `provider<TAB>job id<TAB>status` per job, the status
/// as the provider spells it (`completed`, `SENT/DELETE_DELETED`, ...), and every failed lookup
/// on standard error, going on after a failure.
///
/// Exit code 0 when every status was read (whatever the statuses say), 1 otherwise (a
/// provider whose settings are refused, any lookup that failed).
///
/// Once a lookup is about to be sent, one entry in `--state-dir`'s audit chain: the provider
/// (`step`), the count of jobs asked, read and failed and of each common state (`state.done`,
/// `state.pending`, …), and `ok` or `error` with the first failed lookup's kind.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let max_wait = std::time::Duration::from_secs(args.max_wait);
    let provider = match super::forward::providers(&[args.provider], max_wait) {
        Ok(providers) => providers.into_iter().next(),
        Err(err) => {
            for line in err.to_string().lines() {
                eprintln!("dropkit forward-status: {line}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    let Some(provider) = provider else {
        anyhow::bail!("no provider could be set up");
    };
    let runtime = super::forward::runtime()?;
    let mut chain = audit_entry::open_chain(&args.state_dir)?;
    let jobs = args.job_ids.len() as u64;
    let mut first_error = None;
    let mut states = std::collections::BTreeMap::<&'static str, u64>::new();
    let mut out = std::io::stdout().lock();
    // A failed print (a closed standard output) waits until the entry is written: the
    // provider was asked, and the chain must say so.
    let mut printed: std::io::Result<()> = Ok(());
    for job in args.job_ids {
        let job_id = JobId::new(job);
        match runtime.block_on(provider.status(&job_id)) {
            Ok(status) => {
                *states.entry(status.state.as_str()).or_default() += 1;
                if printed.is_ok() {
                    printed = writeln!(out, "{}\t{}\t{}", provider.name(), job_id, status);
                }
            }
            Err(err) => {
                if printed.is_ok() {
                    printed = out.flush();
                }
                eprintln!("dropkit forward-status: {job_id}: {err}");
                first_error.get_or_insert(err.kind().as_str());
            }
        }
    }
    if printed.is_ok() {
        printed = out.flush();
    }
    let read: u64 = states.values().sum();
    let mut entry = match first_error {
        None => Entry::new("forward-status", OK),
        Some(kind) => Entry::new("forward-status", ERROR).error(kind),
    }
    .step(label(provider.name()))
    .count("jobs", jobs)
    .count("read", read)
    .count("failed", jobs - read);
    for (state, n) in states {
        entry = entry.count(label(&format!("state.{state}")), n);
    }
    let code = if first_error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let code = audit_entry::finish(&mut chain, entry, code)?;
    printed.context("could not print the jobs' states (the audit chain has the entry)")?;
    Ok(code)
}
