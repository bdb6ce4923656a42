//! A round: the steps in order, each skipped when the state says it is done.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use drop_client::Client;
use drop_match::{DefaultRules, Rules};
use drop_provider::DeletionProvider;

use crate::journal::Journal;
use crate::report::CycleReport;
use crate::state::StateDir;
use crate::steps;
use crate::{CycleError, Step};

/// A DROP round over one state directory: download → match → write the status files →
/// validate → upload → forward → report.
///
/// [`Round::run`] may be called again after any error or crash: each step's result is saved in
/// the state directory before the next step starts, so the round resumes where it stopped,
/// without downloading or uploading anything twice; a provider request whose answer was lost
/// in a crash is the one thing sent again (see [`CycleError::Forward`] and the crate docs).
pub struct Round {
    client: Client,
    state_dir: PathBuf,
    records: PathBuf,
    mapping: drop_match::Mapping,
    providers: Vec<Arc<dyn DeletionProvider>>,
    max_rows_per_file: usize,
    download_wait: Duration,
    stop_after: Option<Step>,
    audit_label: String,
    on_step: Option<Arc<dyn Fn(Step) + Send + Sync>>,
    rules: Arc<dyn Rules + Send + Sync>,
}

impl std::fmt::Debug for Round {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Round")
            .field("client", &self.client)
            .field("state_dir", &self.state_dir)
            .field("records", &self.records)
            .field(
                "providers",
                &self.providers.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("max_rows_per_file", &self.max_rows_per_file)
            .field("stop_after", &self.stop_after)
            .finish_non_exhaustive()
    }
}

impl Round {
    /// A round downloading with `client`, keeping its state in `state_dir`, and matching the
    /// broker's records CSV at `records` with the column `mapping`.
    pub fn new(
        client: Client,
        state_dir: impl Into<PathBuf>,
        records: impl Into<PathBuf>,
        mapping: drop_match::Mapping,
    ) -> Self {
        Round {
            client,
            state_dir: state_dir.into(),
            records: records.into(),
            mapping,
            providers: Vec::new(),
            max_rows_per_file: DEFAULT_MAX_ROWS_PER_FILE,
            download_wait: Duration::from_secs(6 * 3600),
            stop_after: None,
            audit_label: "DROP deletion".to_owned(),
            on_step: None,
            rules: Arc::new(DefaultRules),
        }
    }

    /// Adds a service provider that deleted consumers' emails are forwarded to.
    pub fn with_provider(mut self, provider: Arc<dyn DeletionProvider>) -> Self {
        self.providers.push(provider);
        self
    }

    /// Splits a list's status file into suffixed parts above this many rows (default
    /// [`DEFAULT_MAX_ROWS_PER_FILE`]).
    pub fn with_max_rows_per_file(mut self, rows: usize) -> Self {
        self.max_rows_per_file = rows.max(1);
        self
    }

    /// How long to wait for DROP to prepare the package (default six hours).
    pub fn with_download_wait(mut self, wait: Duration) -> Self {
        self.download_wait = wait;
        self
    }

    /// Stops with [`CycleError::Stopped`] once `step` is done and saved, for example to
    /// review the status files before uploading. Running again goes on from there.
    pub fn with_stop_after(mut self, step: Option<Step>) -> Self {
        self.stop_after = step;
        self
    }

    /// The audit label sent with provider deletion requests where the provider takes one.
    pub fn with_audit_label(mut self, label: impl Into<String>) -> Self {
        self.audit_label = label.into();
        self
    }

    /// Replaces DROP's default matching rules (nothing exempt; one consumer Deleted, several
    /// Opted out), for example with an exemption rule.
    pub fn with_rules(mut self, rules: impl Rules + Send + Sync + 'static) -> Self {
        self.rules = Arc::new(rules);
        self
    }

    /// Calls `observer` as each step starts (for a progress display).
    pub fn with_step_observer(mut self, observer: impl Fn(Step) + Send + Sync + 'static) -> Self {
        self.on_step = Some(Arc::new(observer));
        self
    }

    /// Runs the round from wherever its state directory says it stopped.
    pub async fn run(&self) -> Result<CycleReport, CycleError> {
        let started = Instant::now();
        let dir = StateDir::open(&self.state_dir)?;
        let mut state = dir.load()?;
        if state.finished {
            // A new round: DROP delivers a new batch once the last one is complete.
            let archived = dir.archive(&state)?;
            tracing::info!(to = %archived.display(), "previous round archived");
            state = dir.load()?;
        }

        self.starting(Step::Download);
        let no_data =
            steps::download::run(&self.client, &dir, &mut state, self.download_wait).await?;
        if let Some(message) = no_data {
            // Nothing is saved: the next run asks DROP again.
            return Ok(CycleReport::no_data(&dir, message, started.elapsed()));
        }
        self.checkpoint(Step::Download)?;
        let zip = state
            .download
            .clone()
            .ok_or_else(|| CycleError::Unexpected("no download recorded".into()))?;

        self.starting(Step::Match);
        steps::matching::run(
            &dir,
            &mut state,
            &zip,
            &self.records,
            &self.mapping,
            self.rules.as_ref(),
            self.max_rows_per_file,
        )?;
        self.checkpoint(Step::Match)?;

        self.starting(Step::Validate);
        steps::validate::run(&dir, &mut state, &zip)?;
        self.checkpoint(Step::Validate)?;

        self.starting(Step::Upload);
        steps::upload::run(&self.client, &dir, &mut state).await?;
        self.checkpoint(Step::Upload)?;

        self.starting(Step::Forward);
        steps::forward::run(&dir, &self.providers, &self.audit_label).await?;
        self.checkpoint(Step::Forward)?;

        self.starting(Step::Report);
        if !state.finished {
            state.finished = true;
            dir.save(&state)?;
        }
        let journal = Journal::open(dir.root())?;
        let report = CycleReport::from_state(&dir, &state, journal.accepted(), started.elapsed());
        self.checkpoint(Step::Report)?;
        Ok(report)
    }

    fn starting(&self, step: Step) {
        tracing::info!(%step, "step starting");
        if let Some(observer) = &self.on_step {
            observer(step);
        }
    }

    fn checkpoint(&self, step: Step) -> Result<(), CycleError> {
        if self.stop_after == Some(step) {
            return Err(CycleError::Stopped(step));
        }
        Ok(())
    }
}

/// Default row count above which a list's status file is split into suffixed parts.
pub const DEFAULT_MAX_ROWS_PER_FILE: usize = 1_000_000;
