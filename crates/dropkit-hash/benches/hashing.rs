//! Standardize + hash throughput for emails, phones and NDZ rows, one core.
//!
//! Run with `cargo bench -p dropkit-hash --bench hashing`. The `email_rule` group times the
//! email rule alone over the lines of `$DROPKIT_EMAILS` (for example
//! `/tmp/dropkit-bench/email-2000000.txt`, made by `bench/hash.sh`) or, without it, over
//! 200,000 emails shaped like the match benchmark's records (`dropkit-match`'s `gen_bench_data`
//! example: nine in ten bare, one in ten spaced around).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dropkit_hash::{Field, Hasher, standardize};

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

/// The emails of `$DROPKIT_EMAILS`, one a line, or 200,000 made up.
fn rule_emails() -> Vec<String> {
    if let Some(path) = std::env::var_os("DROPKIT_EMAILS") {
        let text = std::fs::read_to_string(&path).expect("DROPKIT_EMAILS is a readable text file");
        return text.lines().map(str::to_owned).collect();
    }
    (0..200_000)
        .map(|i| match i % 10 {
            0 => format!(" consumer.{}@example{}.com ", i * 7 % 1_000_000, i % 50),
            _ => format!("User.{i}@Mail{}.com", i % 97),
        })
        .collect()
}

fn bench_email_rule(c: &mut Criterion) {
    let emails = rule_emails();
    let mut g = c.benchmark_group("email_rule");
    g.throughput(Throughput::Elements(emails.len() as u64));
    let mut out = String::new();
    // As `dropkit hash` does: the buffer cleared for each value.
    g.bench_function("email_into", |b| {
        b.iter(|| {
            for e in &emails {
                out.clear();
                black_box(standardize::email_into(black_box(e), &mut out).is_ok());
            }
        })
    });
    // As `dropkit match` does: values appended one after another through the generic
    // dispatch, the buffer cleared every 4,096 values.
    g.bench_function("field_into_appending", |b| {
        b.iter(|| {
            for (i, e) in emails.iter().enumerate() {
                if i % 4096 == 0 {
                    out.clear();
                }
                black_box(standardize::field_into(Field::Email, black_box(e), &mut out).is_ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench, bench_email_rule);
criterion_main!(benches);
