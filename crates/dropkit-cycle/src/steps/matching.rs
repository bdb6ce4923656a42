//! Steps 2 and 3: check that the mapping can answer every list, match the records, write
//! the status files, `matches.csv` and the consumers to forward.

use std::collections::BTreeMap;

use dropkit_files::{DownloadArchive, Status};
use dropkit_hash::{Field, ListType};
use dropkit_ledger::{Exemption, LedgerMatch, MatchKind};
use dropkit_match::{DirOptions, DirReport, MatchedRecord, match_into_dir};

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::{ListSummary, MatchSummary, RoundState, StateDir, make_private};
use crate::steps::forward::{self, ForwardConsumer};

/// Whether matching is done and saved.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state.matched.is_some()
}

/// Matches the records against the round's ZIP, reading the records file once.
///
/// Status files are written to temporary files and renamed when complete; the summary is
/// saved last. A round stopped before that point matches again from scratch: it first clears
/// what an earlier attempt wrote, which was never uploaded (uploads start only once the
/// summary is saved).
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<(), CycleError> {
    let dir = ctx.dir;
    let zip = state
        .download
        .as_ref()
        .ok_or_else(|| CycleError::Unexpected("the match step ran before a download".into()))?;
    let zip_path = dir.root().join(zip.to_string());
    let unmatched = check_lists(ctx, &zip_path)?;
    clear_outputs(dir)?;

    let options = DirOptions::default().max_rows_per_file(ctx.max_rows_per_file);
    let report = match_into_dir(
        &zip_path,
        ctx.records,
        ctx.mapping,
        ctx.rules,
        &dir.responses_dir(),
        &options,
    )?;
    for problem in &report.problems {
        tracing::warn!(%problem, "record not fully usable");
    }
    for problem in &report.list_problems {
        tracing::warn!(%problem, "list row not usable");
    }
    for warning in &report.warnings {
        tracing::warn!(%warning, "download");
    }
    // matches.csv names the broker's customers: it sits beside the status files' directory,
    // never in it, and is private.
    let matches = dir.matches_path();
    std::fs::rename(&report.matches_file, &matches)
        .map_err(|e| CycleError::io(&report.matches_file, e))?;
    make_private(&matches)?;
    for file in &report.status_files {
        make_private(file)?;
    }

    let exempted = exemptions_applied(ctx, &report.matched);
    let consumers = consumers_to_forward(&report.matched, ctx);
    forward::save(dir, &consumers)?;
    // The matches go into the ledger before the state says the step is done; recording is
    // idempotent, so a crash in between records nothing twice.
    let new_matches = ledger_matches(&report.matched, MatchKind::New);
    let mut ledger = dir.ledger()?;
    ledger.record_matches(zip, &new_matches)?;
    // The exemptions too, with their reasons (the audit chain gets only counts per reason).
    ledger.record_exemptions(zip, &exempted)?;
    let mut summary = summary(&report, consumers.len(), unmatched)?;
    summary.exempt_keys = ctx.exemptions.map_or(0, |e| e.len() as u64);
    for e in &exempted {
        *summary.exemptions.entry(e.reason.clone()).or_default() += 1;
    }
    state.matched = Some(summary);
    dir.save(state)
}

/// The (work item, key) pairs answered 2 Exempted, with the operator's reason for each (the
/// ledger's `exemption` table and the annual report count these; an exempt consumer who
/// matched a work item with others is kept too, and its match is in the ledger's matches).
fn exemptions_applied(ctx: &Ctx<'_>, matched: &[MatchedRecord]) -> Vec<Exemption> {
    let Some(exemptions) = ctx.exemptions else {
        return Vec::new();
    };
    let mut applied = Vec::new();
    for m in matched.iter().filter(|m| m.has_status(Status::Exempted)) {
        let reason = exemptions.reason(&m.key).unwrap_or_default();
        tracing::info!(key = %m.key, reason, "exempt from deletion: answered 2");
        for item in m.matches.iter().filter(|i| i.status == Status::Exempted) {
            applied.push(Exemption {
                work_item: item.id.clone(),
                key: m.key.clone(),
                reason: reason.to_owned(),
            });
        }
    }
    applied
}

/// Refuses the lists that hold work items but that no mapped field can match, unless the
/// operator chose to answer them Not found (`--unmatched-list LIST=not-found`): answering a
/// list 5 because the mapping forgot a column would tell DROP "not found" without looking.
///
/// DROP offers no way to learn the account's selected lists without a download, so the check
/// runs on the saved ZIP, before anything is written or sent. A header-only list needs no
/// answer, so it needs no mapped field.
fn check_lists(ctx: &Ctx<'_>, zip: &std::path::Path) -> Result<Vec<ListType>, CycleError> {
    let mut archive = DownloadArchive::open(zip)?;
    let mut refused = Vec::new();
    let mut allowed = Vec::new();
    for list in archive.list_types() {
        if ctx.mapping.can_match(list) || !holds_work_items(&mut archive, list)? {
            continue;
        }
        if ctx.unmatched_lists.contains(&list) {
            tracing::warn!(
                list = %list,
                "no mapped field can match this list; every work item is answered 5 Not found, as the operator chose"
            );
            allowed.push(list);
        } else {
            refused.push(list);
        }
    }
    if refused.is_empty() {
        Ok(allowed)
    } else {
        Err(CycleError::UnmatchedLists { lists: refused })
    }
}

fn holds_work_items<R: std::io::Read + std::io::Seek>(
    archive: &mut DownloadArchive<R>,
    list: ListType,
) -> Result<bool, CycleError> {
    Ok(match archive.open_list(list)? {
        Some(mut rows) => rows.next().is_some(),
        None => false,
    })
}

/// Providers are told what the broker deleted (status 3) and, as their policy says, whom it
/// opted out (status 4: their data is kept, but "all service providers" must process opt
/// outs too); Exempted consumers (2) are not passed on, nor an exempt consumer who matched a
/// work item with others (its data is kept: see [`crate::Exemptions`]).
pub(crate) fn consumers_to_forward(
    matched: &[MatchedRecord],
    ctx: &Ctx<'_>,
) -> Vec<ForwardConsumer> {
    matched
        .iter()
        .filter(|m| !ctx.is_exempt(&m.key))
        .filter(|m| m.has_status(Status::Deleted) || m.has_status(Status::OptedOut))
        .map(|m| ForwardConsumer {
            key: m.key.clone(),
            emails: m.values(Field::Email).map(str::to_owned).collect(),
            maids: m.values(Field::Maid).map(str::to_owned).collect(),
            opted_out: !m.has_status(Status::Deleted),
            work_items: m
                .matches
                .iter()
                .filter(|i| matches!(i.status, Status::Deleted | Status::OptedOut))
                .map(|i| i.id.as_str().to_owned())
                .collect(),
            accepted: Vec::new(),
        })
        .collect()
}

/// Every (work item, record key) pair of `matched`, for the ledger. A new match carries the
/// status DROP is told; a late one none (it is not answered again).
pub(crate) fn ledger_matches(matched: &[MatchedRecord], kind: MatchKind) -> Vec<LedgerMatch> {
    matched
        .iter()
        .flat_map(|m| {
            m.matches.iter().map(move |item| LedgerMatch {
                key: m.key.clone(),
                work_item: item.id.clone(),
                list_type: item.list_type,
                kind,
                status: (kind == MatchKind::New).then_some(item.status),
            })
        })
        .collect()
}

fn summary(
    report: &DirReport,
    consumers: usize,
    unmatched_lists: Vec<ListType>,
) -> Result<MatchSummary, CycleError> {
    let s = &report.summary;
    let status_files = report
        .status_files
        .iter()
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    CycleError::Unexpected(format!(
                        "{}: a status file without a DROP name",
                        p.display()
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(MatchSummary {
        records_read: s.records_read,
        bad_rows: s.bad_rows,
        removed: s.removed,
        lists: s
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
                (l.list_type, counts)
            })
            .collect(),
        status_files,
        consumers_to_forward: consumers as u64,
        unmatched_lists,
        warnings: report.warnings.clone(),
        exemptions: BTreeMap::new(),
        exempt_keys: 0,
    })
}

fn clear_outputs(dir: &StateDir) -> Result<(), CycleError> {
    let responses = dir.responses_dir();
    let entries = std::fs::read_dir(&responses).map_err(|e| CycleError::io(&responses, e))?;
    for entry in entries {
        let path = entry.map_err(|e| CycleError::io(&responses, e))?.path();
        std::fs::remove_file(&path).map_err(|e| CycleError::io(&path, e))?;
    }
    for path in [
        dir.matches_path(),
        dir.late_matches_path(),
        dir.forward_path(),
    ] {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CycleError::io(&path, e)),
        }
    }
    Ok(())
}
