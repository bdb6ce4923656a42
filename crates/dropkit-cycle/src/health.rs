//! What `dropkit status` needs beyond the round's state: when DROP was last reached and how
//! the last run ended. Kept in `<state-dir>/health.json`, which stays at the top of the
//! directory across rounds (it is never archived).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::state::{StateDir, now, read_json, write_json};

/// File name of the health record inside the state directory.
pub const HEALTH_FILE: &str = "health.json";

/// How a run reached DROP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessKind {
    /// A ZIP was downloaded.
    Download,
    /// DROP answered that it had nothing new.
    NoData,
    /// A ZIP downloaded from the portal by hand was adopted (`--zip`).
    Portal,
}

/// The last error of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The error's message.
    pub message: String,
}

/// The health record of a state directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Health {
    /// When DROP was last reached successfully (RFC 3339, UTC).
    pub last_access: Option<String>,
    /// How.
    pub last_access_kind: Option<AccessKind>,
    /// When the last run ended (RFC 3339, UTC).
    pub last_run: Option<String>,
    /// The last run's error, if it failed; cleared by a run that does not fail.
    pub last_error: Option<LastError>,
}

impl Health {
    /// Reads the health record of the state directory at `root` (empty when there is none).
    pub fn load(root: &Path) -> Result<Health, CycleError> {
        read_json(&root.join(HEALTH_FILE))
    }

    /// Records a successful access to DROP now.
    pub(crate) fn record_access(dir: &StateDir, kind: AccessKind) -> Result<(), CycleError> {
        Health::record_access_in(dir.root(), kind)
    }

    /// Records a successful access to DROP made outside a round (a standalone `dropkit
    /// download` whose `--state-dir` is `root`): reaching DROP is what the 45-day duty
    /// counts, whichever command did it. The file is replaced atomically; it takes no
    /// state-directory lock, so a round finishing at the same instant may keep its own,
    /// equally recent, time instead.
    pub fn record_access_in(root: &Path, kind: AccessKind) -> Result<(), CycleError> {
        // An unreadable file is replaced: this access is the one to keep (the run's end
        // leaves such a file alone, so a round is never blocked by it).
        let mut health = Health::load(root).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the health file is unreadable: written anew");
            Health::default()
        });
        health.last_access = Some(now());
        health.last_access_kind = Some(kind);
        write_json(&root.join(HEALTH_FILE), &health)
    }

    /// Records how a run ended (best effort: a failure to write this never hides the run's
    /// own error).
    pub(crate) fn record_run(dir: &StateDir, error: Option<&CycleError>) {
        // An unreadable health file is left as it is: written over, it would lose the last
        // DROP access that `dropkit status` counts the 45 days from.
        let mut health = match Health::load(dir.root()) {
            Ok(health) => health,
            Err(e) => {
                tracing::warn!(error = %e, "could not record how the run ended");
                return;
            }
        };
        let at = now();
        health.last_error = error.map(|e| LastError {
            at: at.clone(),
            message: e.to_string(),
        });
        health.last_run = Some(at);
        if let Err(e) = write_json(&dir.root().join(HEALTH_FILE), &health) {
            tracing::warn!(error = %e, "could not record how the run ended");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_health_file_is_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(dir.path().join("state")).unwrap();
        let path = state.root().join(HEALTH_FILE);
        // Torn by a full disk, say: the last access in it must survive the next run's end.
        let torn = br#"{"last_access":"2026-11-20T10:00:00Z","last_acc"#;
        std::fs::write(&path, torn).unwrap();
        Health::record_run(&state, None);
        assert_eq!(std::fs::read(&path).unwrap(), torn);
        // The next access to DROP replaces it: never a round blocked by the file.
        Health::record_access(&state, AccessKind::Download).unwrap();
        assert!(Health::load(state.root()).unwrap().last_access.is_some());

        std::fs::remove_file(&path).unwrap();
        Health::record_run(&state, None);
        assert!(Health::load(state.root()).unwrap().last_run.is_some());
    }
}
