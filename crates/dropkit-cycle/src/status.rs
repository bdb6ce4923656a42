//! `dropkit status`: where a state directory stands against the 45-day duty.
//!
//! A broker must reach DROP at least every 45 days. [`status`] reads the state directory
//! (never changing it, never taking its lock) and says when DROP was last reached, when the
//! next access is due, how the current round stands and what failed; [`Level`] turns that
//! into the exit code a monitoring system checks: 0 all well, 1 due within 7 days or
//! something failed, 2 overdue (the highest applicable wins).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use dropkit_ledger::{JobState, ProviderJobRecord};

use crate::carried::PROVIDER_JOBS_FILE;
use crate::health::{Health, LastError};
use crate::state::{LEDGER_FILE, RoundState, STATE_FILE, read_json};
use crate::{CycleError, Step};

/// Days between two accesses to DROP the law allows.
pub const ACCESS_INTERVAL_DAYS: i64 = 45;
/// Days before the due date from which `status` warns.
pub const WARN_DAYS: i64 = 7;

/// How things stand, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// All is well (exit 0).
    Ok,
    /// The next access is due within [`WARN_DAYS`] days, or something failed (exit 1).
    Warning,
    /// The next access is overdue, or DROP was never reached (exit 2).
    Overdue,
}

impl Level {
    /// The exit code of `dropkit status`.
    pub const fn exit_code(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Overdue => 2,
        }
    }
}

/// The round in the state directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoundStatus {
    /// The round's download, if it has one.
    pub download: Option<String>,
    /// The step a run would take up next (`null` when the round is finished).
    pub step: Option<Step>,
    /// Whether the round is finished.
    pub finished: bool,
    /// Status files DROP has not answered yet.
    pub uploads_outstanding: u64,
}

/// Where a state directory stands. Serializes with the documented snake_case names; dates
/// as `YYYY-MM-DD`, instants as RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Status {
    /// The day of the check.
    pub today: String,
    /// The day DROP was last reached (a download, a "nothing new" answer, or a ZIP adopted
    /// from the portal), if ever.
    pub last_access: Option<String>,
    /// [`ACCESS_INTERVAL_DAYS`] after it.
    pub next_access_due: Option<String>,
    /// Days from today to the due date (negative when overdue).
    pub days_left: Option<i64>,
    /// The current round.
    pub round: RoundStatus,
    /// Work items of every download in the ledger not answered yet.
    pub work_items_unanswered: u64,
    /// Consumers whose forwarding to a provider has an unknown outcome (sent, no answer).
    pub forwards_pending: u64,
    /// Forwards a service provider has not acknowledged, carried over in the ledger and
    /// retried by every run.
    pub forwards_carried: u64,
    /// Provider deletion jobs still pending (stalled), polled again by every run, with their
    /// ids.
    pub provider_jobs_pending: Vec<ProviderJobRecord>,
    /// Provider deletion jobs of the current round that failed, with their ids.
    pub provider_jobs_failed: Vec<ProviderJobRecord>,
    /// Keys the broker's connector failed to delete in the current round.
    pub connector_failures: u64,
    /// The last run's error, if it failed.
    pub last_error: Option<LastError>,
    /// How things stand.
    pub level: Level,
    /// One line per reason for the level.
    pub reasons: Vec<String>,
}

/// Reads the state directory at `root` as of `today`. Refuses a directory that does not
/// exist (nothing is created).
pub fn status(root: &Path, today: Date) -> Result<Status, CycleError> {
    if !root.is_dir() {
        return Err(CycleError::io(
            root,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such state directory"),
        ));
    }
    let health = Health::load(root)?;
    let state: RoundState = read_json(&root.join(STATE_FILE))?;
    let last_access = health
        .last_access
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .map(|t| t.date());
    let due = last_access.map(|d| d + Duration::days(ACCESS_INTERVAL_DAYS));
    let days_left = due.map(|d| (d - today).whole_days());
    let work_items_unanswered = unanswered(root)?;
    let forwards_pending = pending_forwards(root)?;
    let round_name = state.download.as_ref().map(ToString::to_string);
    let work = provider_work(root, round_name.as_deref())?;

    let mut level = Level::Ok;
    let mut reasons = Vec::new();
    let mut raise = |to: Level, why: String, level: &mut Level| {
        *level = (*level).max(to);
        reasons.push(why);
    };
    match days_left {
        None => raise(
            Level::Overdue,
            "DROP was never reached from this state directory".into(),
            &mut level,
        ),
        Some(d) if d < 0 => raise(
            Level::Overdue,
            format!("the next DROP access was due {} days ago", -d),
            &mut level,
        ),
        Some(d) if d <= WARN_DAYS => raise(
            Level::Warning,
            format!("the next DROP access is due in {d} days"),
            &mut level,
        ),
        Some(_) => {}
    }
    if let Some(e) = &health.last_error {
        raise(
            Level::Warning,
            format!("the last run failed: {}", e.message),
            &mut level,
        );
    }
    let connector_failures = state.deletion.as_ref().map_or(0, |d| d.failed.len() as u64);
    if connector_failures > 0 {
        raise(
            Level::Warning,
            format!(
                "{connector_failures} record(s) the connector could not delete hold their lists"
            ),
            &mut level,
        );
    }
    if forwards_pending > 0 {
        raise(
            Level::Warning,
            format!("{forwards_pending} forward(s) to service providers have an unknown outcome"),
            &mut level,
        );
    }
    if work.forwards > 0 {
        raise(
            Level::Warning,
            format!(
                "{} forward(s) to service providers failed and are retried by every run",
                work.forwards
            ),
            &mut level,
        );
    }
    if let Some(e) = &work.legacy_unreadable {
        raise(
            Level::Warning,
            format!("an earlier release's provider work cannot be read: {e}"),
            &mut level,
        );
    }
    for job in &work.failed {
        raise(
            Level::Warning,
            format!(
                "provider job failed: {} {}: {}",
                job.provider, job.job, job.detail
            ),
            &mut level,
        );
    }
    let round = RoundStatus {
        download: state.download.as_ref().map(ToString::to_string),
        step: (!state.finished).then(|| Step::current(&state)).flatten(),
        finished: state.finished,
        uploads_outstanding: state.outstanding_uploads().count() as u64,
    };
    let ymd = |d: Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    Ok(Status {
        today: ymd(today),
        last_access: last_access.map(ymd),
        next_access_due: due.map(ymd),
        days_left,
        round,
        work_items_unanswered,
        forwards_pending,
        forwards_carried: work.forwards,
        provider_jobs_pending: work.pending,
        provider_jobs_failed: work.failed,
        connector_failures,
        last_error: health.last_error,
        level,
        reasons,
    })
}

/// Work items not answered yet, from the ledger (0 when there is none).
fn unanswered(root: &Path) -> Result<u64, CycleError> {
    let path = root.join(LEDGER_FILE);
    if !path.is_file() {
        return Ok(0);
    }
    let ledger = dropkit_ledger::Ledger::open_existing(&path)?;
    Ok(ledger.stats()?.total.unanswered)
}

/// Provider work under way, from the ledger.
#[derive(Default)]
struct ProviderWork {
    forwards: u64,
    pending: Vec<ProviderJobRecord>,
    failed: Vec<ProviderJobRecord>,
    /// Why an earlier release's files could not be read (they are then left out).
    legacy_unreadable: Option<String>,
}

/// Forwards carried over, jobs pending, and the current round's failed jobs, from the
/// ledger and from an earlier release's `pending-forwards.json` and `provider-jobs.json`
/// that no run has imported yet (the next run imports them; `status` only reads), each
/// forward and job counted once. Files that cannot be read are a warning, not a failure of
/// the check (the run that imports them stops on them and says so).
fn provider_work(root: &Path, round: Option<&str>) -> Result<ProviderWork, CycleError> {
    let mut work = ProviderWork::default();
    let mut forwards = BTreeSet::new();
    // Every job the ledger knows, whatever its state: a job of the files is counted once.
    let mut known = BTreeSet::new();
    let path = root.join(LEDGER_FILE);
    if path.is_file() {
        let ledger = dropkit_ledger::Ledger::open_existing(&path)?;
        for job in ledger.provider_jobs(None)? {
            known.insert((job.provider.clone(), job.job.clone()));
            match job.state {
                JobState::Pending => work.pending.push(job),
                JobState::Failed if round.is_some() && job.round.as_deref() == round => {
                    work.failed.push(job);
                }
                _ => {}
            }
        }
        forwards.extend(
            ledger
                .pending_forwards(None)?
                .into_iter()
                .map(|f| (f.provider, f.key)),
        );
    }
    // A crash between an import and its rename leaves a file whose entries are in the
    // ledger too: the sets keep each once.
    match crate::carried::legacy_pending(root) {
        Ok(legacy) => {
            forwards.extend(legacy.forwards);
            for (provider, job) in legacy.jobs {
                if known.insert((provider.clone(), job.clone())) {
                    let detail =
                        format!("carried over in {PROVIDER_JOBS_FILE} (the next run imports it)");
                    let record = ProviderJobRecord::pending_elsewhere(provider, job, detail);
                    work.pending.push(record);
                }
            }
        }
        Err(e) => work.legacy_unreadable = Some(e.to_string()),
    }
    work.forwards = forwards.len() as u64;
    Ok(work)
}

/// Consumers sent to a provider without a recorded answer, from the round's journal.
fn pending_forwards(root: &Path) -> Result<u64, CycleError> {
    Ok(crate::journal::Journal::in_flight_in(root)? as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::AccessKind;
    use crate::state::StateDir;

    fn date(y: i32, m: u8, d: u8) -> Date {
        Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn an_earlier_releases_provider_work_is_counted_once_and_left_in_place() {
        use crate::carried::{PENDING_FORWARDS_FILE, PROVIDER_JOBS_FILE};
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        Health::record_access(&sd, AccessKind::Download).unwrap();
        let forwards = r#"{"consumers": {"id5": [
            {"key": "c1", "emails": ["a@example.com"]},
            {"key": "c2", "emails": ["b@example.com"]}]},
            "unknown": {"id5": ["c2"]}}"#;
        let jobs = r#"{"pending": {"maestroqa": ["job-7"]}}"#;
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(PENDING_FORWARDS_FILE, forwards);
        write(PROVIDER_JOBS_FILE, jobs);

        // No ledger yet: the files alone, read and left as they are.
        let s = status(dir.path(), Date::MIN).unwrap();
        assert_eq!(s.forwards_carried, 2);
        let job = &s.provider_jobs_pending[..];
        assert_eq!(job.len(), 1, "{job:?}");
        assert_eq!(
            (job[0].provider.as_str(), job[0].job.as_str()),
            ("maestroqa", "job-7")
        );
        assert_eq!(s.level, Level::Warning, "{:?}", s.reasons);
        assert!(dir.path().join(PENDING_FORWARDS_FILE).is_file());
        assert!(dir.path().join(PROVIDER_JOBS_FILE).is_file());

        // A run imports them; a crash before the renames leaves the files too: counted once.
        drop(sd.ledger().unwrap());
        assert!(!dir.path().join(PENDING_FORWARDS_FILE).exists());
        write(PENDING_FORWARDS_FILE, forwards);
        write(PROVIDER_JOBS_FILE, jobs);
        let s = status(dir.path(), Date::MIN).unwrap();
        assert_eq!(s.forwards_carried, 2);
        assert_eq!(
            s.provider_jobs_pending.len(),
            1,
            "{:?}",
            s.provider_jobs_pending
        );
        assert!(
            !s.provider_jobs_pending[0].created_at.is_empty(),
            "the ledger's record is kept"
        );
    }

    #[test]
    fn an_unreadable_file_of_an_earlier_release_is_a_warning_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        Health::record_access(&sd, AccessKind::Download).unwrap();
        let file = dir.path().join(crate::carried::PENDING_FORWARDS_FILE);
        std::fs::write(&file, "{ not json").unwrap();
        let s = status(dir.path(), Date::MIN).unwrap();
        assert_eq!(s.level, Level::Warning);
        let reason = s.reasons.iter().find(|r| r.contains("earlier release"));
        assert!(
            reason.is_some_and(|r| r.contains("pending-forwards.json")),
            "{:?}",
            s.reasons
        );
    }

    #[test]
    fn the_level_follows_the_45_day_clock() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        // Never reached: overdue.
        let s = status(dir.path(), date(2026, 11, 30)).unwrap();
        assert_eq!(s.level, Level::Overdue);
        assert_eq!(s.level.exit_code(), 2);

        Health::record_access(&sd, AccessKind::Download).unwrap();
        let mut health = Health::load(dir.path()).unwrap();
        health.last_access = Some("2026-10-01T12:00:00Z".into());
        crate::state::write_json(&dir.path().join(crate::health::HEALTH_FILE), &health).unwrap();

        let s = status(dir.path(), date(2026, 10, 20)).unwrap();
        assert_eq!(s.next_access_due.as_deref(), Some("2026-11-15"));
        assert_eq!(s.days_left, Some(26));
        assert_eq!(s.level, Level::Ok, "{s:?}");
        let s = status(dir.path(), date(2026, 11, 8)).unwrap();
        assert_eq!((s.days_left, s.level), (Some(7), Level::Warning));
        let s = status(dir.path(), date(2026, 11, 16)).unwrap();
        assert_eq!((s.days_left, s.level), (Some(-1), Level::Overdue));

        // A failed run warns, even in good time.
        Health::record_run(&sd, Some(&CycleError::Unexpected("boom".into())));
        let s = status(dir.path(), date(2026, 10, 20)).unwrap();
        assert_eq!(s.level, Level::Warning);
        assert_eq!(s.last_error.unwrap().message, "boom");
        let json = serde_json::to_value(status(dir.path(), date(2026, 10, 20)).unwrap()).unwrap();
        assert_eq!(json["last_access"], "2026-10-01");
        assert_eq!(json["next_access_due"], "2026-11-15");
        assert_eq!(json["level"], "warning");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        assert!(status(&missing, date(2026, 11, 30)).is_err());
        assert!(!missing.exists());
    }
}
