//! The lists of a download loaded by [`Lists::from_archive`] (plain rows straight from the
//! reader, the digest table built while loading and beside the last check) against the same
//! rows given one by one to [`ListsBuilder::list`] (the plain path, table built at the end).

use std::io::{Cursor, Write};

use dropkit_files::{DownloadArchive, ListReader, RemovedReader};
use dropkit_hash::{DropHash, ListType};
use proptest::prelude::*;

use super::Lists;

const LIST: &str = "20261120_4821_Email.csv";

/// Everything a run reads of the lists: per work item its Id, per digest the work items it
/// matches, and the problems, repeats and Removed items.
fn seen(lists: &Lists, digests: &[[u8; 32]]) -> String {
    let mut out = format!(
        "{:?}\n{:?}\n{:?}\n",
        lists.problems(),
        lists.repeated_ids(),
        lists.removed()
    );
    for data in &lists.lists {
        out += &format!("{} {} {}\n", data.len(), data.rows_read, data.removed);
        for e in 0..data.len() as u32 {
            out += data.id_str(e);
            out.push(' ');
        }
        for d in digests {
            let mut hits = Vec::new();
            if let Some(first) = data.find(d) {
                data.with_dups(first, |e| hits.push(e));
            }
            out += &format!("\n{hits:?}");
        }
    }
    out
}

fn zip(list: &str, removed: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file(LIST, options).unwrap();
    zip.write_all(list.as_bytes()).unwrap();
    if !removed.is_empty() {
        zip.start_file("20261120_4821_Removed.csv", options)
            .unwrap();
        zip.write_all(removed.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

proptest! {
    /// Same lists both ways, whatever the rows: plain ones, repeated Ids (with the same or
    /// another hash), shared hashes, Ids that are not canonical, bad hashes, blank lines,
    /// Removed work items; lists long enough for the checks at each doubling.
    #[test]
    fn from_archive_loads_what_the_rows_one_by_one_give(
        rows in proptest::collection::vec((0u16..40, 0u8..40, 0u8..20, 0u8..12), 0..300),
        removed in proptest::collection::vec(0u16..340, 0..4),
    ) {
        let id = |i: u16| format!("A7kP2xQ9L{i:03}");
        let digests: Vec<[u8; 32]> =
            (0..40u8).map(|h| *DropHash::of_standardized(&h.to_string()).as_bytes()).collect();
        let text = |h: u8| DropHash::from(digests[usize::from(h)]).to_string();
        let mut list = String::from("ID,Hash\r\n");
        for (n, &(i, h, kind, pool)) in rows.iter().enumerate() {
            // Mostly an Id of its own (a list without a repeat), now and then one of 40.
            let i = if pool == 0 { i } else { 40 + n as u16 };
            let row = match kind {
                0 => format!("68{i},{}", text(h)),
                1 => format!("{},{}", id(i), &text(h)[1..]),
                2 => String::new(),
                3 => format!("{}\n{},{}", id(i), id(i), text(h)),
                _ => format!("{},{}", id(i), text(h)),
            };
            list += &row;
            list += if i % 3 == 0 { "\n" } else { "\r\n" };
        }
        let mut removed_csv = String::new();
        if !removed.is_empty() {
            removed_csv += "ID,Hash,ListType\n";
            for &i in &removed {
                removed_csv += &format!("{},{},Email\n", id(i), text(0));
            }
        }
        let bytes = zip(&list, &removed_csv);
        let mut archive = DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(bytes)).unwrap();
        let fast = Lists::from_archive(&mut archive).unwrap();

        let mut builder = Lists::builder();
        if !removed_csv.is_empty() {
            let name = "20261120_4821_Removed.csv";
            builder.removed(RemovedReader::new(name, removed_csv.as_bytes()).unwrap()).unwrap();
        }
        let rows = ListReader::new(LIST, list.as_bytes()).unwrap();
        builder.list(LIST.parse().unwrap(), rows).unwrap();
        let plain = builder.build();

        let mut probes = digests.clone();
        probes.push([7; 32]);
        prop_assert_eq!(fast.work_items(ListType::Email), plain.work_items(ListType::Email));
        prop_assert_eq!(seen(&fast, &probes), seen(&plain, &probes));
    }
}
