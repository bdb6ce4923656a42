//! The join core: records streamed from memory through `Matcher::run` against an Email list.
//!
//! Run with `cargo bench -p dropkit-match --bench join`. The whole-command comparison with
//! Python is `benches/match_vs_python.sh` (see `docs/performance.md`).

#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dropkit_files::{ListFileName, ListRow};
use dropkit_hash::DropHash;
use dropkit_match::{DefaultRules, Lists, Mapping, Matcher};

const WORK_ITEMS: u64 = 100_000;
const RECORDS: u64 = 200_000;

fn email(i: u64) -> String {
    format!("consumer.{i}@example{}.com", i % 50)
}

fn lists() -> Lists {
    let name: ListFileName = "20261120_4821_Email.csv".parse().unwrap();
    let rows = (0..WORK_ITEMS).map(|i| {
        Ok(ListRow {
            id: format!("W{i:011}").parse().unwrap(),
            hash: DropHash::of_standardized(&email(i)),
            line: i + 2,
        })
    });
    let mut b = Lists::builder();
    b.list(name, rows).unwrap();
    b.build()
}

fn records() -> String {
    let mut s = String::from("customer_id,first_name,last_name,email,phone\n");
    for r in 0..RECORDS {
        // one record in ten is on the list, in the case and spacing people type
        let e = if r % 10 == 0 {
            format!(" {} ", email(r * 7 % WORK_ITEMS).to_uppercase())
        } else {
            format!("User.{r}@Mail{}.com", r % 100)
        };
        writeln!(
            s,
            "C{r:09},Name{},Family{},{e},+1 415 555 {:04}",
            r % 1000,
            r % 5000,
            r % 10_000
        )
        .unwrap();
    }
    s
}

fn bench(c: &mut Criterion) {
    let records = records();
    let mapping: Mapping = "key=customer_id,email=email".parse().unwrap();
    let mut g = c.benchmark_group("join");
    g.throughput(Throughput::Elements(RECORDS));
    g.sample_size(10);
    g.bench_function("email_200k_records_vs_100k_work_items", |b| {
        b.iter_batched(
            lists,
            |lists| {
                let outcome = Matcher::new(lists)
                    .run(records.as_bytes(), &mapping, &DefaultRules)
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
