//! `dropkit status`: where a state directory stands against the 45-day duty, for people and
//! for monitoring (exit 0 all well, 1 due within 7 days or something failed, 2 overdue).

use std::path::PathBuf;
use std::process::ExitCode;

use dropkit_cycle::status::{Level, status};

/// Arguments of `dropkit status`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// State directory to report on (read only; never created).
    #[arg(long, value_name = "DIR", default_value = "dropkit-state")]
    pub(crate) state_dir: PathBuf,
    /// Print JSON (field names in docs/cli.md).
    #[arg(long)]
    pub(crate) json: bool,
    /// Take this day (YYYY-MM-DD) as today, for tests and for "where will we stand on".
    #[arg(long, value_name = "YYYY-MM-DD", hide = true, value_parser = parse_date)]
    pub(crate) today: Option<time::Date>,
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).map_err(|e| format!("{s:?}: {e}"))
}

/// Runs `dropkit status`.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let today = args
        .today
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let s = match status(&args.state_dir, today) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dropkit: {e}");
            return Ok(ExitCode::from(Level::Overdue.exit_code()));
        }
    };
    if args.json {
        say!("{}", serde_json::to_string_pretty(&s)?)?;
    } else {
        let or_never = |v: &Option<String>| v.clone().unwrap_or_else(|| "never".to_owned());
        say!("state directory: {}", args.state_dir.display())?;
        say!("last DROP access: {}", or_never(&s.last_access))?;
        if let (Some(due), Some(days)) = (&s.next_access_due, s.days_left) {
            say!("next access due: {due} ({days} days left)")?;
        }
        match (&s.round.download, s.round.step) {
            (Some(zip), Some(step)) => say!("round {zip}: next step {step}")?,
            (Some(zip), None) => say!("round {zip}: complete")?,
            (None, _) => say!("no round in progress")?,
        }
        say!("work items unanswered: {}", s.work_items_unanswered)?;
        say!("forwards with an unknown outcome: {}", s.forwards_pending)?;
        say!(
            "forwards carried over (retried every run): {}",
            s.forwards_carried
        )?;
        for job in &s.provider_jobs_pending {
            say!(
                "provider job pending: {} {} {}",
                job.provider,
                job.job,
                job.detail
            )?;
        }
        if let Some(e) = &s.last_error {
            say!("last error ({}): {}", e.at, e.message)?;
        }
        for reason in &s.reasons {
            say!("{}: {reason}", level_name(s.level))?;
        }
        say!("status: {}", level_name(s.level))?;
    }
    Ok(ExitCode::from(s.level.exit_code()))
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Ok => "ok",
        Level::Warning => "warning",
        Level::Overdue => "overdue",
    }
}
