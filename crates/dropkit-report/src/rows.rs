//! The rows of the report's tables, built once: the text table and the HTML page render the
//! same rows (and the CSV reads a list's and a provider's figures in the same order).

use crate::figures::{AnnualReport, ListFigures, ProviderFigures};

/// One table row: its text cells (a name, dates), then its figures (right-aligned in text,
/// `class="n"` cells in HTML).
pub(crate) struct Row {
    /// The leading text cells.
    pub(crate) texts: Vec<String>,
    /// The figures after them, in the order of the table's columns.
    pub(crate) figures: Vec<String>,
}

/// A list's figures by measure name (the JSON field names), in the order of the lists table.
pub(crate) fn list_measures(l: &ListFigures) -> [(&'static str, u64); 9] {
    [
        ("received", l.received),
        ("answered", l.answered),
        ("exempted", l.exempted),
        ("deleted", l.deleted),
        ("opted_out", l.opted_out),
        ("not_found", l.not_found),
        ("unanswered", l.unanswered),
        ("cancelled", l.cancelled),
        ("late_matches", l.late_matches),
    ]
}

/// A provider's figures by measure name (the JSON field names), in the order of the service
/// providers table.
pub(crate) fn provider_measures(p: &ProviderFigures) -> [(&'static str, u64); 6] {
    [
        ("forwarded", p.forwarded),
        ("consumers", p.consumers),
        ("jobs", p.jobs),
        ("jobs_completed", p.jobs_completed),
        ("jobs_failed", p.jobs_failed),
        ("jobs_pending", p.jobs_pending),
    ]
}

/// A list's row: its list type (or `total`), then [`list_measures`].
pub(crate) fn list_row(l: &ListFigures) -> Row {
    Row {
        texts: vec![l.list_type.clone()],
        figures: list_measures(l)
            .iter()
            .map(|(_, v)| v.to_string())
            .collect(),
    }
}

impl AnnualReport {
    /// The lists table: one row per list type, then the total.
    pub(crate) fn list_rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.lists.iter().chain([&self.total]).map(list_row)
    }

    /// The rounds table: download, received and answered dates; then days to answer (`-`
    /// while unanswered), work items received, statuses 2 to 5, unanswered, removed, late
    /// matches and, last, status files (which the text table leaves out).
    pub(crate) fn round_rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.rounds.iter().map(|r| {
            let c = &r.counts;
            let days = r.days_to_answer.map_or("-".to_owned(), |d| d.to_string());
            let counts = [
                c.received,
                c.exempted,
                c.deleted,
                c.opted_out,
                c.not_found,
                c.unanswered,
                r.removed,
                c.late_matches,
                r.status_files,
            ];
            Row {
                texts: vec![
                    r.download.clone(),
                    date(&r.received_at).to_owned(),
                    r.answered_at.as_deref().map_or("-", date).to_owned(),
                ],
                figures: std::iter::once(days)
                    .chain(counts.iter().map(u64::to_string))
                    .collect(),
            }
        })
    }

    /// The service providers table: the provider, then [`provider_measures`] (pairs
    /// forwarded, consumers, jobs, jobs completed, failed and pending).
    pub(crate) fn provider_rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.providers.iter().map(|p| Row {
            texts: vec![p.provider.clone()],
            figures: provider_measures(p)
                .iter()
                .map(|(_, v)| v.to_string())
                .collect(),
        })
    }
}

/// The `YYYY-MM-DD` of an RFC 3339 instant (its text as stored, which is UTC).
pub(crate) fn date(instant: &str) -> &str {
    instant.get(..10).unwrap_or(instant)
}
