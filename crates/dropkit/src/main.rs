//! `dropkit`: California DROP compliance from the shell.
//!
//! A thin layer over the dropkit library crates: each subcommand parses its arguments, calls
//! the crates and prints. Exit codes follow the contract in `docs/cli.md`: 0 success, 1 a
//! problem in the input or refused by a server, 2 a usage error.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit_entry;
mod cmd;
mod config;

/// California DROP compliance: hash, validate, download, match, upload, forward.
#[derive(Debug, Parser)]
#[command(name = "dropkit", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Standardize and hash values read from standard input, one per line.
    Hash(cmd::hash::Args),
    /// Check response files against a downloaded ZIP, as DROP would.
    Validate(cmd::validate::Args),
    /// List the files of a DROP ZIP, their row counts and any malformed rows.
    Inspect(cmd::inspect::Args),
    /// Download the current DROP ZIP, waiting while it is prepared.
    Download(cmd::download::Args),
    /// Upload status files for the current download.
    Upload(cmd::upload::Args),
    /// Amend status files already uploaded for the current download.
    Amend(cmd::amend::Args),
    /// Run a local DROP emulator for tests and demos.
    Emulator(cmd::emulator::Args),
    /// Send deletion requests for emails read from standard input to a service provider.
    Forward(cmd::forward::Args),
    /// Print the status of service-provider deletion jobs.
    ForwardStatus(cmd::forward_status::Args),
    /// Match broker records against a downloaded ZIP and write status files.
    Match(cmd::matching::Args),
    /// Run a whole DROP round: download, match, write, validate, upload, forward, report.
    Cycle(Box<cmd::cycle::Args>),
    /// Check the DROP key, TLS, records and mapping, provider tokens and the state directory,
    /// without starting a download.
    Doctor(cmd::doctor::Args),
    /// Approve a round stopped for review (`dropkit cycle --review`).
    Approve(cmd::approve::Args),
    /// Where a state directory stands against the 45-day duty (exit 0 ok, 1 warning, 2
    /// overdue): a check for monitoring.
    Status(cmd::status::Args),
    /// Check the audit chain of a state directory (`audit.jsonl`), offline.
    Audit(cmd::audit::Args),
    /// Check a round's attestation offline, or make a key pair to sign attestations.
    Attest(cmd::attest::Args),
    /// Screen a records file against every active DROP request in the ledger, without
    /// talking to DROP.
    Screen(cmd::screen::Args),
    /// The ledger of every DROP request: its figures, or its work items as Parquet.
    Ledger(cmd::ledger::Args),
    /// Print one SQL expression that standardizes and hashes a column as `dropkit hash` does
    /// (DuckDB, Spark SQL, PostgreSQL, BigQuery, Snowflake).
    Sql(cmd::sql::Args),
    /// The annual report: work items per list and status, days to answer, provider forwards,
    /// from the ledger, checked against the status files uploaded.
    Report(cmd::report::Args),
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    // A round's usage errors are refused before logging creates its state directory.
    if let Command::Cycle(args) = &mut cli.command {
        match cmd::cycle::prepare(args) {
            Ok(None) => {}
            Ok(Some(code)) => return code,
            Err(err) => {
                eprintln!("dropkit: {}", message(&err));
                return ExitCode::from(1);
            }
        }
    }
    let audit_log = match &cli.command {
        Command::Cycle(args) => Some(args.state_dir.join(AUDIT_LOG)),
        Command::Approve(args) if args.state_dir.is_dir() => Some(args.state_dir.join(AUDIT_LOG)),
        _ => None,
    };
    if let Err(err) = init_logging(audit_log.as_deref()) {
        eprintln!("dropkit: {}", message(&err));
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Command::Hash(args) => cmd::hash::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Download(args) => cmd::download::run(args),
        Command::Upload(args) => cmd::upload::run(args),
        Command::Amend(args) => cmd::amend::run(args),
        Command::Emulator(args) => cmd::emulator::run(args),
        Command::Forward(args) => cmd::forward::run(args),
        Command::ForwardStatus(args) => cmd::forward_status::run(args),
        Command::Match(args) => cmd::matching::run(args),
        Command::Cycle(args) => cmd::cycle::run(*args),
        Command::Doctor(args) => cmd::doctor::run(args),
        Command::Approve(args) => cmd::approve::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::Audit(args) => cmd::audit::run(args),
        Command::Attest(args) => cmd::attest::run(args),
        Command::Screen(args) => cmd::screen::run(args),
        Command::Ledger(args) => cmd::ledger::run(args),
        Command::Sql(args) => cmd::sql::run(args),
        Command::Report(args) => cmd::report::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dropkit: {}", message(&err));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined by `: `, each text once. Many errors already print their
/// source in their own text (`cannot open x.zip: No such file or directory (os error 2)` over
/// the OS error itself), and anyhow's `{:#}` would repeat it: a cause whose text is already in
/// the message is left out.
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// The audit trail `dropkit cycle` appends to in its state directory.
const AUDIT_LOG: &str = "audit.log";

/// Logs to standard error at the level `RUST_LOG` asks for (default: warnings), and for
/// `dropkit cycle` every request and step at `info` to `STATE_DIR/audit.log` too: the
/// timestamp, endpoint, status, file names and duration DROP asks integrators to keep
/// (never a key or token).
fn init_logging(audit_log: Option<&std::path::Path>) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::{EnvFilter, fmt};

    // Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org):
    // escape codes in a cron mail or a log file are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let stderr = fmt::layer()
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .with_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")));
    let audit = match audit_log {
        Some(path) => {
            // The state directory and its audit log identify consumers: 0700 and 0600.
            if let Some(dir) = path.parent() {
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder
                    .create(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            Some(
                fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(file))
                    .with_filter(EnvFilter::new("info")),
            )
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(stderr)
        .with(audit)
        .try_init()
        .context("setting up logging")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn each_text_of_an_error_chain_is_printed_once() {
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        // A cause whose text its context already holds.
        let err = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::NotFound))
            .context(format!("cannot open x.zip: {os}"))
            .context("cannot read the download");
        assert_eq!(
            message(&err),
            format!("cannot read the download: cannot open x.zip: {os}")
        );
        // Distinct texts are all kept, in order.
        let err = anyhow::anyhow!("disk gone").context("reading standard input");
        assert_eq!(message(&err), "reading standard input: disk gone");
    }
}
