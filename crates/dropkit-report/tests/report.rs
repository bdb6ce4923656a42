//! The report over hand-made state directories: figures per list, round and provider, the
//! year's bounds, and every kind of disagreement with the uploaded status files.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use dropkit_hash::DropHash;
use dropkit_ledger::{LEDGER_FILE, Ledger};
use dropkit_report::{ReportError, annual_report};
use time::OffsetDateTime;
use time::macros::datetime;

/// A round of download `date` in `dir` (the state directory, or a directory under
/// `rounds/`): its ZIP (one Email list of `ids`) recorded as received at `received`, and,
/// when `answers` is given, one status file uploaded and recorded at `answered`.
fn round(
    ledger: &mut Ledger,
    dir: &Path,
    date: &str,
    ids: &[&str],
    answers: Option<&[(&str, u8)]>,
    received: OffsetDateTime,
    answered: OffsetDateTime,
) -> PathBuf {
    std::fs::create_dir_all(dir.join("responses")).unwrap();
    let zip_name = format!("{date}_4821_DROP.zip");
    let zip_path = dir.join(&zip_name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    zip.start_file(
        format!("{date}_4821_Email.csv"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    write!(zip, "ID,Hash\r\n").unwrap();
    for id in ids {
        let hash = DropHash::of_standardized(&format!("{id}@x.com"));
        write!(zip, "{id},{hash}\r\n").unwrap();
    }
    zip.finish().unwrap();
    ledger.record_download(&zip_path, received).unwrap();
    let status_name = format!("{date}_4821_Email.csv");
    let status_path = dir.join("responses").join(&status_name);
    let uploads = match answers {
        Some(rows) => {
            let mut body = String::from("Id,Status\n");
            for (id, status) in rows {
                body.push_str(&format!("{id},{status}\n"));
            }
            std::fs::write(&status_path, body).unwrap();
            ledger
                .record_answers(
                    &zip_name.parse().unwrap(),
                    std::slice::from_ref(&status_path),
                    answered,
                )
                .unwrap();
            format!(
                r#"{{"{status_name}": {{"outcome": "accepted", "message": "", "at": "2026-01-01T00:00:00Z"}}}}"#
            )
        }
        None => "{}".to_owned(),
    };
    std::fs::write(
        dir.join("state.json"),
        format!(r#"{{"version": 2, "download": "{zip_name}", "uploads": {uploads}}}"#),
    )
    .unwrap();
    status_path
}

fn ledger(state: &Path) -> Ledger {
    Ledger::open(state.join(LEDGER_FILE)).unwrap()
}

#[test]
fn figures_per_list_round_and_provider_for_the_year_received() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path();
    let mut l = ledger(state);
    // December 2025: received that year, answered in January: a 2025 work item.
    round(
        &mut l,
        &state.join("rounds/20251230_4821_DROP"),
        "20251230",
        &["AAAAAAAAAAA1"],
        Some(&[("AAAAAAAAAAA1", 5)]),
        datetime!(2025-12-30 23:00 UTC),
        datetime!(2026-01-04 01:00 UTC),
    );
    round(
        &mut l,
        &state.join("rounds/20260301_4821_DROP"),
        "20260301",
        &["BBBBBBBBBBB1", "BBBBBBBBBBB2", "BBBBBBBBBBB3"],
        Some(&[
            ("BBBBBBBBBBB1", 3),
            ("BBBBBBBBBBB2", 4),
            ("BBBBBBBBBBB3", 5),
        ]),
        datetime!(2026-03-01 10:00 UTC),
        datetime!(2026-03-11 10:00 UTC),
    );
    // The current round: downloaded, not answered yet.
    round(
        &mut l,
        state,
        "20260420",
        &["CCCCCCCCCCC1"],
        None,
        datetime!(2026-04-20 10:00 UTC),
        datetime!(2026-04-20 10:00 UTC),
    );
    let pair = ("BBBBBBBBBBB1".parse().unwrap(), "<b>key".to_owned());
    l.record_forward(
        "<script>p",
        &[pair],
        &"20260301_4821_DROP.zip".parse().unwrap(),
        datetime!(2026-03-11 11:00 UTC),
    )
    .unwrap();

    let r = annual_report(state, 2026).unwrap();
    assert_eq!(r.rounds.len(), 2);
    assert_eq!(r.lists.len(), 1);
    let email = &r.lists[0];
    assert_eq!(email.list_type, "Email");
    assert_eq!(
        (email.received, email.answered, email.unanswered),
        (4, 3, 1)
    );
    assert_eq!(
        (
            email.deleted,
            email.opted_out,
            email.not_found,
            email.exempted
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(r.total.received, 4);
    assert_eq!(r.rounds[0].days_to_answer, Some(10));
    assert_eq!(r.rounds[1].days_to_answer, None);
    assert_eq!(r.rounds[1].answered_at, None);
    assert_eq!(r.days_to_answer.rounds, 1);
    assert_eq!(r.days_to_answer.median, Some(10.0));
    assert_eq!(r.checked.rounds, 2);
    assert_eq!(r.checked.status_files, 1);
    assert_eq!(r.providers.len(), 1);
    assert_eq!((r.providers[0].forwarded, r.providers[0].consumers), (1, 1));

    // Every text from the state directory is escaped in the page; nothing is fetched.
    let html = r.to_html();
    assert!(html.contains("&lt;script&gt;p"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("default-src 'none'"));

    // 2025: the December download, answered five calendar days later.
    let r = annual_report(state, 2025).unwrap();
    assert_eq!(r.total.received, 1);
    assert_eq!(r.total.not_found, 1);
    assert_eq!(r.days_to_answer.maximum, Some(5));
    assert!(r.providers.is_empty());

    // A year without downloads is an empty report.
    let r = annual_report(state, 2024).unwrap();
    assert!(r.rounds.is_empty() && r.lists.is_empty());
    assert_eq!(r.days_to_answer.median, None);
    assert!(r.to_text().contains("no download received in 2024"));
    assert!(matches!(
        annual_report(state, 1969),
        Err(ReportError::Year { year: 1969 })
    ));
}

#[test]
fn each_kind_of_disagreement_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path();
    let mut l = ledger(state);
    let dir = state.join("rounds/20260301_4821_DROP");
    let status = round(
        &mut l,
        &dir,
        "20260301",
        &["BBBBBBBBBBB1", "BBBBBBBBBBB2"],
        Some(&[("BBBBBBBBBBB1", 3), ("BBBBBBBBBBB2", 5)]),
        datetime!(2026-03-01 10:00 UTC),
        datetime!(2026-03-02 10:00 UTC),
    );
    annual_report(state, 2026).unwrap();
    let message = |state: &Path| annual_report(state, 2026).unwrap_err().to_string();

    // A row removed from the uploaded file.
    let body = std::fs::read_to_string(&status).unwrap();
    std::fs::write(&status, "Id,Status\nBBBBBBBBBBB1,3\n").unwrap();
    let m = message(state);
    assert!(
        m.contains(
            "20260301_4821_DROP.zip: Email: status 5 (Not found): ledger 1, uploaded status files 0"
        ),
        "{m}"
    );
    std::fs::write(&status, &body).unwrap();

    // A file uploaded whose answers the ledger never recorded.
    let extra = dir.join("responses/20260301_4821_Email_2.csv");
    std::fs::write(&extra, "Id,Status\n").unwrap();
    std::fs::write(
        dir.join("state.json"),
        r#"{"download": "20260301_4821_DROP.zip", "uploads": {
            "20260301_4821_Email.csv": {"outcome": "accepted", "at": "2026-03-02T10:00:00Z"},
            "20260301_4821_Email_2.csv": {"outcome": "accepted", "at": "2026-03-02T10:01:00Z"}}}"#,
    )
    .unwrap();
    let m = message(state);
    assert!(
        m.contains("status file 20260301_4821_Email_2.csv was uploaded but its answers are not in the ledger"),
        "{m}"
    );

    // The round's directory gone.
    std::fs::rename(&dir, state.join("elsewhere")).unwrap();
    let m = message(state);
    assert!(m.contains("no round directory"), "{m}");

    // An uploaded file that cannot be read is an error naming it, not a disagreement.
    std::fs::rename(state.join("elsewhere"), &dir).unwrap();
    std::fs::write(&extra, "ID,Status\n").unwrap();
    let err = annual_report(state, 2026).unwrap_err();
    assert!(matches!(err, ReportError::StatusFile { .. }), "{err}");
    assert!(
        err.to_string().contains("20260301_4821_Email_2.csv"),
        "{err}"
    );
}

#[test]
fn two_downloads_of_one_day_are_told_apart_by_their_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path();
    let mut l = ledger(state);
    round(
        &mut l,
        &state.join("rounds/20260301_4821_DROP"),
        "20260301",
        &["BBBBBBBBBBB1"],
        Some(&[("BBBBBBBBBBB1", 3)]),
        datetime!(2026-03-01 10:00 UTC),
        datetime!(2026-03-01 12:00 UTC),
    );
    round(
        &mut l,
        &state.join("rounds/20260301_4821_DROP-2"),
        "20260301",
        &["BBBBBBBBBBB2", "BBBBBBBBBBB3"],
        Some(&[("BBBBBBBBBBB2", 5), ("BBBBBBBBBBB3", 5)]),
        datetime!(2026-03-01 15:00 UTC),
        datetime!(2026-03-01 16:00 UTC),
    );
    let r = annual_report(state, 2026).unwrap();
    assert_eq!(r.rounds.len(), 2);
    assert_eq!(r.rounds[0].counts.deleted, 1);
    assert_eq!(r.rounds[1].counts.not_found, 2);
    assert_eq!(r.checked.rounds, 2);
}

#[test]
fn no_ledger_and_a_newer_ledger_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let err = annual_report(&tmp.path().join("nowhere"), 2026).unwrap_err();
    assert!(matches!(err, ReportError::NoStateDir { .. }), "{err}");
    let err = annual_report(tmp.path(), 2026).unwrap_err();
    assert!(matches!(err, ReportError::NoLedger { .. }), "{err}");
    assert!(!tmp.path().join(LEDGER_FILE).exists());

    drop(ledger(tmp.path()));
    let conn = rusqlite::Connection::open(tmp.path().join(LEDGER_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = annual_report(tmp.path(), 2026).unwrap_err();
    assert!(err.to_string().contains("newer dropkit"), "{err}");

    std::fs::write(
        tmp.path().join(LEDGER_FILE),
        "not a database at all, just text",
    )
    .unwrap();
    let err = annual_report(tmp.path(), 2026).unwrap_err();
    assert!(matches!(err, ReportError::NotALedger { .. }), "{err}");
}
