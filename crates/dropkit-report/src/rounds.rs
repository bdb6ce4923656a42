//! The rounds a state directory keeps: the current one at its top, each finished one under
//! `rounds/<ZIP name>/`, with its `state.json` and the status files under `responses/`.
//!
//! Only the few `state.json` fields a report needs are read (`download`, `uploads`,
//! `confirmed`), each optional: a state written by an earlier or a later dropkit release is
//! read as far as it goes. The layout is dropkit-cycle's (see its `state` module); this crate
//! does not depend on dropkit-cycle, so that reading the records never needs the round's
//! network stack.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};

use dropkit_files::{ListFileName, StatusReader};
use serde::Deserialize;
use sha2::Digest as _;

use crate::error::ReportError;

/// The state directory's layout, as dropkit-cycle writes it (one definition, in dropkit-files).
pub use dropkit_files::layout::{RESPONSES_DIR, ROUNDS_DIR, STATE_FILE};

/// What a report reads of a round's `state.json`.
#[derive(Debug, Default, Deserialize)]
struct StateView {
    #[serde(default)]
    download: Option<String>,
    #[serde(default)]
    uploads: BTreeMap<String, UploadView>,
    #[serde(default)]
    confirmed: Option<ConfirmView>,
}

#[derive(Debug, Default, Deserialize)]
struct UploadView {
    #[serde(default)]
    at: String,
}

#[derive(Debug, Default, Deserialize)]
struct ConfirmView {
    #[serde(default)]
    completed: u64,
    #[serde(default)]
    failed: Vec<JobView>,
    #[serde(default)]
    pending: Vec<JobView>,
}

#[derive(Debug, Default, Deserialize)]
struct JobView {
    #[serde(default)]
    provider: String,
}

/// One round directory with a download.
#[derive(Debug, Clone)]
pub(crate) struct RoundDir {
    /// The directory (the state directory itself for the current round).
    pub(crate) dir: PathBuf,
    /// The download's name.
    pub(crate) download: String,
    /// The status files DROP answered, in upload order.
    pub(crate) uploaded: Vec<String>,
    /// Provider jobs the round saw completed.
    pub(crate) jobs_completed: u64,
    /// Per provider: jobs the round saw fail.
    pub(crate) jobs_failed: BTreeMap<String, u64>,
    /// Per provider: jobs still pending when the round ended.
    pub(crate) jobs_pending: BTreeMap<String, u64>,
}

/// The answers of a round's uploaded status files: per list, per status code (2 to 5), the
/// work items whose last answer it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct UploadedAnswers {
    /// List type → status code → work items.
    pub(crate) lists: BTreeMap<String, BTreeMap<u8, u64>>,
    /// Work items answered.
    pub(crate) work_items: u64,
}

/// Every round directory of `state_dir` that names a download: the current round first, then
/// the finished ones in name order.
pub(crate) fn round_dirs(state_dir: &Path) -> Result<Vec<RoundDir>, ReportError> {
    let mut dirs = vec![state_dir.to_owned()];
    let rounds = state_dir.join(ROUNDS_DIR);
    match std::fs::read_dir(&rounds) {
        Ok(entries) => {
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| ReportError::io(&rounds, e))?;
                let path = entry.path();
                if path.join(STATE_FILE).is_file() {
                    found.push(path);
                }
            }
            found.sort();
            dirs.extend(found);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ReportError::io(&rounds, e)),
    }
    let mut out = Vec::new();
    for dir in dirs {
        if let Some(round) = read_round(&dir)? {
            out.push(round);
        }
    }
    Ok(out)
}

/// Reads the round in `dir`; `None` when it has no `state.json` or no download.
fn read_round(dir: &Path) -> Result<Option<RoundDir>, ReportError> {
    let path = dir.join(STATE_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ReportError::io(&path, e)),
    };
    let state: StateView = serde_json::from_slice(&bytes).map_err(|e| ReportError::State {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let Some(download) = state.download else {
        return Ok(None);
    };
    let mut uploaded: Vec<(String, String)> = state
        .uploads
        .into_iter()
        .map(|(name, u)| (u.at, name))
        .collect();
    uploaded.sort();
    let count = |jobs: &[JobView]| {
        let mut by: BTreeMap<String, u64> = BTreeMap::new();
        for j in jobs {
            *by.entry(j.provider.clone()).or_default() += 1;
        }
        by
    };
    let confirmed = state.confirmed.unwrap_or_default();
    Ok(Some(RoundDir {
        dir: dir.to_owned(),
        download,
        uploaded: uploaded.into_iter().map(|(_, name)| name).collect(),
        jobs_completed: confirmed.completed,
        jobs_failed: count(&confirmed.failed),
        jobs_pending: count(&confirmed.pending),
    }))
}

impl RoundDir {
    /// The SHA-256 of the round's ZIP; `None` when the ZIP is not in the directory.
    pub(crate) fn zip_sha256(&self) -> Result<Option<Vec<u8>>, ReportError> {
        let path = self.dir.join(&self.download);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReportError::io(&path, e)),
        };
        let mut reader = BufReader::new(file);
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| ReportError::io(&path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Some(hasher.finalize().to_vec()))
    }

    /// Reads every uploaded status file (under `responses/`), every row checked: per list and
    /// status, the work items whose last answer (in upload order) it is.
    pub(crate) fn uploaded_answers(&self) -> Result<UploadedAnswers, ReportError> {
        // Work item Id → (list, status code): a later file (an amendment) wins.
        let mut answers: BTreeMap<(String, String), u8> = BTreeMap::new();
        for name in &self.uploaded {
            let path = self.dir.join(RESPONSES_DIR).join(name);
            let status_file = |source| ReportError::StatusFile {
                path: path.clone(),
                source: Box::new(source),
            };
            let list = ListFileName::parse_status_file(name)
                .map_err(status_file)?
                .list_type()
                .map_or_else(|| "unknown".to_owned(), |l| l.as_str().to_owned());
            let file = File::open(&path).map_err(|e| ReportError::io(&path, e))?;
            let reader =
                StatusReader::new(name.clone(), BufReader::new(file)).map_err(status_file)?;
            for row in reader {
                let row = row.map_err(status_file)?;
                answers.insert(
                    (list.clone(), row.id.as_str().to_owned()),
                    row.status.code(),
                );
            }
        }
        let mut out = UploadedAnswers::default();
        for ((list, _), code) in answers {
            *out.lists.entry(list).or_default().entry(code).or_default() += 1;
            out.work_items += 1;
        }
        Ok(out)
    }
}
