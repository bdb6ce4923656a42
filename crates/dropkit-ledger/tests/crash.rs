//! A write stopped before its commit leaves nothing: a process killed just before the commit
//! (the `fault-injection` hook aborts it, as a crash would), and a download whose second list
//! is corrupt. The write then runs again whole. (A failure inside a transaction, a match for an
//! unknown work item, is in `record.rs`.)
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{at, email_download, zip_of};
use dropkit_files::WorkItemId;
use dropkit_ledger::Ledger;

/// The child side of [`a_process_killed_before_the_commit_leaves_the_ledger_as_before`]:
/// runs only when the parent sets `DROPKIT_LEDGER_CHILD`.
#[test]
fn child_writes_until_killed() {
    let Ok(dir) = std::env::var("DROPKIT_LEDGER_CHILD") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let mut ledger = Ledger::open(dir.join("ledger.sqlite")).unwrap();
    let step = std::env::var("DROPKIT_LEDGER_FAULT").unwrap();
    let zip = dir.join("20260415_4821_DROP.zip");
    let name = "20260415_4821_DROP.zip".parse().unwrap();
    match step.as_str() {
        "record_download" => {
            ledger.record_download(&zip, at(15)).unwrap();
        }
        "record_forward" => {
            let pairs = [(
                "BBBBBBBBBBB1".parse::<WorkItemId>().unwrap(),
                "c1".to_owned(),
            )];
            ledger.record_forward("id5", &pairs, &name, at(16)).unwrap();
        }
        _ => {}
    }
    unreachable!("the fault hook aborts before the commit");
}

#[test]
fn a_process_killed_before_the_commit_leaves_the_ledger_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let first = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    ledger.record_download(&first, at(1)).unwrap();
    // Many rows, so the transaction spills pages to the WAL before it dies.
    let items: Vec<(String, String)> = (0..50_000)
        .map(|i| (format!("B{i:011}"), format!("user{i}@x.com")))
        .collect();
    let refs: Vec<(&str, &str)> = items
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let second = email_download(
        dir.path(),
        "20260415",
        &refs,
        &[("AAAAAAAAAAA1", "anna@x.com", "Email")],
    );
    let before = ledger.stats().unwrap();
    drop(ledger);

    for step in ["record_download", "record_forward"] {
        if step == "record_forward" {
            // The download is recorded for real first; then the forward dies.
            Ledger::open(dir.path().join("ledger.sqlite"))
                .unwrap()
                .record_download(&second, at(15))
                .unwrap();
        }
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_writes_until_killed", "--nocapture"])
            .env("DROPKIT_LEDGER_CHILD", dir.path())
            .env("DROPKIT_LEDGER_FAULT", step)
            .output()
            .unwrap()
            .status;
        assert!(!status.success(), "{step}: the child must die");
        let ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
        if step == "record_download" {
            assert_eq!(
                ledger.stats().unwrap(),
                before,
                "nothing of the download is left"
            );
            assert!(
                !ledger
                    .is_recorded(&"20260415_4821_DROP.zip".parse().unwrap())
                    .unwrap()
            );
        } else {
            assert!(ledger.forwarded_pairs("id5").unwrap().is_empty());
        }
    }

    // Run again: recorded whole, once.
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let s = ledger.record_download(&second, at(15)).unwrap();
    assert_eq!((s.work_items(), s.removed.cancelled), (50_000, 1));
    let stats = ledger.stats().unwrap();
    assert_eq!((stats.total.received, stats.total.cancelled), (50_001, 1));
}

#[test]
fn a_corrupt_download_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    // A ZIP whose Phone list is cut short after a good Email list: read fails part-way.
    let good = email_download(
        dir.path(),
        "20260301",
        &[("AAAAAAAAAAA1", "anna@x.com")],
        &[],
    );
    ledger.record_download(&good, at(1)).unwrap();
    let before = ledger.stats().unwrap();
    let phone: String = (0..20_000)
        .map(|i| format!("P{i:011},{}\r\n", common::h(&format!("{i}"))))
        .collect();
    let zip = zip_of(
        dir.path(),
        "20260415",
        &[
            (
                "20260415_4821_Email.csv".into(),
                format!("ID,Hash\r\nBBBBBBBBBBB1,{}\r\n", common::h("b@x.com")).into_bytes(),
            ),
            (
                "20260415_4821_Phone.csv".into(),
                format!("ID,Hash\r\n{phone}").into_bytes(),
            ),
        ],
    );
    // Corrupt the compressed Phone data in its middle.
    let mut bytes = std::fs::read(&zip).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&zip, &bytes).unwrap();
    assert!(ledger.record_download(&zip, at(15)).is_err());
    assert_eq!(ledger.stats().unwrap(), before);
    assert!(
        !ledger
            .is_recorded(&"20260415_4821_DROP.zip".parse().unwrap())
            .unwrap()
    );
}
