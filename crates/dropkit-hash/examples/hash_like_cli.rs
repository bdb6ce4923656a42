//! What `dropkit hash KIND` runs: standard input to standard output through
//! [`dropkit_hash::pipeline::hash_lines`], for benchmarks that cannot wait for the whole CLI
//! to build.
//!
//! ```sh
//! cargo run --release -p dropkit-hash --example hash_like_cli -- email < in.txt > out.txt
//! ```
//!
//! A second argument sets the block size in bytes (default: `dropkit hash`'s, 1 MiB), for
//! experiments.

use dropkit_hash::Field;
use dropkit_hash::pipeline::{LineKind, Options, hash_lines};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kind = match std::env::args().nth(1).as_deref() {
        Some("email") => LineKind::Field(Field::Email),
        Some("phone") => LineKind::Field(Field::Phone),
        Some("ndz") => LineKind::Ndz,
        Some("namevin") => LineKind::NameVin,
        _ => {
            return Err(
                "usage: hash_like_cli email|phone|ndz|namevin [BLOCK_BYTES] < IN > OUT".into(),
            );
        }
    };
    let mut options = Options::new();
    if let Some(bytes) = std::env::args().nth(2) {
        options = options.block_bytes(bytes.parse()?);
    }
    hash_lines(
        kind,
        std::io::stdin().lock(),
        std::io::stdout().lock(),
        &options,
    )?;
    Ok(())
}
