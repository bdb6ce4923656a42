#![allow(clippy::unwrap_used)]
//! Download archives built in memory: reading, tolerance and every safety rejection.

use std::io::{Cursor, Write};

use dropkit_files::{ArchiveLimits, DataType, DownloadArchive, Error, ListType};
use zip::write::SimpleFileOptions;

const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn open(bytes: Vec<u8>) -> Result<DownloadArchive<Cursor<Vec<u8>>>, Error> {
    DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes))
}

#[test]
fn reads_lists_and_removed_and_tolerates_missing_and_empty_lists() {
    let email = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\nB7kP2xQ9Lm4R,{H}\n");
    let removed = format!("ID,Hash,ListType\nC7kP2xQ9Lm4R,{H},Email\n");
    let bytes = zip_of(&[
        ("20260312_4821_Email.csv", email.as_bytes()),
        ("20260312_4821_NDZ.csv", b"ID,Hash\n"),
        ("20260312_4821_Removed.csv", removed.as_bytes()),
    ]);
    let mut archive = open(bytes).unwrap();
    assert_eq!(archive.entries().len(), 3);
    assert_eq!(archive.list_types(), vec![ListType::Email, ListType::Ndz]);
    let rows: Vec<_> = archive
        .open_list(ListType::Email)
        .unwrap()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].id.as_str(), "B7kP2xQ9Lm4R");
    assert_eq!(
        archive.open_list(ListType::Ndz).unwrap().unwrap().count(),
        0
    );
    assert!(archive.open_list(ListType::Phone).unwrap().is_none());
    let removed: Vec<_> = archive
        .open_removed()
        .unwrap()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(removed[0].list_type, ListType::Email);
    assert_eq!(
        archive.entry(DataType::Removed).unwrap().name().to_string(),
        "20260312_4821_Removed.csv"
    );
    // Reading twice works: nothing was consumed for good.
    assert_eq!(
        archive.open_list(ListType::Email).unwrap().unwrap().count(),
        2
    );
}

#[test]
fn rejects_unsafe_and_foreign_entries() {
    for name in [
        "../20260312_4821_Email.csv",
        "/20260312_4821_Email.csv",
        "x/20260312_4821_Email.csv",
        "20260312_4821_Email.txt",
        "notes.csv",
        "20260312_4821_Email_part01.csv",
        "20260312_9999_Phone.csv",
    ] {
        let bytes = zip_of(&[
            ("20260312_4821_Email.csv", b"ID,Hash\n"),
            (name, b"ID,Hash\n"),
        ]);
        assert!(matches!(open(bytes), Err(Error::Entry { .. })), "{name}");
    }
    let bytes = zip_of(&[
        ("20260312_4821_Email.csv", b"ID,Hash\n"),
        ("20260312_4821_EMAIL.csv", b"ID,Hash\n"),
    ]);
    assert!(matches!(open(bytes), Err(Error::Entry { reason, .. }) if reason.contains("twice")));
}

#[test]
fn corrupt_input_is_an_error() {
    assert!(matches!(
        open(b"not a zip".to_vec()),
        Err(Error::Zip { .. })
    ));
    assert!(matches!(open(Vec::new()), Err(Error::Zip { .. })));
    let mut bytes = zip_of(&[(
        "20260312_4821_Email.csv",
        format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\n").repeat(50).as_bytes(),
    )]);
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    assert!(open(bytes).is_err());
}

#[test]
fn limits_on_count_and_declared_size() {
    let big = vec![b'a'; 1 << 20];
    let bytes = zip_of(&[("20260312_4821_Email.csv", &big)]);
    let limits = ArchiveLimits::default().with_max_entry_size(1000);
    let err = DownloadArchive::with_limits("a.zip", Cursor::new(bytes.clone()), limits)
        .err()
        .unwrap();
    assert!(
        matches!(err, Error::Limit { actual, limit: 1000, .. } if actual == 1 << 20),
        "{err}"
    );
    let limits = ArchiveLimits::default().with_max_total_size(1000);
    assert!(matches!(
        DownloadArchive::with_limits("a.zip", Cursor::new(bytes), limits),
        Err(Error::Limit { .. })
    ));
    let bytes = zip_of(&[
        ("20260312_4821_Email.csv", b"ID,Hash\n"),
        ("20260312_4821_Phone.csv", b"ID,Hash\n"),
    ]);
    let limits = ArchiveLimits::default().with_max_entries(1);
    assert!(matches!(
        DownloadArchive::with_limits("a.zip", Cursor::new(bytes), limits),
        Err(Error::Limit {
            actual: 2,
            limit: 1,
            ..
        })
    ));
}

/// Rewrites every declared uncompressed size (local header and central directory) to `size`.
fn lie_about_size(bytes: &mut [u8], size: u32) {
    let le = size.to_le_bytes();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        match &bytes[i..i + 4] {
            b"PK\x03\x04" => bytes[i + 22..i + 26].copy_from_slice(&le),
            b"PK\x01\x02" => bytes[i + 24..i + 28].copy_from_slice(&le),
            _ => {}
        }
        i += 1;
    }
}

#[test]
fn an_entry_inflating_past_its_declared_size_is_stopped_while_reading() {
    let rows = format!("A7kP2xQ9Lm4R,{H}\n").repeat(100_000);
    let data = format!("ID,Hash\n{rows}");
    let mut bytes = zip_of(&[("20260312_4821_Email.csv", data.as_bytes())]);
    lie_about_size(&mut bytes, 100);
    let mut archive = open(bytes).unwrap();
    assert_eq!(archive.entries()[0].size(), 100);
    let results: Vec<_> = archive
        .open_list(ListType::Email)
        .unwrap()
        .unwrap()
        .collect();
    assert!(
        results.len() < 10,
        "read {} rows past the declared size",
        results.len()
    );
    let last = results.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(last, Error::Io { .. }), "{last}");
}

/// Renames every `Phone` entry to `Email` in the ZIP bytes (both names have 5 letters, so
/// offsets and sizes stay right): two entries with one name, as no ZIP writer would make.
fn with_duplicate_names(mut bytes: Vec<u8>) -> Vec<u8> {
    let (from, to) = (b"20260312_4821_Phone.csv", b"20260312_4821_Email.csv");
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
        i += 1;
    }
    bytes
}

#[test]
fn two_entries_with_one_name_are_refused_never_last_one_wins() {
    let first = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\n");
    let second = format!("ID,Hash\nB7kP2xQ9Lm4R,{H}\n");
    let bytes = with_duplicate_names(zip_of(&[
        ("20260312_4821_Email.csv", first.as_bytes()),
        ("20260312_4821_Phone.csv", second.as_bytes()),
    ]));
    match open(bytes) {
        Err(e @ Error::DuplicateEntry { .. }) => {
            let Error::DuplicateEntry { archive, entry } = &e else {
                unreachable!()
            };
            assert_eq!(archive, "20260312_4821_DROP.zip");
            assert_eq!(entry, "20260312_4821_Email.csv");
            assert!(
                e.to_string()
                    .contains("two entries are named \"20260312_4821_Email.csv\""),
                "{e}"
            );
        }
        Err(other) => panic!("{other}"),
        Ok(a) => panic!("opened with entries {:?}", a.entries()),
    }
}

#[test]
fn a_directory_is_not_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let err = match DownloadArchive::open(dir.path()) {
        Err(e) => e,
        Ok(_) => panic!("a directory opened as an archive"),
    };
    assert!(matches!(err, Error::IsDirectory { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{} is a directory, expected a file", dir.path().display())
    );
}

#[test]
fn a_missing_archive_names_path_and_reason_once() {
    let err = match DownloadArchive::open("/nonexistent/20260312_4821_DROP.zip") {
        Err(e) => e,
        Ok(_) => panic!("opened"),
    };
    // Display is the path; the OS reason is the source, so a chain prints each once.
    assert_eq!(err.to_string(), "/nonexistent/20260312_4821_DROP.zip");
    let chain = dropkit_files::display::Chain(&err).to_string();
    assert_eq!(chain.matches("/nonexistent").count(), 1, "{chain}");
    assert_eq!(chain.matches("No such file").count(), 1, "{chain}");
}
