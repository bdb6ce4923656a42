//! Making the report: the ledger's figures for the year's downloads, checked round by round
//! against the status files uploaded.

use std::collections::BTreeMap;
use std::path::Path;

use dropkit_hash::ListType;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::check;
use crate::error::ReportError;
use crate::figures::{
    AnnualReport, Checked, DaysToAnswer, JobFigures, ListFigures, ProviderFigures, RoundFigures,
};
use crate::ledger::{Download, LedgerView};
use crate::rounds::{self, UploadedAnswers};

/// The annual report of the state directory `state_dir` for the calendar year `year`: the
/// downloads received in that year (UTC) and everything that became of their work items.
///
/// Only reads: the ledger is opened read-only and nothing is written or locked, so a report
/// can run beside a round. Every count comes from the ledger; each round's answers are then
/// checked against the status files the round uploaded (listed in its `state.json`, read
/// again from its `responses/` directory), and any difference fails the report with
/// [`ReportError::Disagreement`], naming the download, the list and both numbers.
///
/// A year with no download is an empty report, not an error. Errors: no state directory or
/// ledger, a ledger from a newer dropkit, an unreadable `state.json` or status file, a year
/// outside 1970–9999.
pub fn annual_report(state_dir: &Path, year: i32) -> Result<AnnualReport, ReportError> {
    if !(1970..=9999).contains(&year) {
        return Err(ReportError::Year { year });
    }
    let ledger = LedgerView::open(state_dir)?;
    let downloads = ledger.downloads(year)?;
    let round_dirs = rounds::round_dirs(state_dir)?;
    let mut disagreements = Vec::new();
    check::unrecorded(
        &round_dirs,
        &ledger.all_download_names()?,
        year,
        &mut disagreements,
    );

    let mut lists: BTreeMap<String, ListFigures> = BTreeMap::new();
    let mut rounds = Vec::new();
    let mut days = Vec::new();
    let mut checked = Checked::default();
    let mut jobs = JobFigures::default();
    let mut failed_by: BTreeMap<String, u64> = BTreeMap::new();
    let mut pending_by: BTreeMap<String, u64> = BTreeMap::new();
    for download in &downloads {
        let mut by_list = ledger.lists(download.id)?;
        for (list, late) in ledger.late_matches(download.id)? {
            by_list
                .entry(list.clone())
                .or_insert_with(|| ListFigures {
                    list_type: list,
                    ..ListFigures::default()
                })
                .late_matches += late;
        }
        let answer_files = ledger.answer_files(download.id)?;
        let round = check::round_of(
            download,
            &ledger.downloads_named(&download.name)?,
            &round_dirs,
            &mut disagreements,
        )?;
        let uploaded = match round {
            Some(r) => r.uploaded_answers()?,
            None => UploadedAnswers::default(),
        };
        check::compare(
            download,
            &by_list,
            &answer_files,
            round,
            &uploaded,
            &mut disagreements,
        );

        let mut counts = ListFigures {
            list_type: download.name.clone(),
            ..ListFigures::default()
        };
        for (name, f) in by_list {
            counts.add(&f);
            lists
                .entry(name.clone())
                .or_insert_with(|| ListFigures {
                    list_type: name,
                    ..ListFigures::default()
                })
                .add(&f);
        }
        let answered_at = last_answer(&ledger, &answer_files)?;
        let days_to_answer = match &answered_at {
            Some(at) => Some(calendar_days(&ledger, download, at)?),
            None => None,
        };
        days.extend(days_to_answer);
        let mut figures = RoundFigures {
            download: download.name.clone(),
            received_at: download.received_at.clone(),
            answered_at: answered_at.map(|(text, _)| text),
            days_to_answer,
            counts,
            removed: ledger.removed(download.id)?,
            status_files: answer_files.len() as u64,
            jobs_completed: 0,
            jobs_failed: 0,
            jobs_pending: 0,
        };
        if let Some(r) = round {
            checked.rounds += 1;
            checked.status_files += r.uploaded.len() as u64;
            checked.work_items += uploaded.work_items;
            figures.jobs_completed = r.jobs_completed;
            figures.jobs_failed = r.jobs_failed.values().sum();
            figures.jobs_pending = r.jobs_pending.values().sum();
            jobs.completed += figures.jobs_completed;
            jobs.failed += figures.jobs_failed;
            for (p, n) in &r.jobs_failed {
                *failed_by.entry(p.clone()).or_default() += n;
            }
            // Pending jobs are carried from round to round: the last round's are the ones
            // still pending.
            jobs.pending = figures.jobs_pending;
            pending_by = r.jobs_pending.clone();
        }
        rounds.push(figures);
    }
    if !disagreements.is_empty() {
        return Err(ReportError::Disagreement { disagreements });
    }

    let ids: Vec<i64> = downloads.iter().map(|d| d.id).collect();
    let mut providers = ledger.forwards(&ids)?;
    jobs.source = "rounds";
    if let Some(rows) = ledger.provider_jobs(year)? {
        // The ledger keeps every job by provider and round: it replaces what the rounds'
        // state.json saw.
        jobs = JobFigures {
            source: "ledger",
            ..JobFigures::default()
        };
        failed_by.clear();
        pending_by.clear();
        let mut per_provider: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for r in &mut rounds {
            r.jobs_completed = 0;
            r.jobs_failed = 0;
            r.jobs_pending = 0;
        }
        for row in rows {
            let round = row
                .round
                .and_then(|id| ids.iter().position(|d| *d == id))
                .and_then(|i| rounds.get_mut(i));
            let counts = per_provider.entry(row.provider.clone()).or_default();
            counts.0 += 1;
            match row.state.as_str() {
                "completed" => {
                    jobs.completed += 1;
                    counts.1 += 1;
                    if let Some(r) = round {
                        r.jobs_completed += 1;
                    }
                }
                "failed" => {
                    jobs.failed += 1;
                    *failed_by.entry(row.provider).or_default() += 1;
                    if let Some(r) = round {
                        r.jobs_failed += 1;
                    }
                }
                _ => {
                    jobs.pending += 1;
                    *pending_by.entry(row.provider).or_default() += 1;
                    if let Some(r) = round {
                        r.jobs_pending += 1;
                    }
                }
            }
        }
        for (name, (n, completed)) in per_provider {
            match providers.iter_mut().find(|p| p.provider == name) {
                Some(p) => {
                    p.jobs = n;
                    p.jobs_completed = completed;
                }
                None => providers.push(ProviderFigures {
                    provider: name,
                    jobs: n,
                    jobs_completed: completed,
                    ..ProviderFigures::default()
                }),
            }
        }
    }
    for name in failed_by.keys().chain(pending_by.keys()) {
        if !providers.iter().any(|p| &p.provider == name) {
            providers.push(ProviderFigures {
                provider: name.clone(),
                ..ProviderFigures::default()
            });
        }
    }
    providers.sort_by(|a, b| a.provider.cmp(&b.provider));
    for p in &mut providers {
        p.jobs_failed = failed_by.get(&p.provider).copied().unwrap_or(0);
        p.jobs_pending = pending_by.get(&p.provider).copied().unwrap_or(0);
    }

    let lists = in_list_order(lists);
    let mut total = ListFigures {
        list_type: "total".to_owned(),
        ..ListFigures::default()
    };
    for l in &lists {
        total.add(l);
    }
    Ok(AnnualReport {
        year,
        generated_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        lists,
        total,
        rounds,
        days_to_answer: DaysToAnswer::of(&days),
        providers,
        provider_jobs: jobs,
        exemptions: ledger.exemptions(year)?,
        checked,
    })
}

/// The lists in DROP's order (`ListType::ALL`), any other name after them.
fn in_list_order(mut lists: BTreeMap<String, ListFigures>) -> Vec<ListFigures> {
    let mut out: Vec<ListFigures> = ListType::ALL
        .iter()
        .filter_map(|l| lists.remove(l.as_str()))
        .collect();
    out.extend(lists.into_values());
    out
}

/// The latest answer of a round (its text as stored, and parsed); `None` before any.
fn last_answer(
    ledger: &LedgerView,
    files: &[crate::ledger::AnswerFile],
) -> Result<Option<(String, OffsetDateTime)>, ReportError> {
    let mut last: Option<(String, OffsetDateTime)> = None;
    for f in files {
        let at = instant(ledger, &f.answered_at)?;
        if last.as_ref().is_none_or(|(_, l)| at > *l) {
            last = Some((f.answered_at.clone(), at));
        }
    }
    Ok(last)
}

/// Calendar days (UTC) from the download's receipt to `answered`.
fn calendar_days(
    ledger: &LedgerView,
    download: &Download,
    answered: &(String, OffsetDateTime),
) -> Result<i64, ReportError> {
    let received = instant(ledger, &download.received_at)?;
    let utc = time::UtcOffset::UTC;
    Ok((answered.1.to_offset(utc).date() - received.to_offset(utc).date()).whole_days())
}

fn instant(ledger: &LedgerView, text: &str) -> Result<OffsetDateTime, ReportError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| ReportError::Malformed {
        path: ledger.path().to_owned(),
        message: format!("instant {text:?} is not RFC 3339: {e}"),
    })
}
