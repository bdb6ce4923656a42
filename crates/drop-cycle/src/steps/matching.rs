//! Steps 2 and 3: open the ZIP, match the records, write the status files, `matches.csv`
//! and the consumers to forward.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use drop_files::{DownloadArchive, Status};
use drop_hash::{Field, standardize};
use drop_match::{Lists, Mapping, Matcher, Rules, Target};

use crate::CycleError;
use crate::state::{ListSummary, MatchSummary, RoundState, StateDir};
use crate::steps::forward::{self, ForwardConsumer};

/// Matches unless the state says matching is done.
///
/// Status files are written to temporary files and renamed when complete; the summary is
/// saved last. A round stopped before that point matches again from scratch: it first clears
/// what an earlier attempt wrote, which was never uploaded (uploads start only once the
/// summary is saved).
pub(crate) fn run(
    dir: &StateDir,
    state: &mut RoundState,
    zip: &str,
    records: &Path,
    mapping: &Mapping,
    rules: &(dyn Rules + Send + Sync),
    max_rows_per_file: usize,
) -> Result<(), CycleError> {
    if state.matched.is_some() {
        return Ok(());
    }
    clear_outputs(dir)?;

    let mut archive = DownloadArchive::open(dir.root().join(zip))?;
    let lists = Lists::from_archive(&mut archive)?;
    let outcome = Matcher::new(lists).run_path(records, mapping, rules)?;
    for problem in outcome.problems() {
        tracing::warn!(%problem, "record not fully usable");
    }
    for problem in outcome.list_problems() {
        tracing::warn!(%problem, "list row not usable");
    }

    let files = outcome.write_status_files(dir.responses_dir(), max_rows_per_file)?;
    outcome.write_matches_csv(dir.matches_path())?;

    // Providers are told to delete what the broker deleted: Deleted (3) consumers only, not
    // Exempted ones nor the Opted out (4), whose data is kept.
    let deleted: HashSet<String> = outcome
        .matches()
        .filter(|m| m.status == Status::Deleted)
        .map(|m| m.key.to_owned())
        .collect();
    let consumers = emails_of(records, mapping, &deleted)?;
    forward::save(dir, &consumers)?;

    let summary = outcome.summary();
    state.matched = Some(MatchSummary {
        records_read: summary.records_read,
        bad_rows: summary.bad_rows,
        removed: summary.removed,
        lists: summary
            .lists
            .iter()
            .map(|l| {
                let counts = ListSummary {
                    work_items: l.work_items,
                    exempted: l.exempted,
                    deleted: l.deleted,
                    opted_out: l.opted_out,
                    not_found: l.not_found,
                };
                (l.list_type.to_string(), counts)
            })
            .collect(),
        status_files: files
            .iter()
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
            .collect(),
        consumers_to_forward: consumers.len() as u64,
    });
    dir.save(state)
}

fn clear_outputs(dir: &StateDir) -> Result<(), CycleError> {
    let responses = dir.responses_dir();
    let entries = std::fs::read_dir(&responses).map_err(|e| CycleError::io(&responses, e))?;
    for entry in entries {
        let path = entry.map_err(|e| CycleError::io(&responses, e))?.path();
        std::fs::remove_file(&path).map_err(|e| CycleError::io(&path, e))?;
    }
    for path in [dir.matches_path(), dir.forward_path()] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CycleError::io(&path, e)),
        }
    }
    Ok(())
}

/// The standardized emails of the consumers `keys`, from the mapped email columns, in key
/// order. Rows the matcher reported as broken are skipped here too (their problems are
/// already in the match summary).
fn emails_of(
    records: &Path,
    mapping: &Mapping,
    keys: &HashSet<String>,
) -> Result<Vec<ForwardConsumer>, CycleError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let email_columns: Vec<&str> = mapping
        .columns()
        .filter(|(target, _)| *target == Target::Field(Field::Email))
        .map(|(_, column)| column)
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(records)
        .map_err(|e| csv_error(records, e))?;
    let headers = reader
        .byte_headers()
        .map_err(|e| csv_error(records, e))?
        .clone();
    let position = |name: &str| headers.iter().position(|h| h == name.as_bytes());
    let Some(key_at) = position(mapping.key_column()) else {
        return Ok(Vec::new());
    };
    let email_at: Vec<usize> = email_columns.iter().filter_map(|c| position(c)).collect();

    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(records, e))?
    {
        let Some(key) = record.get(key_at).and_then(|k| std::str::from_utf8(k).ok()) else {
            continue;
        };
        if !keys.contains(key) {
            continue;
        }
        let emails = by_key.entry(key.to_owned()).or_default();
        for &at in &email_at {
            let raw = record.get(at).and_then(|v| std::str::from_utf8(v).ok());
            if let Some(Ok(email)) = raw.map(|r| standardize::field(Field::Email, r))
                && !emails.contains(&email)
            {
                emails.push(email);
            }
        }
    }
    Ok(by_key
        .into_iter()
        .filter(|(_, emails)| !emails.is_empty())
        .map(|(key, emails)| ForwardConsumer { key, emails })
        .collect())
}

fn csv_error(path: &Path, e: csv::Error) -> CycleError {
    CycleError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}
