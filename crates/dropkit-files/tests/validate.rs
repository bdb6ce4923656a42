#![allow(clippy::unwrap_used)]
//! The validator over in-memory downloads and response files.

use std::io::{Cursor, Write};

use dropkit_files::{DownloadArchive, ProblemKind, Report, RowEncoding, Severity, Validator};
use zip::write::SimpleFileOptions;

const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";

fn download() -> DownloadArchive<Cursor<Vec<u8>>> {
    let email = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\nB7kP2xQ9Lm4R,{H}\nC7kP2xQ9Lm4R,{H}\n680,{H}\n");
    let phone = format!("ID,Hash\nP7kP2xQ9Lm4R,{H}\n");
    let removed = format!("ID,Hash,ListType\nR7kP2xQ9Lm4R,{H},Email\nC7kP2xQ9Lm4R,{H},Email\n");
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in [
        ("20261120_4821_Email.csv", email.as_str()),
        ("20261120_4821_Phone.csv", phone.as_str()),
        ("20261120_4821_NDZ.csv", "ID,Hash\n"),
        ("20261120_4821_Removed.csv", removed.as_str()),
    ] {
        w.start_file(name, SimpleFileOptions::default()).unwrap();
        w.write_all(data.as_bytes()).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(bytes)).unwrap()
}

fn validate(files: &[(&str, &str)]) -> Report {
    let mut v = Validator::from_archive(&mut download()).unwrap();
    for (name, body) in files {
        v.check(name, body.as_bytes());
    }
    v.report()
}

fn messages(r: &Report) -> Vec<String> {
    r.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn a_complete_valid_answer_split_across_suffixes() {
    let r = validate(&[
        (
            "20261120_4821_Email.csv",
            "Id,Status\nA7kP2xQ9Lm4R,2\n680,5\n",
        ),
        (
            "20261120_4821_Email_part02.csv",
            "Id,Status\r\nB7kP2xQ9Lm4R,3\r\n",
        ),
        ("20261120_4821_Phone.csv", "Id,Status\nP7kP2xQ9Lm4R,4\n"),
    ]);
    assert!(r.is_valid(), "{:?}", messages(&r));
    assert!(r.is_complete(), "{:?}", r.lists);
    assert!(r.problems.is_empty());
    let email = &r.lists[0];
    // C7kP2xQ9Lm4R is in the Removed file: not required.
    assert_eq!(
        (email.work_items, email.answered, email.outstanding),
        (3, 3, 0)
    );
    assert_eq!(r.lists[2].work_items, 0);
    assert_eq!(r.files[1].rows, 1);
}

#[test]
fn incomplete_answers_are_valid_but_counted() {
    let r = validate(&[("20261120_4821_Email.csv", "Id,Status\nA7kP2xQ9Lm4R,2\n")]);
    assert!(r.is_valid());
    assert!(!r.is_complete());
    assert_eq!(r.lists[0].outstanding, 2);
    assert_eq!(r.lists[1].outstanding, 1);
}

#[test]
fn record_level_problems_name_file_line_and_id() {
    let r = validate(&[
        (
            "20261120_4821_Email.csv",
            "Id,Status\nA7kP2xQ9Lm4R,2\nA7kP2xQ9Lm4R,7\nZZZZZZZZZZZZ,3\n,2\nP7kP2xQ9Lm4R,2\nR7kP2xQ9Lm4R,5\nB7kP2xQ9Lm4R,2,x\n",
        ),
        ("20261120_4821_Email_b.csv", "Id,Status\nA7kP2xQ9Lm4R,3\n"),
    ]);
    assert_eq!(
        messages(&r),
        [
            "20261120_4821_Email.csv:3: Id A7kP2xQ9Lm4R: status 7 is not one of 2, 3, 4, 5",
            "20261120_4821_Email.csv:4: Id ZZZZZZZZZZZZ: not a work item of the download",
            "20261120_4821_Email.csv:5: the Id is empty",
            "20261120_4821_Email.csv:6: Id P7kP2xQ9Lm4R: a work item of the Phone list, not of this file's list",
            "20261120_4821_Email.csv:7: Id R7kP2xQ9Lm4R: in the Removed file: DROP does not require an answer (allowed)",
            "20261120_4821_Email.csv:8: expected 2 fields, found 3: \"B7kP2xQ9Lm4R,2,x\"",
            "20261120_4821_Email_b.csv:2: Id A7kP2xQ9Lm4R: already answered in 20261120_4821_Email.csv",
        ]
    );
    assert_eq!(r.problems[4].severity, Severity::Warning);
    assert_eq!(r.errors().count(), 6);
}

#[test]
fn answering_only_removed_ids_is_a_warning() {
    let r = validate(&[(
        "20261120_4821_Email.csv",
        "Id,Status\nR7kP2xQ9Lm4R,5\nC7kP2xQ9Lm4R,5\n",
    )]);
    assert!(r.is_valid());
    assert_eq!(r.warnings().count(), 2);
    assert!(
        r.warnings()
            .all(|p| p.kind == ProblemKind::RemovedIdAnswered)
    );
}

#[test]
fn file_level_problems() {
    let r = validate(&[
        ("20261120_4821_Email.csv", "ID,Status\nA7kP2xQ9Lm4R,2\n"),
        (
            "20261120_4821_Phone.csv",
            "\u{feff}Id,Status\nP7kP2xQ9Lm4R,2\n",
        ),
        ("20261120_4821_NDZ.csv", "Id,Status\n"),
        ("20261120_4821_ndz.csv", "Id,Status\n"),
        ("20261120_4821_Email.csv.zip", "Id,Status\n"),
        ("notes.txt", "hello"),
        ("20261120_4821_Removed.csv", "Id,Status\nR7kP2xQ9Lm4R,5\n"),
        ("20261121_4821_Email.csv", "Id,Status\n"),
        ("20261120_4821_MAID.csv", "Id,Status\n"),
        ("20261120_4821_Email_a-b.csv", "Id,Status\n"),
    ]);
    let kinds: Vec<&ProblemKind> = r.problems.iter().map(|p| &p.kind).collect();
    assert!(matches!(kinds[0], ProblemKind::Header { found, .. } if found == "ID,Status"));
    assert!(matches!(kinds[1], ProblemKind::Header { .. }));
    assert_eq!(kinds[2], &ProblemKind::DuplicateName);
    assert!(matches!(kinds[3], ProblemKind::FileName { .. }));
    assert!(matches!(kinds[4], ProblemKind::FileName { .. }));
    assert_eq!(kinds[5], &ProblemKind::AnswersRemoved);
    assert!(matches!(kinds[6], ProblemKind::NotInDownload { .. }));
    assert!(matches!(kinds[7], ProblemKind::NotInDownload { .. }));
    assert!(matches!(kinds[8], ProblemKind::FileName { .. }));
    assert_eq!(kinds.len(), 9);
    assert_eq!(
        r.problems[0].to_string(),
        "20261120_4821_Email.csv:1: header \"ID,Status\" is not exactly Id,Status"
    );
    // Rejected files answer nothing.
    assert_eq!(r.lists[0].answered, 0);
    assert!(!r.files[0].accepted);
    assert!(r.files[2].accepted);
}

#[test]
fn not_utf8_rows_and_problem_cap() {
    let mut v = Validator::from_archive(&mut download())
        .unwrap()
        .with_max_problems_per_file(2);
    let mut body = b"Id,Status\n".to_vec();
    body.extend_from_slice(b"\xff\xfe,2\n");
    for _ in 0..5 {
        body.extend_from_slice(b"ZZZZZZZZZZZZ,2\n");
    }
    v.check("20261120_4821_Email.csv", &body[..]);
    let r = v.report();
    assert_eq!(
        r.problems[0].kind,
        ProblemKind::Encoding {
            problem: RowEncoding::NotUtf8
        }
    );
    assert_eq!(r.problems[0].line, Some(2));
    assert_eq!(r.problems[2].kind, ProblemKind::MoreProblems { count: 4 });
    assert_eq!(r.problems.len(), 3);
}

#[test]
fn malformed_download_rows_are_named_inside_the_archive() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("20261120_4821_Email.csv", SimpleFileOptions::default())
        .unwrap();
    write!(
        w,
        "ID,Hash\nA7kP2xQ9Lm4R,{H}\nB7kP2xQ9Lm4R,bad\nA7kP2xQ9Lm4R,{H}\n"
    )
    .unwrap();
    w.start_file("20261120_4821_Removed.csv", SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"ID,Hash\n").unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let mut archive = DownloadArchive::new("d.zip", Cursor::new(bytes)).unwrap();
    let mut v = Validator::from_archive(&mut archive).unwrap();
    // B's hash is bad but its Id is readable: still a work item DROP expects an answer for
    // (a matcher answers it 5, not found).
    assert_eq!(v.work_item_ids(), 2);
    v.check(
        "20261120_4821_Email.csv",
        "Id,Status\nA7kP2xQ9Lm4R,3\nB7kP2xQ9Lm4R,5\n".as_bytes(),
    );
    let r = v.report();
    let m = messages(&r);
    assert!(
        m[0].starts_with("d.zip/20261120_4821_Email.csv:3: Id B7kP2xQ9Lm4R: hash \"bad\""),
        "{m:?}"
    );
    assert_eq!(r.problems[0].severity, Severity::Error);
    assert_eq!(
        m[1],
        "d.zip/20261120_4821_Email.csv:4: Id A7kP2xQ9Lm4R: listed 2 times in the download (Ids should be unique); counted as one work item"
    );
    assert_eq!(r.problems[1].severity, Severity::Warning);
    assert_eq!(
        m[2],
        "d.zip/20261120_4821_Removed.csv:1: header \"ID,Hash\" is not ID,Hash,ListType"
    );
    assert!(r.is_complete());
}

#[test]
fn a_name_spelled_otherwise_than_the_download_is_a_warning() {
    let r = validate(&[("20261120_4821_EMAIL_x1.csv", "Id,Status\nA7kP2xQ9Lm4R,2\n")]);
    assert!(r.is_valid());
    assert_eq!(r.lists[0].answered, 1);
    assert_eq!(
        r.problems[0].to_string(),
        "20261120_4821_EMAIL_x1.csv: the data type is spelled differently from the downloaded \
         20261120_4821_Email.csv; DROP may refuse it"
    );
    assert_eq!(r.problems[0].severity, Severity::Warning);
}

#[test]
fn errors_can_cross_threads() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<dropkit_files::Error>();
    send_sync::<Report>();
}

#[test]
fn check_path_reports_a_missing_file() {
    let mut v = Validator::from_archive(&mut download()).unwrap();
    v.check_path("/nonexistent/20261120_4821_Email.csv");
    let r = v.report();
    assert!(matches!(r.problems[0].kind, ProblemKind::Unreadable { .. }));
    assert!(!r.is_valid());
}

fn one_list(rows: &[u8]) -> DownloadArchive<Cursor<Vec<u8>>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("20261120_4821_Email.csv", SimpleFileOptions::default())
        .unwrap();
    w.write_all(rows).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    DownloadArchive::new("d.zip", Cursor::new(bytes)).unwrap()
}

#[test]
fn an_id_repeated_300_000_times_is_one_work_item_and_one_warning() {
    const TIMES: u64 = 300_000;
    let mut rows = b"ID,Hash\n".to_vec();
    let row = format!("A7kP2xQ9Lm4R,{H}\n");
    for _ in 0..TIMES {
        rows.extend_from_slice(row.as_bytes());
    }
    rows.extend_from_slice(format!("B7kP2xQ9Lm4R,{H}\nB7kP2xQ9Lm4R,{H}\n").as_bytes());
    let mut v = Validator::from_archive(&mut one_list(&rows)).unwrap();
    // Only distinct Ids are kept: two entries, whatever the number of rows.
    assert_eq!(v.work_item_ids(), 2);
    v.check(
        "20261120_4821_Email.csv",
        "Id,Status\nA7kP2xQ9Lm4R,5\nB7kP2xQ9Lm4R,5\n".as_bytes(),
    );
    let r = v.report();
    assert_eq!(r.lists[0].work_items, 2);
    assert!(r.is_valid(), "{:?}", messages(&r));
    assert!(r.is_complete());
    // One warning per repeated Id, naming it and its count, at the line it first repeats.
    assert_eq!(r.problems.len(), 2, "{:?}", messages(&r));
    assert_eq!(
        r.problems[0].kind,
        ProblemKind::DuplicateWorkItem { count: TIMES }
    );
    assert_eq!(r.problems[0].id.as_deref(), Some("A7kP2xQ9Lm4R"));
    assert_eq!(r.problems[0].line, Some(3));
    assert_eq!(
        r.problems[1].kind,
        ProblemKind::DuplicateWorkItem { count: 2 }
    );
    assert_eq!(r.problems[1].line, Some(TIMES + 3));
    assert!(r.problems.iter().all(|p| p.severity == Severity::Warning));
}

#[test]
fn repeated_ids_past_the_problem_cap_are_counted_as_a_warning() {
    let mut rows = b"ID,Hash\n".to_vec();
    for i in 0..(dropkit_files::DEFAULT_MAX_PROBLEMS_PER_FILE + 5) {
        let row = format!("{i:012},{H}\n");
        rows.extend_from_slice(row.as_bytes());
        rows.extend_from_slice(row.as_bytes());
    }
    let r = Validator::from_archive(&mut one_list(&rows))
        .unwrap()
        .report();
    assert!(r.is_valid(), "warnings only");
    assert_eq!(
        r.problems.last().unwrap().kind,
        ProblemKind::MoreProblems { count: 5 }
    );
}

#[test]
fn download_rows_not_utf8_or_with_nul_are_one_error_each() {
    let mut rows = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\n").into_bytes();
    rows.extend_from_slice(b"B7kP2xQ9Lm4R,\xff\xfe\n");
    rows.extend_from_slice(format!("C7kP2xQ9Lm4R\0,{H}\n").as_bytes());
    rows.extend_from_slice(format!("D7kP2xQ9Lm4R,{H}\0\n").as_bytes());
    let v = Validator::from_archive(&mut one_list(&rows)).unwrap();
    // Rows whose Id is readable are work items still (to answer 5), the others are not.
    assert_eq!(v.work_item_ids(), 3);
    let r = v.report();
    let m = messages(&r);
    assert_eq!(
        m,
        [
            "d.zip/20261120_4821_Email.csv:3: Id B7kP2xQ9Lm4R: the row is not UTF-8",
            "d.zip/20261120_4821_Email.csv:4: the row holds a NUL byte",
            "d.zip/20261120_4821_Email.csv:5: Id D7kP2xQ9Lm4R: the row holds a NUL byte",
        ]
    );
    assert!(r.problems.iter().all(|p| p.severity == Severity::Error));
}

#[test]
fn control_characters_in_values_are_escaped() {
    let r = validate(&[(
        "20261120_4821_Email.csv",
        "Id,Status\nA7kP2xQ9Lm4R,2\0\nB7k\u{1b}[2J,2\n",
    )]);
    let m = messages(&r);
    assert_eq!(
        m[0],
        r"20261120_4821_Email.csv:2: Id A7kP2xQ9Lm4R: status 2\0 is not one of 2, 3, 4, 5"
    );
    assert_eq!(
        m[1],
        r"20261120_4821_Email.csv:3: Id B7k\u{1b}[2J: not a work item of the download"
    );
}

#[test]
fn check_path_says_a_directory_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("20261120_4821_Email.csv");
    std::fs::create_dir(&sub).unwrap();
    let mut v = Validator::from_archive(&mut download()).unwrap();
    v.check_path(&sub);
    let r = v.report();
    assert_eq!(r.problems[0].kind, ProblemKind::IsDirectory);
    assert_eq!(
        r.problems[0].to_string(),
        "20261120_4821_Email.csv: is a directory, expected a file"
    );
    assert!(!r.is_valid());
}

#[test]
fn check_path_names_a_missing_file_once() {
    let mut v = Validator::from_archive(&mut download()).unwrap();
    v.check_path("/nonexistent/20261120_4821_Email.csv");
    let m = messages(&v.report());
    assert_eq!(m[0].matches("No such file").count(), 1, "{m:?}");
    assert_eq!(m[0].matches("20261120_4821_Email.csv").count(), 1, "{m:?}");
}
