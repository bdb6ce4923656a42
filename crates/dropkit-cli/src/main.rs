//! `dropkit`: California DROP compliance from the shell.
//!
//! A thin layer over the dropkit library crates: each subcommand parses its arguments, calls
//! the crates and prints. Exit codes follow the contract in `docs/cli.md`: 0 success, 1 a
//! problem in the input or refused by a server, 2 a usage error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

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
    Cycle(cmd::cycle::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Cycle(args) => cmd::cycle::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dropkit: {err:#}");
            ExitCode::from(1)
        }
    }
}
