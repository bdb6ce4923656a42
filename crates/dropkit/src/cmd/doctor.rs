//! `dropkit doctor`: check the DROP key, TLS, the records and mapping, each provider's token
//! and the state directory, without starting a download. One line per check; exit 1 if any
//! fails.

use std::path::PathBuf;
use std::process::ExitCode;

use dropkit_cycle::doctor::{Patient, Verdict, examine};

/// Arguments of `dropkit doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory to check (not locked by a run, writable, its round state readable).
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
    let runtime = tokio::runtime::Runtime::new()?;
    let checks = runtime.block_on(examine(&patient));
    let mut failed = false;
    for check in &checks {
        failed |= check.verdict == Verdict::Failed;
        println!("{check}");
    }
    for error in &provider_errors {
        failed = true;
        println!("{:<4} {error}", Verdict::Failed.as_str());
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
