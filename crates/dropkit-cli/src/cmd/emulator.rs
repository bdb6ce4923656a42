//! `dropkit emulator`: run a local DROP emulator for tests and demos.

use std::process::ExitCode;

use anyhow::Context;
use drop_emulator::{Config, Emulator};

/// Arguments of `dropkit emulator`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// Number of synthetic consumers put in every list of the first download.
    #[arg(long, default_value_t = 25)]
    pub(crate) consumers: usize,
    /// Seed of the synthetic consumers and work item Ids (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

/// Runs `dropkit emulator` until Ctrl-C.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::new()
        .with_port(args.port)
        .with_seed(args.seed)
        .with_synthetic(args.seed, args.consumers);
    let emulator = Emulator::start(config)
        .await
        .context("cannot start the DROP emulator")?;
    let items = emulator.work_items().len();
    // The key is the emulator's own local test key, not a DROP key: printing it is the point.
    println!("DROP emulator listening on {}", emulator.base_url());
    println!("  export DROP_BASE_URL={}", emulator.base_url());
    println!("  export DROP_API_KEY={}", emulator.api_key());
    println!(
        "account 4821, all six lists, {items} work items from {} synthetic consumers (seed {}); Ctrl-C stops",
        args.consumers, args.seed
    );
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    let served = emulator.received().len();
    emulator.shutdown().await;
    println!("stopped after {served} requests");
    Ok(ExitCode::SUCCESS)
}
