//! Composite lines (`dropkit hash ndz`): splitting and hashing one line at a time on one core,
//! against the CSV reader per line it replaced, and the whole parallel pipeline.
//!
//! Run with `cargo bench -p dropkit-hash --bench pipeline`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dropkit_hash::pipeline::{LineHasher, LineKind, Options, hash_lines};

const N: usize = 10_000;

/// NDZ lines as a broker exports them; every 10th has a quoted name holding a comma.
fn ndz_lines() -> Vec<String> {
    (0..N)
        .map(|i| {
            let first = if i % 10 == 0 {
                format!("\"Danielle, Jr{}\"", i % 500)
            } else {
                format!("Danielle{}", i % 500)
            };
            format!(
                "{first},Johnson-{},19{:02}-0{}-1{},{:05}-1234",
                i % 700,
                40 + i % 60,
                1 + i % 9,
                i % 10,
                10_000 + i % 89_999
            )
        })
        .collect()
}

/// The fields as a new CSV reader per line gave them (what `dropkit hash ndz` did before).
fn csv_reader_fields(line: &str) -> Option<[String; 4]> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) if record.len() == 4 => Some(std::array::from_fn(|i| record[i].to_owned())),
        _ => None,
    }
}

fn bench(c: &mut Criterion) {
    let lines = ndz_lines();
    let mut g = c.benchmark_group("ndz_line");
    g.throughput(Throughput::Elements(N as u64));

    let mut h = LineHasher::new(LineKind::Ndz);
    g.bench_function("split_and_hash", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(h.hash_line(line).ok());
            }
        })
    });
    let mut h = dropkit_hash::Hasher::new();
    g.bench_function("csv_reader_per_line_and_hash", |b| {
        b.iter(|| {
            for line in &lines {
                if let Some([f, l, d, z]) = csv_reader_fields(line) {
                    black_box(h.ndz(&f, &l, &d, &z).ok());
                }
            }
        })
    });
    g.finish();

    // The whole pipeline, on every core of the rayon pool, from memory to memory.
    let input: Vec<u8> = lines
        .iter()
        .flat_map(|l| [l.as_bytes(), b"\n"])
        .flatten()
        .copied()
        .collect();
    let mut output = Vec::with_capacity(input.len() * 3);
    let mut g = c.benchmark_group("hash_lines");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("ndz", |b| {
        b.iter(|| {
            output.clear();
            let options = Options::new().block_bytes(64 * 1024);
            black_box(hash_lines(LineKind::Ndz, &input[..], &mut output, &options).ok());
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
