//! The report as a readable text table (the default output of `dropkit report`).

use std::fmt::Write as _;

use crate::figures::AnnualReport;
use crate::rows::Row;

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
        line(
            s,
            &LISTS,
            &["list"],
            &[
                "received",
                "answered",
                "2 exempt",
                "3 deleted",
                "4 opt-out",
                "5 not found",
                "unanswered",
                "cancelled",
                "late matches",
            ],
        )?;
        for row in self.list_rows() {
            line(s, &LISTS, &row.texts, &row.figures)?;
        }
        writeln!(s)?;
        writeln!(s, "Rounds")?;
        line(
            s,
            &ROUNDS,
            &["download", "received", "answered"],
            &[
                "days",
                "received",
                "2",
                "3",
                "4",
                "5",
                "unanswered",
                "removed",
                "late",
            ],
        )?;
        for row in self.round_rows() {
            line(s, &ROUNDS, &row.texts, &row.figures)?;
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
        line(
            s,
            &PROVIDERS,
            &["provider"],
            &[
                "forwarded",
                "consumers",
                "jobs",
                "completed",
                "failed",
                "pending",
            ],
        )?;
        for Row { texts, figures } in self.provider_rows() {
            line(s, &PROVIDERS, &texts, &figures)?;
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

/// The widths of a text table's columns: its left-aligned text cells, then its
/// right-aligned figures.
struct Columns {
    texts: &'static [usize],
    figures: &'static [usize],
}

const LISTS: Columns = Columns {
    texts: &[8],
    figures: &[9, 9, 9, 9, 10, 11, 10, 9, 12],
};

/// The rounds table without its last figure (status files), as the text table always was.
const ROUNDS: Columns = Columns {
    texts: &[26, 10, 10],
    figures: &[4, 9, 6, 6, 6, 6, 10, 7, 5],
};

const PROVIDERS: Columns = Columns {
    texts: &[12],
    figures: &[10, 10, 5, 10, 7, 8],
};

/// One line of a table, cells one space apart; cells beyond the columns are left out.
fn line<T: AsRef<str>, F: AsRef<str>>(
    s: &mut String,
    columns: &Columns,
    texts: &[T],
    figures: &[F],
) -> std::fmt::Result {
    let texts = columns
        .texts
        .iter()
        .zip(texts)
        .map(|(w, t)| format!("{:<w$}", t.as_ref()));
    let figures = columns
        .figures
        .iter()
        .zip(figures)
        .map(|(w, f)| format!("{:>w$}", f.as_ref()));
    let cells: Vec<String> = texts.chain(figures).collect();
    writeln!(s, "{}", cells.join(" "))
}
