//! `dropkit screen` and `dropkit ledger stats | export`: outputs, and bad input (missing state
//! directory, no ledger yet, mapping errors, usage errors) with a clear message, the exit code
//! of `docs/cli.md`, and nothing changed.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use dropkit_hash::DropHash;
use support::{dropkit, over_records, text};

/// `dropkit screen --state-dir STATE` of `records` into `out`.
fn screen(state: &Path, records: &Path, map: &str, out: &Path, extra: &[&str]) -> Output {
    over_records(
        &["screen", "--state-dir", state.to_str().unwrap()],
        records,
        &[map],
        out,
        extra,
    )
}

/// A state directory whose ledger holds anna (active), bob (cancelled) and carl (active).
fn state_dir(root: &Path) -> PathBuf {
    let h = |s: &str| DropHash::of_standardized(s);
    let state = root.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut ledger = dropkit_ledger::Ledger::open(state.join(dropkit_ledger::LEDGER_FILE)).unwrap();
    for (date, rows, removed) in [
        (
            "20260301",
            format!(
                "AAAAAAAAAAA1,{}\r\nAAAAAAAAAAA2,{}\r\n",
                h("anna@x.com"),
                h("bob@x.com")
            ),
            String::new(),
        ),
        (
            "20260415",
            format!("BBBBBBBBBBB1,{}\r\n", h("carl@x.com")),
            format!("AAAAAAAAAAA2,{},Email\r\n", h("bob@x.com")),
        ),
    ] {
        let zip_path = root.join(format!("{date}_4821_DROP.zip"));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file(format!("{date}_4821_Email.csv"), options)
            .unwrap();
        write!(zip, "ID,Hash\r\n{rows}").unwrap();
        if !removed.is_empty() {
            zip.start_file(format!("{date}_4821_Removed.csv"), options)
                .unwrap();
            write!(zip, "ID,Hash,ListType\r\n{removed}").unwrap();
        }
        zip.finish().unwrap();
        ledger
            .record_download(&zip_path, time::OffsetDateTime::now_utc())
            .unwrap();
    }
    state
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn screen_writes_the_matches_and_the_clean_records() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_dir(dir.path());
    let records = dir.path().join("intake.csv");
    std::fs::write(
        &records,
        "id,mail\nc1, Anna@x.com\nc2,bob@x.com\nc3,carl@x.com\nc4,dora@x.com\nc5\n",
    )
    .unwrap();
    let out = dir.path().join("out/screened.csv");
    let clean = dir.path().join("out/clean.csv");
    let o = screen(
        &state,
        &records,
        "key=id,email=mail",
        &out,
        &["--clean", clean.to_str().unwrap()],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("against 2 active work items: 2 matches"), "{t}");
    assert!(
        t.contains("intake.csv:6: the row has 1 fields, the header 2"),
        "{t}"
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "Key,ListType,Id\nc1,Email,AAAAAAAAAAA1\nc3,Email,BBBBBBBBBBB1\n"
    );
    assert_eq!(
        std::fs::read_to_string(&clean).unwrap(),
        "id,mail\nc2,bob@x.com\nc4,dora@x.com\n"
    );

    // Nothing matched: still exit 0, the count printed.
    std::fs::write(&records, "id,mail\nc9,nobody@x.com\n").unwrap();
    let o = screen(&state, &records, "key=id,email=mail", &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains(": 0 matches"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "Key,ListType,Id\n");
}

#[test]
fn screen_refuses_bad_input_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("intake.csv");
    std::fs::write(&records, "id,mail\nc1,anna@x.com\n").unwrap();
    let out = dir.path().join("out/screened.csv");
    let run = |state: &Path, map: &str| screen(state, &records, map, &out, &[]);
    // No state directory: exit 1, named, nothing created.
    let missing = dir.path().join("no-state");
    let o = run(&missing, "key=id,email=mail");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("no-state: no such state directory"),
        "{}",
        text(&o)
    );
    assert!(!missing.exists());
    // A state directory without a ledger: exit 1, and no ledger is created.
    let empty = dir.path().join("empty-state");
    std::fs::create_dir(&empty).unwrap();
    let o = run(&empty, "key=id,email=mail");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no ledger here yet"), "{}", text(&o));
    assert!(names(&empty).is_empty(), "{:?}", names(&empty));
    // Mapping errors: exit 1 (like `match`).
    let state = state_dir(dir.path());
    let before = std::fs::read(state.join("ledger.sqlite")).unwrap();
    for (map, says) in [
        ("email=mail", "`key=COLUMN` is required"),
        ("key=id,colour=mail", "unknown field \"colour\""),
        ("key=id,email=email", "no column \"email\""),
    ] {
        let o = run(&state, map);
        assert_eq!(o.status.code(), Some(1), "{map}: {}", text(&o));
        assert!(text(&o).contains(says), "{map}: {}", text(&o));
    }
    assert!(!out.exists());
    // A records file that is not there: exit 1, named.
    std::fs::remove_file(&records).unwrap();
    let o = run(&state, "key=id,email=mail");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("intake.csv"), "{}", text(&o));
    assert!(!dir.path().join("out").exists());
    assert_eq!(std::fs::read(state.join("ledger.sqlite")).unwrap(), before);
    // Usage errors: exit 2.
    let o = dropkit(&["screen", "--state-dir", state.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn ledger_stats_prints_a_table_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_dir(dir.path());
    let o = dropkit(&["ledger", "stats", "--state-dir", state.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    let schema = format!(
        "schema version {}, 2 downloads",
        dropkit_ledger::SCHEMA_VERSION
    );
    assert!(t.contains(&schema), "{t}");
    let email = t.lines().find(|l| l.starts_with("Email")).unwrap();
    let figures: Vec<&str> = email.split_whitespace().collect();
    assert_eq!(figures[1..4], ["3", "2", "1"], "{t}");

    let o = dropkit(&[
        "ledger",
        "stats",
        "--state-dir",
        state.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["downloads"], 2);
    assert_eq!(json["lists"][0]["list_type"], "Email");
    assert_eq!(json["lists"][0]["received"], 3);
    assert_eq!(json["lists"][0]["cancelled"], 1);
    assert_eq!(json["lists"][0]["answered"]["deleted"], 0);
    assert_eq!(json["total"]["late_matches"], 0);

    for args in [
        vec![
            "ledger",
            "stats",
            "--state-dir",
            dir.path().join("none").to_str().unwrap(),
        ],
        vec![
            "ledger",
            "stats",
            "--state-dir",
            dir.path().to_str().unwrap(),
        ],
    ] {
        let o = dropkit(&args);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    assert!(!dir.path().join("ledger.sqlite").exists());
    let o = dropkit(&["ledger", "stats", "--state-dir"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = dropkit(&["ledger"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn ledger_export_writes_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_dir(dir.path());
    let out = dir.path().join("warehouse/work_items.parquet");
    let o = dropkit(&[
        "ledger",
        "export",
        "--state-dir",
        state.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("(3 work items)"), "{}", text(&o));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&out).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 3);

    // No ledger: exit 1, nothing written; no --out: usage error.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let elsewhere = dir.path().join("elsewhere/x.parquet");
    let o = dropkit(&[
        "ledger",
        "export",
        "--state-dir",
        empty.to_str().unwrap(),
        "--out",
        elsewhere.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!dir.path().join("elsewhere").exists());
    let o = dropkit(&["ledger", "export", "--state-dir", state.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
