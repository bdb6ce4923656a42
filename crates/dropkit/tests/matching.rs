//! `dropkit match`: a download and a records file in, status files, `matches.csv` and a
//! summary out; broken rows reported without failing; what stops the run exits 1.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use dropkit_hash::DropHash;
use support::over_records;

fn write_zip(path: &Path) {
    let h = |s: &str| DropHash::of_standardized(s);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("20260312_4821_Email.csv", options).unwrap();
    write!(
        zip,
        "ID,Hash\r\nAAAAAAAAAAA1,{}\r\nAAAAAAAAAAA2,{}\r\nAAAAAAAAAAA3,{}\r\n",
        h("anna@x.com"),
        h("shared@x.com"),
        h("nobody@x.com")
    )
    .unwrap();
    zip.start_file("20260312_4821_Phone.csv", options).unwrap();
    write!(zip, "ID,Hash\r\nPPPPPPPPPPP1,{}\r\n", h("4155559317")).unwrap();
    zip.finish().unwrap();
}

/// `dropkit match --download ZIP` of `records` into `out`.
fn run_match(zip: &Path, records: &Path, maps: &[&str], out: &Path, extra: &[&str]) -> Output {
    over_records(
        &["match", "--download", zip.to_str().unwrap()],
        records,
        maps,
        out,
        extra,
    )
}

#[test]
fn writes_status_files_and_matches_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20260312_4821_DROP.zip");
    write_zip(&zip);
    let records = dir.path().join("records.csv");
    std::fs::write(
        &records,
        "id,mail,mail2,tel\nc1, Anna@X.com ,,\nc2,shared@x.com,,+1 (415) 555-9317\nc3,,SHARED@x.com,\nc4,short\n",
    )
    .unwrap();
    let out = dir.path().join("out/new");
    let o = run_match(
        &zip,
        &records,
        &["key=id,email=mail", "email=mail2,phone=tel"],
        &out,
        &[],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("20260312_4821_Email.csv")).unwrap(),
        "Id,Status\nAAAAAAAAAAA1,3\nAAAAAAAAAAA2,4\nAAAAAAAAAAA3,5\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("20260312_4821_Phone.csv")).unwrap(),
        "Id,Status\nPPPPPPPPPPP1,3\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("matches.csv")).unwrap(),
        "Id,ListType,Key,Status\nAAAAAAAAAAA1,Email,c1,3\nAAAAAAAAAAA2,Email,c2,4\n\
         AAAAAAAAAAA2,Email,c3,4\nPPPPPPPPPPP1,Phone,c2,3\n"
    );
    assert!(
        stderr.contains("records.csv:5: the row has 2 fields, the header 4"),
        "{stderr}"
    );
    assert!(stdout.contains("records read: 4"), "{stdout}");
    assert!(stdout.contains("1 bad rows"), "{stdout}");
    assert!(
        stdout.contains("Email: 3 work items, 2 matched"),
        "{stdout}"
    );
}

#[test]
fn what_stops_the_run_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20260312_4821_DROP.zip");
    write_zip(&zip);
    let records = dir.path().join("records.csv");
    std::fs::write(&records, "id,mail\nc1,a@x.com\nc2\n").unwrap();
    let out = dir.path().join("out");
    let run = |map: &str, extra: &[&str]| run_match(&zip, &records, &[map], &out, extra);
    // a mapped column missing from the header
    let o = run("key=id,email=email", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column \"email\""));
    // no key
    assert_eq!(run("email=mail", &[]).status.code(), Some(1));
    // strict mode and a broken row
    let o = run("key=id,email=mail", &["--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("strict mode"));
    // a usage error is clap's 2
    assert_eq!(run("key=id", &["--max-rows", "0"]).status.code(), Some(2));
}

#[test]
fn records_from_a_parquet_file_give_the_same_status_files() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};

    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20260312_4821_DROP.zip");
    write_zip(&zip);
    let ids = ["c1", "c2", "c3"];
    let mails = [" Anna@X.com ", "shared@x.com", "SHARED@x.com"];
    let tels = ["", "+1 (415) 555-9317", ""];
    let csv = dir.path().join("records.csv");
    let mut text = String::from("id,mail,tel\n");
    for i in 0..3 {
        text.push_str(&format!("{},{},{}\n", ids[i], mails[i], tels[i]));
    }
    std::fs::write(&csv, text).unwrap();
    let parquet = dir.path().join("records.parquet");
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(StringArray::from(ids.to_vec())) as ArrayRef),
        (
            "mail",
            Arc::new(StringArray::from(mails.to_vec())) as ArrayRef,
        ),
        (
            "tel",
            Arc::new(StringArray::from(tels.to_vec())) as ArrayRef,
        ),
    ])
    .unwrap();
    let file = std::fs::File::create(&parquet).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    for (records, out) in [(&csv, "out-csv"), (&parquet, "out-parquet")] {
        let o = run_match(
            &zip,
            records,
            &["key=id,email=mail,phone=tel"],
            &dir.path().join(out),
            &[],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for name in [
        "20260312_4821_Email.csv",
        "20260312_4821_Phone.csv",
        "matches.csv",
    ] {
        let a = std::fs::read(dir.path().join("out-csv").join(name)).unwrap();
        let b = std::fs::read(dir.path().join("out-parquet").join(name)).unwrap();
        assert_eq!(a, b, "{name}");
    }
    let email =
        std::fs::read_to_string(dir.path().join("out-parquet/20260312_4821_Email.csv")).unwrap();
    assert_eq!(
        email,
        "Id,Status\nAAAAAAAAAAA1,3\nAAAAAAAAAAA2,4\nAAAAAAAAAAA3,5\n"
    );
}

#[test]
fn a_status_file_already_in_out_is_refused_before_matching() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20260312_4821_DROP.zip");
    write_zip(&zip);
    let records = dir.path().join("records.csv");
    std::fs::write(&records, "id,mail\nc1,anna@x.com\n").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("20260312_4821_Phone.csv"), "Id,Status\n").unwrap();
    let o = run_match(&zip, &records, &["key=id,email=mail"], &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("20260312_4821_Phone.csv exists already"),
        "{stderr}"
    );
    assert!(!out.join("matches.csv").exists());
    assert!(!out.join("20260312_4821_Email.csv").exists());
}

#[test]
fn a_repeated_work_item_id_is_answered_once_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20261120_4821_DROP.zip");
    let row = format!("AAAAAAAAAAA1,{}\n", DropHash::of_standardized("anna@x.com"));
    let mut file = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    file.start_file(
        "20261120_4821_Email.csv",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    file.write_all(b"ID,Hash\n").unwrap();
    for _ in 0..3 {
        file.write_all(row.as_bytes()).unwrap();
    }
    file.finish().unwrap();
    let records = dir.path().join("records.csv");
    std::fs::write(&records, "id,mail\nc1,anna@x.com\n").unwrap();
    let out = dir.path().join("out");
    let o = run_match(&zip, &records, &["key=id,email=mail"], &out, &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("20261120_4821_Email.csv")).unwrap(),
        "Id,Status\nAAAAAAAAAAA1,3\n"
    );
    assert!(
        stderr.contains(
            "warning: 20261120_4821_Email.csv: Id AAAAAAAAAAA1 listed 3 times; answered once"
        ),
        "{stderr}"
    );
    assert!(
        stdout.contains("2 repeated Id rows answered once"),
        "{stdout}"
    );
    assert!(stdout.contains("matches.csv (1 rows)"), "{stdout}");
}
