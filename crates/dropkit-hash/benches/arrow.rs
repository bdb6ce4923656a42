//! Arrow arrays hashed whole (`dropkit_hash::arrow`) against a `Hasher` loop over the same
//! values, for an array below the parallel threshold (one thread) and one above (rayon).
//!
//! Run with `cargo bench -p dropkit-hash --features arrow --bench arrow`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use arrow_array::StringArray;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dropkit_hash::arrow::{OnInvalid, hash_array, hash_ndz};
use dropkit_hash::{Field, Hasher};

fn emails(n: usize) -> StringArray {
    StringArray::from_iter_values(
        (0..n).map(|i| format!(" User.{i}.Name+tag@Example{}.COM", i % 97)),
    )
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("arrow");
    for n in [20_000usize, 1_000_000] {
        let array = emails(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("hasher_loop_email_{n}"), |b| {
            let mut h = Hasher::new();
            let mut text = [0u8; dropkit_hash::BASE64_LEN];
            b.iter(|| {
                for v in array.iter().flatten() {
                    let hash = h.hash(Field::Email, v).unwrap();
                    black_box(hash.encode_base64(&mut text));
                }
            })
        });
        g.bench_function(format!("hash_array_email_{n}"), |b| {
            b.iter(|| black_box(hash_array(Field::Email, &array, OnInvalid::Null).unwrap()))
        });
    }
    let n = 200_000;
    let col = |f: &dyn Fn(usize) -> String| StringArray::from_iter_values((0..n).map(f));
    let first = col(&|i| format!("Danielle{}", i % 500));
    let last = col(&|i| format!("Johnson-{}", i % 700));
    let dob = col(&|i| format!("19{:02}-0{}-1{}", 40 + i % 60, 1 + i % 9, i % 10));
    let zip = col(&|i| format!("{:05}-1234", 10_000 + i % 89_999));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("hash_ndz_200000", |b| {
        b.iter(|| black_box(hash_ndz(&first, &last, &dob, &zip, OnInvalid::Null).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
