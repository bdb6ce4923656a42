//! The named steps of a round, and the one place each is tied to its module.
//!
//! A round is a state machine: each step has a module under `steps/` with
//! `is_done(&RoundState) -> bool` and `run(&Ctx, &mut RoundState)`, and [`Round::run`]
//! (crate::Round::run) is a loop over [`Step::ALL`] that runs each step not yet done. Adding
//! a step means one variant here and one module.

use std::fmt;
use std::str::FromStr;

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::RoundState;
use crate::steps;

/// One step of a DROP round, in the order a round runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Download the ZIP (waiting through 202 and 429) into the state directory, or adopt
    /// one downloaded by hand.
    Download,
    /// Record the download in the ledger and apply its Removed list (importing the archived
    /// rounds of an older release first).
    Record,
    /// Check the mapping covers every list, match the records, write the status files and
    /// `matches.csv`.
    Match,
    /// Re-screen the records against every earlier work item still active (late matches).
    Screen,
    /// With `--review`: write `review.md` and wait for `dropkit approve` before anything
    /// leaves.
    Review,
    /// Validate the status files against the ZIP, completeness included.
    Validate,
    /// Delete (or opt out) the matched records through the broker's connector; only what it
    /// confirms is claimed to DROP.
    Delete,
    /// Upload each status file once, and record DROP's answers in the ledger.
    Upload,
    /// Forward the deleted consumers' emails to the service providers.
    Forward,
    /// Follow the providers' deletion jobs until they complete (pending ones are kept for
    /// later runs, never holding up the round).
    Confirm,
    /// Mark the round finished and report.
    Report,
}

/// What a step's run asks of the loop.
#[derive(Debug)]
pub(crate) enum Flow {
    /// Go on with the next step.
    Next,
    /// DROP has nothing new: end the run with DROP's message, saving nothing.
    NoData(String),
    /// The round waits for a person's approval: end the run.
    AwaitApproval,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 11] = [
        Step::Download,
        Step::Record,
        Step::Match,
        Step::Screen,
        Step::Review,
        Step::Validate,
        Step::Delete,
        Step::Upload,
        Step::Forward,
        Step::Confirm,
        Step::Report,
    ];

    /// The step's name (`download`, `match`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Download => "download",
            Step::Record => "record",
            Step::Match => "match",
            Step::Screen => "screen",
            Step::Review => "review",
            Step::Delete => "delete",
            Step::Validate => "validate",
            Step::Upload => "upload",
            Step::Forward => "forward",
            Step::Confirm => "confirm",
            Step::Report => "report",
        }
    }

    /// Whether `state` records this step as done (a resumed round skips it).
    pub fn is_done(self, state: &RoundState) -> bool {
        match self {
            Step::Download => steps::download::is_done(state),
            Step::Record => steps::record::is_done(state),
            Step::Match => steps::matching::is_done(state),
            Step::Screen => steps::screen::is_done(state),
            Step::Review => steps::review::is_done(state),
            Step::Delete => steps::delete::is_done(state),
            Step::Validate => steps::validate::is_done(state),
            Step::Upload => steps::upload::is_done(state),
            Step::Forward => steps::forward::is_done(state),
            Step::Confirm => steps::confirm::is_done(state),
            Step::Report => steps::report::is_done(state),
        }
    }

    /// The first step `state` does not record as done, if any.
    pub fn current(state: &RoundState) -> Option<Step> {
        Step::ALL.into_iter().find(|s| !s.is_done(state))
    }

    /// Runs the step, saving its result in the state directory before returning.
    pub(crate) async fn run(
        self,
        ctx: &Ctx<'_>,
        state: &mut RoundState,
    ) -> Result<Flow, CycleError> {
        match self {
            Step::Download => steps::download::run(ctx, state).await,
            Step::Record => steps::record::run(ctx, state).map(|()| Flow::Next),
            Step::Match => steps::matching::run(ctx, state).map(|()| Flow::Next),
            Step::Screen => steps::screen::run(ctx, state).map(|()| Flow::Next),
            Step::Review => steps::review::run(ctx, state),
            Step::Delete => steps::delete::run(ctx, state).await.map(|()| Flow::Next),
            Step::Validate => steps::validate::run(ctx, state).map(|()| Flow::Next),
            Step::Upload => steps::upload::run(ctx, state).await.map(|()| Flow::Next),
            Step::Forward => steps::forward::run(ctx, state).await.map(|()| Flow::Next),
            Step::Confirm => steps::confirm::run(ctx, state).await.map(|()| Flow::Next),
            Step::Report => steps::report::run(ctx, state).map(|()| Flow::Next),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned for a string that names no [`Step`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown step {0:?}: expected download, record, match, screen, review, validate, delete, upload, forward, confirm or report"
)]
pub struct ParseStepError(pub String);

impl FromStr for Step {
    type Err = ParseStepError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseStepError(s.to_owned()))
    }
}

impl serde::Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
