//! Matches a records CSV against a DROP download, as `dropkit match` does, from Rust.
//!
//! ```sh
//! cargo run --release -p drop-match --example match_records -- \
//!     DOWNLOAD.zip RECORDS.csv key=customer_id,email=email OUT_DIR
//! ```

use drop_files::DownloadArchive;
use drop_match::{DefaultRules, Lists, Mapping, Matcher};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [zip, records, mapping, out] = args.as_slice() else {
        return Err(
            "usage: match_records DOWNLOAD.zip RECORDS.csv FIELD=COLUMN,... OUT_DIR".into(),
        );
    };
    let mapping: Mapping = mapping.parse()?;
    let lists = Lists::from_archive(&mut DownloadArchive::open(zip)?)?;
    eprintln!("lists: {} bytes on the heap", lists.heap_bytes());
    let outcome = Matcher::new(lists).run_path(records, &mapping, &DefaultRules)?;
    for problem in outcome.problems().iter().take(10) {
        eprintln!("{problem}");
    }
    outcome.write_status_files(out, usize::MAX)?;
    outcome.write_matches_csv(std::path::Path::new(out).join("matches.csv"))?;
    println!("{}", outcome.summary());
    Ok(())
}
