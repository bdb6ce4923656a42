//! Step 6: make the answers true: delete (or opt out) the matched records through the
//! broker's connector, before DROP is told.
//!
//! Every match of the round (`matches.csv`, and `late-matches.csv`: a late match is deleted
//! like a fresh one) with status 3 becomes a [`Target`] to delete, with status 4 one to opt
//! out; status 2 (exempt) is left alone, and so is every row of an exempt consumer (`--exempt`),
//! whatever its work item's status. The targets go to the connector in batches; each
//! batch is journaled before it is sent and its answer after, in `delete-journal.jsonl`, so a
//! round resumed after a crash sends again only a batch whose answer it never recorded (the
//! connectors' actions are safe to repeat: deleting a record that is gone is done) and never
//! skips one.
//!
//! A key the connector could not delete is not claimed: the status files of the lists it was
//! matched in are held back from the upload, the run ends with [`CycleError::Connector`]
//! naming the keys and the error, and the next run retries only what failed. With no
//! connector configured the step records that the deletions are the broker's to do, and the
//! round goes on as before (the report says the keys in `matches.csv` are still to delete).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use dropkit_connector::{Action, DEFAULT_BATCH_SIZE, Target, batches};
use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;
use serde::{Deserialize, Serialize};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::jsonl::JsonlFile;
use crate::state::{DeletionSummary, RoundState};

/// File name of the deletion journal inside the state directory.
pub const DELETE_JOURNAL_FILE: &str = "delete-journal.jsonl";

/// Whether every match is deleted (or the broker deletes them itself: no connector).
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.deletion.as_ref().is_some_and(|d| d.failed.is_empty())
}

/// The error of a round whose connector left records undeleted (their lists held back), if
/// any: such a round neither finishes nor goes on without its connector.
pub(crate) fn unclaimed(state: &RoundState) -> Option<CycleError> {
    let d = state.deletion.as_ref().filter(|d| !d.failed.is_empty())?;
    Some(CycleError::Connector {
        connector: d.connector.clone().unwrap_or_default(),
        failed: d
            .failed
            .iter()
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect(),
        held: d.held_lists.iter().map(ToString::to_string).collect(),
    })
}

/// Applies every target not yet done through the connector, batch by batch.
pub(crate) async fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let dir = ctx.dir;
    let Some(connector) = ctx.connector else {
        // Records a connector failed to delete are never claimed because the connector is
        // gone: the round that started with one finishes with one.
        if let Some(unclaimed) = unclaimed(state) {
            return Err(unclaimed);
        }
        if state.deletion.is_none() {
            tracing::warn!(
                "no deletion connector is configured: the matched records are the broker's to delete"
            );
        }
        state.deletion = Some(DeletionSummary::default());
        return dir.save(state);
    };
    let targets = targets(ctx)?;
    let mut journal = DeleteJournal::open(dir.root())?;
    let pending: Vec<Target> = targets
        .iter()
        .filter(|t| !journal.done.contains(&t.key))
        .map(|t| t.target.clone())
        .collect();
    let batches = batches(&pending, DEFAULT_BATCH_SIZE);
    for (i, batch) in batches.iter().enumerate() {
        let keys: Vec<String> = distinct_keys(batch);
        journal.append(&Event::Sending {
            batch: i as u64,
            keys: keys.clone(),
        })?;
        match connector.apply(batch).await {
            Ok(outcome) => {
                let done: Vec<String> = outcome.done().map(str::to_owned).collect();
                let failed: Vec<(String, String)> = outcome
                    .failed()
                    .map(|(k, r)| (k.to_owned(), r.to_owned()))
                    .collect();
                // A key the connector did not answer is not claimed.
                let answered: BTreeSet<&String> =
                    done.iter().chain(failed.iter().map(|(k, _)| k)).collect();
                let missing: Vec<(String, String)> = keys
                    .iter()
                    .filter(|k| !answered.contains(k))
                    .map(|k| (k.clone(), "the connector gave no answer for it".to_owned()))
                    .collect();
                journal.append(&Event::Answered {
                    batch: i as u64,
                    done,
                    failed: failed.into_iter().chain(missing).collect(),
                })?;
            }
            Err(e) => {
                tracing::error!(connector = connector.name(), error = %e, "deletion batch failed");
                journal.append(&Event::Answered {
                    batch: i as u64,
                    done: Vec::new(),
                    failed: keys.into_iter().map(|k| (k, e.to_string())).collect(),
                })?;
            }
        }
    }
    let failed: BTreeMap<String, String> = targets
        .iter()
        .filter(|t| !journal.done.contains(&t.key))
        .filter_map(|t| {
            journal
                .failed
                .get(&t.key)
                .map(|reason| (t.key.clone(), reason.clone()))
        })
        .collect();
    let held_lists: BTreeSet<ListType> = targets
        .iter()
        .filter(|t| t.is_new && failed.contains_key(&t.target.key))
        .map(|t| t.target.list_type)
        .collect();
    state.deletion = Some(DeletionSummary {
        connector: Some(connector.name().to_owned()),
        done: targets
            .iter()
            .filter(|t| journal.done.contains(&t.key))
            .map(|t| t.key.clone())
            .collect::<BTreeSet<_>>()
            .len() as u64,
        failed,
        held_lists: held_lists.into_iter().collect(),
    });
    dir.save(state)
}

fn distinct_keys(batch: &[Target]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    batch
        .iter()
        .filter(|t| seen.insert(t.key.as_str()))
        .map(|t| t.key.clone())
        .collect()
}

/// A target, and whether it came from the round's own download (its list's status file
/// then depends on it).
struct RoundTarget {
    target: Target,
    is_new: bool,
}

impl std::ops::Deref for RoundTarget {
    type Target = Target;
    fn deref(&self) -> &Target {
        &self.target
    }
}

/// The round's targets, from `matches.csv` (new) and `late-matches.csv` (late), but for the
/// rows of exempt consumers: a work item that matched an exempt consumer and others is
/// answered by the others (3 or 4), and that status is on every row of the report, the exempt
/// consumer's too, whose data must be kept all the same.
fn targets(ctx: &Ctx<'_>) -> Result<Vec<RoundTarget>, CycleError> {
    let dir = ctx.dir;
    let matches = dir.matches_path();
    if !matches.is_file() {
        // Without the match report nothing could be deleted, and every 3/4 claimed unchecked.
        return Err(CycleError::State {
            path: matches,
            message: "the match report is missing; nothing can be deleted or claimed".into(),
        });
    }
    let mut out = Vec::new();
    for (path, is_new) in [(dir.matches_path(), true), (dir.late_matches_path(), false)] {
        read_matches(&path, is_new, &mut out)?;
    }
    out.retain(|t| !ctx.is_exempt(&t.key));
    Ok(out)
}

/// Reads a match report (`Id,ListType,Key,Status`).
fn read_matches(path: &Path, is_new: bool, out: &mut Vec<RoundTarget>) -> Result<(), CycleError> {
    let mut reader = match csv::Reader::from_path(path) {
        Ok(reader) => reader,
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound) =>
        {
            return Ok(());
        }
        Err(e) => return Err(CycleError::io(path, std::io::Error::other(e.to_string()))),
    };
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let bad = |why: String| CycleError::State {
            path: path.to_owned(),
            message: format!("line {line}: {why}"),
        };
        let row = row.map_err(|e| bad(e.to_string()))?;
        let (Some(id), Some(list), Some(key), Some(status)) =
            (row.get(0), row.get(1), row.get(2), row.get(3))
        else {
            return Err(bad("expected Id,ListType,Key,Status".into()));
        };
        let action = match status {
            s if s == Status::Deleted.code().to_string() => Action::Delete,
            s if s == Status::OptedOut.code().to_string() => Action::OptOut,
            _ => continue,
        };
        let id = WorkItemId::new(id).ok_or_else(|| bad(format!("Id {id:?} is not a DROP Id")))?;
        let list_type: ListType = list.parse().map_err(|e| bad(format!("{e}")))?;
        out.push(RoundTarget {
            target: Target {
                key: key.to_owned(),
                list_type,
                id,
                action,
            },
            is_new,
        });
    }
    Ok(())
}

/// One line of the deletion journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
enum Event {
    /// A batch is about to go to the connector.
    Sending {
        /// The batch's index in this run.
        batch: u64,
        /// Its keys.
        keys: Vec<String>,
    },
    /// The connector answered (or failed the whole batch: every key failed).
    Answered {
        /// The batch's index in this run.
        batch: u64,
        /// Keys done.
        done: Vec<String>,
        /// Keys not done, with the reason.
        failed: Vec<(String, String)>,
    },
}

/// The deletion journal: append-only, synced, a torn last line ignored.
struct DeleteJournal {
    file: JsonlFile,
    done: BTreeSet<String>,
    failed: BTreeMap<String, String>,
}

impl DeleteJournal {
    fn open(dir: &Path) -> Result<DeleteJournal, CycleError> {
        let mut done = BTreeSet::new();
        let mut failed = BTreeMap::new();
        let file = JsonlFile::open(&dir.join(DELETE_JOURNAL_FILE), |event: Event| {
            apply(&mut done, &mut failed, &event);
        })?;
        Ok(DeleteJournal { file, done, failed })
    }

    fn append(&mut self, event: &Event) -> Result<(), CycleError> {
        self.file.append(event)?;
        apply(&mut self.done, &mut self.failed, event);
        Ok(())
    }
}

/// What an event says of the keys: done ones stay done, a failure counts until a later
/// `done` (replay and recording alike).
fn apply(done: &mut BTreeSet<String>, failed: &mut BTreeMap<String, String>, event: &Event) {
    if let Event::Answered {
        done: now_done,
        failed: now_failed,
        ..
    } = event
    {
        for key in now_done {
            failed.remove(key);
            done.insert(key.clone());
        }
        for (key, reason) in now_failed {
            if !done.contains(key) {
                failed.insert(key.clone(), reason.clone());
            }
        }
    }
}
