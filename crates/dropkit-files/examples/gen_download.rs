//! Writes a synthetic DROP download and a complete response for benchmarks and demos.
//!
//! ```sh
//! cargo run --release -p dropkit-files --example gen_download -- /tmp/drop1m 1000000
//! ```
//!
//! creates `/tmp/drop1m/20261120_4821_DROP.zip` (an Email list of N rows, an empty NDZ list and
//! a small Removed file) and `/tmp/drop1m/20261120_4821_Email.csv` answering every work item.

use std::io::Write;

use dropkit_files::{DropHash, ListFileName, Status, StatusFile, WorkItemId};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The i-th synthetic work item Id: 12 Base62 characters.
fn work_item(i: u64) -> WorkItemId {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0005_DEEC_E66D;
    let mut id = [0u8; 12];
    for c in &mut id {
        *c = BASE62[(x % 62) as usize];
        x /= 62;
    }
    // The last characters carry i itself, so Ids are unique.
    let mut n = i;
    for c in id.iter_mut().rev().take(5) {
        *c = BASE62[(n % 62) as usize];
        n /= 62;
    }
    WorkItemId::new(std::str::from_utf8(&id).unwrap_or("0")).unwrap_or_else(|| unreachable!())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: gen_download DIR [ROWS]")?);
    let rows: u64 = args.next().map_or(Ok(1_000_000), |n| n.parse())?;
    std::fs::create_dir_all(&dir)?;

    let zip_path = dir.join("20261120_4821_DROP.zip");
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(&zip_path)?));
    let options = zip::write::SimpleFileOptions::default().large_file(rows > 20_000_000);
    zip.start_file("20261120_4821_Email.csv", options)?;
    zip.write_all(b"ID,Hash\r\n")?;
    for i in 0..rows {
        let hash = DropHash::of_standardized(&format!("user{i}@example.com"));
        write!(zip, "{},{}\r\n", work_item(i), hash)?;
    }
    zip.start_file("20261120_4821_NDZ.csv", options)?;
    zip.write_all(b"ID,Hash\r\n")?;
    zip.start_file("20261120_4821_Removed.csv", options)?;
    zip.write_all(b"ID,Hash,ListType\r\n")?;
    for i in rows..rows + 100 {
        write!(
            zip,
            "{},{},Email\r\n",
            work_item(i),
            DropHash::of_standardized("x")
        )?;
    }
    zip.finish()?.flush()?;

    let name: ListFileName = "20261120_4821_Email.csv".parse()?;
    let _ = std::fs::remove_file(dir.join(name.to_string()));
    let mut response = StatusFile::create(&dir, &name)?;
    for i in 0..rows {
        let status = if i % 10 == 0 {
            Status::Deleted
        } else {
            Status::NotFound
        };
        response.write(&work_item(i), status)?;
    }
    let path = response.finish()?;
    println!("{}\n{}", zip_path.display(), path.display());
    Ok(())
}
