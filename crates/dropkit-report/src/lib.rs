//! The annual report of a California DROP data broker, from a dropkit state directory.
//!
//! A broker reports yearly on the deletion requests it received through DROP and how it
//! handled them. [`annual_report`] makes that report from the state directory's ledger
//! (`ledger.sqlite`, read-only, see `docs/ledger.md`): per list type, the work items
//! received, answered, exempt (2), deleted (3), opted out (4), not found (5), unanswered and
//! cancelled by DROP's Removed lists; the late matches; per round, the days from download to
//! upload (median and maximum over the year); and what the service providers were sent and
//! how their jobs ended.
//!
//! **The numbers are checked.** Every count comes from the ledger, and each round's answers
//! are then compared with the status files that round actually uploaded (the files its
//! `state.json` says DROP received, read again from its `responses/` directory, at the top
//! of the state directory or under `rounds/`). Any difference (a status file edited after
//! its upload, answers never recorded, a round directory gone) fails the report with
//! [`ReportError::Disagreement`], naming the download, the list and both numbers.
//!
//! **A year** is the downloads received in that calendar year (UTC): a work item counts in
//! the year DROP delivered it, whenever it was answered or cancelled.
//!
//! The [`AnnualReport`] serializes to JSON (snake_case field names, documented in
//! `docs/cli.md`), and renders as text tables ([`AnnualReport::to_text`]), one tidy CSV
//! ([`AnnualReport::to_csv`]) or one self-contained HTML page with inline SVG charts
//! ([`AnnualReport::to_html`]: no script, no font, no network).
//!
//! # Example
//!
//! ```
//! use std::io::Write as _;
//!
//! use dropkit_hash::DropHash;
//! use dropkit_ledger::{Ledger, LEDGER_FILE};
//! use dropkit_report::{ReportError, annual_report};
//! use time::macros::datetime;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let state = tempfile::tempdir()?;
//! // A round received DROP's download of 2026-03-01: two Email work items ...
//! let zip_path = state.path().join("20260301_4821_DROP.zip");
//! let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path)?);
//! zip.start_file("20260301_4821_Email.csv", zip::write::SimpleFileOptions::default())?;
//! let (anna, bob) = (DropHash::of_standardized("anna@x.com"), DropHash::of_standardized("bob@x.com"));
//! write!(zip, "ID,Hash\r\nA7kP2xQ9Lm4R,{anna}\r\nB7kP2xQ9Lm4R,{bob}\r\n")?;
//! zip.finish()?;
//! let mut ledger = Ledger::open(state.path().join(LEDGER_FILE))?;
//! ledger.record_download(&zip_path, datetime!(2026-03-01 10:00 UTC))?;
//!
//! // ... answered them (Anna deleted, Bob not found) in a status file DROP received, as the
//! // round's state.json records it ...
//! let responses = state.path().join("responses");
//! std::fs::create_dir(&responses)?;
//! let status_file = responses.join("20260301_4821_Email.csv");
//! std::fs::write(&status_file, "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,5\n")?;
//! std::fs::write(
//!     state.path().join("state.json"),
//!     r#"{"version": 2, "download": "20260301_4821_DROP.zip",
//!         "uploads": {"20260301_4821_Email.csv":
//!             {"outcome": "accepted", "message": "", "at": "2026-03-04T09:00:00Z"}}}"#,
//! )?;
//! // ... and recorded the answers in the ledger three days after the download.
//! ledger.record_answers(
//!     &"20260301_4821_DROP.zip".parse()?,
//!     &[status_file.clone()],
//!     datetime!(2026-03-04 09:00 UTC),
//! )?;
//!
//! let report = annual_report(state.path(), 2026)?;
//! assert_eq!(report.total.received, 2);
//! assert_eq!((report.total.deleted, report.total.not_found), (1, 1));
//! assert_eq!(report.days_to_answer.maximum, Some(3));
//! assert_eq!(report.checked.status_files, 1);
//! assert!(report.to_text().contains("Email"));
//! assert!(report.to_html().contains("<svg id=\"status-mix\""));
//! assert!(report.to_csv()?.contains("2026,list,Email,deleted,1\n"));
//! let json = serde_json::to_value(&report)?;
//! assert_eq!(json["lists"][0]["list_type"], "Email");
//!
//! // Another year holds nothing.
//! assert!(annual_report(state.path(), 2025)?.rounds.is_empty());
//!
//! // A status file changed after its upload no longer agrees with the ledger.
//! std::fs::write(&status_file, "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,3\n")?;
//! let err = annual_report(state.path(), 2026).unwrap_err();
//! assert!(matches!(err, ReportError::Disagreement { .. }));
//! assert!(err.to_string().contains("Email: status 3 (Deleted): ledger 1, uploaded status files 2"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod annual;
mod check;
mod error;
mod figures;
mod html;
mod ledger;
mod rounds;
mod rows;
mod svg;
mod table_csv;
mod text;

pub use annual::annual_report;
pub use error::{Disagreement, ReportError};
pub use figures::{
    AnnualReport, Checked, DaysToAnswer, ExemptionFigures, JobFigures, ListFigures,
    ProviderFigures, RoundFigures,
};
pub use rounds::{RESPONSES_DIR, ROUNDS_DIR, STATE_FILE};
pub use table_csv::CSV_HEADER;
