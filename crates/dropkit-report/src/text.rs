//! The report as a readable text table (the default output of `dropkit report`).

use std::fmt::Write as _;

use crate::figures::{AnnualReport, ListFigures};

impl AnnualReport {
    /// The report as text tables: work items by list, the rounds, days to answer, the
    /// service providers, and what was checked.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = self.write_text(&mut s);
        s
    }

    fn write_text(&self, s: &mut String) -> std::fmt::Result {
        let y = self.year;
        writeln!(
            s,
            "DROP annual report {y}: downloads received {y}-01-01 to {y}-12-31 (UTC)"
        )?;
        writeln!(s)?;
        writeln!(s, "Work items by list")?;
        writeln!(
            s,
            "{:<8} {:>9} {:>9} {:>9} {:>9} {:>10} {:>11} {:>10} {:>9} {:>12}",
            "list",
            "received",
            "answered",
            "2 exempt",
            "3 deleted",
            "4 opt-out",
            "5 not found",
            "unanswered",
            "cancelled",
            "late matches"
        )?;
        for l in self.lists.iter().chain([&self.total]) {
            list_row(s, l)?;
        }
        writeln!(s)?;
        writeln!(s, "Rounds")?;
        writeln!(
            s,
            "{:<26} {:<10} {:<10} {:>4} {:>9} {:>6} {:>6} {:>6} {:>6} {:>10} {:>7} {:>5}",
            "download",
            "received",
            "answered",
            "days",
            "received",
            "2",
            "3",
            "4",
            "5",
            "unanswered",
            "removed",
            "late"
        )?;
        for r in &self.rounds {
            let c = &r.counts;
            writeln!(
                s,
                "{:<26} {:<10} {:<10} {:>4} {:>9} {:>6} {:>6} {:>6} {:>6} {:>10} {:>7} {:>5}",
                r.download,
                date(&r.received_at),
                r.answered_at.as_deref().map_or("-", date),
                r.days_to_answer.map_or("-".to_owned(), |d| d.to_string()),
                c.received,
                c.exempted,
                c.deleted,
                c.opted_out,
                c.not_found,
                c.unanswered,
                r.removed,
                c.late_matches
            )?;
        }
        if self.rounds.is_empty() {
            writeln!(s, "(no download received in {y})")?;
        }
        let d = &self.days_to_answer;
        match (d.median, d.maximum) {
            (Some(median), Some(maximum)) => writeln!(
                s,
                "Days from download to upload: median {median}, maximum {maximum} ({} round(s) answered)",
                d.rounds
            )?,
            _ => writeln!(s, "Days from download to upload: no round answered")?,
        }
        writeln!(s)?;
        writeln!(s, "Service providers")?;
        writeln!(
            s,
            "{:<12} {:>10} {:>10} {:>5} {:>10} {:>7} {:>8}",
            "provider", "forwarded", "consumers", "jobs", "completed", "failed", "pending"
        )?;
        for p in &self.providers {
            writeln!(
                s,
                "{:<12} {:>10} {:>10} {:>5} {:>10} {:>7} {:>8}",
                p.provider,
                p.forwarded,
                p.consumers,
                p.jobs,
                p.jobs_completed,
                p.jobs_failed,
                p.jobs_pending
            )?;
        }
        if self.providers.is_empty() {
            writeln!(s, "(nothing forwarded)")?;
        }
        let j = &self.provider_jobs;
        writeln!(
            s,
            "Provider jobs: {} completed, {} failed, {} still pending (from the {})",
            j.completed, j.failed, j.pending, j.source
        )?;
        if !self.exemptions.is_empty() {
            writeln!(s)?;
            writeln!(s, "Exemptions (2) by reason")?;
            writeln!(s, "{:>10} {:>8}  reason", "work items", "records")?;
            for e in &self.exemptions {
                writeln!(
                    s,
                    "{:>10} {:>8}  {}",
                    e.work_items,
                    e.records,
                    e.reason.escape_debug()
                )?;
            }
        }
        writeln!(s)?;
        let c = &self.checked;
        writeln!(
            s,
            "Checked against the status files uploaded: {} round(s), {} status file(s), {} work item(s): the ledger agrees.",
            c.rounds, c.status_files, c.work_items
        )
    }
}

fn list_row(s: &mut String, l: &ListFigures) -> std::fmt::Result {
    writeln!(
        s,
        "{:<8} {:>9} {:>9} {:>9} {:>9} {:>10} {:>11} {:>10} {:>9} {:>12}",
        l.list_type,
        l.received,
        l.answered,
        l.exempted,
        l.deleted,
        l.opted_out,
        l.not_found,
        l.unanswered,
        l.cancelled,
        l.late_matches
    )
}

/// The `YYYY-MM-DD` of an RFC 3339 instant (its text as stored, which is UTC).
pub(crate) fn date(instant: &str) -> &str {
    instant.get(..10).unwrap_or(instant)
}
