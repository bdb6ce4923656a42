#![allow(clippy::unwrap_used)]
//! Reading a 1-million-row list CSV, and validating a 1-million-row response against a
//! download of 1 million work items. Peak memory is measured separately (see the README).

use std::hint::black_box;
use std::io::{Cursor, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dropkit_files::{
    DownloadArchive, DropHash, ListReader, Status, StatusWriter, Validator, WorkItemId,
};

const ROWS: u64 = 1_000_000;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn work_item(i: u64) -> WorkItemId {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0005_DEEC_E66D;
    let mut id = [0u8; 12];
    for c in &mut id {
        *c = BASE62[(x % 62) as usize];
        x /= 62;
    }
    let mut n = i;
    for c in id.iter_mut().rev().take(5) {
        *c = BASE62[(n % 62) as usize];
        n /= 62;
    }
    WorkItemId::new(std::str::from_utf8(&id).unwrap()).unwrap()
}

fn list_csv() -> Vec<u8> {
    let mut out = b"ID,Hash\r\n".to_vec();
    for i in 0..ROWS {
        let hash = DropHash::from_bytes([(i % 251) as u8; 32]);
        write!(out, "{},{}\r\n", work_item(i), hash).unwrap();
    }
    out
}

fn response_csv() -> Vec<u8> {
    let mut w = StatusWriter::new(Vec::new()).unwrap();
    for i in 0..ROWS {
        w.write(&work_item(i), Status::NotFound).unwrap();
    }
    w.finish().unwrap()
}

fn download(list: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "20261120_4821_Email.csv",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(list).unwrap();
    zip.finish().unwrap().into_inner()
}

fn benches(c: &mut Criterion) {
    let list = list_csv();
    let response = response_csv();
    let zip = download(&list);

    let mut group = c.benchmark_group("drop_files_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    group.bench_function("read_list_csv", |b| {
        b.iter(|| {
            let reader = ListReader::new("20261120_4821_Email.csv", black_box(&list[..])).unwrap();
            reader.map(Result::unwrap).count()
        });
    });
    group.bench_function("validate_response", |b| {
        b.iter(|| {
            let mut archive =
                DownloadArchive::new("20261120_4821_DROP.zip", Cursor::new(black_box(&zip[..])))
                    .unwrap();
            let mut v = Validator::from_archive(&mut archive).unwrap();
            v.check("20261120_4821_Email.csv", black_box(&response[..]));
            let report = v.report();
            assert!(report.is_valid() && report.is_complete());
            report
        });
    });
    group.finish();
}

criterion_group!(files, benches);
criterion_main!(files);
