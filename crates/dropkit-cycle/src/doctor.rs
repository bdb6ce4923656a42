//! `dropkit doctor`: check everything a round needs, without starting a download.
//!
//! An operator runs it after every key rotation and before the first scheduled round: the
//! DROP key (with a request that does not deliver a batch, like the portal's connectivity
//! check), TLS, the records file and its mapping, each configured provider's token, and the
//! state directory (not locked by a run, writable, its round state readable).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use dropkit_client::{Client, ConnectionCheck};
use dropkit_match::Mapping;
use dropkit_provider::{DeletionProvider, TokenCheck};

use crate::state::StateDir;
use crate::{CycleError, Step, preflight};

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// All good.
    Ok,
    /// Not checked (nothing to check, or no way to check it without side effects).
    Skipped,
    /// A round would fail on this.
    Failed,
}

impl Verdict {
    /// `ok`, `skip` or `FAIL`, as printed.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Skipped => "skip",
            Verdict::Failed => "FAIL",
        }
    }
}

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`drop key`, `records`, `provider id5`, `state directory`).
    pub subject: String,
    /// How it went.
    pub verdict: Verdict,
    /// What was found, or what to do.
    pub detail: String,
}

impl Check {
    fn new(subject: impl Into<String>, verdict: Verdict, detail: impl Into<String>) -> Self {
        Check {
            subject: subject.into(),
            verdict,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<4} {}: {}",
            self.verdict.as_str(),
            self.subject,
            self.detail
        )
    }
}

/// What the doctor looks at; each part is optional and skipped when absent.
#[derive(Debug, Default)]
pub struct Patient<'a> {
    /// The DROP client built from the environment, or why it could not be built (no key, a
    /// base URL that is not `https://`).
    pub client: Option<Result<Client, String>>,
    /// The records file and its mapping.
    pub records: Option<(&'a Path, &'a Mapping)>,
    /// The configured service providers.
    pub providers: Vec<Arc<dyn DeletionProvider>>,
    /// The state directory.
    pub state_dir: Option<&'a Path>,
}

/// Runs every check; no request delivers a batch or sends a deletion.
pub async fn examine(patient: &Patient<'_>) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(match &patient.client {
        None => Check::new(
            "drop key",
            Verdict::Failed,
            format!("{} is not set", dropkit_client::API_KEY_VAR),
        ),
        Some(Err(reason)) => Check::new("drop key", Verdict::Failed, reason.clone()),
        Some(Ok(client)) => match client.check_connection().await {
            Ok(answer) => Check::new(
                "drop key",
                Verdict::Ok,
                format!(
                    "DROP accepted the key at {} ({})",
                    client.base_url(),
                    connection_detail(&answer)
                ),
            ),
            Err(e) => Check::new("drop key", Verdict::Failed, e.to_string()),
        },
    });
    checks.push(match patient.records {
        None => Check::new("records", Verdict::Skipped, "no --records given"),
        Some((path, mapping)) => match preflight::check_records(path, mapping) {
            Ok(()) => Check::new(
                "records",
                Verdict::Ok,
                format!("{}: every mapped column is there", path.display()),
            ),
            Err(e) => Check::new("records", Verdict::Failed, e.to_string()),
        },
    });
    if patient.providers.is_empty() {
        checks.push(Check::new(
            "providers",
            Verdict::Skipped,
            "no service provider is configured",
        ));
    }
    for provider in &patient.providers {
        let subject = format!("provider {}", provider.name());
        checks.push(match provider.check_token().await {
            Ok(TokenCheck::Accepted) => Check::new(subject, Verdict::Ok, "the token is accepted"),
            Ok(TokenCheck::Unchecked { reason }) => Check::new(subject, Verdict::Skipped, reason),
            Ok(_) => Check::new(subject, Verdict::Skipped, "not checked"),
            Err(e) => Check::new(subject, Verdict::Failed, e.to_string()),
        });
    }
    checks.push(match patient.state_dir {
        None => Check::new("state directory", Verdict::Skipped, "none given"),
        Some(dir) => match state_dir(dir) {
            Ok(detail) => Check::new("state directory", Verdict::Ok, detail),
            Err(e) => Check::new("state directory", Verdict::Failed, e.to_string()),
        },
    });
    checks
}

fn connection_detail(answer: &ConnectionCheck) -> &'static str {
    match answer {
        ConnectionCheck::Connected => "a package is ready",
        ConnectionCheck::Preparing { .. } => "a package is being prepared",
        ConnectionCheck::BatchOutstanding => {
            "a batch was sent and is not complete yet: run `dropkit cycle` to finish it"
        }
        _ => "connected",
    }
}

/// Not locked by a run, writable, its round state readable: what step a run would take up.
fn state_dir(root: &Path) -> Result<String, CycleError> {
    let dir = StateDir::open(root)?;
    let lock = dir.lock()?;
    tempfile::NamedTempFile::new_in(dir.root()).map_err(|e| CycleError::io(dir.root(), e))?;
    let state = dir.load()?;
    drop(lock);
    Ok(match (state.finished, Step::current(&state)) {
        (true, _) | (_, None) => format!(
            "{}: writable; the last round is complete, the next run starts a new one",
            root.display()
        ),
        (false, Some(step)) if state.download.is_none() => format!(
            "{}: writable; the next run starts with the {step} step",
            root.display()
        ),
        (false, Some(step)) => format!(
            "{}: writable; the round of {} resumes at the {step} step",
            root.display(),
            state
                .download
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_key_and_a_locked_directory_fail_and_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("r.csv");
        std::fs::write(&records, "id,email\n").unwrap();
        let mapping: Mapping = "key=id,email=mail".parse().unwrap();
        let held = StateDir::open(dir.path().join("state"))
            .unwrap()
            .lock()
            .unwrap();
        let state = dir.path().join("state");
        let patient = Patient {
            client: None,
            records: Some((&records, &mapping)),
            providers: Vec::new(),
            state_dir: Some(&state),
        };
        let checks = examine(&patient).await;
        let lines: Vec<String> = checks.iter().map(ToString::to_string).collect();
        assert_eq!(checks[0].verdict, Verdict::Failed, "{lines:?}");
        assert!(lines[0].contains("DROP_API_KEY"), "{lines:?}");
        assert_eq!(checks[1].verdict, Verdict::Failed, "{lines:?}");
        assert!(lines[1].contains("no column named mail"), "{lines:?}");
        assert_eq!(checks[2].verdict, Verdict::Skipped, "{lines:?}");
        assert_eq!(checks[3].verdict, Verdict::Failed, "{lines:?}");
        assert!(
            lines[3].contains("in use by another dropkit run"),
            "{lines:?}"
        );
        drop(held);
        let checks = examine(&patient).await;
        assert_eq!(checks[3].verdict, Verdict::Ok, "{checks:?}");
        assert!(
            checks[3].detail.contains("starts with the download step"),
            "{checks:?}"
        );
    }
}
