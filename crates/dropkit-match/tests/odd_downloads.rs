//! Odd downloads: a work item Id listed more than once is answered once and reported, in
//! memory and output that follow the distinct work items; a list row that is not UTF-8 or
//! holds NUL gets dropkit-files' verdict.

#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Write};

use dropkit_files::{DownloadArchive, ListReader, Status};
use dropkit_hash::{DropHash, ListType};
use dropkit_match::{DefaultRules, DirOptions, Lists, MatchOutcome, Matcher, match_into_dir};

fn h(standardized: &str) -> DropHash {
    DropHash::of_standardized(standardized)
}

fn zip_bytes(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn load(files: &[(&str, Vec<u8>)]) -> Lists {
    let mut archive =
        DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(zip_bytes(files))).unwrap();
    Lists::from_archive(&mut archive).unwrap()
}

fn run(lists: Lists, records: &str) -> MatchOutcome {
    Matcher::new(lists)
        .run(
            records.as_bytes(),
            &"key=k,email=e".parse().unwrap(),
            &DefaultRules,
        )
        .unwrap()
}

fn status_file(outcome: &MatchOutcome) -> String {
    let dir = tempfile::tempdir().unwrap();
    let written = outcome.write_status_files(dir.path(), usize::MAX).unwrap();
    written
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn an_id_listed_twice_is_answered_once_and_reported() {
    let mut text = String::from("ID,Hash\n");
    for (id, email) in [
        ("AAAAAAAAAAA1", "a@x.com"),
        ("AAAAAAAAAAA2", "b@x.com"),
        ("AAAAAAAAAAA1", "a@x.com"),
        ("AAAAAAAAAAA3", "c@x.com"),
        ("AAAAAAAAAAA1", "a@x.com"),
    ] {
        text.push_str(&format!("{id},{}\n", h(email)));
    }
    let lists = load(&[("20261120_4821_Email.csv", text.into_bytes())]);
    assert_eq!(lists.work_items(ListType::Email), 3);
    let outcome = run(lists, "k,e\nc1,a@x.com\nc2,c@x.com\n");
    assert_eq!(
        status_file(&outcome),
        "Id,Status\nAAAAAAAAAAA1,3\nAAAAAAAAAAA2,5\nAAAAAAAAAAA3,3\n"
    );
    // One match row for the work item, not one per listing.
    let rows: Vec<(String, String)> = outcome
        .matches()
        .map(|m| (m.key.to_owned(), m.id.to_string()))
        .collect();
    assert_eq!(
        rows,
        [
            ("c1".to_owned(), "AAAAAAAAAAA1".to_owned()),
            ("c2".to_owned(), "AAAAAAAAAAA3".to_owned())
        ]
    );
    let repeated = outcome.repeated_ids();
    assert_eq!(repeated.len(), 1);
    assert_eq!(repeated[0].id.as_str(), "AAAAAAAAAAA1");
    assert_eq!(repeated[0].times, 3);
    assert_eq!(
        outcome.warnings(),
        ["20261120_4821_Email.csv: Id AAAAAAAAAAA1 listed 3 times; answered once"]
    );
    let summary = &outcome.summary().lists[0];
    assert_eq!((summary.work_items, summary.repeated_rows), (3, 2));
    assert!(
        outcome
            .summary()
            .to_string()
            .contains("2 repeated Id rows answered once"),
        "{}",
        outcome.summary()
    );
}

#[test]
fn a_repeated_id_with_another_hash_matches_on_either() {
    // The safest reading: whichever hash a record matches, the work item is found (once).
    let text = format!(
        "ID,Hash\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA2,{}\n",
        h("first@x.com"),
        h("second@x.com"),
        h("second@x.com"),
    );
    let lists = load(&[("20261120_4821_Email.csv", text.into_bytes())]);
    let outcome = run(lists, "k,e\nc1,second@x.com\n");
    assert_eq!(
        status_file(&outcome),
        "Id,Status\nAAAAAAAAAAA1,3\nAAAAAAAAAAA2,3\n"
    );
    assert_eq!(outcome.repeated_ids()[0].hashes, 2);
    assert!(outcome.warnings()[0].contains("2 different hashes"));
    // And by the first hash too.
    let text = format!(
        "ID,Hash\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA1,{}\n",
        h("first@x.com"),
        h("second@x.com"),
    );
    let lists = load(&[("20261120_4821_Email.csv", text.into_bytes())]);
    let outcome = run(lists, "k,e\nc1,first@x.com\nc2,second@x.com\n");
    assert_eq!(status_file(&outcome), "Id,Status\nAAAAAAAAAAA1,4\n");
}

#[test]
fn a_repeated_removed_id_is_dropped_whole() {
    let removed = format!("ID,Hash,ListType\nAAAAAAAAAAA1,{},Email\n", h("a@x.com"));
    let text = format!(
        "ID,Hash\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA2,{}\nAAAAAAAAAAA1,{}\n",
        h("a@x.com"),
        h("b@x.com"),
        h("other@x.com")
    );
    let lists = load(&[
        ("20261120_4821_Removed.csv", removed.into_bytes()),
        ("20261120_4821_Email.csv", text.into_bytes()),
    ]);
    assert!(lists.removed()[0].in_download);
    let outcome = run(lists, "k,e\nc1,a@x.com\nc2,other@x.com\nc3,b@x.com\n");
    assert_eq!(status_file(&outcome), "Id,Status\nAAAAAAAAAAA2,3\n");
    let keys: Vec<&str> = outcome.matches().map(|m| m.key).collect();
    assert_eq!(keys, ["c3"]);
    assert_eq!(outcome.summary().lists[0].removed, 1);
}

#[test]
fn hundreds_of_thousands_of_repeats_hold_one_entry_and_write_one_row() {
    const REPEATS: usize = 400_000;
    let row = format!("AAAAAAAAAAA1,{}\n", h("a@x.com"));
    let mut text = Vec::with_capacity(8 + row.len() * REPEATS);
    text.extend_from_slice(b"ID,Hash\n");
    for _ in 0..REPEATS {
        text.extend_from_slice(row.as_bytes());
    }
    let zip = zip_bytes(&[("20261120_4821_Email.csv", text)]);
    drop(row);
    // A small archive that inflates to 23 MB of one repeated row.
    assert!(zip.len() < 200_000, "{}", zip.len());
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("20261120_4821_DROP.zip");
    std::fs::write(&zip_path, &zip).unwrap();

    let mut archive = DownloadArchive::open(&zip_path).unwrap();
    let loaded = Lists::from_archive(&mut archive).unwrap();
    assert_eq!(loaded.work_items(ListType::Email), 1);
    // Memory follows the distinct work items: far below one byte per repeated row.
    assert!(
        loaded.heap_bytes() < 64 * 1024,
        "{} heap bytes",
        loaded.heap_bytes()
    );

    let records = dir.path().join("r.csv");
    std::fs::write(&records, "k,e\nc1,a@x.com\n").unwrap();
    let out = dir.path().join("out");
    let report = match_into_dir(
        &zip_path,
        &records,
        &"key=k,email=e".parse().unwrap(),
        &DefaultRules,
        &out,
        &DirOptions::default(),
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&report.status_files[0]).unwrap(),
        "Id,Status\nAAAAAAAAAAA1,3\n"
    );
    assert_eq!(
        std::fs::read_to_string(&report.matches_file).unwrap(),
        "Id,ListType,Key,Status\nAAAAAAAAAAA1,Email,c1,3\n"
    );
    assert_eq!(
        report.warnings,
        [format!(
            "20261120_4821_Email.csv: Id AAAAAAAAAAA1 listed {REPEATS} times; answered once"
        )]
    );
    assert_eq!(report.summary.lists[0].work_items, 1);
    assert_eq!(report.summary.lists[0].repeated_rows, REPEATS as u64 - 1);
    assert_eq!(report.matched.len(), 1);
    assert_eq!(report.matched[0].matches.len(), 1);
}

/// dropkit-files' verdict on each row of a list: `Ok(id)` or the error's text.
fn verdicts(name: &str, bytes: &[u8]) -> Vec<Result<String, String>> {
    ListReader::new(name, bytes)
        .unwrap()
        .map(|r| r.map(|row| row.id.to_string()).map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn odd_list_rows_get_the_verdict_of_drop_files_reader() {
    let name = "20261120_4821_Email.csv";
    let mut bytes = b"ID,Hash\n".to_vec();
    let good = h("a@x.com").to_string();
    // A NUL inside the Id, a NUL inside the hash, bytes that are not UTF-8, and a clean row.
    bytes.extend_from_slice(format!("AAAAAA\0AAAA1,{good}\n").as_bytes());
    bytes.extend_from_slice(format!("AAAAAAAAAAA2,{}\0\n", &good[..43]).as_bytes());
    bytes.extend_from_slice(b"AAAAAAAAAA\xff3,");
    bytes.extend_from_slice(good.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(format!("AAAAAAAAAAA4,{good}\n").as_bytes());
    let expected = verdicts(name, &bytes);
    assert_eq!(expected.len(), 4);
    assert!(
        expected[2].is_err(),
        "not UTF-8 is refused: {:?}",
        expected[2]
    );

    let outcome = run(load(&[(name, bytes)]), "k,e\nc1,a@x.com\n");
    let answered: Vec<String> = outcome
        .statuses(ListType::Email)
        .map(|(id, _)| id.to_string())
        .collect();
    let problems: Vec<String> = outcome
        .list_problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    // Every row dropkit-files accepts is answered; every row it refuses is a list problem with
    // its very message (answered Not found only when its Id alone is readable).
    for verdict in &expected {
        match verdict {
            Ok(id) => assert!(answered.contains(id), "{id} not answered: {answered:?}"),
            Err(message) => assert!(problems.contains(message), "{message} not in {problems:?}"),
        }
    }
    assert_eq!(
        problems.len(),
        expected.iter().filter(|v| v.is_err()).count()
    );
    assert!(!answered.iter().any(|id| id.contains('\0')), "{answered:?}");
    assert_eq!(
        outcome.status_of(ListType::Email, "AAAAAAAAAAA4"),
        Some(Status::Deleted)
    );
    // The row whose NUL is in its hash has a readable Id: a work item, answered Not found
    // (as `validate --complete` and the ledger count it), not left out.
    assert_eq!(
        outcome.status_of(ListType::Email, "AAAAAAAAAAA2"),
        Some(Status::NotFound)
    );
    assert_eq!(answered.len(), 2, "{answered:?}");
}

/// Repeated Ids are found by sorting the Ids now and then while loading (the first check
/// after 65,536 rows, then at each doubling, then at the end): a repeat seen only at a later
/// check, or only at the end, or of an odd (non-Base62) Id, is answered exactly as one seen
/// at once, with the same statuses, warnings and matches by either hash.
#[test]
fn repeats_found_late_in_a_long_list_are_answered_once() {
    const ROWS: usize = 140_000;
    let id = |i: usize| format!("A{i:011}");
    let mut text = String::from("ID,Hash\n");
    for i in 0..ROWS {
        text.push_str(&format!("{},{}\n", id(i), h(&format!("u{i}@x.com"))));
        match i {
            // after the first check: a repeat of an early Id with another hash
            70_000 => text.push_str(&format!("{},{}\n", id(5), h("alias@x.com"))),
            // an odd Id, repeated just before the end
            100 => text.push_str(&format!("odd-id-1,{}\n", h("odd@x.com"))),
            139_998 => text.push_str(&format!("odd-id-1,{}\n", h("odd@x.com"))),
            _ => {}
        }
    }
    // a repeat of the last Id, in the last rows (the list is on the Id table by then)
    text.push_str(&format!(
        "{},{}\n",
        id(ROWS - 1),
        h(&format!("u{}@x.com", ROWS - 1))
    ));
    let lists = load(&[("20261120_4821_Email.csv", text.into_bytes())]);
    assert_eq!(lists.work_items(ListType::Email), ROWS + 1);
    let repeated: Vec<(String, u64, u64)> = lists
        .repeated_ids()
        .iter()
        .map(|r| (r.id.to_string(), r.times, r.hashes))
        .collect();
    assert_eq!(
        repeated,
        [
            (id(5), 2, 2),
            ("odd-id-1".to_owned(), 2, 1),
            (id(ROWS - 1), 2, 1),
        ]
    );
    let outcome = run(
        lists,
        "k,e\nc1,alias@x.com\nc2,u5@x.com\nc3,odd@x.com\nc4,u7@x.com\n",
    );
    assert_eq!(
        outcome.status_of(ListType::Email, &id(5)),
        Some(Status::OptedOut)
    );
    assert_eq!(
        outcome.status_of(ListType::Email, "odd-id-1"),
        Some(Status::Deleted)
    );
    assert_eq!(
        outcome.status_of(ListType::Email, &id(7)),
        Some(Status::Deleted)
    );
    assert_eq!(
        outcome.status_of(ListType::Email, &id(8)),
        Some(Status::NotFound)
    );
}

/// A long list of distinct Ids (past several checks) holds one entry a row, and a Removed
/// work item is still found by its Id among them.
#[test]
fn a_long_list_without_repeats_drops_its_removed_item() {
    const ROWS: usize = 200_000;
    let id = |i: usize| format!("B{i:011}");
    let mut text = String::from("ID,Hash\n");
    for i in 0..ROWS {
        text.push_str(&format!("{},{}\n", id(i), h(&format!("v{i}@x.com"))));
    }
    let removed = format!(
        "ID,Hash,ListType\n{},{},Email\n",
        id(150_001),
        h("v150001@x.com")
    );
    let lists = load(&[
        ("20261120_4821_Email.csv", text.into_bytes()),
        ("20261120_4821_Removed.csv", removed.into_bytes()),
    ]);
    assert_eq!(lists.work_items(ListType::Email), ROWS - 1);
    assert!(lists.repeated_ids().is_empty());
    assert!(lists.removed()[0].in_download);
    let outcome = run(lists, "k,e\nc1,v150001@x.com\nc2,v150002@x.com\n");
    assert_eq!(outcome.status_of(ListType::Email, &id(150_001)), None);
    assert_eq!(
        outcome.status_of(ListType::Email, &id(150_002)),
        Some(Status::Deleted)
    );
}

/// A list whose stored bytes were changed (a byte of a row) or that says it is shorter than it
/// is: the inflating thread's error stops loading, naming the file (through the thread reading
/// the rows), never a list quietly short of rows.
#[test]
fn a_corrupt_list_entry_stops_loading_with_the_files_name() {
    let mut text = String::from("ID,Hash\n");
    for i in 0..60_000 {
        let hash = h(&format!("u{i}@x.com"));
        text.push_str(&format!("A{i:011},{hash}\n"));
    }
    let name = "20261120_4821_Email.csv";
    let stored = |method| {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let load = |bytes: Vec<u8>| {
        let mut archive =
            DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(bytes)).unwrap();
        Lists::from_archive(&mut archive).map(|lists| lists.work_items(ListType::Email))
    };
    // The error and its sources, as the command prints them.
    let chain = |e: dropkit_match::Error| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    };
    assert_eq!(
        load(stored(zip::CompressionMethod::Stored)).unwrap(),
        60_000
    );
    assert_eq!(
        load(stored(zip::CompressionMethod::Deflated)).unwrap(),
        60_000
    );

    // A changed Id near the end, in the stored (uncompressed) data.
    let mut changed = stored(zip::CompressionMethod::Stored);
    let at = changed
        .windows(12)
        .position(|w| w == b"A00000059990")
        .unwrap();
    changed[at + 1] = b'B';
    let e = chain(load(changed).unwrap_err());
    assert!(
        e.contains(name) && e.contains("does not match its CRC-32"),
        "{e}"
    );

    // A declared size that ends mid-list (local and central headers).
    let mut short = stored(zip::CompressionMethod::Deflated);
    let declared = (text.len() as u32 / 2).to_le_bytes();
    for i in 0..short.len() - 4 {
        match &short[i..i + 4] {
            b"PK\x03\x04" => short[i + 22..i + 26].copy_from_slice(&declared),
            b"PK\x01\x02" => short[i + 24..i + 28].copy_from_slice(&declared),
            _ => {}
        }
    }
    let e = chain(load(short).unwrap_err());
    assert!(
        e.contains(name) && e.contains("inflates past its declared size"),
        "{e}"
    );
}
