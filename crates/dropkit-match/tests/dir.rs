//! `match_into_dir`: a download ZIP and a records file on disk in, status files, `matches.csv`
//! and the matched records (with their standardized fields, from the same pass) out.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use dropkit_files::Status;
use dropkit_hash::{DropHash, Field, Hasher, ListType};
use dropkit_match::{
    DefaultRules, DirOptions, Error, MATCHES_FILE, Mapping, MatchedItem, match_into_dir,
};

fn h(standardized: &str) -> DropHash {
    DropHash::of_standardized(standardized)
}

/// Writes a download ZIP with the given files into `dir`.
fn write_zip(dir: &Path, files: &[(&str, String)]) -> PathBuf {
    let path = dir.join("20260312_4821_DROP.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, text) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn standard_zip(dir: &Path) -> PathBuf {
    let ndz = Hasher::new()
        .ndz("Danielle", "Johnson", "1985-07-04", "91790")
        .unwrap();
    write_zip(
        dir,
        &[
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
                "20260312_4821_NDZ.csv",
                format!("ID,Hash\nNDZxxxxxxxx1,{ndz}\n"),
            ),
        ],
    )
}

const RECORDS: &str = "\
id,mail,mail2,first,last,dob,zip,tel
c1, Anna.Smith@Domain.COM ,,Danielle,Johnson,1985-07-04,91790,+1 (415) 555-9317
c2,shared@x.com,,,,,,
c3,other@x.com,SHARED@x.com,,,,,415 555 0000
c4,never@x.com,,,,,,
c1,second-row@x.com,,,,,,
c5,short
";

fn mapping() -> Mapping {
    "key=id,email=mail,email=mail2,first_name=first,last_name=last,dob=dob,zip=zip,phone=tel"
        .parse()
        .unwrap()
}

#[test]
fn writes_status_files_and_matches_and_hands_back_matched_records_with_fields() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("customers.csv");
    std::fs::write(&records, RECORDS).unwrap();
    let out = dir.path().join("out/round");
    let report = match_into_dir(
        &zip,
        &records,
        &mapping(),
        &DefaultRules,
        &out,
        &DirOptions::default().records_name("customers.csv"),
    )
    .unwrap();

    assert_eq!(
        report.status_files,
        [
            out.join("20260312_4821_Email.csv"),
            out.join("20260312_4821_NDZ.csv")
        ]
    );
    assert_eq!(report.matches_file, out.join(MATCHES_FILE));
    assert_eq!(
        std::fs::read_to_string(&report.status_files[0]).unwrap(),
        "Id,Status\nEMAILxxxxxx1,3\nEMAILxxxxxx2,4\nEMAILxxxxxx3,5\n"
    );
    assert_eq!(
        std::fs::read_to_string(&report.matches_file).unwrap(),
        "Id,ListType,Key,Status\nEMAILxxxxxx1,Email,c1,3\nEMAILxxxxxx2,Email,c2,4\n\
         EMAILxxxxxx2,Email,c3,4\nNDZxxxxxxxx1,NDZ,c1,3\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&report.matches_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "matches.csv names consumers");
    }

    // One record per distinct key that matched, sorted by key; c4 matched nothing.
    let keys: Vec<&str> = report.matched.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["c1", "c2", "c3"]);
    let c1 = &report.matched[0];
    let items: Vec<(ListType, &str, Status)> = c1
        .matches
        .iter()
        .map(|m: &MatchedItem| (m.list_type, m.id.as_str(), m.status))
        .collect();
    assert_eq!(
        items,
        [
            (ListType::Email, "EMAILxxxxxx1", Status::Deleted),
            (ListType::Ndz, "NDZxxxxxxxx1", Status::Deleted)
        ]
    );
    assert!(c1.has_status(Status::Deleted));
    assert!(!c1.has_status(Status::OptedOut));
    // Standardized values, in mapping order; the phone is kept although no Phone list came;
    // c1's second row matched nothing, so its email is not among them.
    assert_eq!(
        c1.fields,
        [
            (Field::Email, "anna.smith@domain.com".to_owned()),
            (Field::FirstName, "danielle".to_owned()),
            (Field::LastName, "johnson".to_owned()),
            (Field::Dob, "19850704".to_owned()),
            (Field::Zip, "91790".to_owned()),
            (Field::Phone, "4155559317".to_owned()),
        ]
    );
    let c3 = &report.matched[2];
    assert_eq!(
        c3.values(Field::Email).collect::<Vec<_>>(),
        ["other@x.com", "shared@x.com"]
    );
    assert_eq!(c3.values(Field::Phone).collect::<Vec<_>>(), ["4155550000"]);
    assert!(c3.has_status(Status::OptedOut));

    // The broken row is a problem with its line, the summary counts it.
    assert_eq!(report.summary.records_read, 6);
    assert_eq!(report.summary.bad_rows, 1);
    assert_eq!(
        report.problems[0].to_string(),
        "customers.csv:7: the row has 2 fields, the header 8; row skipped"
    );
    assert!(report.list_problems.is_empty());
    assert!(report.warnings.is_empty());
}

#[test]
fn fields_of_a_key_are_folded_over_its_matched_rows_in_any_block() {
    // Many rows, quoted ones among them (the CSV parser's path), one key matching on rows
    // far apart: its fields are the union over those rows, each once.
    let dir = tempfile::tempdir().unwrap();
    let zip = write_zip(
        dir.path(),
        &[(
            "20260312_4821_Email.csv",
            format!(
                "ID,Hash\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA2,{}\n",
                h("first@x.com"),
                h("last@x.com")
            ),
        )],
    );
    let mut records = String::from("id,mail,tel\n");
    records.push_str("\"k,1\",First@x.com,4155550001\n");
    for i in 0..200_000 {
        records.push_str(&format!("n{i},n{i}@x.com,\n"));
    }
    records.push_str("\"k,1\",LAST@x.com,4155550001\n");
    records.push_str("\"k,1\",first@x.com,4155550002\n");
    let path = dir.path().join("r.csv");
    std::fs::write(&path, records).unwrap();
    let report = match_into_dir(
        &zip,
        &path,
        &"key=id,email=mail,phone=tel".parse().unwrap(),
        &DefaultRules,
        &dir.path().join("out"),
        &DirOptions::default(),
    )
    .unwrap();
    assert_eq!(report.matched.len(), 1);
    let k = &report.matched[0];
    assert_eq!(k.key, "k,1");
    assert_eq!(k.matches.len(), 2);
    assert_eq!(
        k.fields,
        [
            (Field::Email, "first@x.com".to_owned()),
            (Field::Email, "last@x.com".to_owned()),
            (Field::Phone, "4155550001".to_owned()),
            (Field::Phone, "4155550002".to_owned()),
        ]
    );
}

#[test]
fn an_existing_status_file_is_refused_before_matching() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("r.csv");
    std::fs::write(&records, RECORDS).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("20260312_4821_NDZ.csv"), "Id,Status\n").unwrap();
    let e = match_into_dir(
        &zip,
        &records,
        &mapping(),
        &DefaultRules,
        &out,
        &DirOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(&e, Error::OutputExists { path } if path.ends_with("20260312_4821_NDZ.csv")));
    assert!(!out.join(MATCHES_FILE).exists());
    assert!(!out.join("20260312_4821_Email.csv").exists());
}

#[test]
fn status_files_split_and_zero_rows_refused() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("r.csv");
    std::fs::write(&records, RECORDS).unwrap();
    let run = |out: &str, rows: usize| {
        match_into_dir(
            &zip,
            &records,
            &mapping(),
            &DefaultRules,
            &dir.path().join(out),
            &DirOptions::default().max_rows_per_file(rows),
        )
    };
    let report = run("a", 2).unwrap();
    let names: Vec<String> = report
        .status_files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "20260312_4821_Email.csv",
            "20260312_4821_Email_part02.csv",
            "20260312_4821_NDZ.csv"
        ]
    );
    assert!(matches!(run("b", 0), Err(Error::MaxRows)));
}

#[test]
fn strict_stops_at_the_first_broken_row() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("r.csv");
    std::fs::write(&records, RECORDS).unwrap();
    let e = match_into_dir(
        &zip,
        &records,
        &mapping(),
        &DefaultRules,
        &dir.path().join("out"),
        &DirOptions::default().strict(true),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Strict(_)), "{e}");
}

/// A file that starts like Parquet is read as Parquet, whatever its name.
fn fake_parquet(dir: &Path) -> PathBuf {
    let path = dir.join("records.csv");
    std::fs::write(&path, b"PAR1 not really").unwrap();
    path
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_records_without_the_feature_are_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    for records in [fake_parquet(dir.path()), dir.path().join("r.parquet")] {
        std::fs::write(dir.path().join("r.parquet"), "id,mail\n").unwrap();
        let e = match_into_dir(
            &zip,
            &records,
            &mapping(),
            &DefaultRules,
            &dir.path().join("out"),
            &DirOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::ParquetNotEnabled { path } if *path == records),
            "{e}"
        );
    }
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_records_chosen_by_magic_bytes_match_like_csv() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};

    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let csv = dir.path().join("r.csv");
    std::fs::write(
        &csv,
        "id,mail\nc1, Anna.Smith@Domain.COM \nc2,shared@x.com\nc3,SHARED@x.com\n",
    )
    .unwrap();
    // Parquet under a name that does not say so.
    let parquet = dir.path().join("records.data");
    let column = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_from_iter(vec![
        ("id", column(&["c1", "c2", "c3"])),
        (
            "mail",
            column(&[" Anna.Smith@Domain.COM ", "shared@x.com", "SHARED@x.com"]),
        ),
    ])
    .unwrap();
    let file = std::fs::File::create(&parquet).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let mapping: Mapping = "key=id,email=mail".parse().unwrap();
    let run = |records: &Path, out: &str| {
        match_into_dir(
            &zip,
            records,
            &mapping,
            &DefaultRules,
            &dir.path().join(out),
            &DirOptions::default(),
        )
        .unwrap()
    };
    let a = run(&csv, "csv");
    let b = run(&parquet, "parquet");
    assert_eq!(a.matched, b.matched);
    assert_eq!(a.matched.len(), 3);
    assert_eq!(
        b.matched[0].values(Field::Email).collect::<Vec<_>>(),
        ["anna.smith@domain.com"]
    );
    for name in [
        "20260312_4821_Email.csv",
        "20260312_4821_NDZ.csv",
        MATCHES_FILE,
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("csv").join(name)).unwrap(),
            std::fs::read(dir.path().join("parquet").join(name)).unwrap(),
            "{name}"
        );
    }
    // Not Parquet after all: a typed error naming the file, not a strange CSV.
    let e = match_into_dir(
        &zip,
        &fake_parquet(dir.path()),
        &mapping,
        &DefaultRules,
        &dir.path().join("fake"),
        &DirOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("records.csv"), "{e}");
}

#[test]
fn matched_records_can_be_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("r.csv");
    std::fs::write(&records, RECORDS).unwrap();
    let report = match_into_dir(
        &zip,
        &records,
        &mapping(),
        &DefaultRules,
        &dir.path().join("out"),
        &DirOptions::default().matched_records(false),
    )
    .unwrap();
    assert!(report.matched.is_empty());
    assert_eq!(report.summary.match_rows(), 4);
}

#[test]
fn a_key_too_long_to_keep_is_a_problem_and_its_row_is_skipped() {
    use dropkit_match::ProblemKind;

    let dir = tempfile::tempdir().unwrap();
    let zip = standard_zip(dir.path());
    let records = dir.path().join("r.csv");
    let long = "k".repeat(1 << 24);
    std::fs::write(
        &records,
        format!("id,mail\n{long},shared@x.com\nc2,shared@x.com\n"),
    )
    .unwrap();
    let report = match_into_dir(
        &zip,
        &records,
        &"key=id,email=mail".parse().unwrap(),
        &DefaultRules,
        &dir.path().join("out"),
        &DirOptions::default(),
    )
    .unwrap();
    assert!(matches!(
        report.problems[0].kind,
        ProblemKind::KeyTooLong { len, .. } if len == 1 << 24
    ));
    assert_eq!(report.problems[0].line, 2);
    let keys: Vec<&str> = report.matched.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["c2"]);
    assert!(report.matched[0].has_status(Status::Deleted));
}
