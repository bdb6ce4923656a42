//! The same records matched from CSV text (`Matcher::run`) and from Arrow record batches
//! (`Matcher::run_batches`), against the same Email and Phone lists.
//!
//! Run with `cargo bench -p dropkit-match --features arrow --bench arrow_vs_csv`; figures in
//! the crate README.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::ArrowError;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dropkit_files::{ListFileName, ListRow};
use dropkit_hash::{DropHash, Field, Hasher};
use dropkit_match::{DefaultRules, Lists, Mapping, Matcher};

const WORK_ITEMS: u64 = 100_000;
const RECORDS: u64 = 200_000;
/// Rows per record batch, as the Parquet reader makes them.
const BATCH_ROWS: u64 = 16 * 1024;

fn email(i: u64) -> String {
    format!("consumer.{i}@example{}.com", i % 50)
}

fn phone(i: u64) -> String {
    format!("+1 415 555 {:04}", i % 10_000)
}

fn lists() -> Lists {
    let mut h = Hasher::new();
    let mut b = Lists::builder();
    let name: ListFileName = "20261120_4821_Email.csv".parse().unwrap();
    b.list(
        name,
        (0..WORK_ITEMS).map(|i| {
            Ok(ListRow {
                id: format!("E{i:011}").parse().unwrap(),
                hash: DropHash::of_standardized(&email(i)),
                line: i + 2,
            })
        }),
    )
    .unwrap();
    let name: ListFileName = "20261120_4821_Phone.csv".parse().unwrap();
    let phones: Vec<DropHash> = (0..2_000)
        .map(|i| h.hash(Field::Phone, &phone(i * 5)).unwrap())
        .collect();
    b.list(
        name,
        phones.into_iter().enumerate().map(|(i, hash)| {
            Ok(ListRow {
                id: format!("P{i:011}").parse().unwrap(),
                hash,
                line: i as u64 + 2,
            })
        }),
    )
    .unwrap();
    b.build()
}

/// Record `r`: key, first name, last name, email, phone.
fn record(r: u64) -> [String; 5] {
    // one record in ten is on the list, in the case and spacing people type
    let e = if r.is_multiple_of(10) {
        format!(" {} ", email(r * 7 % WORK_ITEMS).to_uppercase())
    } else {
        format!("User.{r}@Mail{}.com", r % 100)
    };
    [
        format!("C{r:09}"),
        format!("Name{}", r % 1000),
        format!("Family{}", r % 5000),
        e,
        phone(r),
    ]
}

const HEADER: [&str; 5] = ["customer_id", "first_name", "last_name", "email", "phone"];

fn csv() -> String {
    let mut s = HEADER.join(",") + "\n";
    for r in 0..RECORDS {
        writeln!(s, "{}", record(r).join(",")).unwrap();
    }
    s
}

fn batches() -> Vec<RecordBatch> {
    (0..RECORDS.div_ceil(BATCH_ROWS))
        .map(|b| {
            let rows: Vec<[String; 5]> = (b * BATCH_ROWS..((b + 1) * BATCH_ROWS).min(RECORDS))
                .map(record)
                .collect();
            RecordBatch::try_from_iter((0..5).map(|c| {
                let col = StringArray::from_iter_values(rows.iter().map(|r| &r[c]));
                (HEADER[c], Arc::new(col) as ArrayRef)
            }))
            .unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let csv = csv();
    let batches = batches();
    let schema = batches[0].schema();
    let mapping: Mapping = "key=customer_id,email=email,phone=phone".parse().unwrap();
    let mut g = c.benchmark_group("records");
    g.throughput(Throughput::Elements(RECORDS));
    g.sample_size(10);
    g.bench_function("csv_200k_records_email_phone", |b| {
        b.iter_batched(
            lists,
            |lists| {
                let outcome = Matcher::new(lists)
                    .run(csv.as_bytes(), &mapping, &DefaultRules)
                    .unwrap();
                black_box(outcome.summary().records_read)
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("arrow_200k_records_email_phone", |b| {
        b.iter_batched(
            lists,
            |lists| {
                let outcome = Matcher::new(lists)
                    .run_batches(
                        &schema,
                        batches.iter().cloned().map(Ok::<_, ArrowError>),
                        &mapping,
                        &DefaultRules,
                    )
                    .unwrap();
                black_box(outcome.summary().records_read)
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
