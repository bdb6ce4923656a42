//! The named steps of a round.

use std::fmt;
use std::str::FromStr;

/// One step of a DROP round, in the order a round runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Download the ZIP (waiting through 202 and 429) into the state directory.
    Download,
    /// Open and check the ZIP, match the records, write the status files and `matches.csv`.
    Match,
    /// Validate the status files against the ZIP, completeness included.
    Validate,
    /// Upload each status file once.
    Upload,
    /// Forward the deleted consumers' emails to the service providers.
    Forward,
    /// Mark the round finished and report.
    Report,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 6] = [
        Step::Download,
        Step::Match,
        Step::Validate,
        Step::Upload,
        Step::Forward,
        Step::Report,
    ];

    /// The step's name (`download`, `match`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Download => "download",
            Step::Match => "match",
            Step::Validate => "validate",
            Step::Upload => "upload",
            Step::Forward => "forward",
            Step::Report => "report",
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
#[error("unknown step {0:?}: expected download, match, validate, upload, forward or report")]
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
