//! The report as one self-contained HTML page (`dropkit report --html FILE`): inline CSS and
//! SVG, no script, no font, no request of any kind (a Content-Security-Policy of
//! `default-src 'none'` says so to the browser too). Every text is escaped.

use std::fmt::Write as _;

use crate::figures::AnnualReport;
use crate::rows::Row;
use crate::svg;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:2rem;color:#222}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .6rem}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}\
tr.total td{font-weight:bold}p.note{color:#555;font-size:.9rem}svg{display:block;margin:.5rem 0}";

impl AnnualReport {
    /// The report as one self-contained HTML page: a summary, the status mix per round and
    /// the days to answer per round as inline SVG charts, and the tables.
    pub fn to_html(&self) -> String {
        let mut s = String::new();
        let _ = self.write_html(&mut s);
        s
    }

    fn write_html(&self, s: &mut String) -> std::fmt::Result {
        let y = self.year;
        write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>DROP annual report {y}</title><style>{STYLE}</style></head><body>\n"
        )?;
        writeln!(s, "<h1>California DROP annual report {y}</h1>")?;
        writeln!(
            s,
            "<p class=\"note\">Downloads received from {y}-01-01 to {y}-12-31 (UTC) and what \
             became of their work items. Made {}.</p>",
            escape(&self.generated_at)
        )?;
        let t = &self.total;
        let d = &self.days_to_answer;
        let num = |v: Option<String>| v.unwrap_or_else(|| "n/a".to_owned());
        writeln!(
            s,
            "<ul id=\"summary\"><li>Work items received: <strong id=\"received\">{}</strong></li>\
             <li>Answered: <strong id=\"answered\">{}</strong> (deleted {}, opted out {}, exempt {}, \
             not found {})</li><li>Cancelled by DROP: {}</li><li>Late matches: {}</li>\
             <li>Days from download to upload: median <strong id=\"median-days\">{}</strong>, \
             maximum <strong id=\"maximum-days\">{}</strong></li></ul>",
            t.received,
            t.answered,
            t.deleted,
            t.opted_out,
            t.exempted,
            t.not_found,
            t.cancelled,
            t.late_matches,
            num(d.median.map(|m| m.to_string())),
            num(d.maximum.map(|m| m.to_string())),
        )?;
        writeln!(s, "<h2>Status mix per round</h2>")?;
        s.push_str(&svg::status_mix(&self.rounds));
        writeln!(s, "\n<h2>Days from download to upload per round</h2>")?;
        s.push_str(&svg::days_to_answer(&self.rounds));
        self.lists_table(s)?;
        self.rounds_table(s)?;
        self.providers_table(s)?;
        let c = &self.checked;
        writeln!(
            s,
            "<p id=\"checked\" class=\"note\">Checked against the status files uploaded: {} \
             round(s), {} status file(s), {} work item(s): the ledger agrees.</p></body></html>",
            c.rounds, c.status_files, c.work_items
        )
    }

    fn lists_table(&self, s: &mut String) -> std::fmt::Result {
        writeln!(
            s,
            "\n<h2>Work items by list</h2><table id=\"lists\"><thead><tr><th>List</th>\
             <th>Received</th><th>Answered</th><th>2 Exempt</th><th>3 Deleted</th>\
             <th>4 Opted out</th><th>5 Not found</th><th>Unanswered</th><th>Cancelled</th>\
             <th>Late matches</th></tr></thead><tbody>"
        )?;
        let total = self.lists.len();
        for (i, row) in self.list_rows().enumerate() {
            let class = if i == total { " class=\"total\"" } else { "" };
            tr(s, class, &row)?;
        }
        writeln!(s, "</tbody></table>")
    }

    fn rounds_table(&self, s: &mut String) -> std::fmt::Result {
        writeln!(
            s,
            "<h2>Rounds</h2><table id=\"rounds\"><thead><tr><th>Download</th><th>Received</th>\
             <th>Answered</th><th>Days</th><th>Work items</th><th>2</th><th>3</th><th>4</th>\
             <th>5</th><th>Unanswered</th><th>Removed</th><th>Late matches</th>\
             <th>Status files</th></tr></thead><tbody>"
        )?;
        for row in self.round_rows() {
            tr(s, "", &row)?;
        }
        writeln!(s, "</tbody></table>")
    }

    fn providers_table(&self, s: &mut String) -> std::fmt::Result {
        writeln!(
            s,
            "<h2>Service providers</h2><table id=\"providers\"><thead><tr><th>Provider</th>\
             <th>Pairs forwarded</th><th>Consumers</th><th>Jobs</th><th>Completed</th>\
             <th>Failed</th><th>Pending</th></tr></thead><tbody>"
        )?;
        for row in self.provider_rows() {
            tr(s, "", &row)?;
        }
        let j = &self.provider_jobs;
        writeln!(
            s,
            "</tbody></table><p id=\"provider-jobs\">Provider jobs: {} completed, {} failed, {} \
             still pending (from the {}).</p>",
            j.completed,
            j.failed,
            j.pending,
            escape(j.source)
        )?;
        if !self.exemptions.is_empty() {
            writeln!(
                s,
                "<h2>Exemptions by reason</h2><table id=\"exemptions\"><thead><tr>\
                 <th>Reason</th><th>Work items</th><th>Records</th></tr></thead><tbody>"
            )?;
            for e in &self.exemptions {
                writeln!(
                    s,
                    "<tr><td>{}</td>{}</tr>",
                    escape(&e.reason),
                    cells(&[e.work_items, e.records])
                )?;
            }
            writeln!(s, "</tbody></table>")?;
        }
        Ok(())
    }
}

/// A table row: its text cells escaped, then its figures as `class="n"` cells.
fn tr(s: &mut String, class: &str, row: &Row) -> std::fmt::Result {
    write!(s, "<tr{class}>")?;
    for text in &row.texts {
        write!(s, "<td>{}</td>", escape(text))?;
    }
    for figure in &row.figures {
        write!(s, "<td class=\"n\">{}</td>", escape(figure))?;
    }
    writeln!(s, "</tr>")
}

fn cells(values: &[u64]) -> String {
    values.iter().fold(String::new(), |mut s, v| {
        let _ = write!(s, "<td class=\"n\">{v}</td>");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn every_markup_character_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }
}
