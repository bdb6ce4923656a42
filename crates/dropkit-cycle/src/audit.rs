//! The round's entries in the state directory's tamper-evident audit chain
//! (`audit.jsonl`, [`dropkit_audit`]), and the attestation written when a round completes.
//!
//! Every step that ran is one entry (`cycle`, the step, `done` or `failed`, with counts);
//! every status file uploaded and the download are requests of their own. No entry holds a
//! secret or a consumer's identifier: only DROP's file names, step names and counts.

use std::collections::BTreeMap;

use dropkit_audit::{
    Approval, Attestation, AuditChain, ChainHead, ConnectorResult, Entry, FileDigest, Label,
    ProviderJob, Request, SigningKey, Upload,
};

use crate::state::{RoundState, StateDir};
use crate::{CycleError, Step};

/// Appends `entry` to the chain of `dir`.
pub(crate) fn append(dir: &StateDir, entry: Entry) -> Result<ChainHead, CycleError> {
    let mut chain = AuditChain::open(dir.root())?;
    Ok(chain.append(entry)?)
}

/// The entry of a step that ran: its outcome and what it leaves counted in the state.
pub(crate) fn step_entry(step: Step, outcome: &'static str, state: &RoundState) -> Entry {
    let mut entry = Entry::new("cycle", outcome).step(step.as_str());
    match step {
        Step::Download => {
            if let Some(zip) = &state.download {
                entry = entry.request(
                    Request::new("GET", "/data/download")
                        .name(Label::or_redacted(&zip.to_string())),
                );
            }
        }
        Step::Match => {
            if let Some(m) = &state.matched {
                entry = entry
                    .count("records", m.records_read)
                    .count("bad_rows", m.bad_rows)
                    .count("removed", m.removed);
                for (list, s) in &m.lists {
                    let l = list.as_str();
                    entry = entry
                        .count(Label::or_redacted(&format!("{l}.work_items")), s.work_items)
                        .count(Label::or_redacted(&format!("{l}.deleted")), s.deleted)
                        .count(Label::or_redacted(&format!("{l}.opted_out")), s.opted_out)
                        .count(Label::or_redacted(&format!("{l}.exempted")), s.exempted)
                        .count(Label::or_redacted(&format!("{l}.not_found")), s.not_found);
                }
                for list in &m.unmatched_lists {
                    entry = entry.count(
                        Label::or_redacted(&format!(
                            "{}.unmatched_answered_not_found",
                            list.as_str()
                        )),
                        1,
                    );
                }
            }
        }
        Step::Screen => {
            if let Some(s) = &state.screened {
                for (list, n) in &s.late_matches {
                    entry = entry.count(
                        Label::or_redacted(&format!("{}.late_matches", list.as_str())),
                        *n,
                    );
                }
            }
        }
        Step::Delete => {
            if let Some(d) = &state.deletion {
                entry = entry
                    .count("records_deleted", d.done)
                    .count("records_failed", d.failed.len() as u64);
            }
        }
        Step::Confirm => {
            if let Some(c) = &state.confirmed {
                entry = entry
                    .count("jobs_completed", c.completed)
                    .count("jobs_failed", c.failed.len() as u64)
                    .count("jobs_pending", c.pending.len() as u64);
            }
        }
        _ => {}
    }
    entry
}

/// The entry of one status file DROP answered.
pub(crate) fn upload_entry(file: &str, outcome: &str) -> Entry {
    Entry::new("cycle", Label::or_redacted(outcome))
        .step("upload")
        .request(Request::new("POST", "/data/upload").name(Label::or_redacted(file)))
}

/// Writes `attestation.json` (signed with `key` when given) and `attestation.md` in the state
/// directory, anchored at the chain's head after a last `attested` entry.
pub(crate) fn attest(
    dir: &StateDir,
    state: &RoundState,
    key: Option<&SigningKey>,
) -> Result<(), CycleError> {
    let head = append(dir, Entry::new("cycle", "attested").step("report"))?;
    let mut a = Attestation::new(head, time::OffsetDateTime::now_utc());
    if let Some(zip) = &state.download {
        a.download = Some(FileDigest::of_file(&dir.root().join(zip.to_string()))?);
    }
    for (file, record) in &state.uploads {
        a.uploads.push(Upload::of_file(
            &dir.responses_dir().join(file.to_string()),
            record.outcome.as_str(),
        )?);
    }
    if let Some(m) = &state.matched {
        for (list, s) in &m.lists {
            let counts = BTreeMap::from([
                ("work_items".to_owned(), s.work_items),
                ("exempted".to_owned(), s.exempted),
                ("deleted".to_owned(), s.deleted),
                ("opted_out".to_owned(), s.opted_out),
                ("not_found".to_owned(), s.not_found),
            ]);
            a.counts.insert(list.to_string(), counts);
        }
    }
    if let Some(d) = &state.deletion {
        let name = d.connector.clone().unwrap_or_else(|| "none".to_owned());
        a.connectors.push(ConnectorResult::new(
            name,
            format!(
                "{} record(s) deleted or opted out, {} failed",
                d.done,
                d.failed.len()
            ),
        ));
    }
    if let Some(c) = &state.confirmed {
        for job in c.failed.iter().chain(&c.pending) {
            let outcome = if c.failed.contains(job) {
                "failed"
            } else {
                "pending"
            };
            a.provider_jobs
                .push(ProviderJob::new(&job.provider, &job.job, outcome, 1));
        }
    }
    if let Some(approval) = state.review.as_ref().and_then(|r| r.approval.as_ref()) {
        a.approvals.push(Approval::new(&approval.by, &approval.at));
    }
    match key {
        Some(key) => {
            a.sign(key)?.write(dir.root())?;
        }
        None => {
            a.write(dir.root())?;
        }
    }
    Ok(())
}
