//! Property: whatever the lists, records, Removed rows and split size, every work item of every
//! list (Removed ones excepted) appears in exactly one status file, exactly once, with the
//! status the rules give for the consumers that matched it.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use dropkit_files::{ListFileName, ListRow, RemovedRow, Status, StatusReader};
use dropkit_hash::{DropHash, ListType};
use dropkit_match::{DefaultRules, Lists, Matcher};
use proptest::prelude::*;

fn email(n: u8) -> String {
    format!("user{n}@x.com")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_work_item_gets_exactly_one_status(
        // work item i of the Email list carries email number list_emails[i] (repeats allowed)
        list_emails in prop::collection::vec(0u8..30, 0..40),
        phones in prop::collection::vec(0u8..30, 0..10),
        // records: (consumer key number, email number)
        records in prop::collection::vec((0u8..8, 0u8..40), 0..60),
        removed in prop::collection::btree_set(0usize..40, 0..5),
        max_rows in 1usize..10,
    ) {
        let email_name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
        let phone_name: ListFileName = "20260312_4821_Phone.csv".parse().unwrap();
        let email_ids: Vec<String> = (0..list_emails.len()).map(|i| format!("E{i:011}")).collect();
        let mut b = Lists::builder();
        b.removed(removed.iter().filter(|&&i| i < email_ids.len()).map(|&i| {
            Ok(RemovedRow {
                id: email_ids[i].parse().unwrap(),
                hash: DropHash::of_standardized(&email(list_emails[i])),
                list_type: ListType::Email,
                line: 2,
            })
        }))
        .unwrap();
        b.list(email_name, list_emails.iter().enumerate().map(|(i, &e)| {
            Ok(ListRow {
                id: email_ids[i].parse().unwrap(),
                hash: DropHash::of_standardized(&email(e)),
                line: i as u64 + 2,
            })
        }))
        .unwrap();
        b.list(phone_name, phones.iter().enumerate().map(|(i, &p)| {
            Ok(ListRow {
                id: format!("P{i:011}").parse().unwrap(),
                hash: DropHash::of_standardized(&format!("{p}")),
                line: i as u64 + 2,
            })
        }))
        .unwrap();
        let lists = b.build();

        let mut csv = String::from("key,email\n");
        for (k, e) in &records {
            csv.push_str(&format!("c{k},{}\n", email(*e).to_uppercase()));
        }
        let outcome = Matcher::new(lists)
            .run(csv.as_bytes(), &"key=key,email=email".parse().unwrap(), &DefaultRules)
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let written = outcome.write_status_files(dir.path(), max_rows).unwrap();
        let mut seen: BTreeMap<String, Status> = BTreeMap::new();
        for path in &written {
            let text = std::fs::read(path).unwrap();
            let rows: Vec<_> = StatusReader::new("f", &text[..]).unwrap().map(Result::unwrap).collect();
            prop_assert!(rows.len() <= max_rows && !rows.is_empty());
            for row in rows {
                prop_assert!(seen.insert(row.id.to_string(), row.status).is_none(), "{} twice", row.id);
            }
        }

        // exactly the work items not removed
        let mut expected: BTreeMap<String, Status> = BTreeMap::new();
        for (i, &e) in list_emails.iter().enumerate() {
            if removed.contains(&i) {
                continue;
            }
            let consumers: BTreeSet<u8> =
                records.iter().filter(|(_, r)| *r == e).map(|(k, _)| *k).collect();
            let status = match consumers.len() {
                0 => Status::NotFound,
                1 => Status::Deleted,
                _ => Status::OptedOut,
            };
            expected.insert(email_ids[i].clone(), status);
        }
        for i in 0..phones.len() {
            expected.insert(format!("P{i:011}"), Status::NotFound);
        }
        prop_assert_eq!(seen, expected);
        prop_assert_eq!(outcome.summary().records_read, records.len() as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With Ids listed several times (with the same or other hashes), every distinct Id is
    /// answered exactly once, matched by any hash it was listed with, and every repeat is
    /// reported with its count.
    #[test]
    fn repeated_ids_are_answered_once_by_any_of_their_hashes(
        // (work item number, email number) per list row
        rows in prop::collection::vec((0u8..10, 0u8..12), 0..40),
        records in prop::collection::vec((0u8..6, 0u8..12), 0..30),
        max_rows in 1usize..6,
    ) {
        let name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
        let id = |n: u8| format!("R{n:011}");
        let mut b = Lists::builder();
        b.list(name, rows.iter().enumerate().map(|(i, &(n, e))| {
            Ok(ListRow {
                id: id(n).parse().unwrap(),
                hash: DropHash::of_standardized(&email(e)),
                line: i as u64 + 2,
            })
        }))
        .unwrap();
        let lists = b.build();
        let mut csv = String::from("key,email\n");
        for (k, e) in &records {
            csv.push_str(&format!("c{k},{}\n", email(*e)));
        }
        let outcome = Matcher::new(lists)
            .run(csv.as_bytes(), &"key=key,email=email".parse().unwrap(), &DefaultRules)
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let mut seen: BTreeMap<String, Status> = BTreeMap::new();
        for path in outcome.write_status_files(dir.path(), max_rows).unwrap() {
            let text = std::fs::read(path).unwrap();
            for row in StatusReader::new("f", &text[..]).unwrap() {
                let row = row.unwrap();
                prop_assert!(seen.insert(row.id.to_string(), row.status).is_none(), "{} twice", row.id);
            }
        }

        let mut hashes: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
        let mut times: BTreeMap<u8, u64> = BTreeMap::new();
        for &(n, e) in &rows {
            hashes.entry(n).or_default().insert(e);
            *times.entry(n).or_default() += 1;
        }
        let mut expected: BTreeMap<String, Status> = BTreeMap::new();
        for (n, emails) in &hashes {
            let consumers: BTreeSet<u8> = records
                .iter()
                .filter(|(_, e)| emails.contains(e))
                .map(|(k, _)| *k)
                .collect();
            let status = match consumers.len() {
                0 => Status::NotFound,
                1 => Status::Deleted,
                _ => Status::OptedOut,
            };
            expected.insert(id(*n), status);
        }
        prop_assert_eq!(seen, expected);

        let reported: BTreeMap<String, (u64, u64)> = outcome
            .repeated_ids()
            .iter()
            .map(|r| (r.id.to_string(), (r.times, r.hashes)))
            .collect();
        let expected: BTreeMap<String, (u64, u64)> = times
            .iter()
            .filter(|(_, t)| **t > 1)
            .map(|(n, t)| (id(*n), (*t, hashes[n].len() as u64)))
            .collect();
        prop_assert_eq!(reported, expected);
        // The match report has one row per work item and distinct consumer.
        let mut pairs = BTreeSet::new();
        for m in outcome.matches() {
            prop_assert!(pairs.insert((m.id.to_string(), m.key.to_owned())), "row twice");
        }
    }
}
