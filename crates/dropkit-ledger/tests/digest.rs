//! A download is known by its ZIP's SHA-256, not its name (two downloads of one day share
//! `YYYYMMDD_<broker>_DROP.zip`), and a ledger of schema version 1 migrates keeping its data.
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, email_download, status_file};
use std::path::Path;

use dropkit_files::ZipFileName;
use dropkit_hash::ListType;
use dropkit_ledger::{Ledger, SCHEMA_VERSION};

fn zip_name(date: &str) -> ZipFileName {
    format!("{date}_4821_DROP.zip").parse().unwrap()
}

#[test]
fn a_second_download_of_the_same_day_is_recorded_and_the_same_bytes_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let morning = dir.path().join("morning");
    let evening = dir.path().join("evening");
    std::fs::create_dir_all(&morning).unwrap();
    std::fs::create_dir_all(&evening).unwrap();
    let first = email_download(&morning, "20260301", &[("AAAAAAAAAAA1", "anna@x.com")], &[]);
    let second = email_download(
        &evening,
        "20260301",
        &[
            ("BBBBBBBBBBB1", "bob@x.com"),
            ("BBBBBBBBBBB2", "carl@x.com"),
        ],
        &[("AAAAAAAAAAA1", "anna@x.com", "Email")],
    );
    assert_eq!(first.file_name(), second.file_name());

    let s1 = ledger.record_download(&first, at(1)).unwrap();
    assert_eq!(s1.work_items(), 1);
    // Same name, other bytes: a download of its own, read whole.
    let s2 = ledger.record_download(&second, at(2)).unwrap();
    assert_eq!(s2.work_items(), 2, "{s2:?}");
    assert_eq!(s2.removed.cancelled, 1);
    // The same bytes again (a resumed round, either one): nothing changes.
    assert_eq!(ledger.record_download(&first, at(3)).unwrap(), s1);
    assert_eq!(ledger.record_download(&second, at(4)).unwrap(), s2);
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(&second, copy.join(second.file_name().unwrap())).unwrap();
    assert_eq!(
        ledger
            .record_download(&copy.join(second.file_name().unwrap()), at(5))
            .unwrap(),
        s2
    );

    let stats = ledger.stats().unwrap();
    assert_eq!(stats.downloads, 2);
    assert_eq!(stats.total.received, 3);
    assert_eq!(stats.total.cancelled, 1);

    // The name means the latest download recorded under it: its answers land there, and
    // the earlier one's work items are earlier requests for it.
    let earlier = ledger.active_lists(Some(&zip_name("20260301"))).unwrap();
    assert_eq!(earlier.work_items(ListType::Email), 0, "anna is cancelled");
    let answers = status_file(
        dir.path(),
        "20260301_4821_Email.csv",
        &[("BBBBBBBBBBB1", 3), ("BBBBBBBBBBB2", 5)],
    );
    assert_eq!(
        ledger
            .record_answers(&zip_name("20260301"), &[answers], at(6))
            .unwrap(),
        2
    );
    assert_eq!(ledger.stats().unwrap().total.answered.deleted, 1);

    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    let digests: Vec<Option<Vec<u8>>> = conn
        .prepare("SELECT sha256 FROM download ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(digests.len(), 2);
    assert!(
        digests
            .iter()
            .all(|d| d.as_ref().is_some_and(|d| d.len() == 32))
    );
    assert_ne!(digests[0], digests[1]);
}

/// The schema of version 1, as the release before this one created it.
const V1: &str = "
CREATE TABLE download (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('round', 'import')),
    removed_unreadable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE download_list (
    download    INTEGER NOT NULL REFERENCES download (id),
    list_type   TEXT NOT NULL,
    file        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    work_items  INTEGER NOT NULL,
    known       INTEGER NOT NULL,
    unreadable  INTEGER NOT NULL,
    PRIMARY KEY (download, list_type)
) WITHOUT ROWID;
CREATE TABLE answer_file (
    id          INTEGER PRIMARY KEY,
    download    INTEGER NOT NULL REFERENCES download (id),
    file        TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    UNIQUE (download, file)
);
CREATE TABLE work_item (
    id           TEXT NOT NULL PRIMARY KEY,
    list_type    TEXT NOT NULL,
    hash         BLOB CHECK (hash IS NULL OR length(hash) = 32),
    download     INTEGER NOT NULL REFERENCES download (id),
    status       INTEGER CHECK (status IS NULL OR status BETWEEN 2 AND 5),
    answer       INTEGER REFERENCES answer_file (id),
    cancelled_by INTEGER REFERENCES download (id)
) WITHOUT ROWID;
CREATE TABLE work_item_hash (
    work_item   TEXT NOT NULL REFERENCES work_item (id),
    hash        BLOB NOT NULL CHECK (length(hash) = 32),
    download    INTEGER NOT NULL REFERENCES download (id),
    PRIMARY KEY (work_item, hash)
) WITHOUT ROWID;
CREATE TABLE removal (
    work_item   TEXT NOT NULL,
    download    INTEGER NOT NULL REFERENCES download (id),
    list_type   TEXT NOT NULL,
    hash        BLOB NOT NULL,
    effect      TEXT NOT NULL CHECK (effect IN ('cancelled', 'already_cancelled', 'unknown')),
    PRIMARY KEY (work_item, download)
) WITHOUT ROWID;
CREATE TABLE record_match (
    work_item   TEXT NOT NULL REFERENCES work_item (id),
    key         TEXT NOT NULL,
    round       INTEGER NOT NULL REFERENCES download (id),
    kind        TEXT NOT NULL CHECK (kind IN ('new', 'late')),
    status      INTEGER CHECK (status IS NULL OR status BETWEEN 2 AND 5),
    last_round  INTEGER NOT NULL REFERENCES download (id),
    PRIMARY KEY (work_item, key)
) WITHOUT ROWID;
CREATE TABLE forward (
    provider     TEXT NOT NULL,
    work_item    TEXT NOT NULL REFERENCES work_item (id),
    key          TEXT NOT NULL,
    round        INTEGER NOT NULL REFERENCES download (id),
    forwarded_at TEXT NOT NULL,
    PRIMARY KEY (provider, work_item, key)
) WITHOUT ROWID;
CREATE TABLE imported_round (
    dir          TEXT NOT NULL PRIMARY KEY,
    download     INTEGER REFERENCES download (id),
    imported_at  TEXT NOT NULL
) WITHOUT ROWID;
PRAGMA application_id = 1146244944;
PRAGMA user_version = 1;
";

/// A ledger as the release before left it (schema version 1, in WAL mode as every release
/// opens it) at `path`, holding download 1, `20260301_4821_DROP.zip` with an Email list of
/// `rows` rows, and the Email work item `AAAAAAAAAAA1` of anna's hash when `anna` is set.
/// The connection is handed back for more rows.
fn version_1_ledger(path: &Path, rows: u32, anna: bool) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(V1).unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO download VALUES (1, '20260301_4821_DROP.zip', '2026-03-01T10:00:00Z',
             '2026-03-01T10:00:01Z', 'round', 0);
         INSERT INTO download_list VALUES (1, 'Email', '20260301_4821_Email.csv', {rows}, {rows}, 0, 0);"
    ))
    .unwrap();
    if anna {
        conn.execute(
            "INSERT INTO work_item (id, list_type, hash, download) VALUES (?1, 'Email', ?2, 1)",
            rusqlite::params!["AAAAAAAAAAA1", &common::h("anna@x.com").as_bytes()[..]],
        )
        .unwrap();
    }
    conn
}

#[test]
fn a_version_1_ledger_migrates_keeping_its_data_and_its_round_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let zip = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    {
        // What the release before wrote for that download, a match and a forward.
        let conn = version_1_ledger(&path, 1, true);
        conn.execute_batch(
            "INSERT INTO record_match VALUES ('AAAAAAAAAAA1', 'c-1', 1, 'new', 3, 1);
             INSERT INTO forward VALUES ('id5', 'AAAAAAAAAAA1', 'c-1', 1, '2026-03-01T12:00:00Z');",
        )
        .unwrap();
    }

    let mut ledger = Ledger::open(&path).unwrap();
    let stats = ledger.stats().unwrap();
    assert_eq!(stats.schema_version, SCHEMA_VERSION);
    assert_eq!(stats.downloads, 1);
    assert_eq!(stats.total.received, 1);
    assert_eq!(stats.total.new_matches, 1);
    assert!(ledger.is_recorded(&zip_name("20260301")).unwrap());
    let pair = ("AAAAAAAAAAA1".parse().unwrap(), "c-1".to_owned());
    assert!(ledger.forwarded_pairs("id5").unwrap().contains(&pair));

    // The round that recorded it, resumed after the upgrade: the same download, not a new one.
    let s = ledger.record_download(&zip, at(2)).unwrap();
    assert_eq!(s.lists[0].work_items, 1);
    assert_eq!(ledger.stats().unwrap().downloads, 1);
    // ... and it now carries its digest, so another ZIP of that name is a new download.
    let later = dir.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    let other = email_download(&later, "20260301", &[("BBBBBBBBBBB1", "bob@x.com")], &[]);
    assert_eq!(
        ledger.record_download(&other, at(3)).unwrap().work_items(),
        1
    );
    assert_eq!(ledger.stats().unwrap().downloads, 2);
    drop(ledger);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let (version, app): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version),
                    (SELECT application_id FROM pragma_application_id)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (version, app),
        (SCHEMA_VERSION, dropkit_ledger::APPLICATION_ID)
    );
    let problems: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(problems, 0);
    // Reopening a migrated ledger migrates nothing again.
    drop(conn);
    assert_eq!(Ledger::open(&path).unwrap().stats().unwrap().downloads, 2);
}

#[test]
fn a_second_same_day_download_with_the_same_counts_is_not_taken_for_a_version_1_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    // The morning's download, recorded by the release before (no digest).
    version_1_ledger(&path, 1, true);
    // The evening's, after the upgrade: same name, same list, same row count, another Id.
    let evening = email_download(
        dir.path(),
        "20260301",
        &[("BBBBBBBBBBB1", "bob@x.com")],
        &[],
    );
    let mut ledger = Ledger::open(&path).unwrap();
    let s = ledger.record_download(&evening, at(2)).unwrap();
    assert_eq!(s.work_items(), 1);
    let stats = ledger.stats().unwrap();
    assert_eq!(
        stats.downloads, 2,
        "the evening's download was taken for the morning's"
    );
    assert_eq!(stats.total.received, 2);
}

#[test]
fn a_version_1_download_with_other_lists_is_not_taken_for_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    version_1_ledger(&path, 5, false);
    let zip = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.record_download(&zip, at(2)).unwrap().work_items(), 1);
    assert_eq!(ledger.stats().unwrap().downloads, 2);
}
