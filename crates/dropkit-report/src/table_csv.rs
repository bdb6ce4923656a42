//! The report as CSV (`dropkit report --csv`): one tidy table, every figure a row.
//!
//! Header `year,section,subject,measure,value`. `section` is `list` (subject: the list type
//! or `total`; one row per list type and measure, the statuses among them: `exempted`,
//! `deleted`, `opted_out`, `not_found`), `round` (subject: the download), `days_to_answer`,
//! `provider` (subject: the provider), `provider_jobs` or `checked` (subject: `all`), and
//! `exemption` (subject: the reason). An absent value (a round not answered yet) is an empty
//! field.

use crate::error::ReportError;
use crate::figures::AnnualReport;
use crate::rows::{list_measures, provider_measures};

/// The CSV header.
pub const CSV_HEADER: &str = "year,section,subject,measure,value";

impl AnnualReport {
    /// The report as CSV: the header [`CSV_HEADER`], then one row per figure (see
    /// `docs/cli.md`, `dropkit report`).
    pub fn to_csv(&self) -> Result<String, ReportError> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let write = |e: csv::Error| ReportError::Write {
            source: std::io::Error::other(e),
        };
        w.write_record(CSV_HEADER.split(',')).map_err(write)?;
        let year = self.year.to_string();
        let mut row = |section: &str, subject: &str, measure: &str, value: String| {
            w.write_record([year.as_str(), section, subject, measure, value.as_str()])
        };
        for l in self.lists.iter().chain([&self.total]) {
            for (measure, value) in list_measures(l) {
                row("list", &l.list_type, measure, value.to_string()).map_err(write)?;
            }
        }
        for r in &self.rounds {
            let mut values = vec![
                ("received_at", r.received_at.clone()),
                ("answered_at", r.answered_at.clone().unwrap_or_default()),
                (
                    "days_to_answer",
                    r.days_to_answer.map(|d| d.to_string()).unwrap_or_default(),
                ),
            ];
            values.extend(
                list_measures(&r.counts)
                    .into_iter()
                    .map(|(m, v)| (m, v.to_string())),
            );
            values.extend([
                ("removed", r.removed.to_string()),
                ("status_files", r.status_files.to_string()),
                ("jobs_completed", r.jobs_completed.to_string()),
                ("jobs_failed", r.jobs_failed.to_string()),
                ("jobs_pending", r.jobs_pending.to_string()),
            ]);
            for (measure, value) in values {
                row("round", &r.download, measure, value).map_err(write)?;
            }
        }
        let d = &self.days_to_answer;
        for (measure, value) in [
            ("rounds", d.rounds.to_string()),
            (
                "median",
                d.median.map(|m| m.to_string()).unwrap_or_default(),
            ),
            (
                "maximum",
                d.maximum.map(|m| m.to_string()).unwrap_or_default(),
            ),
        ] {
            row("days_to_answer", "all", measure, value).map_err(write)?;
        }
        for p in &self.providers {
            for (measure, value) in provider_measures(p) {
                row("provider", &p.provider, measure, value.to_string()).map_err(write)?;
            }
        }
        let j = &self.provider_jobs;
        for (measure, value) in [
            ("completed", j.completed),
            ("failed", j.failed),
            ("pending", j.pending),
        ] {
            row("provider_jobs", "all", measure, value.to_string()).map_err(write)?;
        }
        for e in &self.exemptions {
            row(
                "exemption",
                &e.reason,
                "work_items",
                e.work_items.to_string(),
            )
            .map_err(write)?;
            row("exemption", &e.reason, "records", e.records.to_string()).map_err(write)?;
        }
        let c = &self.checked;
        for (measure, value) in [
            ("rounds", c.rounds),
            ("status_files", c.status_files),
            ("work_items", c.work_items),
        ] {
            row("checked", "all", measure, value.to_string()).map_err(write)?;
        }
        let bytes = w.into_inner().map_err(|e| ReportError::Write {
            source: std::io::Error::other(e.to_string()),
        })?;
        String::from_utf8(bytes).map_err(|e| ReportError::Write {
            source: std::io::Error::other(e),
        })
    }
}
