//! The state directory: what a round has done so far, saved atomically after every step.
//!
//! Layout (stable: other tools may re-check a round from the directory alone):
//!
//! ```text
//! STATE_DIR/
//!   state.json                  the round's progress (this module)
//!   <YYYYMMDD>_<id>_DROP.zip    the download, under its server-given name
//!   responses/<list file>.csv   every status file written, under its DROP name
//!   matches.csv                 Id,ListType,Key,Status for the broker's own deletion step
//!   forward.json                deleted consumers' emails, for the service providers
//!   forward-journal.jsonl       every deletion sent to a provider and its answer
//!   audit.log                   (dropkit cycle) every request and step, for the audit trail
//!   rounds/<ZIP name>/          each finished round, moved here when the next one starts
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::CycleError;

pub use crate::journal::JOURNAL_FILE;

/// File name of the progress record inside the state directory.
pub const STATE_FILE: &str = "state.json";
/// Subdirectory holding finished rounds, one directory each.
pub const ROUNDS_DIR: &str = "rounds";
/// Subdirectory holding the status files written for upload.
pub const RESPONSES_DIR: &str = "responses";
/// File name of the match report inside the state directory.
pub const MATCHES_FILE: &str = "matches.csv";
/// File name of the consumers to forward to service providers.
pub const FORWARD_FILE: &str = "forward.json";

/// The progress of one DROP round, as saved in `state.json`.
///
/// Each field is set once its step has finished and been saved; a resumed round skips every
/// step whose result is already here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoundState {
    /// File name of the downloaded ZIP inside the state directory, once downloaded.
    pub download: Option<String>,
    /// What matching found and wrote, once it has finished.
    pub matched: Option<MatchSummary>,
    /// Set once the status files have passed validation.
    pub validated: bool,
    /// Per status file: the upload's outcome, once DROP answered.
    pub uploads: BTreeMap<String, UploadRecord>,
    /// The status file being uploaded when the round stopped, if any: its upload may or may
    /// not have reached DROP.
    pub upload_in_flight: Option<String>,
    /// Set when the round is complete and reported.
    pub finished: bool,
}

/// What the match step found and wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSummary {
    /// Records read from the broker's file.
    pub records_read: u64,
    /// Records (or fields) that could not be used, each reported with its line.
    pub bad_rows: u64,
    /// Work items of the Removed file, dropped from matching.
    pub removed: u64,
    /// Per list (DROP's name): how its work items were answered.
    pub lists: BTreeMap<String, ListSummary>,
    /// The status files written, in upload order (names inside `responses/`).
    pub status_files: Vec<String>,
    /// Consumers whose data was deleted, to forward to the service providers.
    pub consumers_to_forward: u64,
}

/// How one list's work items were answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSummary {
    /// Work items in the list.
    pub work_items: u64,
    /// Answered 2, Exempted.
    pub exempted: u64,
    /// Answered 3, Deleted.
    pub deleted: u64,
    /// Answered 4, Opted out.
    pub opted_out: u64,
    /// Answered 5, Not found.
    pub not_found: u64,
}

/// What DROP answered for one uploaded status file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// `accepted`, or `already-received` when a retried upload met DROP's duplicate-name
    /// rejection (so the first attempt had arrived).
    pub outcome: String,
    /// The server's message.
    pub message: String,
    /// When the answer was recorded (RFC 3339, UTC).
    pub at: String,
}

/// The deletions a service provider accepted for one consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardRecord {
    /// The emails the provider accepted (a retry sends only the others).
    pub emails: Vec<String>,
    /// The provider's job ids (MaestroQA splits emails into requests of five).
    pub job_ids: Vec<String>,
    /// The status the provider reported when the job was created.
    pub status: String,
    /// When the receipt was recorded (RFC 3339, UTC).
    pub at: String,
}

/// The state directory of a round.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// Opens (creating if needed) the state directory at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, CycleError> {
        let root = root.into();
        let responses = root.join(RESPONSES_DIR);
        fs::create_dir_all(&responses).map_err(|e| CycleError::io(&responses, e))?;
        Ok(StateDir { root })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where status files are written.
    pub fn responses_dir(&self) -> PathBuf {
        self.root.join(RESPONSES_DIR)
    }

    /// Where the match report is written.
    pub fn matches_path(&self) -> PathBuf {
        self.root.join(MATCHES_FILE)
    }

    /// Where the consumers to forward are kept.
    pub fn forward_path(&self) -> PathBuf {
        self.root.join(FORWARD_FILE)
    }

    /// Loads `state.json`, or a fresh state when there is none yet.
    pub fn load(&self) -> Result<RoundState, CycleError> {
        read_json(&self.root.join(STATE_FILE))
    }

    /// Saves `state.json` atomically: a temporary file is written and synced, then renamed
    /// over the old one, so a crash leaves either the old or the new state, never a torn one.
    pub fn save(&self, state: &RoundState) -> Result<(), CycleError> {
        write_json(&self.root.join(STATE_FILE), state)
    }
}

/// Reads a JSON file of the state directory; a missing file is the default value.
pub(crate) fn read_json<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
) -> Result<T, CycleError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CycleError::State {
            path: path.to_owned(),
            message: e.to_string(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(CycleError::io(path, e)),
    }
}

/// Writes a JSON file of the state directory atomically (see [`write_atomically`]).
pub(crate) fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), CycleError> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| CycleError::State {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    write_atomically(path, &json)
}

impl StateDir {
    /// Moves a finished round's files into `rounds/<ZIP name without .zip>/` (or
    /// `rounds/no-data-<time>/`), so the next round starts clean and the finished one stays
    /// whole for audits. `state.json` moves last: a crash part-way leaves the finished state in
    /// place, and the next run archives what is left.
    pub fn archive(&self, state: &RoundState) -> Result<PathBuf, CycleError> {
        let label = match &state.download {
            Some(zip) => zip.trim_end_matches(".zip").to_owned(),
            None => format!("no-data-{}", now().replace(':', "")),
        };
        let rounds = self.root.join(ROUNDS_DIR);
        let mut target = rounds.join(&label);
        let mut n = 2;
        while target.join(STATE_FILE).exists() {
            target = rounds.join(format!("{label}-{n}"));
            n += 1;
        }
        fs::create_dir_all(&target).map_err(|e| CycleError::io(&target, e))?;
        let mut names = vec![
            RESPONSES_DIR.to_owned(),
            MATCHES_FILE.to_owned(),
            FORWARD_FILE.to_owned(),
            JOURNAL_FILE.to_owned(),
        ];
        names.extend(state.download.clone());
        names.push(STATE_FILE.to_owned());
        for name in names {
            let from = self.root.join(&name);
            let to = target.join(&name);
            if to.exists() && from.is_dir() {
                // An earlier archive stopped after moving this directory; the one here was
                // created empty since. `remove_dir` refuses a directory that is not empty.
                fs::remove_dir(&from).map_err(|e| CycleError::io(&from, e))?;
                continue;
            }
            match fs::rename(&from, &to) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(CycleError::io(&from, e)),
            }
        }
        let responses = self.responses_dir();
        fs::create_dir_all(&responses).map_err(|e| CycleError::io(&responses, e))?;
        Ok(target)
    }
}

/// Writes `bytes` to `path` through a synced temporary file in the same directory.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CycleError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CycleError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| CycleError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| CycleError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| CycleError::io(path, e.error))?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The current time as RFC 3339 UTC, for the audit fields of the state.
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_and_never_leaves_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path().join("nested/state")).unwrap();
        assert_eq!(sd.load().unwrap(), RoundState::default());
        let mut st = RoundState {
            download: Some("20261120_4821_DROP.zip".into()),
            ..RoundState::default()
        };
        st.uploads.insert(
            "20261120_4821_Email.csv".into(),
            UploadRecord {
                outcome: "accepted".into(),
                message: "ok".into(),
                at: now(),
            },
        );
        sd.save(&st).unwrap();
        assert_eq!(sd.load().unwrap(), st);
        let names: Vec<_> = fs::read_dir(sd.root())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"state.json".to_string()));
        assert!(names.contains(&"responses".to_string()));
    }

    #[test]
    fn a_finished_round_is_archived_whole_and_the_next_starts_clean() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        let st = RoundState {
            download: Some("20261120_4821_DROP.zip".into()),
            finished: true,
            ..RoundState::default()
        };
        fs::write(dir.path().join("20261120_4821_DROP.zip"), b"zip").unwrap();
        fs::write(
            sd.responses_dir().join("20261120_4821_Email.csv"),
            b"Id,Status\n",
        )
        .unwrap();
        fs::write(sd.matches_path(), b"Id,ListType,Key,Status\n").unwrap();
        sd.save(&st).unwrap();

        let archived = sd.archive(&st).unwrap();
        assert_eq!(archived, dir.path().join("rounds/20261120_4821_DROP"));
        assert!(archived.join("20261120_4821_DROP.zip").is_file());
        assert!(archived.join("responses/20261120_4821_Email.csv").is_file());
        assert!(archived.join(MATCHES_FILE).is_file());
        assert_eq!(StateDir::open(&archived).unwrap().load().unwrap(), st);
        assert_eq!(sd.load().unwrap(), RoundState::default());
        assert!(sd.responses_dir().is_dir());
        assert!(!dir.path().join("20261120_4821_DROP.zip").exists());

        // A second archive of the same name does not overwrite the first.
        sd.save(&st).unwrap();
        let again = sd.archive(&st).unwrap();
        assert_eq!(again, dir.path().join("rounds/20261120_4821_DROP-2"));
    }

    #[test]
    fn a_corrupt_state_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let sd = StateDir::open(dir.path()).unwrap();
        fs::write(dir.path().join(STATE_FILE), b"{ not json").unwrap();
        assert!(matches!(sd.load(), Err(CycleError::State { .. })));
    }
}
