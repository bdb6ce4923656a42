//! `dropkit cycle`: run a whole DROP round: download, match, write, validate, upload,
//! forward, report. With no `DROP_API_KEY`, a demonstration round against the built-in
//! emulator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dropkit_cycle::demo::{Demo, DemoCheck, DemoOptions};
use dropkit_cycle::{CycleError, CycleReport, Outcome, Round, Step};
use dropkit_hash::ListType;

use crate::config::Config;
use dropkit_provider::DeletionProvider;
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
    /// Run the demonstration round against the built-in DROP emulator with synthetic data
    /// (also the default when neither --records nor DROP_API_KEY is given).
    #[arg(long, conflicts_with_all = ["records", "map", "zip", "exempt", "config"])]
    pub(crate) demo: bool,
    /// The broker's records: a CSV with a header row, or a Parquet file (needs DROP_API_KEY).
    #[arg(long, value_name = "FILE")]
    pub(crate) records: Option<PathBuf>,
    /// Column mapping FIELD=COLUMN[,FIELD=COLUMN...] of the records (needs DROP_API_KEY);
    /// FIELD is key, email, phone, first_name, last_name, dob, zip, maid, ctvid or vin.
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub(crate) map: Vec<String>,
    /// Continue the round with a ZIP downloaded from the DROP portal by hand (when DROP sent
    /// the batch but the download was lost); it must keep its DROP name.
    #[arg(long, value_name = "FILE")]
    pub(crate) zip: Option<PathBuf>,
    /// Answer every work item of LIST 5 Not found although no mapped field can match it
    /// (otherwise such a list stops the round); repeatable. Only `not-found` is accepted.
    #[arg(long, value_name = "LIST=not-found", value_parser = parse_unmatched_list)]
    pub(crate) unmatched_list: Vec<ListType>,
    /// Stop for a person's review once the status files are written, before anything is
    /// deleted, uploaded or forwarded: writes `review.md` in the state directory and exits 0;
    /// the round goes on after `dropkit approve`.
    #[arg(long)]
    pub(crate) review: bool,
    /// A CSV `Key[,Reason]` of records exempt from deletion: a work item whose only matches
    /// are exempt is answered 2 Exempted; the reasons go to the audit log.
    #[arg(long, value_name = "FILE")]
    pub(crate) exempt: Option<PathBuf>,
    /// The broker's database, where matched records are deleted before DROP is told:
    /// `postgres://…` or `sqlite://…` (default: `DROPKIT_DATABASE_URL`; a password belongs
    /// there, never in a file).
    #[arg(
        long,
        value_name = "URL",
        env = "DROPKIT_DATABASE_URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<String>,
    /// The delete statement, `$1` the record key (with --database-url).
    #[arg(long, value_name = "SQL")]
    pub(crate) delete_sql: Option<String>,
    /// The opt-out statement for status-4 consumers, `$1` the record key (default: delete
    /// them).
    #[arg(long, value_name = "SQL")]
    pub(crate) opt_out_sql: Option<String>,
    /// A command that deletes: it reads `Key,ListType,Id,Action` CSV on standard input and
    /// answers `Key,Result` (`done` or `failed`) on standard output, exit 0.
    #[arg(long, value_name = "CMD", conflicts_with_all = ["delete_sql", "opt_out_sql"])]
    pub(crate) delete_command: Option<String>,
    /// Per provider, what opted-out (status 4) consumers are sent as: PROVIDER=send-as-deletion
    /// (the default) or PROVIDER=skip; repeatable (both providers offer deletion only).
    #[arg(long, value_name = "PROVIDER=POLICY", value_parser = parse_opt_out)]
    pub(crate) opt_out_policy: Vec<(String, dropkit_provider::OptOutPolicy)>,
    /// Sign each round's attestation (`attestation.json`) with this Ed25519 private key
    /// (PKCS#8 PEM, as `dropkit attest keygen` or openssl write it).
    #[arg(long, value_name = "FILE")]
    pub(crate) sign_key: Option<PathBuf>,
    /// Stop once this step is done (download, record, match, screen, validate, upload, forward,
    /// report), for example to review the status files before uploading; run again to go on.
    #[arg(long, value_name = "STEP")]
    pub(crate) stop_after: Option<Step>,
    /// Split a list's status file into suffixed parts above this many rows.
    #[arg(long, value_name = "N", default_value_t = dropkit_cycle::DEFAULT_MAX_ROWS_PER_FILE)]
    pub(crate) max_rows_per_file: usize,
    /// How long to wait for DROP to prepare the download, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 6 * 3600)]
    pub(crate) download_wait: u64,
    /// Total time one request may spend retrying 429, 5xx and network failures, in seconds
    /// (default 21600, six hours).
    #[arg(long, value_name = "SECONDS")]
    pub(crate) max_wait: Option<u64>,
    /// Settings file (TOML; default `dropkit.toml` in the current directory when present):
    /// records, mapping, exemptions, review, unmatched lists, connector, providers. Flags
    /// override it; secrets come from the environment only.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
}

impl Args {
    /// The retry deadline of one request.
    fn max_wait(&self) -> Duration {
        Duration::from_secs(self.max_wait.unwrap_or(DEFAULT_MAX_WAIT_SECS))
    }

    /// Fills what the flags left unset from the settings file; flags win.
    fn apply(&mut self, config: Config) -> anyhow::Result<()> {
        if self.records.is_none() {
            self.records = config.records;
        }
        if self.map.is_empty() {
            self.map.extend(config.map);
        }
        if self.exempt.is_none() {
            self.exempt = config.exempt;
        }
        self.review |= config.review.unwrap_or(false);
        if self.unmatched_list.is_empty() {
            for list in &config.unmatched_lists {
                self.unmatched_list.push(list.parse().map_err(|e| {
                    anyhow::anyhow!("settings file: unmatched_lists: {list:?}: {e}")
                })?);
            }
        }
        if self.max_wait.is_none() {
            self.max_wait = config.max_wait_seconds;
        }
        if self.opt_out_policy.is_empty() {
            for (provider, settings) in config.providers {
                if let Some(policy) = settings.opt_out {
                    self.opt_out_policy.push((
                        provider.clone(),
                        policy.parse().map_err(|e| {
                            anyhow::anyhow!("settings file: providers.{provider}.opt_out: {e}")
                        })?,
                    ));
                }
            }
        }
        if let Some(c) = config.connector {
            if self.database_url.is_none() {
                self.database_url = c.database_url;
            }
            if self.delete_sql.is_none() && self.delete_command.is_none() {
                self.delete_sql = c.delete_sql;
                self.opt_out_sql = self.opt_out_sql.take().or(c.opt_out_sql);
                self.delete_command = c.command;
            }
        }
        Ok(())
    }
}

/// The default retry deadline of one request: long enough for an unattended run to ride
/// out an outage of a few hours.
const DEFAULT_MAX_WAIT_SECS: u64 = 6 * 3600;

/// Parses `PROVIDER=send-as-deletion|skip`.
fn parse_opt_out(value: &str) -> Result<(String, dropkit_provider::OptOutPolicy), String> {
    let (provider, policy) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?}: expected PROVIDER=send-as-deletion or PROVIDER=skip"))?;
    Ok((
        provider.to_owned(),
        policy.parse().map_err(|e| format!("{value:?}: {e}"))?,
    ))
}

/// Parses `LIST=not-found`.
fn parse_unmatched_list(value: &str) -> Result<ListType, String> {
    let (list, answer) = value
        .split_once('=')
        .ok_or_else(|| format!("{value:?}: expected LIST=not-found, like Phone=not-found"))?;
    if answer != "not-found" {
        return Err(format!(
            "{value:?}: the only answer for an unmatched list is not-found"
        ));
    }
    list.parse::<ListType>().map_err(|e| e.to_string())
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

/// Reads the settings file into `args` and refuses what must never start a round; returns
/// the exit code when the command must stop here, before anything (the state directory, its
/// audit log) is created.
///
/// The demonstration round runs with `--demo`, or when neither `--records` nor
/// `DROP_API_KEY` is given; `--records` or `--map` without a key (an empty key is no key) is
/// a usage error, so a misconfigured job never silently runs a demo.
pub(crate) fn prepare(args: &mut Args) -> anyhow::Result<Option<ExitCode>> {
    if !args.demo {
        match Config::load(args.config.as_deref()) {
            Ok(Some(config)) => args.apply(config)?,
            Ok(None) => {}
            Err(e) => {
                eprintln!("dropkit: {e}");
                return Ok(Some(ExitCode::from(1)));
            }
        }
    }
    let live_args = args.records.is_some() || !args.map.is_empty() || args.zip.is_some();
    if !args.demo && !has_key() && live_args {
        eprintln!(
            "dropkit: --records, --map and --zip run a round against DROP, which needs {} \
             (it is not set or empty); use --demo for a demonstration round",
            dropkit_client::API_KEY_VAR
        );
        return Ok(Some(ExitCode::from(2)));
    }
    Ok(None)
}

/// Whether `DROP_API_KEY` holds a key (an empty or blank one is none).
fn has_key() -> bool {
    std::env::var(dropkit_client::API_KEY_VAR).is_ok_and(|k| !k.trim().is_empty())
}

/// Runs `dropkit cycle` (after [`prepare`]).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let has_key = has_key();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.demo || !has_key {
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
        dropkit_provider::testing::RecordingProvider::new("demo-provider"),
    );
    let progress = progress_bar(args.json);
    let round = demo
        .round()?
        .with_review(args.review)
        .with_max_rows_per_file(args.max_rows_per_file)
        .with_provider(provider)
        .with_step_observer(observer(&progress));
    let result = round.run().await;
    progress.finish_and_clear();
    let check = result
        .as_ref()
        .ok()
        .filter(|r| r.outcome == Outcome::Finished)
        .map(|_| demo.check());
    finish(&args, "demo", result, check.as_ref())
}

async fn run_live(args: Args) -> anyhow::Result<ExitCode> {
    let (Some(records), false) = (&args.records, args.map.is_empty()) else {
        eprintln!(
            "dropkit: with DROP_API_KEY set, `dropkit cycle` needs --records FILE and --map FIELD=COLUMN,..."
        );
        return Ok(ExitCode::from(2));
    };
    if args
        .state_dir
        .join(dropkit_cycle::demo::DEMO_MARKER)
        .exists()
    {
        eprintln!(
            "dropkit: {} holds a demonstration round; give a live round a state directory of its own",
            args.state_dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    let mapping = dropkit_match::Mapping::parse_specs(args.map.iter().map(String::as_str))?;
    let client = dropkit_client::ClientBuilder::from_env()
        .max_wait(args.max_wait())
        .build()?;
    let progress = progress_bar(args.json);
    let mut round = Round::new(client, &args.state_dir, records, mapping)
        .with_zip(args.zip.clone())
        .with_review(args.review)
        .with_stop_after(args.stop_after)
        .with_max_rows_per_file(args.max_rows_per_file)
        .with_download_wait(Duration::from_secs(args.download_wait))
        .with_step_observer(observer(&progress));
    match connector(&args).await {
        Ok(Some(connector)) => round = round.with_connector(connector),
        Ok(None) => {}
        Err(e) => {
            eprintln!("dropkit: {e}");
            return Ok(ExitCode::from(1));
        }
    }
    if let Some(path) = &args.sign_key {
        round = round.with_sign_key(dropkit_audit::read_signing_key(path)?);
    }
    for (provider, policy) in &args.opt_out_policy {
        round = round.with_opt_out_policy(provider.clone(), *policy);
    }
    if let Some(exempt) = &args.exempt {
        round = round.with_exemptions(dropkit_cycle::Exemptions::from_csv(exempt)?);
    }
    for list in &args.unmatched_list {
        round = round.with_unmatched_list(*list);
    }
    let providers = match super::providers::from_env(args.max_wait()) {
        Ok(providers) => providers,
        Err(e) => {
            eprintln!("dropkit: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    for provider in providers {
        round = round.with_provider(provider);
    }
    let result = round.run().await;
    progress.finish_and_clear();
    finish(&args, "drop", result, None)
}

/// The broker's deletion connector from the flags (or the settings file), if any.
async fn connector(args: &Args) -> anyhow::Result<Option<Arc<dyn dropkit_connector::Connector>>> {
    if let Some(command) = &args.delete_command {
        return Ok(Some(Arc::new(dropkit_connector::CommandConnector::new(
            command,
        ))));
    }
    match (&args.database_url, &args.delete_sql) {
        (Some(url), Some(delete)) => {
            let sql =
                dropkit_connector::SqlConnector::connect(url, delete, args.opt_out_sql.as_deref())
                    .await?;
            Ok(Some(Arc::new(sql)))
        }
        (None, Some(_)) => {
            anyhow::bail!("--delete-sql needs --database-url (or DROPKIT_DATABASE_URL)")
        }
        _ => Ok(None),
    }
}

fn finish(
    args: &Args,
    mode: &'static str,
    result: Result<CycleReport, CycleError>,
    check: Option<&DemoCheck>,
) -> anyhow::Result<ExitCode> {
    // A provider that failed does not hold up the round, but the run says so with exit 1.
    let ok = result
        .as_ref()
        .is_ok_and(|report| report.forward_failures.is_empty())
        && check.is_none_or(DemoCheck::passed);
    if args.json {
        let summary = JsonSummary {
            ok,
            mode,
            report: result.as_ref().ok(),
            check,
            error: result.as_ref().err().map(ToString::to_string),
        };
        say!("{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        match &result {
            Ok(report) => {
                say!("{report}")?;
                if mode == "demo"
                    && matches!(report.outcome, Outcome::StoppedAfter { step } if step != Step::Report)
                {
                    say!(
                        "the demonstration's emulator ends with this process, so the demo \
                         starts afresh when run again"
                    )?;
                }
            }
            Err(e) => eprintln!("dropkit: {e}"),
        }
        if let Some(check) = check {
            if check.passed() {
                say!(
                    "check: DROP received the expected status for all {} work items ({})",
                    check.work_items,
                    check
                        .expected
                        .iter()
                        .map(|(code, n)| format!("{n} × {code}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
            } else {
                say!("check FAILED:")?;
                for line in check.mismatches.iter().chain(&check.duplicate_uploads) {
                    say!("  {line}")?;
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
