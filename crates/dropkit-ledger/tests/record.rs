//! Opening, recording downloads, Removed lists, answers, matches, forwards and the figures:
//! each write idempotent.
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, email_download, status_file};
use dropkit_files::{Status, WorkItemId, ZipFileName};
use dropkit_hash::ListType;
use dropkit_ledger::{Ledger, LedgerError, LedgerMatch, MatchKind, SCHEMA_VERSION};

fn id(s: &str) -> WorkItemId {
    s.parse().unwrap()
}

fn zip_name(date: &str) -> ZipFileName {
    format!("{date}_4821_DROP.zip").parse().unwrap()
}

#[test]
fn a_new_ledger_is_private_versioned_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(dropkit_ledger::LEDGER_FILE);
    assert!(matches!(
        Ledger::open_existing(&path),
        Err(LedgerError::NoLedger { .. })
    ));
    assert!(!path.exists(), "open_existing creates nothing");
    drop(Ledger::open(&path).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let ledger = Ledger::open_existing(&path).unwrap();
    assert_eq!(ledger.stats().unwrap().schema_version, SCHEMA_VERSION);
    let version: i64 = rusqlite_version(&path);
    assert_eq!(version, SCHEMA_VERSION);
}

fn rusqlite_version(path: &std::path::Path) -> i64 {
    // Read with the sqlite3 CLI's view: the pragma, through a second connection.
    let ledger = Ledger::open_existing(path).unwrap();
    drop(ledger);
    let bytes = std::fs::read(path).unwrap();
    // user_version is the big-endian u32 at offset 60 of the database header.
    i64::from(u32::from_be_bytes(bytes[60..64].try_into().unwrap()))
}

#[test]
fn a_newer_schema_and_a_foreign_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    drop(Ledger::open(&path).unwrap());
    // Bump user_version in the header to a version from the future.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = Ledger::open(&path).unwrap_err();
    assert!(
        matches!(err, LedgerError::NewerSchema { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("ledger.sqlite"), "{err}");

    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "not a database, just some text that is long enough").unwrap();
    let err = Ledger::open(&other).unwrap_err();
    assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

#[test]
fn a_download_is_recorded_once_and_its_removed_list_cancels_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let first = email_download(
        dir.path(),
        "20260301",
        &[
            ("AAAAAAAAAAA1", "anna@x.com"),
            ("AAAAAAAAAAA2", "bob@x.com"),
        ],
        &[],
    );
    let s1 = ledger.record_download(&first, at(1)).unwrap();
    assert_eq!(s1.work_items(), 2);
    assert_eq!(s1.lists[0].list_type, ListType::Email);
    assert_eq!(s1.lists[0].file, "20260301_4821_Email.csv");
    assert!(ledger.is_recorded(&zip_name("20260301")).unwrap());
    assert!(!ledger.is_recorded(&zip_name("20260415")).unwrap());

    // Again, even with another time: nothing changes, the same summary comes back.
    let again = ledger.record_download(&first, at(9)).unwrap();
    assert_eq!(again, s1);
    assert_eq!(ledger.stats().unwrap().total.received, 2);

    // The second download cancels a work item of the first, one of its own, and one unknown.
    let second = email_download(
        dir.path(),
        "20260415",
        &[
            ("BBBBBBBBBBB1", "carl@x.com"),
            ("BBBBBBBBBBB2", "dora@x.com"),
        ],
        &[
            ("AAAAAAAAAAA2", "bob@x.com", "Email"),
            ("BBBBBBBBBBB2", "dora@x.com", "Email"),
            ("ZZZZZZZZZZZ9", "zed@x.com", "Phone"),
        ],
    );
    let s2 = ledger.record_download(&second, at(15)).unwrap();
    assert_eq!(s2.work_items(), 2);
    assert_eq!(s2.removed.entries, 3);
    assert_eq!(s2.removed.cancelled, 2);
    assert_eq!(s2.removed.unknown, 1);
    assert_eq!(ledger.record_download(&second, at(16)).unwrap(), s2);

    let stats = ledger.stats().unwrap();
    assert_eq!(stats.downloads, 2);
    assert_eq!(stats.total.received, 4);
    assert_eq!(stats.total.cancelled, 2);
    assert_eq!(stats.total.active, 2);

    // Active lists: the cancelled ones are gone; excluding a download leaves its items out.
    let all = ledger.active_lists(None).unwrap();
    assert_eq!(all.work_items(ListType::Email), 2);
    let earlier = ledger.active_lists(Some(&zip_name("20260415"))).unwrap();
    assert_eq!(earlier.work_items(ListType::Email), 1);
    assert_eq!(
        earlier.file_name(ListType::Email).unwrap().to_string(),
        "20260301_4821_Email.csv"
    );
}

#[test]
fn a_removed_entry_recorded_before_its_work_item_cancels_it_when_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let later = email_download(
        dir.path(),
        "20260415",
        &[],
        &[("AAAAAAAAAAA1", "anna@x.com", "Email")],
    );
    assert_eq!(
        ledger
            .record_download(&later, at(15))
            .unwrap()
            .removed
            .unknown,
        1
    );
    let earlier = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    ledger.record_download(&earlier, at(1)).unwrap();
    let stats = ledger.stats().unwrap();
    assert_eq!((stats.total.received, stats.total.cancelled), (1, 1));
    assert_eq!(
        ledger
            .active_lists(None)
            .unwrap()
            .work_items(ListType::Email),
        0
    );
}

#[test]
fn an_id_listed_again_with_another_hash_is_screened_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let zip = email_download(
        dir.path(),
        "20260301",
        &[
            ("AAAAAAAAAAA1", "anna@x.com"),
            ("AAAAAAAAAAA1", "anna2@x.com"),
        ],
        &[],
    );
    let s = ledger.record_download(&zip, at(1)).unwrap();
    assert_eq!(
        (s.lists[0].rows, s.lists[0].work_items, s.lists[0].known),
        (2, 1, 1)
    );
    let records = dir.path().join("records.csv");
    std::fs::write(&records, "k,e\nc1,anna2@x.com\nc2,other@x.com\n").unwrap();
    let out = dir.path().join("screen.csv");
    let summary = ledger
        .screen(&records, &"key=k,email=e".parse().unwrap(), &out, None)
        .unwrap();
    assert_eq!(summary.matches, 1);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "Key,ListType,Id\nc1,Email,AAAAAAAAAAA1\n"
    );
}

#[test]
fn answers_are_recorded_once_and_a_later_answer_wins() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let zip = email_download(
        dir.path(),
        "20260301",
        &[
            ("AAAAAAAAAAA1", "anna@x.com"),
            ("AAAAAAAAAAA2", "bob@x.com"),
        ],
        &[],
    );
    let name = zip_name("20260301");
    ledger.record_download(&zip, at(1)).unwrap();
    let first = status_file(
        dir.path(),
        "20260301_4821_Email.csv",
        &[
            ("AAAAAAAAAAA1", 3),
            ("AAAAAAAAAAA2", 5),
            ("OTHEROTHER12", 5),
        ],
    );
    assert_eq!(
        ledger
            .record_answers(&name, std::slice::from_ref(&first), at(2))
            .unwrap(),
        2
    );
    assert_eq!(
        ledger
            .record_answers(&name, std::slice::from_ref(&first), at(3))
            .unwrap(),
        2
    );
    let stats = ledger.stats().unwrap();
    assert_eq!(
        (stats.total.answered.deleted, stats.total.answered.not_found),
        (1, 1)
    );

    // An amendment, then the first file recorded again: the amendment stands.
    let amend = status_file(
        dir.path(),
        "20260301_4821_Email_amend1.csv",
        &[("AAAAAAAAAAA2", 3)],
    );
    assert_eq!(ledger.record_answers(&name, &[amend], at(4)).unwrap(), 1);
    assert_eq!(ledger.record_answers(&name, &[first], at(5)).unwrap(), 2);
    let stats = ledger.stats().unwrap();
    assert_eq!(
        (stats.total.answered.deleted, stats.total.answered.not_found),
        (2, 0)
    );

    // A status file of another download, or a bad row: refused, nothing recorded.
    let foreign = status_file(
        dir.path(),
        "20260415_4821_Email.csv",
        &[("AAAAAAAAAAA1", 2)],
    );
    let err = ledger.record_answers(&name, &[foreign], at(6)).unwrap_err();
    assert!(matches!(err, LedgerError::Mismatch { .. }), "{err}");
    let bad = status_file(
        dir.path(),
        "20260301_4821_Email_x.csv",
        &[("AAAAAAAAAAA1", 2), ("AAAAAAAAAAA2", 7)],
    );
    let err = ledger.record_answers(&name, &[bad], at(6)).unwrap_err();
    assert!(
        err.to_string().contains("20260301_4821_Email_x.csv:3"),
        "{err}"
    );
    assert_eq!(ledger.stats().unwrap().total.answered.exempted, 0);
    // Answers for a download not recorded.
    let err = ledger
        .record_answers(&zip_name("20260415"), &[], at(6))
        .unwrap_err();
    assert!(matches!(err, LedgerError::NotRecorded { .. }), "{err}");
}

#[test]
fn matches_and_forwards_are_recorded_once_per_pair() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let r1 = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    let r2 = email_download(
        dir.path(),
        "20260415",
        &[("BBBBBBBBBBB1", "bob@x.com")],
        &[],
    );
    ledger.record_download(&r1, at(1)).unwrap();
    ledger.record_download(&r2, at(15)).unwrap();
    let new = LedgerMatch {
        key: "c1".into(),
        work_item: id("AAAAAAAAAAA1"),
        list_type: ListType::Email,
        kind: MatchKind::New,
        status: Some(Status::Deleted),
    };
    ledger
        .record_matches(&zip_name("20260301"), std::slice::from_ref(&new))
        .unwrap();
    let late = LedgerMatch {
        key: "c9".into(),
        kind: MatchKind::Late,
        status: None,
        ..new.clone()
    };
    for _ in 0..2 {
        ledger
            .record_matches(&zip_name("20260415"), &[late.clone(), new.clone()])
            .unwrap();
    }
    let stats = ledger.stats().unwrap();
    assert_eq!((stats.total.new_matches, stats.total.late_matches), (1, 1));
    assert_eq!(stats.lists[0].late_matches, 1);

    assert!(ledger.forwarded_pairs("id5").unwrap().is_empty());
    let pairs = [(id("AAAAAAAAAAA1"), "c1".to_owned())];
    ledger
        .record_forward("id5", &pairs, &zip_name("20260301"), at(2))
        .unwrap();
    ledger
        .record_forward("id5", &pairs, &zip_name("20260415"), at(16))
        .unwrap();
    let forwarded = ledger.forwarded_pairs("id5").unwrap();
    assert_eq!(forwarded.len(), 1);
    assert!(forwarded.contains(&(id("AAAAAAAAAAA1"), "c1".to_owned())));
    assert!(ledger.forwarded_pairs("maestroqa").unwrap().is_empty());

    // A match for a work item the ledger does not hold is refused, nothing recorded.
    let unknown = LedgerMatch {
        work_item: id("ZZZZZZZZZZZ1"),
        ..new
    };
    assert!(
        ledger
            .record_matches(&zip_name("20260415"), &[late, unknown])
            .is_err()
    );
    assert_eq!(ledger.stats().unwrap().total.late_matches, 1);
}

#[test]
fn stats_serialize_in_snake_case() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let zip = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    ledger.record_download(&zip, at(1)).unwrap();
    let json = serde_json::to_value(ledger.stats().unwrap()).unwrap();
    assert_eq!(json["downloads"], 1);
    assert_eq!(json["lists"][0]["list_type"], "Email");
    assert_eq!(json["lists"][0]["answered"]["not_found"], 0);
    assert_eq!(json["total"]["late_matches"], 0);
    assert_eq!(json["total"]["unanswered"], 1);
}
