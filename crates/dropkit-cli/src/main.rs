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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => cmd::hash::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dropkit: {err:#}");
            ExitCode::from(1)
        }
    }
}
