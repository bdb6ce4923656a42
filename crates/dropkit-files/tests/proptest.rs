#![allow(clippy::unwrap_used)]
//! Property tests: what is written reads back the same, and no parser panics on any input.

use std::io::{Cursor, Write};

use dropkit_files::{
    DownloadArchive, DropHash, ListFileName, ListReader, RemovedReader, Status, StatusReader,
    StatusWriter, WorkItemId, ZipFileName,
};
use proptest::prelude::*;

fn id() -> impl Strategy<Value = WorkItemId> {
    prop_oneof!["[A-Za-z0-9]{12}", "[0-9]{1,6}", "[^,\"\r\n]{1,30}",]
        .prop_filter_map("valid Id", |s| WorkItemId::new(&s))
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

proptest! {
    #[test]
    fn status_files_read_back_what_was_written(rows in prop::collection::vec((id(), status()), 0..200)) {
        let mut w = StatusWriter::new(Vec::new()).unwrap();
        for (id, s) in &rows {
            w.write(id, *s).unwrap();
        }
        let bytes = w.finish().unwrap();
        prop_assert!(bytes.starts_with(b"Id,Status\n"));
        let read: Vec<_> = StatusReader::new("f.csv", &bytes[..]).unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(read.len(), rows.len());
        for (i, (row, (id, s))) in read.iter().zip(&rows).enumerate() {
            prop_assert_eq!(&row.id, id);
            prop_assert_eq!(row.status, *s);
            prop_assert_eq!(row.line, i as u64 + 2);
        }
    }

    #[test]
    fn list_files_read_back_in_any_dialect(
        rows in prop::collection::vec((id(), any::<[u8; 32]>()), 0..200),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        header in prop::sample::select(vec!["ID,Hash", "Id,Hash", "id,hash", "ID,HASH"]),
        final_newline in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(header);
        for (id, hash) in &rows {
            text.push_str(nl);
            text.push_str(&format!("{id},{}", DropHash::from_bytes(*hash)));
        }
        if final_newline {
            text.push_str(nl);
        }
        let read: Vec<_> = ListReader::new("f.csv", text.as_bytes()).unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(read.len(), rows.len());
        for (i, (row, (id, hash))) in read.iter().zip(&rows).enumerate() {
            prop_assert_eq!(&row.id, id);
            prop_assert_eq!(row.hash.as_bytes(), hash);
            prop_assert_eq!(row.line, i as u64 + 2);
        }
    }

    #[test]
    fn names_round_trip(
        date in "[0-9]{8}",
        broker in "[0-9]{1,6}",
        data_type in prop::sample::select(vec!["NDZ", "Email", "EMAIL", "phone", "MAID", "NameVIN", "CTVID", "Removed"]),
        suffix in proptest::option::of("[A-Za-z0-9]{1,10}"),
    ) {
        let text = match &suffix {
            Some(s) => format!("{date}_{broker}_{data_type}_{s}.csv"),
            None => format!("{date}_{broker}_{data_type}.csv"),
        };
        let name: ListFileName = text.parse().unwrap();
        prop_assert_eq!(name.to_string(), text);
        prop_assert_eq!(name.suffix(), suffix.as_deref());
        let zip = format!("{date}_{broker}_DROP.zip");
        prop_assert_eq!(zip.parse::<ZipFileName>().unwrap().to_string(), zip);
    }

    #[test]
    fn readers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(r) = ListReader::new("f.csv", &bytes[..]) {
            r.for_each(drop);
        }
        if let Ok(r) = RemovedReader::new("f.csv", &bytes[..]) {
            r.for_each(drop);
        }
        if let Ok(r) = StatusReader::new("f.csv", &bytes[..]) {
            r.for_each(drop);
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = text.parse::<ListFileName>();
        let _ = text.parse::<ZipFileName>();
        let _ = text.parse::<Status>();
        let _ = DownloadArchive::new("a.zip", Cursor::new(bytes.clone()));
    }

    #[test]
    fn readers_never_panic_on_csv_like_text(text in "[IDdHhaSsTtuL,\"\r\n0-9A-Za-z+/=\u{feff} ]{0,300}") {
        if let Ok(r) = ListReader::new("f.csv", text.as_bytes()) {
            r.for_each(drop);
        }
        if let Ok(r) = RemovedReader::new("f.csv", text.as_bytes()) {
            r.for_each(drop);
        }
        if let Ok(r) = StatusReader::new("f.csv", text.as_bytes()) {
            r.for_each(drop);
        }
    }

    #[test]
    fn damaged_archives_are_errors_not_panics(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("20260312_4821_Email.csv", zip::write::SimpleFileOptions::default()).unwrap();
        let row = "A7kP2xQ9Lm4R,KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\n";
        w.write_all(format!("ID,Hash\n{}", row.repeat(20)).as_bytes()).unwrap();
        let mut bytes = w.finish().unwrap().into_inner();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Ok(mut archive) = DownloadArchive::new("a.zip", Cursor::new(bytes)) {
            for list in archive.list_types() {
                if let Ok(Some(r)) = archive.open_list(list) {
                    r.for_each(drop);
                }
            }
            if let Ok(mut a) = dropkit_files::Validator::from_archive(&mut archive) {
                a.check("20260312_4821_Email.csv", "Id,Status\nA7kP2xQ9Lm4R,2\n".as_bytes());
                let _ = a.report();
            }
        }
    }
}
