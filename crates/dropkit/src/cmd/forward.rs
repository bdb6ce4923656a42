//! `dropkit forward`: send deletion requests for emails read from standard input to the
//! service providers.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use dropkit_audit::Entry;
use dropkit_provider::{
    DeletionOutcome, DeletionProvider, DeletionRequest, Jurisdiction, ProviderOptions,
    ProvidersFromEnv, failures, fan_out,
};

use super::Provider;
use crate::audit_entry::{self, ERROR, OK, label};

/// Arguments of `dropkit forward`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service provider (repeatable); every provider configured in the environment when
    /// not given.
    #[arg(long, value_enum)]
    pub(crate) provider: Vec<super::Provider>,
    /// ID5 jurisdiction.
    #[arg(long, default_value = "CCPA")]
    pub(crate) jurisdiction: String,
    /// MaestroQA audit label.
    #[arg(long, value_name = "L")]
    pub(crate) audit_label: Option<String>,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_WAIT_SECS)]
    pub(crate) max_wait: u64,
    /// State directory whose audit chain (`audit.jsonl`) records the forward (created when
    /// missing).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: std::path::PathBuf,
}

/// The default retry deadline of one provider request: six hours, like `dropkit cycle`.
pub(crate) const DEFAULT_MAX_WAIT_SECS: u64 = 6 * 3600;

/// Runs `dropkit forward`: one email per line on standard input (surrounding whitespace
/// trimmed), sent to each provider its way (MaestroQA 5 per request within its rate limits,
/// ID5 one per request), all providers at once. Prints `provider<TAB>job id<TAB>status` per
/// accepted job on standard output and every failure of every provider on standard error,
/// going on after a failure.
///
/// Exit code 0 when every email was accepted by every provider, 1 when any line could not be
/// read or sent (an empty line, a line that is not UTF-8, a refused email), when a provider's
/// settings are refused (every one named, nothing sent) or none is configured, 2 for a
/// jurisdiction other than CCPA or GDPR. Empty input sends nothing and exits 0.
///
/// Once something is about to be sent, one entry in `--state-dir`'s audit chain: `ok` or
/// `error` (with the first failure's kind), the count of emails sent and of unreadable
/// lines, and per provider the jobs it accepted and the emails it accepted and failed
/// (never an email).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let jurisdiction: Jurisdiction = match args.jurisdiction.parse() {
        Ok(jurisdiction) => jurisdiction,
        Err(err) => {
            eprintln!("dropkit forward: --jurisdiction: {err}");
            return Ok(ExitCode::from(2));
        }
    };
    let (emails, unreadable) = read_emails(std::io::stdin().lock())?;
    for problem in &unreadable {
        eprintln!("dropkit forward: {problem}");
    }
    if emails.is_empty() {
        eprintln!("dropkit forward: no emails to send");
        return Ok(exit_code(unreadable.is_empty()));
    }
    let max_wait = Duration::from_secs(args.max_wait);
    let providers = match providers(&args.provider, max_wait) {
        Ok(providers) => providers,
        Err(err) => {
            for line in err.to_string().lines() {
                eprintln!("dropkit forward: {line}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    if args.audit_label.is_some()
        && providers
            .iter()
            .any(|p| p.name() == dropkit_id5::PROVIDER_NAME)
    {
        eprintln!(
            "dropkit forward: note: ID5 takes no audit label; --audit-label is not sent to ID5"
        );
    }
    let mut chain = audit_entry::open_chain(&args.state_dir)?;
    let sent = emails.len() as u64;
    let mut request = DeletionRequest::new(emails).with_jurisdiction(jurisdiction);
    if let Some(label) = args.audit_label {
        request = request.with_audit_label(label);
    }
    let outcomes = runtime()?.block_on(fan_out(&providers, &request));

    // The requests are sent: a failed print (a closed standard output) must not keep their
    // audit entry from being written, so it is reported after the entry.
    let printed = print_receipts(&outcomes);
    // every failure of every provider; the error names its provider
    for (_, failure) in failures(&outcomes) {
        eprintln!(
            "dropkit forward: {}: {}",
            failure.emails.join(", "),
            failure.error
        );
    }
    let complete = outcomes.iter().all(|o| o.is_complete());
    let success = unreadable.is_empty() && complete;
    let first_error = failures(&outcomes)
        .next()
        .map(|(_, f)| f.error.kind().as_str());
    let mut entry = match (success, first_error) {
        (true, _) => Entry::new("forward", OK),
        (false, Some(kind)) => Entry::new("forward", ERROR).error(kind),
        (false, None) => Entry::new("forward", ERROR).error("unreadable-input"),
    }
    .count("emails", sent)
    .count("unreadable_lines", unreadable.len() as u64);
    for outcome in &outcomes {
        let p = &outcome.provider;
        let accepted: usize = outcome.receipts.iter().map(|r| r.identifiers.len()).sum();
        let failed: usize = outcome.failures.iter().map(|f| f.identifiers.len()).sum();
        entry = entry
            .count(label(&format!("{p}.jobs")), outcome.receipts.len() as u64)
            .count(label(&format!("{p}.accepted")), accepted as u64)
            .count(label(&format!("{p}.failed")), failed as u64);
    }
    let code = audit_entry::finish(&mut chain, entry, exit_code(success))?;
    printed.context("could not print the providers' jobs (the audit chain has the entry)")?;
    Ok(code)
}

/// Prints one `PROVIDER<TAB>JOB_ID<TAB>STATUS` line per job the providers took.
fn print_receipts(outcomes: &[DeletionOutcome]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for receipt in outcomes.iter().flat_map(|o| &o.receipts) {
        writeln!(
            out,
            "{}\t{}\t{}",
            receipt.provider, receipt.job_id, receipt.status
        )?;
    }
    out.flush()
}

/// The providers named, or every provider configured in the environment when none is; each
/// with `max_wait` as its retry deadline.
///
/// # Errors
/// Every provider whose settings are refused (or that is named but has no token), one line
/// each; or no provider configured at all.
pub(crate) fn providers(
    named: &[Provider],
    max_wait: Duration,
) -> anyhow::Result<Vec<Arc<dyn DeletionProvider>>> {
    let adjust = move |options: ProviderOptions| options.with_max_wait(max_wait);
    if named.is_empty() {
        let providers = ProvidersFromEnv::new()
            .adjusting(adjust)
            .with::<dropkit_maestroqa::Client>()
            .with::<dropkit_id5::Client>()
            .finish()?;
        if providers.is_empty() {
            anyhow::bail!(
                "no service provider is configured: set {} (and {}), or {}, {} (and {})",
                dropkit_maestroqa::TOKEN_ENV,
                dropkit_maestroqa::ENDPOINT_ENV,
                dropkit_id5::TOKEN_ENV,
                dropkit_id5::PARTNER_ENV,
                dropkit_id5::BASE_URL_ENV
            );
        }
        return Ok(providers);
    }
    let mut found = ProvidersFromEnv::new();
    let mut seen = Vec::new();
    for provider in named {
        if seen.contains(provider) {
            continue;
        }
        seen.push(*provider);
        // a named provider must be configured: its builder names the missing variable
        found = match provider {
            Provider::Maestroqa => found.with_result(
                dropkit_maestroqa::PROVIDER_NAME,
                dropkit_maestroqa::ClientBuilder::from_env()
                    .max_wait(max_wait)
                    .build()
                    .map(Some),
            ),
            Provider::Id5 => found.with_result(
                dropkit_id5::PROVIDER_NAME,
                dropkit_id5::ClientBuilder::from_env()
                    .max_wait(max_wait)
                    .build()
                    .map(Some),
            ),
        };
    }
    Ok(found.finish()?)
}

/// A single-threaded runtime: the providers send one request at a time.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The emails of `input`, one per line, trimmed; and a message naming the line for every line
/// that is empty or not UTF-8 (those are not sent, and make the exit code 1).
fn read_emails(mut input: impl std::io::BufRead) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut emails = Vec::new();
    let mut problems = Vec::new();
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let read = input
            .read_until(b'\n', &mut line)
            .context("cannot read standard input")?;
        if read == 0 {
            break;
        }
        number += 1;
        match std::str::from_utf8(&line) {
            Ok(text) if text.trim().is_empty() => {
                problems.push(format!("stdin:{number}: empty line, no email to send"));
            }
            Ok(text) => emails.push(text.trim().to_owned()),
            Err(_) => problems.push(format!("stdin:{number}: not UTF-8, not sent")),
        }
    }
    Ok((emails, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_trimmed_emails_and_names_bad_lines() {
        let input: &[u8] = b" a@example.com \r\n\nb@example.com\n\xff\xfe\nc@example.com";
        let (emails, problems) = read_emails(input).unwrap();
        assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
        assert_eq!(
            problems,
            [
                "stdin:2: empty line, no email to send",
                "stdin:4: not UTF-8, not sent"
            ]
        );
    }
}
