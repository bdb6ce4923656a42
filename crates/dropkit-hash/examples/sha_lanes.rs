//! Microbenchmark: one-block SHA-256 digests per second on one core, one at a time through
//! sha2's compression function against two and four at a time (`DropHash::of_standardized_array`).
//!
//! ```sh
//! cargo run --release -p dropkit-hash --example sha_lanes -- [MILLION_DIGESTS] [LEN] [ONLY]
//! ```
//!
//! ONLY runs only the variants whose name contains it (`compress256`, `1 lane`, `2 lanes`,
//! `4 lanes`), for `perf stat`. Measured on the 2-core AMD EPYC (30-byte values, millions of
//! digests a CPU second): compress256 22.3, 1 lane 19.1, 2 lanes 32.7, 4 lanes 27 to 31 (four
//! messages' state does not fit the 16 registers: values go in pairs).

use std::hint::black_box;
use std::time::Instant;

use dropkit_hash::DropHash;
use sha2::block_api::compress256;

const H0: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

fn rate(name: &str, n: u64, f: impl FnOnce() -> u8) -> f64 {
    let only = std::env::args().nth(3).unwrap_or_default();
    if !only.is_empty() && !name.contains(only.as_str()) {
        return 1.0;
    }
    let start = Instant::now();
    black_box(f());
    let per_s = n as f64 / start.elapsed().as_secs_f64();
    println!("{name:<40} {:>7.2} M digests/s", per_s / 1e6);
    per_s
}

fn msgs(len: usize) -> Vec<String> {
    (0..4096)
        .map(|i| {
            let mut s = format!("consumer.{i}@example{}.com", i % 97);
            s.extend(std::iter::repeat_n('x', len.saturating_sub(s.len())));
            s.truncate(len.max(1));
            s
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let millions: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(20);
    let len: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30);
    let n = millions * 1_000_000;
    let m = msgs(len);
    let mask = m.len() - 1;
    let rounds = if std::env::args().nth(3).is_some() {
        1
    } else {
        2
    };
    for round in 0..rounds {
        println!("round {round}, {len}-byte messages");
        let raw = rate("sha2 compress256, one block at a time", n, || {
            let mut block = [[0u8; 64]];
            block[0][63] = 1;
            let mut acc = 0u8;
            for i in 0..n {
                block[0][..8].copy_from_slice(&i.to_le_bytes());
                let mut state = H0;
                compress256(&mut state, black_box(&block));
                acc ^= state[0] as u8;
            }
            acc
        });
        let one = rate("DropHash::of_standardized (1 lane)", n, || {
            let mut acc = 0u8;
            for i in 0..n as usize {
                acc ^= DropHash::of_standardized(black_box(&m[i & mask])).as_bytes()[0];
            }
            acc
        });
        let one_array = rate("of_standardized_array, 1 lane", n, || {
            let mut acc = 0u8;
            for i in 0..n as usize {
                let [h] = DropHash::of_standardized_array([black_box(m[i & mask].as_str())]);
                acc ^= h.as_bytes()[0];
            }
            acc
        });
        let two = rate("of_standardized_array, 2 lanes", n, || {
            let mut acc = 0u8;
            for i in (0..n as usize).step_by(2) {
                let h = DropHash::of_standardized_array([
                    black_box(m[i & mask].as_str()),
                    &m[(i + 1) & mask],
                ]);
                acc ^= h[0].as_bytes()[0] ^ h[1].as_bytes()[0];
            }
            acc
        });
        let four = rate("of_standardized_array, 4 lanes", n, || {
            let mut acc = 0u8;
            for i in (0..n as usize).step_by(4) {
                let h = DropHash::of_standardized_array([
                    black_box(m[i & mask].as_str()),
                    &m[(i + 1) & mask],
                    &m[(i + 2) & mask],
                    &m[(i + 3) & mask],
                ]);
                acc ^= h[0].as_bytes()[0] ^ h[3].as_bytes()[0];
            }
            acc
        });
        println!(
            "2 lanes / 1 lane: {:.2}x, 4 lanes / 1 lane: {:.2}x (same code, 1 lane: {:.2}x, {:.2}x); 2 lanes / raw compress256: {:.2}x",
            two / one,
            four / one,
            two / one_array,
            four / one_array,
            two / raw
        );
    }
}
