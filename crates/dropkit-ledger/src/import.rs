//! Importing the rounds a state directory of an earlier release archived under `rounds/`, so
//! no earlier request is forgotten.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};

use dropkit_files::{Status, WorkItemId, ZipFileName};
use dropkit_hash::ListType;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{fault_point, instant, parse_instant};
use crate::{Ledger, LedgerError, LedgerMatch, MatchKind};

/// What [`Ledger::import_rounds`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImportSummary {
    /// Round directories imported by this call.
    pub rounds: u64,
    /// Round directories imported by an earlier call (left alone).
    pub already_imported: u64,
    /// Directories without a download ZIP (a round that found nothing new): nothing to import.
    pub without_download: u64,
    /// Work items recorded.
    pub work_items: u64,
    /// Work items cancelled by the imported Removed lists.
    pub cancelled: u64,
    /// Answers recorded (status-file rows).
    pub answers: u64,
    /// Matches recorded (rows of `matches.csv`).
    pub matches: u64,
    /// (provider, work item, key) forwards recorded from the forwarding journals.
    pub forwards: u64,
}

impl Ledger {
    /// Imports every round directory under `rounds_dir` (a state directory's `rounds/`, as
    /// the release before the ledger left it: `<ZIP name>/{<zip>, responses/*.csv,
    /// matches.csv, state.json, forward-journal.jsonl}`), oldest first (by name, which starts
    /// with the download's date).
    ///
    /// For each: the download (received at the ZIP's modification time, the moment the
    /// round saved it) with its Removed list; the answers, from the status files `state.json`
    /// says DROP received, at the time it recorded; the matches of `matches.csv` (new matches,
    /// with their status); and the deletions the forwarding journal says each provider
    /// accepted, as forwarded (work item, key) pairs. Each step is its own transaction and
    /// idempotent; a directory is marked imported in the last one, so an import stopped
    /// half-way is completed by the next call, and a finished one is skipped. A missing
    /// `rounds_dir` imports nothing.
    pub fn import_rounds(&mut self, rounds_dir: &Path) -> Result<ImportSummary, LedgerError> {
        let mut summary = ImportSummary::default();
        let entries = match std::fs::read_dir(rounds_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(summary),
            Err(e) => return Err(LedgerError::io(rounds_dir, e)),
        };
        let mut dirs: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| LedgerError::io(rounds_dir, e))?;
            if entry.path().is_dir() {
                dirs.push(entry.path());
            }
        }
        dirs.sort();
        for dir in dirs {
            let label = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let done: i64 = self
                .conn
                .query_row(
                    "SELECT count(*) FROM imported_round WHERE dir = ?1",
                    [&label],
                    |r| r.get(0),
                )
                .at(&self.path)?;
            if done > 0 {
                summary.already_imported += 1;
                continue;
            }
            let Some(zip) = find_zip(&dir)? else {
                summary.without_download += 1;
                self.mark_imported(&label, None)?;
                continue;
            };
            self.import_round(&dir, &zip, &mut summary)?;
            summary.rounds += 1;
            let name = crate::record::zip_name(&zip)?;
            let id = crate::ledger::recorded_download(&self.conn, &self.path, &name)?;
            self.mark_imported(&label, Some(id))?;
        }
        Ok(summary)
    }

    fn mark_imported(&mut self, label: &str, download: Option<i64>) -> Result<(), LedgerError> {
        let (tx, path) = self.begin()?;
        tx.execute(
            "INSERT INTO imported_round (dir, download, imported_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            rusqlite::params![label, download, instant(OffsetDateTime::now_utc())],
        )
        .at(path)?;
        fault_point("import_rounds");
        tx.commit().at(path)
    }

    fn import_round(
        &mut self,
        dir: &Path,
        zip: &Path,
        summary: &mut ImportSummary,
    ) -> Result<(), LedgerError> {
        let received = std::fs::metadata(zip)
            .and_then(|m| m.modified())
            .map(OffsetDateTime::from)
            .map_err(|e| LedgerError::io(zip, e))?;
        let recorded = self.record_download_as(zip, received, "import")?;
        summary.work_items += recorded.work_items();
        summary.cancelled += recorded.removed.cancelled;
        let name = recorded.download;

        // Answers: the status files DROP received, per state.json, at the time recorded.
        let state = dir.join("state.json");
        let mut by_time: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        if state.exists() {
            let text = std::fs::read(&state).map_err(|e| LedgerError::io(&state, e))?;
            let json: serde_json::Value =
                serde_json::from_slice(&text).map_err(|e| LedgerError::Malformed {
                    path: state.clone(),
                    line: e.line() as u64,
                    reason: e.to_string(),
                })?;
            if let Some(uploads) = json.get("uploads").and_then(|u| u.as_object()) {
                for (file, record) in uploads {
                    let at = record
                        .get("at")
                        .and_then(|a| a.as_str())
                        .unwrap_or_default();
                    let path = dir.join("responses").join(file);
                    if path.is_file() {
                        by_time.entry(at.to_owned()).or_default().push(path);
                    }
                }
            }
        }
        for (at, files) in by_time {
            let at = parse_instant(&state, &at).unwrap_or(received);
            summary.answers += self.record_answers(&name, &files, at)?;
        }

        // Matches.
        let matches_path = dir.join("matches.csv");
        let matches = if matches_path.is_file() {
            read_matches(&matches_path)?
        } else {
            Vec::new()
        };
        // A failed lookup stops the import (never read as "not a work item": the round would
        // be marked imported without its matches).
        let mut known: Vec<LedgerMatch> = Vec::with_capacity(matches.len());
        for m in matches {
            if self.has_work_item(&m.work_item)? {
                known.push(m);
            }
        }
        summary.matches += known.len() as u64;
        self.record_matches(&name, &known)?;

        // Forwards: the consumers each provider accepted, with the work items they matched.
        let journal = dir.join("forward-journal.jsonl");
        if journal.is_file() {
            let mut by_key: HashMap<&str, Vec<&WorkItemId>> = HashMap::new();
            for m in &known {
                by_key.entry(m.key.as_str()).or_default().push(&m.work_item);
            }
            for (provider, (at, keys)) in accepted(&journal)? {
                let pairs: Vec<(WorkItemId, String)> = keys
                    .iter()
                    .flat_map(|k| {
                        by_key
                            .get(k.as_str())
                            .into_iter()
                            .flatten()
                            .map(move |id| ((*id).clone(), k.clone()))
                    })
                    .collect();
                let at = parse_instant(&journal, &at).unwrap_or(received);
                summary.forwards += pairs.len() as u64;
                self.record_forward(&provider, &pairs, &name, at)?;
            }
        }
        Ok(())
    }

    fn has_work_item(&self, id: &WorkItemId) -> Result<bool, LedgerError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM work_item WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .at(&self.path)?;
        Ok(n > 0)
    }
}

/// The download ZIP of a round directory: the file whose name is a DROP download name.
fn find_zip(dir: &Path) -> Result<Option<PathBuf>, LedgerError> {
    let mut found = None;
    for entry in std::fs::read_dir(dir).map_err(|e| LedgerError::io(dir, e))? {
        let entry = entry.map_err(|e| LedgerError::io(dir, e))?;
        let name = entry.file_name();
        if entry.path().is_file()
            && name
                .to_str()
                .is_some_and(|n| n.parse::<ZipFileName>().is_ok())
        {
            found = Some(entry.path());
        }
    }
    Ok(found)
}

/// The rows of a round's `matches.csv` (`Id,ListType,Key,Status`).
fn read_matches(path: &Path) -> Result<Vec<LedgerMatch>, LedgerError> {
    let file = File::open(path).map_err(|e| LedgerError::io(path, e))?;
    let mut rdr = csv::Reader::from_reader(BufReader::new(file));
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let bad = |reason: String| LedgerError::Malformed {
            path: path.to_owned(),
            line,
            reason,
        };
        let row = row.map_err(|e| bad(e.to_string()))?;
        let (Some(id), Some(list), Some(key), Some(status)) =
            (row.get(0), row.get(1), row.get(2), row.get(3))
        else {
            return Err(bad("expected Id,ListType,Key,Status".into()));
        };
        out.push(LedgerMatch {
            key: key.to_owned(),
            work_item: WorkItemId::new(id).ok_or_else(|| bad(format!("Id {id:?}")))?,
            list_type: list.parse::<ListType>().map_err(|e| bad(e.to_string()))?,
            kind: MatchKind::New,
            status: Some(status.parse::<Status>().map_err(|e| bad(e.to_string()))?),
        });
    }
    Ok(out)
}

/// Per provider, the latest acceptance time and the consumer keys accepted, from the
/// forwarding journal's `accepted` events. A torn last line (a crash mid-write) is ignored;
/// any other line that is not JSON is an error naming it.
fn accepted(path: &Path) -> Result<BTreeMap<String, (String, Vec<String>)>, LedgerError> {
    let file = File::open(path).map_err(|e| LedgerError::io(path, e))?;
    let mut out: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut lines = BufReader::new(file).lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let line = line.map_err(|e| LedgerError::io(path, e))?;
        let event = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(event) => event,
            Err(_) if lines.peek().is_none() => continue,
            Err(e) => {
                return Err(LedgerError::Malformed {
                    path: path.to_owned(),
                    line: i as u64 + 1,
                    reason: e.to_string(),
                });
            }
        };
        if event.get("event").and_then(|e| e.as_str()) != Some("accepted") {
            continue;
        }
        let field = |name: &str| event.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        if let (Some(provider), Some(key)) = (field("provider"), field("key")) {
            let entry = out.entry(provider).or_default();
            if let Some(at) = field("at")
                && at > entry.0
            {
                entry.0 = at;
            }
            entry.1.push(key);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_journal_line_is_ignored_and_any_other_bad_line_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forward-journal.jsonl");
        let good = r#"{"event":"accepted","provider":"m","key":"k1","at":"2026-11-20T10:00:00Z"}"#;
        std::fs::write(&path, format!("{good}\n{{\"event\":\"acc")).unwrap();
        let got = accepted(&path).unwrap();
        assert_eq!(got["m"].1, ["k1"]);

        std::fs::write(&path, format!("{{\"event\":\"acc\n{good}\n")).unwrap();
        match accepted(&path) {
            Err(LedgerError::Malformed { line, .. }) => assert_eq!(line, 1),
            other => panic!("{other:?}"),
        }
    }
}
