//! Benchmarks of the ledger (docs/performance.md, "Ledger"), on data from dropkit-match's
//! `gen_bench_data` example.
//!
//! ```sh
//! cargo run --release -p dropkit-match --example gen_bench_data -- /tmp/ledger-bench 10000000 1000000
//! cargo build --release -p dropkit-ledger --example ledger_bench
//! # record a download of 1M work items into a new ledger: time, file size, bytes per item
//! target/release/examples/ledger_bench record /tmp/ledger-bench/20261120_4821_DROP.zip /tmp/ledger-bench/ledger.sqlite
//! # screen 10M records against the ledger's 1M active items (what `dropkit screen` runs)
//! /usr/bin/time -v target/release/examples/ledger_bench screen /tmp/ledger-bench/ledger.sqlite \
//!     /tmp/ledger-bench/records.csv key=customer_id,email=email /tmp/ledger-bench/screen.csv
//! ```
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["record", zip, ledger] => {
            let _ = std::fs::remove_file(ledger);
            let _ = std::fs::remove_file(format!("{ledger}-wal"));
            let _ = std::fs::remove_file(format!("{ledger}-shm"));
            let mut l = dropkit_ledger::Ledger::open(ledger)?;
            let start = Instant::now();
            let summary = l.record_download(Path::new(zip), time::OffsetDateTime::now_utc())?;
            let elapsed = start.elapsed();
            drop(l);
            let items = summary.work_items();
            let bytes = std::fs::metadata(ledger)?.len();
            println!(
                "recorded {items} work items in {:.3} s; ledger {bytes} bytes, {:.1} bytes per work item",
                elapsed.as_secs_f64(),
                bytes as f64 / items as f64
            );
        }
        ["screen", ledger, records, map, out] => {
            let start = Instant::now();
            let l = dropkit_ledger::Ledger::open_existing(ledger)?;
            let mapping: dropkit_match::Mapping = map.parse()?;
            let s = l.screen(Path::new(records), &mapping, Path::new(out), None)?;
            println!(
                "screened {} records against {} active work items: {} matches in {:.3} s",
                s.records_read,
                s.active_work_items,
                s.matches,
                start.elapsed().as_secs_f64()
            );
        }
        ["scan", ledger] => {
            // The ledger read alone, without building the matcher's lists.
            let start = Instant::now();
            let c = rusqlite::Connection::open(ledger)?;
            let mut stmt =
                c.prepare("SELECT id, hash FROM work_item WHERE cancelled_by IS NULL")?;
            let mut rows = stmt.query([])?;
            let (mut n, mut x) = (0u64, 0u8);
            while let Some(r) = rows.next()? {
                n += 1;
                x ^= r.get_ref(0)?.as_str()?.as_bytes()[0] ^ r.get_ref(1)?.as_blob()?[0];
            }
            println!("{n} rows ({x}) in {:.3} s", start.elapsed().as_secs_f64());
        }
        ["lists", ledger] => {
            let start = Instant::now();
            let l = dropkit_ledger::Ledger::open_existing(ledger)?;
            let opened = start.elapsed();
            let lists = l.active_lists(None)?;
            println!(
                "{lists:?}: {} heap bytes, opened in {:.3} s, loaded in {:.3} s",
                lists.heap_bytes(),
                opened.as_secs_f64(),
                start.elapsed().as_secs_f64()
            );
        }
        _ => {
            eprintln!(
                "usage: ledger_bench record ZIP LEDGER | screen LEDGER RECORDS MAP OUT | lists LEDGER"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
