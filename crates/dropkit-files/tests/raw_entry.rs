#![allow(clippy::unwrap_used)]
//! An entry's stored bytes inflated apart from the archive: the same data as the archive's own
//! reader, and the same refusals (a size lie either way, a wrong CRC-32, an unknown method).

use std::io::{BufReader, Cursor, Read, Write};

use dropkit_files::{DataType, DownloadArchive, Inflater, ListType};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";
const EMAIL: DataType = DataType::List(ListType::Email);

fn zip_of(data: &[u8], method: CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    w.start_file("20260312_4821_Email.csv", options).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

fn archive(bytes: Vec<u8>) -> DownloadArchive<Cursor<Vec<u8>>> {
    DownloadArchive::new("20260312_4821_DROP.zip", Cursor::new(bytes)).unwrap()
}

/// The entry's stored bytes read whole, then inflated from a buffered reader of them (as a
/// caller on another thread would), in reads of `step` bytes.
fn inflated(bytes: Vec<u8>, step: usize) -> std::io::Result<Vec<u8>> {
    let mut archive = archive(bytes);
    let mut raw = archive.open_raw_entry(EMAIL).unwrap().unwrap();
    let check = raw.check();
    assert_eq!(check.file_name(), "20260312_4821_Email.csv");
    let mut stored = Vec::new();
    raw.read_to_end(&mut stored).unwrap();
    let mut inflater = Inflater::new(BufReader::with_capacity(7, &stored[..]), check);
    let mut out = Vec::new();
    let mut buf = vec![0u8; step];
    loop {
        match inflater.read(&mut buf)? {
            0 => return Ok(out),
            n => out.extend_from_slice(&buf[..n]),
        }
    }
}

fn list(rows: usize) -> Vec<u8> {
    let mut data = String::from("ID,Hash\n");
    for i in 0..rows {
        data.push_str(&format!("A7kP2xQ9L{:03},{H}\n", i % 1000));
    }
    data.into_bytes()
}

/// Writes `value` into every local header at `local` bytes from its signature and every
/// central header at `central`.
fn set_field(bytes: &mut [u8], (local, central): (usize, usize), value: &[u8]) {
    for i in 0..bytes.len().saturating_sub(4) {
        let at = match &bytes[i..i + 4] {
            b"PK\x03\x04" => i + local,
            b"PK\x01\x02" => i + central,
            _ => continue,
        };
        bytes[at..at + value.len()].copy_from_slice(value);
    }
}

/// Sets the uncompressed size in the local and central headers.
fn lie_about_size(bytes: &mut [u8], size: u32) {
    set_field(bytes, (22, 24), &size.to_le_bytes());
}

/// Sets the compression method in the local and central headers.
fn set_method(bytes: &mut [u8], method: u16) {
    set_field(bytes, (8, 10), &method.to_le_bytes());
}

#[test]
fn gives_the_archive_readers_data_deflated_or_stored_in_reads_of_any_size() {
    for rows in [0, 1, 5000] {
        let data = list(rows);
        for method in [CompressionMethod::Deflated, CompressionMethod::Stored] {
            let bytes = zip_of(&data, method);
            let mut own = Vec::new();
            archive(bytes.clone())
                .open_entry(EMAIL)
                .unwrap()
                .unwrap()
                .read_to_end(&mut own)
                .unwrap();
            assert_eq!(own, data);
            for step in [1, 13, 64 * 1024] {
                assert_eq!(
                    inflated(bytes.clone(), step).unwrap(),
                    data,
                    "{method:?} {step}"
                );
            }
        }
    }
    assert!(
        archive(zip_of(&list(1), CompressionMethod::Stored))
            .open_raw_entry(DataType::Removed)
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_changed_byte_fails_the_crc_check() {
    let data = list(50);
    let mut bytes = zip_of(&data, CompressionMethod::Stored);
    // The 9th row's Id, inside the stored data (found once: the rows differ).
    let at = bytes
        .windows(12)
        .position(|w| w == b"A7kP2xQ9L008")
        .unwrap();
    bytes[at] = b'B';
    let e = inflated(bytes, 4096).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        e.to_string(),
        "20260312_4821_Email.csv does not match its CRC-32 (corrupt or hostile archive)"
    );
}

#[test]
fn an_entry_longer_or_shorter_than_declared_is_refused() {
    let data = list(5000);
    let real = data.len() as u32;
    for (declared, says) in [
        (100, "inflates past its declared size"),
        (real + 1, "ends before its declared size"),
    ] {
        for method in [CompressionMethod::Deflated, CompressionMethod::Stored] {
            let mut bytes = zip_of(&data, method);
            lie_about_size(&mut bytes, declared);
            let e = inflated(bytes, 4096).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{method:?}");
            assert_eq!(
                e.to_string(),
                format!("20260312_4821_Email.csv {says} (corrupt or hostile archive)")
            );
        }
    }
}

#[test]
fn an_unknown_compression_method_is_refused_on_opening() {
    let mut bytes = zip_of(&list(3), CompressionMethod::Stored);
    set_method(&mut bytes, 12); // bzip2
    let e = archive(bytes).open_raw_entry(EMAIL).err().unwrap();
    assert!(
        e.to_string()
            .contains("20260312_4821_Email.csv is compressed with"),
        "{e}"
    );
}
