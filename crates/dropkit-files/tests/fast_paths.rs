#![allow(clippy::unwrap_used)]
//! The validator's fast paths (plain rows read in place, Ids checked at their expected
//! position first, the download inflated on another thread) give the report the general
//! reader gives. Quoting every field sends every row through the general reader (a quoted
//! file reads the same), so the report of a plain file must equal the report of its quoted
//! twin, whatever the order, repeats, gaps and mistakes.

use std::io::{Cursor, Write};

use dropkit_files::{DownloadArchive, DropHash, Report, Validator};
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn id(i: u32) -> String {
    let mut x = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..12)
        .map(|_| {
            let c = BASE62[(x % 62) as usize] as char;
            x /= 62;
            c
        })
        .collect()
}

fn hash(i: u32) -> String {
    DropHash::of_standardized(&format!("u{i}@example.com")).to_string()
}

/// One line of a file: its fields, or an irregular raw line (not quoted in the twin).
#[derive(Debug, Clone)]
enum Line {
    Fields(Vec<String>),
    Raw(String),
}

fn render(header: &str, lines: &[Line], quoted: bool, crlf: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut out = format!("{header}{nl}");
    for line in lines {
        match line {
            Line::Fields(f) if quoted => {
                let q: Vec<String> = f.iter().map(|v| format!("\"{v}\"")).collect();
                out.push_str(&q.join(","));
            }
            Line::Fields(f) => out.push_str(&f.join(",")),
            Line::Raw(r) => out.push_str(r),
        }
        out.push_str(nl);
    }
    out.into_bytes()
}

fn archive(email: &[u8], phone: &[u8], removed: &[u8]) -> DownloadArchive<Cursor<Vec<u8>>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in [
        ("20261120_4821_Email.csv", email),
        ("20261120_4821_Phone.csv", phone),
        ("20261120_4821_Removed.csv", removed),
    ] {
        w.start_file(name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(bytes)).unwrap()
}

struct Case {
    email: Vec<Line>,
    phone: Vec<Line>,
    removed: Vec<Line>,
    response: Vec<Line>,
    crlf: bool,
}

fn report(case: &Case, quoted: bool) -> Report {
    let mut download = archive(
        &render("ID,Hash", &case.email, quoted, case.crlf),
        &render("ID,Hash", &case.phone, quoted, !case.crlf),
        &render("ID,Hash,ListType", &case.removed, quoted, case.crlf),
    );
    let mut v = Validator::from_archive(&mut download).unwrap();
    let body = render("Id,Status", &case.response, quoted, case.crlf);
    v.check("20261120_4821_Email.csv", &body[..]);
    v.report()
}

fn list_line(i: u32, kind: u8) -> Line {
    let f = |a: String, b: String| Line::Fields(vec![a, b]);
    match kind {
        0 => f("680".into(), hash(i)),
        1 => f(id(i), hash(i)[..43].to_string()),
        2 => f(id(i), format!("{}B=", &hash(i)[..42])),
        3 => Line::Raw(String::new()),
        _ => f(id(i), hash(i)),
    }
}

fn response_line(i: u32, kind: u8) -> Line {
    let f = |a: String, b: &str| Line::Fields(vec![a, b.into()]);
    match kind {
        0 => f(id(i), "7"),
        1 => f("680".into(), "5"),
        2 => Line::Raw(String::new()),
        3 => f(id(i + 1_000_000), "3"),
        _ => f(id(i), ["2", "3", "4", "5"][(i % 4) as usize]),
    }
}

fn same_report(case: &Case) {
    let plain = report(case, false);
    let quoted = report(case, true);
    assert_eq!(plain, quoted);
}

#[test]
fn a_large_download_and_response_across_buffers_and_chunks() {
    // 40,000 rows: over a megabyte, so over several read buffers and inflated chunks.
    let n = 40_000u32;
    let mut email: Vec<Line> = (0..n).map(|i| list_line(i, 9)).collect();
    email[17] = list_line(5, 9); // a repeat
    email[30_000] = list_line(30_000, 2);
    email[39_999] = list_line(0, 0);
    let phone: Vec<Line> = (n..n + 10).map(|i| list_line(i, 9)).collect();
    let removed = vec![Line::Fields(vec![id(7), hash(7), "Email".into()])];
    let mut response: Vec<Line> = (0..n).map(|i| response_line(i, 9)).collect();
    response.swap(100, 20_000);
    response[25_000] = response_line(n + 1, 9); // Phone's
    response[25_001] = response_line(25_000, 0);
    response.push(response_line(3, 9)); // answered twice
    response.push(response_line(0, 3));
    let case = Case {
        email,
        phone,
        removed,
        response,
        crlf: true,
    };
    let plain = report(&case, false);
    assert_eq!(plain.lists[0].work_items, u64::from(n) - 2 - 1 + 1);
    assert!(!plain.is_valid());
    same_report(&case);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn plain_rows_read_as_quoted_ones(
        email in prop::collection::vec((0u32..60, 0u8..12), 0..80),
        phone in prop::collection::vec((40u32..70, 0u8..12), 0..10),
        removed in prop::collection::vec(0u32..80, 0..5),
        response in prop::collection::vec((0u32..90, 0u8..12), 0..120),
        in_order in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let mut response: Vec<(u32, u8)> = response;
        if in_order {
            response.sort_by_key(|&(i, _)| i);
        }
        let case = Case {
            email: email.iter().map(|&(i, k)| list_line(i, k)).collect(),
            phone: phone.iter().map(|&(i, k)| list_line(i, k)).collect(),
            removed: removed
                .iter()
                .map(|&i| Line::Fields(vec![id(i), hash(i), if i % 2 == 0 { "Email" } else { "Phone" }.into()]))
                .collect(),
            response: response.iter().map(|&(i, k)| response_line(i, k)).collect(),
            crlf,
        };
        same_report(&case);
    }
}
