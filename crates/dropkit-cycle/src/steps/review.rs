//! Step 5 (on request): stop for a person's review before anything leaves.
//!
//! With `--review` the round stops once the status files and match reports are written, and
//! before anything is deleted, uploaded or forwarded: it writes `review.md` in the state
//! directory and waits for `dropkit approve` ([`approve`](crate::approve)). A round under
//! review never continues unapproved, however often it is run.

use std::fmt::Write as _;
use std::path::Path;

use crate::CycleError;
use crate::ctx::Ctx;
use crate::state::{MatchSummary, ROUNDS_DIR, RoundState, STATE_FILE, StateDir, write_atomically};
use crate::step::Flow;

/// File name of the review, written in the state directory.
pub const REVIEW_FILE: &str = "review.md";

/// Matched rows shown in the review.
const SAMPLE_ROWS: usize = 10;

/// Whether the round may go past the review: no review was asked for, or it is approved.
pub(crate) fn is_done(state: &RoundState) -> bool {
    state
        .review
        .as_ref()
        .is_none_or(|review| review.approval.is_some())
}

/// Writes `review.md` and stops the run until the round is approved.
pub(crate) fn run(ctx: &Ctx<'_>, state: &mut RoundState) -> Result<Flow, CycleError> {
    let text = review_text(ctx.dir, state)?;
    let path = ctx.dir.root().join(REVIEW_FILE);
    write_atomically(&path, text.as_bytes())?;
    tracing::info!(review = %path.display(), "round stopped for review");
    Ok(Flow::AwaitApproval)
}

fn review_text(dir: &StateDir, state: &RoundState) -> Result<String, CycleError> {
    let matched = state.matched.clone().unwrap_or_default();
    let mut t = String::new();
    let zip = state
        .download
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let _ = writeln!(t, "# Review of the DROP round {zip}\n");
    let _ = writeln!(
        t,
        "Nothing has been deleted, uploaded or forwarded yet. Approve with \
         `dropkit approve --state-dir {}`; the next `dropkit cycle` then goes on.\n",
        dir.root().display()
    );
    let _ = writeln!(t, "## Work items per list and status\n");
    let _ = writeln!(
        t,
        "| list | work items | 2 Exempted | 3 Deleted | 4 Opted out | 5 Not found |"
    );
    let _ = writeln!(t, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (list, s) in &matched.lists {
        let _ = writeln!(
            t,
            "| {list} | {} | {} | {} | {} | {} |",
            s.work_items, s.exempted, s.deleted, s.opted_out, s.not_found
        );
    }
    let _ = writeln!(
        t,
        "\nRecords read: {}; unusable rows: {}; Removed work items: {}.\n",
        matched.records_read, matched.bad_rows, matched.removed
    );
    let _ = writeln!(t, "## Late matches (earlier requests, still active)\n");
    match &state.screened {
        Some(s) if s.late_matches.values().any(|n| *n > 0) => {
            for (list, n) in &s.late_matches {
                let _ = writeln!(t, "- {list}: {n}");
            }
            let _ = writeln!(t, "\nThey are listed in `late-matches.csv`.");
        }
        _ => {
            let _ = writeln!(t, "None.");
        }
    }
    let _ = writeln!(t, "\n## Lists no mapped field can match\n");
    if matched.unmatched_lists.is_empty() {
        let _ = writeln!(t, "None.");
    } else {
        for list in &matched.unmatched_lists {
            let _ = writeln!(
                t,
                "- {list}: every work item answered 5 Not found, as chosen"
            );
        }
    }
    let _ = writeln!(t, "\n## A sample of matched rows (`matches.csv`)\n\n```");
    let sample = std::fs::read_to_string(dir.matches_path()).unwrap_or_default();
    for line in sample.lines().take(SAMPLE_ROWS + 1) {
        let _ = writeln!(t, "{line}");
    }
    let _ = writeln!(t, "```\n\n## Compared with the previous round\n");
    match previous_round(&dir.root().join(ROUNDS_DIR))? {
        Some((name, before)) => {
            let _ = writeln!(t, "Previous round: {name}.\n");
            let _ = writeln!(
                t,
                "| list | work items | 3 Deleted | 4 Opted out | 5 Not found |"
            );
            let _ = writeln!(t, "| --- | ---: | ---: | ---: | ---: |");
            for (list, now) in &matched.lists {
                let was = before.lists.get(list).cloned().unwrap_or_default();
                let _ = writeln!(
                    t,
                    "| {list} | {} ({:+}) | {} ({:+}) | {} ({:+}) | {} ({:+}) |",
                    now.work_items,
                    now.work_items as i64 - was.work_items as i64,
                    now.deleted,
                    now.deleted as i64 - was.deleted as i64,
                    now.opted_out,
                    now.opted_out as i64 - was.opted_out as i64,
                    now.not_found,
                    now.not_found as i64 - was.not_found as i64,
                );
            }
        }
        None => {
            let _ = writeln!(t, "This is the first round in this state directory.");
        }
    }
    Ok(t)
}

/// The latest archived round with a match summary, by name (names start with the date).
fn previous_round(rounds: &Path) -> Result<Option<(String, MatchSummary)>, CycleError> {
    let entries = match std::fs::read_dir(rounds) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CycleError::io(rounds, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names.into_iter().rev() {
        let state: RoundState = crate::state::read_json(&rounds.join(&name).join(STATE_FILE))?;
        if let Some(matched) = state.matched {
            return Ok(Some((name, matched)));
        }
    }
    Ok(None)
}
