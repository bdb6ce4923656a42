//! Standardize + hash throughput for emails, phones and NDZ rows, one core.
//!
//! Run with `cargo bench -p dropkit-hash --bench hashing`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dropkit_hash::{Field, Hasher};

const N: usize = 10_000;

fn emails() -> Vec<String> {
    (0..N)
        .map(|i| format!(" User.{i}.Name+tag@Example{}.COM", i % 97))
        .collect()
}

fn phones() -> Vec<String> {
    (0..N)
        .map(|i| format!("+1 (415) {:03}-{:04}", i % 1000, i % 10_000))
        .collect()
}

fn ndz_rows() -> Vec<[String; 4]> {
    (0..N)
        .map(|i| {
            [
                format!("Danielle{}", i % 500),
                format!("Johnson-{}", i % 700),
                format!("19{:02}-0{}-1{}", 40 + i % 60, 1 + i % 9, i % 10),
                format!("{:05}-1234", 10_000 + i % 89_999),
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("standardize_and_hash");
    g.throughput(Throughput::Elements(N as u64));
    let mut h = Hasher::new();

    let emails = emails();
    g.bench_function("email", |b| {
        b.iter(|| {
            for e in &emails {
                black_box(h.hash(Field::Email, e).ok());
            }
        })
    });
    let phones = phones();
    g.bench_function("phone", |b| {
        b.iter(|| {
            for p in &phones {
                black_box(h.hash(Field::Phone, p).ok());
            }
        })
    });
    let rows = ndz_rows();
    g.bench_function("ndz", |b| {
        b.iter(|| {
            for [f, l, d, z] in &rows {
                black_box(h.ndz(f, l, d, z).ok());
            }
        })
    });
    g.bench_function("sha256_only_single_block", |b| {
        b.iter(|| {
            for e in &emails {
                black_box(dropkit_hash::DropHash::of_standardized(e));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
