//! The SHA-256 ceiling of `dropkit hash email` and `dropkit match` on this machine: how many
//! single-block digests (a value of up to 55 bytes, as an email is) sha2 computes per second
//! on one core, and on every core at once.
//!
//! ```sh
//! cargo run --release -p dropkit-hash --example sha_ceiling -- [SECONDS] [THREADS]
//! ```
//!
//! Each thread hashes distinct 32-byte messages with `Sha256::digest` (sha2 picks SHA-NI at run
//! time when the processor has it) for SECONDS (default 2); THREADS defaults to the number of
//! cores. It prints digests per second per core and in all: the issue's "ceiling" is the
//! per-core figure times the cores.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

fn one_core(seconds: f64) -> f64 {
    let until = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut msg = *b"consumer.1234567@example17.com!!";
    let mut n = 0u64;
    let mut acc = 0u8;
    while start.elapsed() < until {
        for _ in 0..10_000 {
            msg[..8].copy_from_slice(&n.to_le_bytes());
            let d = Sha256::digest(msg);
            acc ^= d[0];
            n += 1;
        }
    }
    std::hint::black_box(acc);
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(cores);
    let single = one_core(seconds);
    let all: f64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| one_core(seconds)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).sum()
    });
    println!(
        "sha2 single-block digests/s, one core alone: {:.2} M",
        single / 1e6
    );
    println!(
        "ceiling (one core x {threads} cores): {:.2} M/s; measured with {threads} threads at once: {:.2} M/s",
        single * threads as f64 / 1e6,
        all / 1e6
    );
}
