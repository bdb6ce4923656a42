//! `dropkit forward-status`: print the status of service-provider deletion jobs.

use std::io::Write as _;
use std::process::ExitCode;

use dropkit_provider::JobId;

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
}

/// Runs `dropkit forward-status`: prints `provider<TAB>job id<TAB>status` per job, the status
/// as the provider spells it (`completed`, `SENT/DELETE_DELETED`, ...), and every failed lookup
/// on standard error, going on after a failure.
///
/// Exit code 0 when every status was read (whatever the statuses say), 1 otherwise (a
/// provider whose settings are refused, any lookup that failed).
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
    let mut all_read = true;
    let mut out = std::io::stdout().lock();
    for job in args.job_ids {
        let job_id = JobId::new(job);
        match runtime.block_on(provider.status(&job_id)) {
            Ok(status) => writeln!(out, "{}\t{}\t{}", provider.name(), job_id, status)?,
            Err(err) => {
                out.flush()?;
                eprintln!("dropkit forward-status: {job_id}: {err}");
                all_read = false;
            }
        }
    }
    out.flush()?;
    Ok(if all_read {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
