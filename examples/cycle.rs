//! The whole DROP round from Rust, against the in-process DROP emulator: download, match,
//! write and validate the status files, upload, forward to a provider, report, and check
//! every status DROP received.
//!
//! `cargo run -p dropkit-examples --example cycle [STATE_DIR]`

use std::sync::Arc;

use dropkit_cycle::demo::{Demo, DemoOptions};
use dropkit_provider::DeletionProvider;
use dropkit_provider::testing::RecordingProvider;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let state_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "dropkit-example-state".to_owned());

    // Synthetic lists in the emulator and a synthetic records file sharing a known set of
    // consumers with them.
    let demo = Demo::start(&state_dir, DemoOptions::default()).await?;
    println!("DROP emulator at {}", demo.emulator().base_url());
    println!("records: {}", demo.records().display());

    // A provider that records what it is asked to delete. For real providers, build
    // `maestroqa` or `id5` clients and pass them here the same way.
    let provider = Arc::new(RecordingProvider::new("example-provider"));
    let round = demo
        .round()?
        .with_provider(provider.clone() as Arc<dyn DeletionProvider>);

    let report = round.run().await?;
    println!("{report}");
    println!(
        "the provider received {} deletion requests",
        provider.requests().len()
    );

    let check = demo.check();
    if !check.passed() {
        return Err(format!("unexpected statuses: {:?}", check.mismatches).into());
    }
    println!(
        "every one of {} work items got the expected status",
        check.work_items
    );
    Ok(())
}
