//! Matches a records file (CSV, or Parquet with the `parquet` feature) against a DROP download,
//! as `dropkit match` does, from Rust.
//!
//! ```sh
//! cargo run --release -p dropkit-match --example match_records -- \
//!     DOWNLOAD.zip RECORDS.csv key=customer_id,email=email OUT_DIR
//! ```

use std::path::Path;

use dropkit_match::{DefaultRules, DirOptions, Mapping, match_into_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [zip, records, mapping, out] = args.as_slice() else {
        return Err(
            "usage: match_records DOWNLOAD.zip RECORDS.csv FIELD=COLUMN,... OUT_DIR".into(),
        );
    };
    let mapping: Mapping = mapping.parse()?;
    let report = match_into_dir(
        Path::new(zip),
        Path::new(records),
        &mapping,
        &DefaultRules,
        Path::new(out),
        &DirOptions::default().max_rows_per_file(usize::MAX),
    )?;
    for problem in report.problems.iter().take(10) {
        eprintln!("{problem}");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    println!("{}", report.summary);
    println!("{} consumers matched", report.matched.len());
    Ok(())
}
