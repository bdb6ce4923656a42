//! A round: the steps in order, each skipped when the state says it is done.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dropkit_client::Client;
use dropkit_hash::ListType;
use dropkit_match::{DefaultRules, Rules};
use dropkit_provider::DeletionProvider;

use crate::ctx::Ctx;
use crate::exempt::Exemptions;
use crate::health::Health;
use crate::journal::Journal;
use crate::report::{CycleReport, Outcome};
use crate::state::{Review, RoundState, StateDir};
use crate::step::Flow;
use crate::{CycleError, Step, audit, preflight, steps};

/// A DROP round over one state directory: download → match → write the status files →
/// validate → upload → forward → report, run as a state machine over [`Step`].
///
/// [`Round::run`] may be called again after any error or crash: each step's result is saved in
/// the state directory before the next step starts, so the round resumes where it stopped,
/// without downloading or uploading anything twice; a provider request whose answer was lost
/// in a crash is the one thing sent again (see the crate docs); what a provider fails is carried
/// over to later runs and reported ([`CycleReport::forward_failures`]).
pub struct Round {
    client: Client,
    state_dir: PathBuf,
    records: PathBuf,
    mapping: dropkit_match::Mapping,
    providers: Vec<Arc<dyn DeletionProvider>>,
    max_rows_per_file: usize,
    download_wait: Duration,
    stop_after: Option<Step>,
    audit_label: String,
    on_step: Option<Arc<dyn Fn(Step) + Send + Sync>>,
    rules: Arc<dyn Rules + Send + Sync>,
    zip: Option<PathBuf>,
    unmatched_lists: Vec<ListType>,
    review: bool,
    exemptions: Option<Arc<Exemptions>>,
    connector: Option<Arc<dyn dropkit_connector::Connector>>,
    opt_out_policies: std::collections::BTreeMap<String, dropkit_provider::OptOutPolicy>,
    confirm: (dropkit_provider::poll::Backoff, Duration),
    sign_key: Option<dropkit_audit::SigningKey>,
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
    /// broker's records (CSV, or Parquet recognised by its content) at `records` with the
    /// column `mapping`.
    pub fn new(
        client: Client,
        state_dir: impl Into<PathBuf>,
        records: impl Into<PathBuf>,
        mapping: dropkit_match::Mapping,
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
            audit_label: String::new(),
            on_step: None,
            rules: Arc::new(DefaultRules),
            zip: None,
            unmatched_lists: Vec::new(),
            review: false,
            exemptions: None,
            connector: None,
            opt_out_policies: std::collections::BTreeMap::new(),
            confirm: (
                dropkit_provider::poll::Backoff::new(
                    Duration::from_secs(2),
                    Duration::from_secs(30),
                ),
                DEFAULT_CONFIRM_WAIT,
            ),
            sign_key: None,
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

    /// Ends the run with [`Outcome::StoppedAfter`] once `step` is done and saved, for
    /// example to review the status files before uploading. Running again goes on from
    /// there. Stopping after [`Step::Report`] on a finished round reports it again and does
    /// not start a new one.
    pub fn with_stop_after(mut self, step: Option<Step>) -> Self {
        self.stop_after = step;
        self
    }

    /// A prefix for the audit label sent with provider deletion requests where the provider
    /// takes one (the label itself names the DROP download and the work items).
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

    /// Adopts a ZIP the operator downloaded from the DROP portal by hand instead of
    /// downloading (the way out when DROP sent a batch whose ZIP never arrived): it must
    /// carry its DROP download name and be a readable archive; it is copied into the state
    /// directory. On a round that already has its ZIP, the same bytes are accepted and
    /// different bytes refused.
    pub fn with_zip(mut self, zip: Option<PathBuf>) -> Self {
        self.zip = zip;
        self
    }

    /// Lets `list` be answered 5 Not found although no mapped field can match it (by default
    /// such a list stops the round before anything is written); the report names it.
    pub fn with_unmatched_list(mut self, list: ListType) -> Self {
        if !self.unmatched_lists.contains(&list) {
            self.unmatched_lists.push(list);
        }
        self
    }

    /// Stops the round for a person's review once the status files are written, before
    /// anything is deleted, uploaded or forwarded ([`Outcome::AwaitingApproval`]); the round
    /// goes on only after [`approve`](crate::approve). Asking on a round already past the
    /// review step changes nothing.
    pub fn with_review(mut self, review: bool) -> Self {
        self.review = review;
        self
    }

    /// Exempts these consumers' data from deletion: a work item whose only matches are exempt
    /// is answered 2 Exempted (see [`Exemptions`]); the reasons go to the audit log.
    pub fn with_exemptions(mut self, exemptions: Exemptions) -> Self {
        let exemptions = Arc::new(exemptions);
        self.rules = exemptions.clone();
        self.exemptions = Some(exemptions);
        self
    }

    /// Deletes (or opts out) the matched records through `connector` before DROP is told:
    /// only the keys it confirms are claimed 3 or 4 (see `docs/connectors.md`). Without one,
    /// the matched records are the broker's to delete and the report says so.
    pub fn with_connector(mut self, connector: Arc<dyn dropkit_connector::Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    /// What `provider` (by name) is sent for opted-out (status 4) consumers: both MaestroQA
    /// and ID5 offer deletion only, so [`OptOutPolicy::SendAsDeletion`](dropkit_provider::OptOutPolicy)
    /// (the default) or `Skip`.
    pub fn with_opt_out_policy(
        mut self,
        provider: impl Into<String>,
        policy: dropkit_provider::OptOutPolicy,
    ) -> Self {
        self.opt_out_policies.insert(provider.into(), policy);
        self
    }

    /// How long the confirm step follows provider jobs (default [`DEFAULT_CONFIRM_WAIT`]),
    /// and the backoff between polls. Jobs still pending then are polled by later runs.
    pub fn with_confirm(
        mut self,
        backoff: dropkit_provider::poll::Backoff,
        wait: Duration,
    ) -> Self {
        self.confirm = (backoff, wait);
        self
    }

    /// Signs the attestation written when the round completes with this Ed25519 key
    /// (`dropkit cycle --sign-key FILE`; see `docs/audit.md`).
    pub fn with_sign_key(mut self, key: dropkit_audit::SigningKey) -> Self {
        self.sign_key = Some(key);
        self
    }

    /// Calls `observer` as each step starts (for a progress display).
    pub fn with_step_observer(mut self, observer: impl Fn(Step) + Send + Sync + 'static) -> Self {
        self.on_step = Some(Arc::new(observer));
        self
    }

    /// Runs the round from wherever its state directory says it stopped.
    ///
    /// The state directory is locked for the whole run (a second run on it fails at once
    /// with [`CycleError::Locked`]). The records file and the mapping are checked before
    /// anything is downloaded. Then each [`Step`] not yet done runs in turn, saving its result
    /// before the next starts.
    pub async fn run(&self) -> Result<CycleReport, CycleError> {
        let started = Instant::now();
        let dir = StateDir::open(&self.state_dir)?;
        let _lock = dir.lock()?;
        let result = self.run_locked(&dir, started).await;
        Health::record_run(&dir, result.as_ref().err());
        result
    }

    /// The round, once the state directory is locked.
    async fn run_locked(
        &self,
        dir: &StateDir,
        started: Instant,
    ) -> Result<CycleReport, CycleError> {
        let dir = dir.clone();
        let mut state = dir.load()?;
        if state.finished && !state.attested {
            // A crash between finishing and attesting: attest before anything else.
            audit::attest(&dir, &state, self.sign_key.as_ref())?;
            state.attested = true;
            dir.save(&state)?;
        }
        if state.finished {
            let own = match (&self.zip, &state.download) {
                // Two downloads of one day share a name: the bytes tell them apart.
                (Some(zip), Some(download)) if names(zip, Some(download)) => {
                    steps::download::same_bytes(zip, &dir.root().join(download.to_string()))?
                }
                _ => false,
            };
            if own {
                // The ZIP given is the finished round's own: nothing to do (never start a
                // new round with a batch already answered).
                let ctx = self.ctx(&dir);
                steps::download::confirm_adopted(&ctx, &state)?;
                return self.report(&dir, &state, Outcome::Finished, started);
            }
            if self.stop_after == Some(Step::Report) {
                // Asked to stop once the round is reported: it is; do not start the next.
                let outcome = Outcome::StoppedAfter { step: Step::Report };
                return self.report(&dir, &state, outcome, started);
            }
            // A new round: DROP delivers a new batch once the last one is complete.
            let archived = dir.archive(&state)?;
            tracing::info!(to = %archived.display(), "previous round archived");
            state = dir.load()?;
        }
        if !Step::Match.is_done(&state) {
            preflight::check_records(&self.records, &self.mapping)?;
        }
        if !Step::Download.is_done(&state) {
            preflight::check_known_lists(&dir, &self.mapping, &self.unmatched_lists)?;
        }
        if self.review && state.review.is_none() && state.deletion.is_none() {
            state.review = Some(Review {
                requested_at: crate::state::now(),
                approval: None,
            });
            dir.save(&state)?;
        }
        // (A state written before `exempt_keys` shows its exemptions by the pairs answered 2.)
        if let Some(m) = &state.matched
            && (m.exempt_keys > 0 || !m.exemptions.is_empty())
            && self.exemptions.is_none()
        {
            return Err(CycleError::ExemptionsMissing {
                keys: m.exempt_keys,
            });
        }
        let ctx = self.ctx(&dir);
        steps::download::confirm_adopted(&ctx, &state)?;
        for step in Step::ALL {
            if !step.is_done(&state) {
                tracing::info!(%step, "step starting");
                if let Some(observer) = &self.on_step {
                    observer(step);
                }
                // Entries go into the chain before the save that records their work.
                let ahead = Arc::new(audit::WriteAhead::new(&dir, step, &state));
                let hook = ahead.clone();
                let step_dir = dir.with_before_save(Arc::new(move |s| hook.before_save(s)));
                let step_ctx = self.ctx(&step_dir);
                let ran = step.run(&step_ctx, &mut state).await;
                // Every step that ran is in the audit chain, a failure too (a step that ended
                // without saving itself done, such as a forward with failures, is logged now).
                match &ran {
                    // Each "nothing new" answer is a DROP access of its own (the 45-day
                    // duty): always its own entry, never folded into the last one.
                    Ok(Flow::NoData(_)) => {
                        audit::append(&dir, audit::step_entry(step, "no-data", &state))?;
                    }
                    Ok(_) if !ahead.step_logged() => {
                        let entry = audit::step_entry(step, "done", &state);
                        if step.is_done(&state) {
                            // Saved done after this: a run killed before that save runs
                            // the step again, and its entry is not written twice.
                            audit::append_step_once(&dir, step, entry)?;
                        } else {
                            // Not done (a forward with failures): every attempt is recorded.
                            audit::append(&dir, entry)?;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => {
                        audit::append(&dir, audit::step_entry(step, "failed", &state))?;
                    }
                }
                match ran? {
                    Flow::Next => {}
                    Flow::NoData(message) => {
                        // Nothing new at DROP: still pass on what providers failed before, and
                        // follow the jobs still pending.
                        let forward_failures = steps::forward::retry_carried(&ctx).await?;
                        let jobs = steps::confirm::poll_pending(&ctx, None).await?;
                        let mut report = CycleReport::no_data(&dir, message, started.elapsed());
                        report.forward_failures = forward_failures;
                        if jobs != crate::state::ConfirmSummary::default() {
                            report.provider_jobs = Some(jobs);
                        }
                        return Ok(report);
                    }
                    Flow::AwaitApproval => {
                        let review = dir.root().join(steps::review::REVIEW_FILE);
                        let outcome = Outcome::AwaitingApproval { review };
                        return self.report(&dir, &state, outcome, started);
                    }
                }
            }
            if self.stop_after == Some(step) && step != Step::Report {
                let outcome = Outcome::StoppedAfter { step };
                return self.report(&dir, &state, outcome, started);
            }
        }
        if !state.attested {
            audit::attest(&dir, &state, self.sign_key.as_ref())?;
            state.attested = true;
            dir.save(&state)?;
        }
        self.report(&dir, &state, Outcome::Finished, started)
    }

    fn ctx<'a>(&'a self, dir: &'a StateDir) -> Ctx<'a> {
        Ctx {
            client: &self.client,
            dir,
            records: &self.records,
            mapping: &self.mapping,
            rules: self.rules.as_ref(),
            providers: &self.providers,
            zip: self.zip.as_deref(),
            unmatched_lists: &self.unmatched_lists,
            max_rows_per_file: self.max_rows_per_file,
            download_wait: self.download_wait,
            audit_label: &self.audit_label,
            exemptions: self.exemptions.as_deref(),
            connector: self.connector.as_deref(),
            opt_out_policies: &self.opt_out_policies,
            confirm: self.confirm,
        }
    }

    fn report(
        &self,
        dir: &StateDir,
        state: &RoundState,
        outcome: Outcome,
        started: Instant,
    ) -> Result<CycleReport, CycleError> {
        let journal = Journal::open(dir.root())?;
        Ok(CycleReport::from_state(
            dir,
            state,
            outcome,
            journal.accepted(),
            started.elapsed(),
        ))
    }
}

/// Whether the file at `zip` carries the name `download`.
fn names(zip: &std::path::Path, download: Option<&dropkit_files::ZipFileName>) -> bool {
    let given = zip.file_name().and_then(|n| n.to_str());
    matches!((given, download), (Some(g), Some(d)) if g == d.to_string())
}

/// How long the confirm step follows provider jobs by default.
pub const DEFAULT_CONFIRM_WAIT: Duration = Duration::from_secs(120);

/// Default row count above which a list's status file is split into suffixed parts.
pub const DEFAULT_MAX_ROWS_PER_FILE: usize = 1_000_000;
