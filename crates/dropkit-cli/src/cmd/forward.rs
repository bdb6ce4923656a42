//! `dropkit forward`: send deletion requests for emails read from standard input to a service provider.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use drop_provider::{DeletionProvider, DeletionRequest, Jurisdiction};

use super::Provider;

/// Arguments of `dropkit forward`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The service provider.
    #[arg(long, value_enum)]
    pub(crate) provider: super::Provider,
    /// ID5 jurisdiction.
    #[arg(long, default_value = "CCPA")]
    pub(crate) jurisdiction: String,
    /// MaestroQA audit label.
    #[arg(long, value_name = "L")]
    pub(crate) audit_label: Option<String>,
}

/// Runs `dropkit forward`: one email per line on standard input (surrounding whitespace
/// trimmed), sent the provider's way (MaestroQA 5 per request within its rate limits, ID5 one
/// per request). Prints `provider<TAB>job id<TAB>status` per accepted job on standard output
/// and every failure on standard error, going on after a failure.
///
/// Exit code 0 when every email was accepted, 1 when any line could not be read or sent
/// (an empty line, a line that is not UTF-8, a refused email), 2 for a jurisdiction other than
/// CCPA or GDPR. Empty input sends nothing and exits 0.
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
    if args.audit_label.is_some() && args.provider == Provider::Id5 {
        eprintln!("dropkit forward: note: ID5 takes no audit label; --audit-label is not sent");
    }
    let provider = provider_from_env(args.provider)?;
    let mut request = DeletionRequest::new(emails).with_jurisdiction(jurisdiction);
    if let Some(label) = args.audit_label {
        request = request.with_audit_label(label);
    }
    let outcome = runtime()?.block_on(provider.request_deletion(&request));

    let mut out = std::io::stdout().lock();
    for receipt in &outcome.receipts {
        writeln!(
            out,
            "{}\t{}\t{}",
            receipt.provider, receipt.job_id, receipt.status
        )?;
    }
    out.flush()?;
    for failure in &outcome.failures {
        eprintln!(
            "dropkit forward: {}: {}",
            failure.emails.join(", "),
            failure.error
        );
    }
    Ok(exit_code(unreadable.is_empty() && outcome.is_complete()))
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

/// The provider configured by its environment variables: `MAESTROQA_API_TOKEN` and
/// `MAESTROQA_BASE_URL`, or `ID5_PARTNER_ID`, `ID5_TOKEN` and `ID5_BASE_URL` (optional).
pub(crate) fn provider_from_env(provider: Provider) -> anyhow::Result<Arc<dyn DeletionProvider>> {
    Ok(match provider {
        Provider::Maestroqa => Arc::new(
            maestroqa::ClientBuilder::from_env()
                .build()
                .context("cannot set up the MaestroQA client")?,
        ),
        Provider::Id5 => Arc::new(
            id5::ClientBuilder::from_env()
                .build()
                .context("cannot set up the ID5 client")?,
        ),
    })
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
