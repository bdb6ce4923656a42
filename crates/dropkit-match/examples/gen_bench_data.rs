//! Generates a DROP download and a broker records file for the matching benchmark.
//!
//! ```sh
//! cargo run --release -p dropkit-match --example gen_bench_data -- /tmp/bench 10000000 1000000
//! ```
//!
//! Writes `DIR/20261120_4821_DROP.zip` (an `Email` list of WORK_ITEMS work items) and
//! `DIR/records.csv` (RECORDS rows: `customer_id,first_name,last_name,email,phone,zip`).
//! One record in ten carries the email of a work item picked at random (written with stray
//! case and spaces, as real data is), so about 37% of the work items match nobody, 37% one
//! consumer and 26% several. The same inputs always give the same files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use dropkit_hash::DropHash;

/// SplitMix64: a tiny, deterministic pseudo-random sequence.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn work_item_id(i: u64) -> String {
    let mut x = mix(i ^ 0xD0D0);
    (0..12)
        .map(|_| {
            let c = BASE62[(x % 62) as usize] as char;
            x /= 62;
            if x == 0 {
                x = mix(i.wrapping_add(7));
            }
            c
        })
        .collect()
}

fn work_item_email(i: u64) -> String {
    format!("consumer.{i}@example{}.com", i % 50)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, records, work_items] = args.as_slice() else {
        return Err("usage: gen_bench_data DIR RECORDS WORK_ITEMS".into());
    };
    let dir = PathBuf::from(dir);
    let records: u64 = records.parse()?;
    let work_items: u64 = work_items.parse()?;
    std::fs::create_dir_all(&dir)?;

    let zip_path = dir.join("20261120_4821_DROP.zip");
    let mut zip = zip::ZipWriter::new(BufWriter::new(File::create(&zip_path)?));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("20261120_4821_Email.csv", options)?;
    let mut list = BufWriter::with_capacity(1 << 20, &mut zip);
    list.write_all(b"ID,Hash\r\n")?;
    for i in 0..work_items {
        let hash = DropHash::of_standardized(&work_item_email(i));
        write!(list, "{},{hash}\r\n", work_item_id(i))?;
    }
    drop(list);
    zip.finish()?;

    let mut out = BufWriter::with_capacity(1 << 20, File::create(dir.join("records.csv"))?);
    out.write_all(b"customer_id,first_name,last_name,email,phone,zip\n")?;
    for r in 0..records {
        let x = mix(r);
        let email = if r % 10 == 0 && work_items > 0 {
            let e = work_item_email(x % work_items);
            // as typed: some upper case, some padding
            match x % 3 {
                0 => e.to_uppercase(),
                1 => format!(" {e} "),
                _ => e,
            }
        } else {
            format!("User.{r}@Mail{}.com", x % 100)
        };
        writeln!(
            out,
            "C{r:09},Name{},Family{},{email},+1 (415) 555-{:04},{:05}",
            x % 1000,
            x % 5000,
            x % 10_000,
            x % 100_000
        )?;
    }
    out.flush()?;
    eprintln!(
        "wrote {} and {}",
        zip_path.display(),
        dir.join("records.csv").display()
    );
    Ok(())
}
