//! Records from Parquet match exactly as the same records from CSV (feature `parquet`).
#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Write};
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use dropkit_files::{DownloadArchive, Status};
use dropkit_hash::{DropHash, Hasher, ListType};
use dropkit_match::{DefaultRules, Lists, Mapping, Matcher, Position, ProblemKind};
use parquet::arrow::ArrowWriter;

fn h(standardized: &str) -> DropHash {
    DropHash::of_standardized(standardized)
}

fn download() -> DownloadArchive<Cursor<Vec<u8>>> {
    let ndz = Hasher::new()
        .ndz("Danielle", "Johnson", "1985-07-04", "91790")
        .unwrap();
    let files = [
        (
            "20260312_4821_Email.csv",
            format!(
                "ID,Hash\nEMAILxxxxxx1,{}\nEMAILxxxxxx2,{}\nEMAILxxxxxx3,{}\n",
                h("anna.smith@domain.com"),
                h("shared@x.com"),
                h("nobody@x.com")
            ),
        ),
        (
            "20260312_4821_Phone.csv",
            format!("ID,Hash\nPHONExxxxxx1,{}\n", h("4155559317")),
        ),
        (
            "20260312_4821_NDZ.csv",
            format!("ID,Hash\nNDZxxxxxxxx1,{ndz}\n"),
        ),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes)).unwrap()
}

#[test]
fn parquet_records_match_like_csv_records() {
    // Columns of several types: strings (with a comma and a null), a phone as an integer,
    // a date of birth as a Parquet date.
    let keys = StringArray::from(vec!["c1", "c2", "c3", "c4"]);
    let emails = StringArray::from(vec![
        Some(" Anna.Smith@Domain.com"),
        Some("SHARED@x.com"),
        Some("shared@x.com"),
        None,
    ]);
    let phones = Int64Array::from(vec![Some(14155559317), None, None, Some(5551234)]);
    let first = StringArray::from(vec!["Danielle", "Eve", "Bob, Jr", "Ann"]);
    let last = StringArray::from(vec!["Johnson", "Genesis", "Smith", "Lee"]);
    // Days since 1970-01-01: 1985-07-04 is day 5663.
    let dob = Date32Array::from(vec![5663, 5663, 5663, 5663]);
    let zip = StringArray::from(vec!["91790-3771", "91790", "00000", "12345"]);
    let batch = RecordBatch::try_from_iter(vec![
        ("customer_id", Arc::new(keys) as ArrayRef),
        ("email", Arc::new(emails) as ArrayRef),
        ("phone", Arc::new(phones) as ArrayRef),
        ("first", Arc::new(first) as ArrayRef),
        ("last", Arc::new(last) as ArrayRef),
        ("dob", Arc::new(dob) as ArrayRef),
        ("zip", Arc::new(zip) as ArrayRef),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.parquet");
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let mapping: Mapping =
        "key=customer_id,email=email,phone=phone,first_name=first,last_name=last,dob=dob,zip=zip"
            .parse()
            .unwrap();
    let outcome = Matcher::new(Lists::from_archive(&mut download()).unwrap())
        .run_parquet(&path, &mapping, &DefaultRules)
        .unwrap();

    assert_eq!(
        outcome.status_of(ListType::Email, "EMAILxxxxxx1"),
        Some(Status::Deleted)
    );
    assert_eq!(
        outcome.status_of(ListType::Email, "EMAILxxxxxx2"),
        Some(Status::OptedOut)
    );
    assert_eq!(
        outcome.status_of(ListType::Email, "EMAILxxxxxx3"),
        Some(Status::NotFound)
    );
    assert_eq!(
        outcome.status_of(ListType::Phone, "PHONExxxxxx1"),
        Some(Status::Deleted)
    );
    assert_eq!(
        outcome.status_of(ListType::Ndz, "NDZxxxxxxxx1"),
        Some(Status::Deleted)
    );
    assert_eq!(outcome.summary().records_read, 4);

    // The all-zero ZIP is reported on its row (row 3 is c3: rows count from 1).
    let problems = outcome.problems();
    assert!(
        problems.iter().any(|p| p.line == 3
            && p.position == Position::Row
            && matches!(p.kind, ProblemKind::Standardize(_))),
        "{problems:?}"
    );
    assert!(
        problems.iter().all(|p| p.file.ends_with("records.parquet")),
        "{problems:?}"
    );
}

#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.parquet");
    std::fs::write(&path, b"customer_id,email\nc1,a@b.c\n").unwrap();
    let err = Matcher::new(Lists::from_archive(&mut download()).unwrap())
        .run_parquet(
            &path,
            &"key=customer_id,email=email".parse().unwrap(),
            &DefaultRules,
        )
        .unwrap_err();
    assert!(err.to_string().contains("records.parquet"), "{err}");
}
