//! Validates response files against a download with the library alone, printing how long
//! each phase took: the program the README's peak-memory figures come from.
//!
//! ```sh
//! cargo run --release -p dropkit-files --example validate_timed -- DROP.zip RESPONSE.csv...
//! ```

use std::time::Instant;

use dropkit_files::{DownloadArchive, Validator};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let zip = args
        .next()
        .ok_or("usage: validate_timed DROP.zip RESPONSE.csv...")?;
    let start = Instant::now();
    let mut archive = DownloadArchive::open(&zip)?;
    let mut validator = Validator::from_archive(&mut archive)?;
    eprintln!(
        "download read: {} work item Ids in {:.2?}",
        validator.work_item_ids(),
        start.elapsed()
    );
    let checked = Instant::now();
    for path in args {
        validator.check_path(path);
    }
    let report = validator.report();
    let rows: u64 = report.files.iter().map(|f| f.rows).sum();
    eprintln!(
        "responses checked: {rows} rows in {:.2?}",
        checked.elapsed()
    );
    for p in &report.problems {
        println!("{p}");
    }
    for l in &report.lists {
        println!("{}: {} outstanding", l.name, l.outstanding);
    }
    println!(
        "valid: {}, complete: {}",
        report.is_valid(),
        report.is_complete()
    );
    Ok(())
}
