//! `attestation.md`: the attestation for a person to read.

use std::fmt::Write as _;

use crate::{ATTESTATION_FILE, Attestation};

impl Attestation {
    /// The attestation as Markdown: a title, the audit head, then one table per part (the
    /// download, the status files and DROP's answers, the counts per list and status, the
    /// connectors, the provider jobs, the approvals), and how to verify it. A readable copy:
    /// the JSON is what is signed and verified.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let round = self
            .download
            .as_ref()
            .map(|d| d.name.trim_end_matches(".zip").to_owned());
        let _ = writeln!(
            md,
            "# Attestation of DROP round {}\n",
            cell(round.as_deref().unwrap_or("(no download)"))
        );
        let _ = writeln!(md, "- Made: {}", cell(&self.created_at));
        let _ = writeln!(
            md,
            "- Audit chain head: line {}, SHA-256 `{}`",
            self.audit_head.seq, self.audit_head.hash
        );
        let _ = writeln!(md, "- Format: {}\n", self.format);

        md.push_str("## Download\n\n");
        match &self.download {
            Some(d) => table(
                &mut md,
                &["file", "SHA-256"],
                [vec![cell(&d.name), code(&d.sha256.to_string())]],
            ),
            None => md.push_str("DROP had no data for this round.\n\n"),
        }

        md.push_str("## Status files uploaded\n\n");
        table(
            &mut md,
            &["file", "SHA-256", "DROP's answer"],
            self.uploads.iter().map(|u| {
                vec![
                    cell(&u.name),
                    code(&u.sha256.to_string()),
                    cell(&u.drop_answer),
                ]
            }),
        );

        md.push_str("## Work items answered\n\n");
        table(
            &mut md,
            &["list", "status", "work items"],
            self.counts.iter().flat_map(|(list, statuses)| {
                statuses
                    .iter()
                    .map(move |(status, n)| vec![cell(list), cell(status), n.to_string()])
            }),
        );

        md.push_str("## Deletion connectors\n\n");
        table(
            &mut md,
            &["connector", "outcome", "counts"],
            self.connectors.iter().map(|c| {
                let counts = c
                    .counts
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![cell(&c.name), cell(&c.outcome), cell(&counts)]
            }),
        );

        md.push_str("## Service provider jobs\n\n");
        table(
            &mut md,
            &["provider", "job", "outcome", "requests"],
            self.provider_jobs.iter().map(|j| {
                vec![
                    cell(&j.provider),
                    cell(&j.job),
                    cell(&j.outcome),
                    j.requests.to_string(),
                ]
            }),
        );

        md.push_str("## Approvals\n\n");
        table(
            &mut md,
            &["by", "at"],
            self.approvals
                .iter()
                .map(|a| vec![cell(&a.by), cell(&a.at)]),
        );

        let _ = writeln!(
            md,
            "## How to verify\n\n\
             This page is a readable copy of `{ATTESTATION_FILE}`, which is what is signed and \
             verified. In the round's directory:\n\n\
             ```sh\n\
             dropkit attest verify {ATTESTATION_FILE} --public-key attest.pem.pub\n\
             ```\n\n\
             checks the signature, every digest above against the files, and that the audit \
             chain head is in the state directory's `audit.jsonl`."
        );
        md
    }
}

/// A table, or `None.` when it has no rows.
fn table(md: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        md.push_str("None.\n\n");
        return;
    }
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let _ = writeln!(md, "|{}", " --- |".repeat(header.len()));
    for row in rows {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
    md.push('\n');
}

/// Text safe in a table cell: no line breaks, no column separator, no HTML.
fn cell(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('`', "'")
}

fn code(text: &str) -> String {
    format!("`{text}`")
}
