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

/// Appends `step`'s `done` entry, unless the chain's last `cycle` line already is that
/// step's `done` entry: a run killed after appending it and before saving the state runs the
/// step again, and the entry is not written twice. Only for a step the state records done;
/// an attempt that leaves it undone (a forward with failures, "nothing new") is appended
/// every time.
pub(crate) fn append_step_once(dir: &StateDir, step: Step, entry: Entry) -> Result<(), CycleError> {
    if last_cycle_line_is(dir, step.as_str(), "done") {
        return Ok(());
    }
    append(dir, entry)?;
    Ok(())
}

/// Whether the chain's last `cycle` line is `step` with `outcome` (false when the chain cannot
/// be read: then the entry is written, a duplicate being better than a loss).
fn last_cycle_line_is(dir: &StateDir, step: &str, outcome: &str) -> bool {
    let path = dir.root().join(dropkit_audit::AUDIT_FILE);
    path.is_file()
        && dropkit_audit::read_records(&path).is_ok_and(|records| {
            records
                .iter()
                .rev()
                .find(|r| r.command == "cycle")
                .is_some_and(|last| last.step.as_deref() == Some(step) && last.outcome == outcome)
        })
}

/// The hook a step's run saves through: before a save records a step done or a status file
/// answered, their entries are appended to the chain, so a crash between the two can lose
/// no entry (see [`append_step_once`] for the step run again).
pub(crate) struct WriteAhead {
    dir: StateDir,
    step: Step,
    last: std::sync::Mutex<(RoundState, bool)>,
}

impl WriteAhead {
    /// For `step`, run from `state`.
    pub(crate) fn new(dir: &StateDir, step: Step, state: &RoundState) -> WriteAhead {
        WriteAhead {
            dir: dir.clone(),
            step,
            last: std::sync::Mutex::new((state.clone(), false)),
        }
    }

    /// Appends the entries of what `state` records beyond the last save.
    pub(crate) fn before_save(&self, state: &RoundState) -> Result<(), CycleError> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        for (file, record) in &state.uploads {
            if !last.0.uploads.contains_key(file) {
                let entry = upload_entry(&file.to_string(), record.outcome.as_str());
                append(&self.dir, entry)?;
            }
        }
        if !last.1 && self.step.is_done(state) {
            append_step_once(&self.dir, self.step, step_entry(self.step, "done", state))?;
            last.1 = true;
        }
        last.0 = state.clone();
        Ok(())
    }

    /// Whether the step's `done` entry has been appended.
    pub(crate) fn step_logged(&self) -> bool {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).1
    }
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
                // Exemptions per reason: the reason as a label (letters, digits, `-`), never
                // a record key; one that looks like an identifier is counted as `redacted`.
                let mut per_label: BTreeMap<Label, u64> = BTreeMap::new();
                for (reason, n) in &m.exemptions {
                    *per_label
                        .entry(Label::or_redacted(&exemption_label(reason)))
                        .or_default() += n;
                }
                for (label, n) in per_label {
                    entry = entry.count(label, n);
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

/// The count name of an exemption reason in the chain: `exempt.` and the reason in lower
/// case, every run of other characters than ASCII letters and digits made one `-`
/// (`legal hold` → `exempt.legal-hold`); `exempt.unspecified` for none. A reason that may
/// hold a consumer's contact detail is `exempt.redacted` (the ledger keeps its text): one
/// with an `@` (an email) or 10 or more digits in all (a phone number, whatever
/// separates its digits; a statute such as `§1798.105(d)(8)` has fewer), checked before the slug would hide them. Reasons are meant to be categories
/// (`legal-hold`, `fraud-prevention`); a person's name written into one cannot be told from
/// a category, so docs/connectors.md asks for categories.
pub(crate) fn exemption_label(reason: &str) -> String {
    let digits = reason.chars().filter(char::is_ascii_digit).count();
    if reason.contains('@') || reason.contains('\u{ff20}') || digits >= 10 {
        return "exempt.redacted".to_owned();
    }
    let mut slug = String::new();
    for c in reason.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let slug: String = slug.chars().take(100).collect();
    if slug.is_empty() {
        "exempt.unspecified".to_owned()
    } else {
        format!("exempt.{slug}")
    }
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
    // A run killed after this entry and before the state said so attests again: the entry is
    // not written twice, and the attestation anchors at the chain's head.
    let head = if last_cycle_line_is(dir, "report", "attested") {
        AuditChain::open(dir.root())?.head()
    } else {
        append(dir, Entry::new("cycle", "attested").step("report"))?
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(dir: &StateDir) -> Vec<dropkit_audit::Record> {
        dropkit_audit::read_records(&dir.root().join(dropkit_audit::AUDIT_FILE)).unwrap()
    }

    #[test]
    fn a_step_entry_is_not_written_twice_when_the_step_runs_again_after_a_kill() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = StateDir::open(tmp.path()).unwrap();
        let state = RoundState::default();
        let done = || step_entry(Step::Match, "done", &state);
        append_step_once(&dir, Step::Match, done()).unwrap();
        // Killed before the state was saved: the step runs again and ends the same way.
        append_step_once(&dir, Step::Match, done()).unwrap();
        assert_eq!(lines(&dir).len(), 1);
        // A failure and a later success are two entries; so is the next step.
        append(&dir, step_entry(Step::Screen, "failed", &state)).unwrap();
        append_step_once(&dir, Step::Screen, step_entry(Step::Screen, "done", &state)).unwrap();
        append_step_once(
            &dir,
            Step::Validate,
            step_entry(Step::Validate, "done", &state),
        )
        .unwrap();
        let steps: Vec<(String, String)> = lines(&dir)
            .into_iter()
            .map(|r| (r.step.unwrap_or_default(), r.outcome))
            .collect();
        assert_eq!(
            steps,
            [
                ("match".to_owned(), "done".to_owned()),
                ("screen".to_owned(), "failed".to_owned()),
                ("screen".to_owned(), "done".to_owned()),
                ("validate".to_owned(), "done".to_owned()),
            ]
        );
    }

    #[test]
    fn the_write_ahead_hook_appends_a_step_once_before_its_save() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = StateDir::open(tmp.path()).unwrap();
        let ahead = std::sync::Arc::new(WriteAhead::new(
            &plain,
            Step::Record,
            &plain.load().unwrap(),
        ));
        let hook = ahead.clone();
        let dir = plain.with_before_save(std::sync::Arc::new(move |s| hook.before_save(s)));
        let mut state = plain.load().unwrap();
        dir.save(&state).unwrap();
        assert!(!ahead.step_logged());
        assert!(!tmp.path().join(dropkit_audit::AUDIT_FILE).exists());
        state.recorded = true;
        dir.save(&state).unwrap();
        dir.save(&state).unwrap();
        assert!(ahead.step_logged());
        let records = lines(&plain);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].step.as_deref(), Some("record"));
    }

    #[test]
    fn an_exemption_reason_becomes_a_label() {
        assert_eq!(exemption_label("Legal hold"), "exempt.legal-hold");
        assert_eq!(exemption_label("  "), "exempt.unspecified");
        assert_eq!(
            exemption_label("CCPA §1798.105(d)(8)"),
            "exempt.ccpa-1798-105-d-8"
        );
        assert!(Label::new(&exemption_label("fraud / security")).is_ok());
        // Contact details hidden by separators are not let through by the slug.
        assert_eq!(exemption_label("jane.doe@example.com"), "exempt.redacted");
        assert_eq!(
            exemption_label("asked by (555) 123-4567"),
            "exempt.redacted"
        );
        assert_eq!(exemption_label("+1 555 123 4567"), "exempt.redacted");
    }
}
