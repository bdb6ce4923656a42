//! Downloads and records built for the tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use dropkit_hash::DropHash;
use time::OffsetDateTime;
use time::macros::datetime;

/// The hash of a standardized value, in Base64.
pub(crate) fn h(value: &str) -> DropHash {
    DropHash::of_standardized(value)
}

/// A download `<date>_4821_DROP.zip` in `dir` with one Email list and an optional Removed
/// file (`(id, email, list type)` rows).
pub(crate) fn email_download(
    dir: &Path,
    date: &str,
    items: &[(&str, &str)],
    removed: &[(&str, &str, &str)],
) -> PathBuf {
    let rows: String = items
        .iter()
        .map(|(id, email)| format!("{id},{}\r\n", h(email)))
        .collect();
    let mut files = vec![(
        format!("{date}_4821_Email.csv"),
        format!("ID,Hash\r\n{rows}").into_bytes(),
    )];
    if !removed.is_empty() {
        let rows: String = removed
            .iter()
            .map(|(id, email, list)| format!("{id},{},{list}\r\n", h(email)))
            .collect();
        files.push((
            format!("{date}_4821_Removed.csv"),
            format!("ID,Hash,ListType\r\n{rows}").into_bytes(),
        ));
    }
    zip_of(dir, date, &files)
}

/// A download ZIP holding these files.
pub(crate) fn zip_of(dir: &Path, date: &str, files: &[(String, Vec<u8>)]) -> PathBuf {
    let path = dir.join(format!("{date}_4821_DROP.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in files {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// A fixed instant.
pub(crate) fn at(day: u8) -> OffsetDateTime {
    datetime!(2026-03-01 10:00 UTC).replace_day(day).unwrap()
}

/// A status file `name` in `dir` with these rows.
pub(crate) fn status_file(dir: &Path, name: &str, rows: &[(&str, u8)]) -> PathBuf {
    let path = dir.join(name);
    let body: String = rows.iter().map(|(id, s)| format!("{id},{s}\n")).collect();
    std::fs::write(&path, format!("Id,Status\n{body}")).unwrap();
    path
}
