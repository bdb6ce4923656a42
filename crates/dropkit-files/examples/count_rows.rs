//! Streams every list of a download and counts its rows: the README's figure for reading a
//! list in constant memory.
//!
//! ```sh
//! cargo run --release -p dropkit-files --example count_rows -- DROP.zip
//! ```

use std::time::Instant;

use dropkit_files::DownloadArchive;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let zip = std::env::args()
        .nth(1)
        .ok_or("usage: count_rows DROP.zip")?;
    let mut archive = DownloadArchive::open(&zip)?;
    for list in archive.list_types() {
        let start = Instant::now();
        let Some(reader) = archive.open_list(list)? else {
            continue;
        };
        let (mut rows, mut bad) = (0u64, 0u64);
        for row in reader {
            rows += 1;
            if row.is_err() {
                bad += 1;
            }
        }
        println!(
            "{list}: {rows} rows ({bad} malformed) in {:.2?}",
            start.elapsed()
        );
    }
    Ok(())
}
