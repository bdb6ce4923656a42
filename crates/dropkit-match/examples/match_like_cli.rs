//! The library calls `dropkit match --download ZIP --records CSV --map ... --out DIR` makes
//! (one status file per list, no matched-record fields kept), for benchmarks that cannot wait
//! for the whole CLI to build.
//!
//! ```sh
//! cargo run --release -p dropkit-match --example match_like_cli -- \
//!     DOWNLOAD.zip RECORDS.csv key=customer_id,email=email OUT_DIR
//! ```

use std::path::Path;

use dropkit_match::{DefaultRules, DirOptions, Mapping, match_into_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [zip, records, mapping, out] = args.as_slice() else {
        return Err(
            "usage: match_like_cli DOWNLOAD.zip RECORDS.csv FIELD=COLUMN,... OUT_DIR".into(),
        );
    };
    let mapping: Mapping = mapping.parse()?;
    let options = DirOptions::default()
        .max_rows_per_file(usize::MAX)
        .matched_records(false);
    let report = match_into_dir(
        Path::new(zip),
        Path::new(records),
        &mapping,
        &DefaultRules,
        Path::new(out),
        &options,
    )?;
    // As `dropkit match` says it: the records' part of the run (the lists' loading excluded).
    println!(
        "{} records read; records matched in {:.2} s",
        report.summary.records_read,
        report.summary.elapsed.as_secs_f64()
    );
    Ok(())
}
