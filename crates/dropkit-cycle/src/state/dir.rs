//! The state directory: where a round keeps its files, saved atomically and privately.
//!
//! Layout (stable: other tools may re-check a round from the directory alone):
//!
//! ```text
//! STATE_DIR/                    0700: it holds personal data
//!   .lock                       held (OS advisory lock) by the run working here; holds its pid
//!   state.json                  the round's progress (crate::state)
//!   <YYYYMMDD>_<id>_DROP.zip    the download, under its server-given name
//!   responses/<list file>.csv   every status file written, under its DROP name
//!   ledger.sqlite               every work item, cancellation, answer, match and forward of
//!                               every round (dropkit-ledger); never archived
//!   matches.csv                 Id,ListType,Key,Status for the broker's own deletion step
//!   late-matches.csv            the same for records matching earlier, still active requests
//!   forward.json                deleted consumers' emails, for the service providers
//!   forward-journal.jsonl       every deletion sent to a provider and its answer (provider
//!                               jobs and forwards still pending are in the ledger)
//!   audit.log                   (dropkit cycle) every request and step, for the audit trail
//!   audit.jsonl                 the tamper-evident audit chain (dropkit-audit); never archived
//!   attestation.json, .md       the round's attestation when it completes (.sig: signed)
//!   rounds/<ZIP name>/          each finished round, moved here when the next one starts
//! ```
//!
//! Every file written here is created `0600` and every directory `0700` (on Unix), since the
//! ZIP, `matches.csv`, the journals and the logs identify consumers.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::{RoundState, STATE_VERSION};
use crate::CycleError;
use crate::journal::JOURNAL_FILE;
use crate::lock::StateLock;

/// The names shared with the readers of a state directory (`dropkit-report`): defined once in
/// `dropkit_files::layout`.
pub use dropkit_files::layout::{RESPONSES_DIR, ROUNDS_DIR, STATE_FILE};
/// File name of the match report inside the state directory.
pub const MATCHES_FILE: &str = "matches.csv";
/// File name of the late-match report inside the state directory (same columns as
/// [`MATCHES_FILE`]).
pub const LATE_MATCHES_FILE: &str = "late-matches.csv";
/// File name of the ledger inside the state directory: every work item of every round. It
/// stays at the top of the directory when a round is archived.
pub const LEDGER_FILE: &str = dropkit_ledger::LEDGER_FILE;
/// File name of the consumers to forward to service providers.
pub const FORWARD_FILE: &str = "forward.json";
/// File name of the lock a run holds on the state directory.
pub const LOCK_FILE: &str = ".lock";

/// The state directory of a round.
#[derive(Clone)]
pub struct StateDir {
    root: PathBuf,
    /// Run before every save of `state.json`, with the state about to be saved: the round
    /// appends the audit entries of the progress a save records, so that an entry is in the
    /// chain before the state says its work is done.
    before_save: Option<Arc<BeforeSave>>,
}

/// A hook run with the state about to be saved; an error stops the save.
pub(crate) type BeforeSave = dyn Fn(&RoundState) -> Result<(), CycleError> + Send + Sync;

impl std::fmt::Debug for StateDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDir")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl StateDir {
    /// Opens (creating if needed, `0700`) the state directory at `root`.
    ///
    /// Opening does not lock; a run that changes the directory takes [`StateDir::lock`] first.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, CycleError> {
        let root = root.into();
        if root.exists() && !root.is_dir() {
            return Err(CycleError::io(
                &root,
                std::io::Error::other("is a file, expected a directory"),
            ));
        }
        create_private_dir(&root)?;
        create_private_dir(&root.join(RESPONSES_DIR))?;
        Ok(StateDir {
            root,
            before_save: None,
        })
    }

    /// The same directory, running `hook` with the state before every save.
    pub(crate) fn with_before_save(&self, hook: Arc<BeforeSave>) -> StateDir {
        StateDir {
            root: self.root.clone(),
            before_save: Some(hook),
        }
    }

    /// Locks the directory for this process until the returned guard is dropped (or the
    /// process dies): a second run on the same directory is refused with
    /// [`CycleError::Locked`], naming the holder's pid, before it does anything.
    pub fn lock(&self) -> Result<StateLock, CycleError> {
        StateLock::acquire(&self.root)
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

    /// Where the late-match report is written.
    pub fn late_matches_path(&self) -> PathBuf {
        self.root.join(LATE_MATCHES_FILE)
    }

    /// Opens (creating or migrating) the ledger of this state directory. Provider work an
    /// earlier release kept in `pending-forwards.json` and `provider-jobs.json` is imported
    /// into it the first time (the files are then renamed `*.imported`).
    pub fn ledger(&self) -> Result<dropkit_ledger::Ledger, CycleError> {
        let mut ledger = dropkit_ledger::Ledger::open(self.root.join(LEDGER_FILE))?;
        crate::carried::import_legacy(&self.root, &mut ledger)?;
        Ok(ledger)
    }

    /// Where the consumers to forward are kept.
    pub fn forward_path(&self) -> PathBuf {
        self.root.join(FORWARD_FILE)
    }

    /// Loads `state.json`, or a fresh state when there is none yet. A state written by an
    /// older release is read as is; one written by a newer release is refused.
    pub fn load(&self) -> Result<RoundState, CycleError> {
        let path = self.root.join(STATE_FILE);
        let state: RoundState = read_json(&path)?;
        if state.version > STATE_VERSION {
            return Err(CycleError::State {
                path,
                message: format!(
                    "written by a newer dropkit (state format {}, this release reads up to {})",
                    state.version, STATE_VERSION
                ),
            });
        }
        Ok(state)
    }

    /// Saves `state.json` atomically, in this release's format: a temporary file is written
    /// and synced, then renamed over the old one, so a crash leaves either the old or the new
    /// state, never a torn one.
    pub fn save(&self, state: &RoundState) -> Result<(), CycleError> {
        if let Some(hook) = &self.before_save {
            hook(state)?;
        }
        let mut state = state.clone();
        state.version = STATE_VERSION;
        write_json(&self.root.join(STATE_FILE), &state)
    }

    /// Moves a finished round's files into `rounds/<ZIP name without .zip>/` (or
    /// `rounds/no-data-<time>/`), so the next round starts clean and the finished one stays
    /// whole for audits. `state.json` moves last: a crash part-way leaves the finished state in
    /// place, and the next run archives what is left.
    pub fn archive(&self, state: &RoundState) -> Result<PathBuf, CycleError> {
        let label = match &state.download {
            Some(zip) => zip.to_string().trim_end_matches(".zip").to_owned(),
            None => format!("no-data-{}", now().replace(':', "")),
        };
        let rounds = self.root.join(ROUNDS_DIR);
        let mut target = rounds.join(&label);
        let mut n = 2;
        while target.join(STATE_FILE).exists() {
            target = rounds.join(format!("{label}-{n}"));
            n += 1;
        }
        create_private_dir(&target)?;
        let mut names = vec![
            RESPONSES_DIR.to_owned(),
            MATCHES_FILE.to_owned(),
            LATE_MATCHES_FILE.to_owned(),
            FORWARD_FILE.to_owned(),
            JOURNAL_FILE.to_owned(),
            crate::steps::delete::DELETE_JOURNAL_FILE.to_owned(),
            crate::steps::review::REVIEW_FILE.to_owned(),
            dropkit_audit::ATTESTATION_FILE.to_owned(),
            dropkit_audit::SIGNATURE_FILE.to_owned(),
            dropkit_audit::ATTESTATION_MARKDOWN.to_owned(),
        ];
        names.extend(state.download.as_ref().map(ToString::to_string));
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
        create_private_dir(&self.responses_dir())?;
        Ok(target)
    }
}

/// Creates `dir` and its missing parents; the directory itself is made `0700` on Unix.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), CycleError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| CycleError::io(dir, e))
}

/// Makes a file written by another crate (a status file, `matches.csv`) private: `0600`.
pub(crate) fn make_private(path: &Path) -> Result<(), CycleError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))
            .map_err(|e| CycleError::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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

/// Writes `bytes` to `path` through a synced temporary file in the same directory (created
/// `0600`, as every temporary file of `tempfile` is), renamed over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CycleError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CycleError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| CycleError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| CycleError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| CycleError::io(path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename in `dir` durable (best effort: not every platform can sync a directory).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The current time as RFC 3339 UTC, for the audit fields of the state.
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
