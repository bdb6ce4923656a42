//! A plain block's consumer keys are kept as spans of the block and copied only for the
//! records that match; the CSV reader's records (a block with a quote) copy every key. Both
//! must give the same matches (keys, in order) and the same problems, whatever the keys are.

#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Write};

use dropkit_files::DownloadArchive;
use dropkit_hash::DropHash;
use dropkit_match::{DefaultRules, Lists, Matcher};
use proptest::prelude::*;

const ITEMS: usize = 12;
const LONG: &str = "Someone.With.A.Very.Long.Name.Indeed.Really@Example.Example.com";

fn lists() -> Lists {
    let mut text = String::from("ID,Hash\r\n");
    for i in 0..ITEMS {
        let hash = DropHash::of_standardized(&format!("e{i}@x.com"));
        text.push_str(&format!("W{i:011},{hash}\r\n"));
    }
    // One email longer than a SHA-256 block (hashed by the standardized way on both paths),
    // and the longest one a plain block hashes from its text (55 bytes) and one past it.
    for (id, email) in [
        ("L00000000000", LONG.to_lowercase()),
        ("L00000000055", format!("{}@x.co", "a".repeat(50))),
        ("L00000000056", format!("{}@x.co", "a".repeat(51))),
    ] {
        let hash = DropHash::of_standardized(&email);
        text.push_str(&format!("{id},{hash}\r\n"));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "20260312_4821_Email.csv",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(text.as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let mut archive = DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes)).unwrap();
    Lists::from_archive(&mut archive).unwrap()
}

/// The matches (work item, key) in order, the problems and the counts of a run.
fn outcome(records: &[u8]) -> String {
    let o = Matcher::new(lists())
        .records_name("records.csv")
        .run(records, &"key=k,email=e".parse().unwrap(), &DefaultRules)
        .unwrap();
    let mut out = format!(
        "{} {} {}\n{:?}\n",
        o.summary().records_read,
        o.summary().problems,
        o.summary().bad_rows,
        o.problems()
    );
    for m in o.matches() {
        out += &format!("{} {:?}\n", m.id.as_str(), m.key);
    }
    out
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (0u32..40).prop_map(|k| format!("c{k}").into_bytes()),
        1 => Just(Vec::new()),
        1 => Just(b"  ".to_vec()),
        1 => Just(b" c1 ".to_vec()),
        1 => Just(b"c\xFF".to_vec()),
        1 => Just("cl\u{e9}".as_bytes().to_vec()),
    ]
}

fn email() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (0usize..ITEMS * 2).prop_map(|i| format!("E{i}@x.com ").into_bytes()),
        // Plain visible ASCII (hashed from a plain block's text, lowercased as hashed): with
        // and without capitals, whitespace around, 55 and 56 bytes around the one-block limit.
        2 => (0usize..ITEMS * 2).prop_map(|i| format!("e{i}@x.com").into_bytes()),
        2 => (0usize..ITEMS * 2).prop_map(|i| format!(" \te{i}@X.Com\t").into_bytes()),
        1 => Just(LONG.as_bytes().to_vec()),
        1 => Just(format!(" {} ", LONG.to_lowercase()).into_bytes()),
        1 => (55usize..57).prop_map(|n| format!("{}@X.co", "A".repeat(n - 5)).into_bytes()),
        1 => Just(b"e1 @x.com".to_vec()),
        1 => Just(Vec::new()),
        1 => Just(b"not an email".to_vec()),
        1 => Just(b"e1@x.com\xC3".to_vec()),
    ]
}

/// A record: key, email, a third field, and sometimes a field too many or too few.
fn record() -> impl Strategy<Value = Vec<u8>> {
    (key(), email(), "[a-z ]{0,6}", 0u8..12).prop_map(|(k, e, pad, shape)| {
        let mut r = Vec::new();
        r.extend_from_slice(&k);
        r.push(b',');
        r.extend_from_slice(&e);
        match shape {
            0 => {}
            1 => r.extend_from_slice(b",x,y"),
            2 => return Vec::new(),
            _ => {
                r.push(b',');
                r.extend_from_slice(pad.as_bytes());
            }
        }
        r
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Plain blocks (keys as spans, plain emails hashed from the block's text) and quoted ones
    /// (keys copied, emails standardized into a buffer) answer alike: keys blank, too short,
    /// not UTF-8 (the block then checked field by field), beside emails that match, do not,
    /// have capitals, whitespace around or inside, a block's length or more, or are not
    /// UTF-8; field-count errors, blank lines, CRLF, no final newline.
    #[test]
    fn plain_and_quoted_blocks_keep_the_same_keys(
        records in prop::collection::vec(record(), 0..60),
        crlf: bool,
        last_newline: bool,
    ) {
        let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut body = Vec::new();
        for (i, r) in records.iter().enumerate() {
            body.extend_from_slice(r);
            if i + 1 < records.len() || last_newline {
                body.extend_from_slice(sep);
            }
        }
        // The same header, its last name quoted: the block is read by the CSV reader.
        let mut plain = [b"k,e,pad".as_slice(), sep].concat();
        let mut quoted = [b"k,e,\"pad\"".as_slice(), sep].concat();
        plain.extend_from_slice(&body);
        quoted.extend_from_slice(&body);
        prop_assert_eq!(outcome(&plain), outcome(&quoted));
    }
}
