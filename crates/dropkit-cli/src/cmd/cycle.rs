//! `dropkit cycle`: run a whole DROP round: download, match, write, validate, upload,
//! forward, report. With no `DROP_API_KEY`, a demonstration round against the built-in
//! emulator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use drop_cycle::demo::{Demo, DemoCheck, DemoOptions};
use drop_cycle::{CycleError, CycleReport, Round, Step};
use drop_provider::DeletionProvider;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Arguments of `dropkit cycle`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory (created if missing); a stopped round resumes from it.
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// Print a machine-readable JSON summary on standard output.
    #[arg(long)]
    pub(crate) json: bool,
    /// The broker's records, a CSV with a header row (required with `DROP_API_KEY`).
    #[arg(long, value_name = "FILE")]
    pub(crate) records: Option<PathBuf>,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...] of the records (required with
    /// `DROP_API_KEY`); FIELD is key, email, phone, first_name, last_name, dob, zip, maid,
    /// ctvid or vin.
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub(crate) map: Vec<String>,
    /// Stop once this step is done (download, match, validate, upload, forward), for example
    /// to review the status files before uploading; run again to go on.
    #[arg(long, value_name = "STEP")]
    pub(crate) stop_after: Option<Step>,
    /// Split a list's status file into suffixed parts above this many rows.
    #[arg(long, value_name = "N", default_value_t = drop_cycle::DEFAULT_MAX_ROWS_PER_FILE)]
    pub(crate) max_rows_per_file: usize,
    /// How long to wait for DROP to prepare the download, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 6 * 3600)]
    pub(crate) download_wait: u64,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct JsonSummary<'a> {
    ok: bool,
    mode: &'static str,
    report: Option<&'a CycleReport>,
    check: Option<&'a DemoCheck>,
    error: Option<String>,
}

/// Runs `dropkit cycle`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    let demo = std::env::var("DROP_API_KEY").map_or(true, |k| k.trim().is_empty());
    if demo {
        runtime.block_on(run_demo(args))
    } else {
        runtime.block_on(run_live(args))
    }
}

async fn run_demo(args: Args) -> anyhow::Result<ExitCode> {
    if !args.json {
        eprintln!(
            "DROP_API_KEY is not set: running a demonstration round against the built-in DROP \
             emulator with synthetic data, in {}",
            args.state_dir.display()
        );
    }
    let options = DemoOptions {
        stop_after: args.stop_after,
        ..DemoOptions::default()
    };
    let demo = Demo::start(&args.state_dir, options).await?;
    let provider: Arc<dyn DeletionProvider> = Arc::new(
        drop_provider::testing::RecordingProvider::new("demo-provider"),
    );
    let progress = progress_bar(args.json);
    let round = demo
        .round()?
        .with_max_rows_per_file(args.max_rows_per_file)
        .with_provider(provider)
        .with_step_observer(observer(&progress));
    let result = round.run().await;
    progress.finish_and_clear();
    let check = result.as_ref().ok().map(|_| demo.check());
    finish(&args, "demo", result, check.as_ref())
}

async fn run_live(args: Args) -> anyhow::Result<ExitCode> {
    let (Some(records), false) = (&args.records, args.map.is_empty()) else {
        eprintln!(
            "dropkit: with DROP_API_KEY set, `dropkit cycle` needs --records FILE and --map FIELD=COLUMN,..."
        );
        return Ok(ExitCode::from(2));
    };
    if args.state_dir.join(drop_cycle::demo::DEMO_MARKER).exists() {
        eprintln!(
            "dropkit: {} holds a demonstration round; give a live round a state directory of its own",
            args.state_dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    let mapping = drop_match::Mapping::parse_specs(args.map.iter().map(String::as_str))?;
    let client = drop_client::Client::from_env()?;
    let progress = progress_bar(args.json);
    let mut round = Round::new(client, &args.state_dir, records, mapping)
        .with_stop_after(args.stop_after)
        .with_max_rows_per_file(args.max_rows_per_file)
        .with_download_wait(Duration::from_secs(args.download_wait))
        .with_step_observer(observer(&progress));
    for provider in providers_from_env()? {
        round = round.with_provider(provider);
    }
    let result = round.run().await;
    progress.finish_and_clear();
    finish(&args, "drop", result, None)
}

fn finish(
    args: &Args,
    mode: &'static str,
    result: Result<CycleReport, CycleError>,
    check: Option<&DemoCheck>,
) -> anyhow::Result<ExitCode> {
    // A stop the user asked for is not a failure.
    let stopped = matches!(result, Err(CycleError::Stopped(_)));
    let ok = (result.is_ok() || stopped) && check.is_none_or(DemoCheck::passed);
    if args.json {
        let summary = JsonSummary {
            ok,
            mode,
            report: result.as_ref().ok(),
            check,
            error: result.as_ref().err().map(ToString::to_string),
        };
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        match &result {
            Ok(report) => println!("{report}"),
            Err(CycleError::Stopped(step)) if mode == "demo" => println!(
                "stopped after {step} as asked; the demonstration's emulator ends with this \
                 process, so the demo starts afresh when run again"
            ),
            Err(CycleError::Stopped(step)) => {
                println!("stopped after {step} as asked; run again to go on")
            }
            Err(e) => eprintln!("dropkit: {e}"),
        }
        if let Some(check) = check {
            if check.passed() {
                println!(
                    "check: DROP received the expected status for all {} work items ({})",
                    check.work_items,
                    check
                        .expected
                        .iter()
                        .map(|(code, n)| format!("{n} × {code}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            } else {
                println!("check FAILED:");
                for line in check.mismatches.iter().chain(&check.duplicate_uploads) {
                    println!("  {line}");
                }
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A spinner naming the current step, shown only when standard error is a terminal (and
/// not with `--json`).
fn progress_bar(json: bool) -> ProgressBar {
    use std::io::IsTerminal as _;
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn observer(bar: &ProgressBar) -> impl Fn(Step) + Send + Sync + 'static {
    let bar = bar.clone();
    move |step| bar.set_message(format!("{step}…"))
}

/// The service providers configured in the environment: MaestroQA when
/// `MAESTROQA_API_TOKEN` is set, ID5 when `ID5_TOKEN` is set.
fn providers_from_env() -> anyhow::Result<Vec<Arc<dyn DeletionProvider>>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let mut providers: Vec<Arc<dyn DeletionProvider>> = Vec::new();
    if set("MAESTROQA_API_TOKEN") {
        providers.push(Arc::new(maestroqa::ClientBuilder::from_env().build()?));
    }
    if set("ID5_TOKEN") {
        providers.push(Arc::new(id5::ClientBuilder::from_env().build()?));
    }
    Ok(providers)
}
