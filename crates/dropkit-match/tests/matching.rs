//! End-to-end behaviour of the matcher: ZIPs built in memory, records as CSV text.

#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Write};

use dropkit_files::{DownloadArchive, Status, StatusReader};
use dropkit_hash::{DropHash, ListType};
use dropkit_match::{DefaultRules, Error, Lists, Mapping, MatchOutcome, Matcher, ProblemKind};

fn h(standardized: &str) -> DropHash {
    DropHash::of_standardized(standardized)
}

/// A download ZIP with the given files (name, CSV text).
fn download(files: &[(&str, String)]) -> DownloadArchive<Cursor<Vec<u8>>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes)).unwrap()
}

fn run(files: &[(&str, String)], records: &str, mapping: &str) -> MatchOutcome {
    let lists = Lists::from_archive(&mut download(files)).unwrap();
    Matcher::new(lists)
        .records_name("records.csv")
        .run(records.as_bytes(), &mapping.parse().unwrap(), &DefaultRules)
        .unwrap()
}

fn list(rows: &[(&str, DropHash)]) -> String {
    let mut s = String::from("ID,Hash\r\n");
    for (id, hash) in rows {
        s.push_str(&format!("{id},{hash}\r\n"));
    }
    s
}

#[test]
fn every_list_type_matches_by_drops_rules() {
    // The spec's vectors (§7.1, §7.2): raw values in, the published hashes on the lists.
    let ndz: DropHash = "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
        .parse()
        .unwrap();
    let name_vin: DropHash = "rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk="
        .parse()
        .unwrap();
    let files = [
        (
            "20260312_4821_Email.csv",
            list(&[("EMAILxxxxxx1", h("anna.smith@domain.com"))]),
        ),
        (
            "20260312_4821_Phone.csv",
            list(&[("PHONExxxxxx1", h("4155559317"))]),
        ),
        (
            "20260312_4821_MAID.csv",
            list(&[("MAIDxxxxxxx1", h("a3f1c2d4567890abcdef1234567890ab"))]),
        ),
        (
            "20260312_4821_CTVID.csv",
            list(&[("CTVIDxxxxxx1", h("smarttv9f8e7d6c"))]),
        ),
        ("20260312_4821_NDZ.csv", list(&[("NDZxxxxxxxx1", ndz)])),
        (
            "20260312_4821_NameVIN.csv",
            list(&[("NAMEVINxxxx1", name_vin)]),
        ),
    ];
    let records = "\
id,mail,tel,maid,tv,first,last,dob,zip,vin
a,Anna.Smith@Domain.com,,,,,,,,
b,,+1(415)555-9317,,,,,,,
c,,,A3F1C2D4-5678-90AB-CDEF-1234567890AB,,,,,,
d,,,,SmartTV_9F8E7D6C,,,,,
e,,,,,Danielle,Johnson,1985-07-04,91790,
f,,,,,Eve,Genesis,,,1HGCM82633A004352
";
    let o = run(
        &files,
        records,
        "key=id,email=mail,phone=tel,maid=maid,ctvid=tv,first_name=first,last_name=last,dob=dob,zip=zip,vin=vin",
    );
    let got: Vec<(String, ListType, String, Status)> = o
        .matches()
        .map(|m| (m.id.to_string(), m.list_type, m.key.to_owned(), m.status))
        .collect();
    let want = [
        ("EMAILxxxxxx1", ListType::Email, "a"),
        ("PHONExxxxxx1", ListType::Phone, "b"),
        ("MAIDxxxxxxx1", ListType::Maid, "c"),
        ("CTVIDxxxxxx1", ListType::Ctvid, "d"),
        ("NDZxxxxxxxx1", ListType::Ndz, "e"),
        ("NAMEVINxxxx1", ListType::NameVin, "f"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(id, l, k)| (id.to_string(), *l, k.to_string(), Status::Deleted))
        .collect();
    assert_eq!(got, want);
    assert_eq!(o.summary().problems, 0);
    assert!(o.summary().unmatchable.is_empty());
}

#[test]
fn one_consumer_deleted_several_opted_out_same_key_twice_is_one() {
    let files = [(
        "20260312_4821_Email.csv",
        list(&[
            ("AAAAAAAAAAA1", h("one@x.com")),
            ("AAAAAAAAAAA2", h("shared@x.com")),
            ("AAAAAAAAAAA3", h("twice@x.com")),
            ("AAAAAAAAAAA4", h("none@x.com")),
        ]),
    )];
    let records = "k,e1,e2\nc1,one@x.com,\nc2,shared@x.com,\nc3,,SHARED@x.com\nc4,twice@x.com,\nc4,twice@x.com,twice@x.com\n";
    let o = run(&files, records, "key=k,email=e1,email=e2");
    let st = |id| o.status_of(ListType::Email, id).unwrap();
    assert_eq!(st("AAAAAAAAAAA1"), Status::Deleted);
    assert_eq!(st("AAAAAAAAAAA2"), Status::OptedOut);
    assert_eq!(st("AAAAAAAAAAA3"), Status::Deleted);
    assert_eq!(st("AAAAAAAAAAA4"), Status::NotFound);
    let rows: Vec<(String, &str)> = o.matches().map(|m| (m.id.to_string(), m.key)).collect();
    assert_eq!(
        rows,
        [
            ("AAAAAAAAAAA1".into(), "c1"),
            ("AAAAAAAAAAA2".into(), "c2"),
            ("AAAAAAAAAAA2".into(), "c3"),
            ("AAAAAAAAAAA3".into(), "c4"),
        ]
    );
    let s = &o.summary().lists[0];
    assert_eq!(
        (s.deleted, s.opted_out, s.not_found, s.match_rows),
        (2, 1, 1, 4)
    );
}

#[test]
fn exemption_rule_is_the_callers() {
    let files = [(
        "20260312_4821_Email.csv",
        list(&[
            ("AAAAAAAAAAA1", h("a@x.com")),
            ("AAAAAAAAAAA2", h("b@x.com")),
        ]),
    )];
    let lists = Lists::from_archive(&mut download(&files)).unwrap();
    let exempt = |_: ListType, key: &str| key == "hipaa";
    let o = Matcher::new(lists)
        .run(
            "k,e\nhipaa,a@x.com\nplain,b@x.com\n".as_bytes(),
            &"key=k,email=e".parse().unwrap(),
            &exempt,
        )
        .unwrap();
    assert_eq!(
        o.status_of(ListType::Email, "AAAAAAAAAAA1"),
        Some(Status::Exempted)
    );
    assert_eq!(
        o.status_of(ListType::Email, "AAAAAAAAAAA2"),
        Some(Status::Deleted)
    );
}

#[test]
fn broken_rows_are_counted_and_reported_with_line_and_column() {
    let files = [
        (
            "20260312_4821_Email.csv",
            list(&[("AAAAAAAAAAA1", h("ok@x.com"))]),
        ),
        (
            "20260312_4821_NDZ.csv",
            list(&[("AAAAAAAAAAA2", h("unused"))]),
        ),
    ];
    let mut records = b"k,e,first,last,dob,zip\n".to_vec();
    records.extend_from_slice(b"c1,ok@x.com,Ann,Lee,1985-13-01,91790\n"); // 2: bad date
    records.extend_from_slice(b"c2,\xff@x.com,,,,\n"); // 3: not UTF-8
    records.extend_from_slice(b"c3,a@x.com\n"); // 4: missing columns
    records.extend_from_slice(b",ok@x.com,,,,\n"); // 5: no key
    records.extend_from_slice(b"c5,   ,,,,\n"); // 6: blank email: not a problem
    records.extend_from_slice(b"c6,x@y.z,Ann,Lee,19850704,!!!\n"); // 7: zip standardizes to nothing
    let lists = Lists::from_archive(&mut download(&files)).unwrap();
    let o = Matcher::new(lists)
        .records_name("r.csv")
        .run(
            &records[..],
            &"key=k,email=e,first_name=first,last_name=last,dob=dob,zip=zip"
                .parse()
                .unwrap(),
            &DefaultRules,
        )
        .unwrap();
    let s = o.summary();
    assert_eq!((s.records_read, s.bad_rows, s.problems), (6, 5, 5));
    let lines: Vec<(u64, bool)> = o
        .problems()
        .iter()
        .map(|p| (p.line, p.kind.skips_row()))
        .collect();
    assert_eq!(
        lines,
        [(2, false), (3, false), (4, true), (5, true), (7, false)]
    );
    assert!(matches!(o.problems()[0].kind, ProblemKind::Standardize(_)));
    assert_eq!(
        o.problems()[1].to_string(),
        "r.csv:3: column \"e\" (email): the value is not UTF-8"
    );
    assert!(
        o.problems()[0]
            .to_string()
            .starts_with("r.csv:2: column \"dob\" (dob): ")
    );
    // the row with the bad date still matched by email
    assert_eq!(
        o.status_of(ListType::Email, "AAAAAAAAAAA1"),
        Some(Status::Deleted)
    );
    // a row without key matches nothing, even with a listed email: c1 is the only consumer
    assert_eq!(o.matches().count(), 1);

    // strict mode stops at the first one
    let lists = Lists::from_archive(&mut download(&files)).unwrap();
    let e = Matcher::new(lists)
        .strict(true)
        .records_name("r.csv")
        .run(
            &records[..],
            &"key=k,email=e,first_name=first,last_name=last,dob=dob,zip=zip"
                .parse()
                .unwrap(),
            &DefaultRules,
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Strict(m) if m.starts_with("r.csv:2:")),
        "{e}"
    );
}

#[test]
fn quoted_fields_crlf_bom_and_blank_lines() {
    let files = [(
        "20260312_4821_Email.csv",
        list(&[
            ("AAAAAAAAAAA1", h("a@x.com")),
            ("AAAAAAAAAAA2", h("b@x.com")),
        ]),
    )];
    let records = "\u{feff}k,note,e\r\n\"c,1\",\"multi\r\nline \"\"note\"\"\",a@x.com\r\n\r\nc2,,\"b@x.com\"\r\nc3,\"x\",bad\u{a0}@x\r\n";
    let o = run(&files, records, "key=k,email=e");
    let rows: Vec<(String, &str)> = o.matches().map(|m| (m.id.to_string(), m.key)).collect();
    assert_eq!(
        rows,
        [
            ("AAAAAAAAAAA1".into(), "c,1"),
            ("AAAAAAAAAAA2".into(), "c2")
        ]
    );
    assert_eq!(o.summary().records_read, 3);
    let mut csv = Vec::new();
    o.write_matches(&mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "Id,ListType,Key,Status\nAAAAAAAAAAA1,Email,\"c,1\",3\nAAAAAAAAAAA2,Email,c2,3\n"
    );
}

#[test]
fn problems_in_a_crlf_file_with_quoted_fields_name_the_line_an_editor_shows() {
    let files = [(
        "20260312_4821_Email.csv",
        list(&[("AAAAAAAAAAA1", h("b@x.com"))]),
    )];
    // Line 2 holds a field over two lines, line 5 is blank; the bad row is on line 6.
    let records =
        "k,note,e\r\n\"c1\",\"two\r\nlines\",a@x.com\r\nc2,,b@x.com\r\n\r\nc3,only two\r\n";
    let o = run(&files, records, "key=k,email=e");
    let lines: Vec<u64> = o.problems().iter().map(|p| p.line).collect();
    assert_eq!(lines, [6], "{:?}", o.problems());
    // The record read again for its fields starts at its own first byte.
    let rows: Vec<(String, &str)> = o.matches().map(|m| (m.id.to_string(), m.key)).collect();
    assert_eq!(rows, [("AAAAAAAAAAA1".into(), "c2")]);
}

#[test]
fn pre_hashed_columns_base64_or_hex() {
    let ndz: DropHash = "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA="
        .parse()
        .unwrap();
    let files = [
        (
            "20260312_4821_Email.csv",
            list(&[("AAAAAAAAAAA1", h("a@x.com"))]),
        ),
        ("20260312_4821_NDZ.csv", list(&[("AAAAAAAAAAA2", ndz)])),
    ];
    let hex: String = h("a@x.com")
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let records = format!("k,eh,nh\nc1,{hex},\nc2,,{ndz}\nc3,nothash,\n");
    let o = run(&files, &records, "key=k,email_hash=eh,ndz_hash=nh");
    assert_eq!(
        o.status_of(ListType::Email, "AAAAAAAAAAA1"),
        Some(Status::Deleted)
    );
    assert_eq!(
        o.status_of(ListType::Ndz, "AAAAAAAAAAA2"),
        Some(Status::Deleted)
    );
    assert!(matches!(o.problems()[0].kind, ProblemKind::NotAHash(_)));
    assert_eq!(o.problems()[0].line, 4);
}

#[test]
fn removed_work_items_are_dropped_and_reported() {
    let files = [
        (
            "20260312_4821_Email.csv",
            list(&[
                ("AAAAAAAAAAA1", h("a@x.com")),
                ("AAAAAAAAAAA2", h("b@x.com")),
            ]),
        ),
        (
            "20260312_4821_Removed.csv",
            format!(
                "ID,Hash,ListType\nAAAAAAAAAAA2,{},Email\nOLDOLDOLDOLD,{},Phone\n",
                h("b@x.com"),
                h("1")
            ),
        ),
    ];
    let o = run(&files, "k,e\nc1,a@x.com\nc2,b@x.com\n", "key=k,email=e");
    let ids: Vec<String> = o
        .statuses(ListType::Email)
        .map(|(id, _)| id.to_string())
        .collect();
    assert_eq!(ids, ["AAAAAAAAAAA1"]);
    assert_eq!(o.matches().count(), 1);
    let removed: Vec<(&str, bool)> = o
        .removed()
        .iter()
        .map(|r| (r.id.as_str(), r.in_download))
        .collect();
    assert_eq!(removed, [("AAAAAAAAAAA2", true), ("OLDOLDOLDOLD", false)]);
    assert_eq!(o.summary().lists[0].removed, 1);
    assert_eq!(o.summary().removed, 2);
}

#[test]
fn status_files_are_named_split_and_complete() {
    let rows: Vec<(String, DropHash)> = (0..7)
        .map(|i| (format!("AAAAAAAAAA{i:02}"), h(&format!("{i}@x.com"))))
        .collect();
    let refs: Vec<(&str, DropHash)> = rows.iter().map(|(i, h)| (i.as_str(), *h)).collect();
    let files = [
        ("20260312_4821_Email.csv", list(&refs)),
        ("20260312_4821_Phone.csv", list(&[])), // header only: no file
    ];
    let o = run(&files, "k,e\nc,3@x.com\n", "key=k,email=e");
    let dir = tempfile::tempdir().unwrap();
    let written = o.write_status_files(dir.path().join("new"), 3).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "20260312_4821_Email.csv",
            "20260312_4821_Email_part02.csv",
            "20260312_4821_Email_part03.csv"
        ]
    );
    let mut all = Vec::new();
    for p in &written {
        let text = std::fs::read(p).unwrap();
        for row in StatusReader::new(p.display().to_string(), &text[..]).unwrap() {
            let row = row.unwrap();
            all.push((row.id.to_string(), row.status));
        }
    }
    let want: Vec<(String, Status)> = (0..7)
        .map(|i| {
            let s = if i == 3 {
                Status::Deleted
            } else {
                Status::NotFound
            };
            (format!("AAAAAAAAAA{i:02}"), s)
        })
        .collect();
    assert_eq!(all, want);
    // never overwritten
    assert!(matches!(
        o.write_status_files(dir.path().join("new"), 3),
        Err(Error::Files(_))
    ));
    assert!(matches!(
        o.write_status_files(dir.path(), 0),
        Err(Error::MaxRows)
    ));
}

#[test]
fn mapping_errors_stop_the_run_and_unmatchable_lists_are_flagged() {
    let files = [
        (
            "20260312_4821_Email.csv",
            list(&[("AAAAAAAAAAA1", h("a@x.com"))]),
        ),
        ("20260312_4821_NDZ.csv", list(&[("AAAAAAAAAAA2", h("x"))])),
    ];
    let lists = Lists::from_archive(&mut download(&files)).unwrap();
    let e = Matcher::new(lists)
        .run(
            "k,e\n".as_bytes(),
            &"key=k,email=mail".parse::<Mapping>().unwrap(),
            &DefaultRules,
        )
        .unwrap_err();
    assert!(e.to_string().contains("no column \"mail\""), "{e}");
    let lists = Lists::from_archive(&mut download(&files)).unwrap();
    let e = Matcher::new(lists)
        .run(
            "".as_bytes(),
            &"key=k".parse::<Mapping>().unwrap(),
            &DefaultRules,
        )
        .unwrap_err();
    assert!(matches!(e, Error::NoHeader { .. }));
    let o = run(&files, "k,e\nc,a@x.com\n", "key=k,email=e");
    assert_eq!(o.summary().unmatchable, [ListType::Ndz]);
    assert!(
        o.summary()
            .to_string()
            .contains("cannot match the NDZ list")
    );
}

#[test]
fn bad_list_rows_are_reported_and_answered_not_found() {
    let text = format!(
        "ID,Hash\nAAAAAAAAAAA1,{}\nAAAAAAAAAAA2,nothash\n,{}\n",
        h("a@x.com"),
        h("b@x.com")
    );
    let o = run(
        &[("20260312_4821_Email.csv", text)],
        "k,e\nc,a@x.com\n",
        "key=k,email=e",
    );
    assert_eq!(o.list_problems().len(), 2);
    let st: Vec<(String, Status)> = o
        .statuses(ListType::Email)
        .map(|(i, s)| (i.to_string(), s))
        .collect();
    assert_eq!(
        st,
        [
            ("AAAAAAAAAAA1".into(), Status::Deleted),
            ("AAAAAAAAAAA2".into(), Status::NotFound)
        ]
    );
}

#[test]
fn many_blocks_give_the_same_answer_as_one() {
    // More records than one block holds, with quoted rows spread through.
    let n = 60_000u64;
    let files = [(
        "20260312_4821_Email.csv",
        list(
            &(0..1000u64)
                .map(|i| (format!("W{i:011}"), h(&format!("c{}@x.com", i * 37))))
                .collect::<Vec<_>>()
                .iter()
                .map(|(a, b)| (a.as_str(), *b))
                .collect::<Vec<_>>(),
        ),
    )];
    let mut records = String::from("k,e,pad\n");
    for r in 0..n {
        if r % 997 == 0 {
            records.push_str(&format!("\"k\n{r}\",c{r}@x.com,\"a,b\"\n"));
        } else {
            records.push_str(&format!(
                "k{r},c{r}@x.com,{}\n",
                "x".repeat((r % 40) as usize)
            ));
        }
    }
    let o = run(&files, &records, "key=k,email=e");
    assert_eq!(o.summary().records_read, n);
    assert_eq!(o.summary().problems, 0);
    let matched = o.matches().count() as u64;
    assert_eq!(matched, (0..1000u64).filter(|i| i * 37 < n).count() as u64);
}
