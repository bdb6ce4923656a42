//! SHA-256 of several independent messages at once on the SHA-NI instructions.
//!
//! One digest is bound by the latency of `sha256rnds2`: every two rounds wait for the two
//! before. Two digests whose rounds are interleaved keep the unit busy while the other waits.
//! Everything here is safe code inside `#[target_feature]` functions (no pointer is read);
//! the one `unsafe` is [`digests`]'s call after the run-time check.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_extract_epi64, _mm_set_epi32,
    _mm_set_epi64x, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32, _mm_sha256rnds2_epu32,
    _mm_shuffle_epi8, _mm_shuffle_epi32,
};
use std::sync::OnceLock;

use super::{H0, K, pad};

/// The SHA-256 digests of `N` messages (padded here), rounds of the `N` interleaved while every
/// message has a block left, the longer ones finished alone; `None` where the processor lacks
/// SHA-NI (the caller then takes the portable path). A message whose `lower` is set is
/// ASCII-lowercased in its padded block (the caller makes sure it fits one: see `pad`).
///
/// This is the workspace's one `unsafe` call, hence its `allow`; it pays. Measured with
/// `examples/sha_lanes.rs` (AMD EPYC, one core, 30-byte values, digests per CPU second):
/// sha2's `compress256` one block at a time 22.3M, `DropHash::of_standardized` 18.6M before
/// this module, in pairs here 32.7M (1.46x and 1.76x). `dropkit hash email` 2M: CPU 0.24 to
/// 0.17 s with the pipeline's line pairs.
#[allow(unsafe_code)]
pub(super) fn digests<const N: usize>(msgs: [&[u8]; N], lower: [bool; N]) -> Option<[[u8; 32]; N]> {
    static SHA_NI: OnceLock<bool> = OnceLock::new();
    let detected = *SHA_NI.get_or_init(|| {
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse2")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1")
    });
    if !detected {
        return None;
    }
    // SAFETY: `lanes` only needs the `sha`, `sse2`, `ssse3` and `sse4.1` target features,
    // which the processor was just found to have; it reads no pointer.
    Some(unsafe { lanes(msgs, lower) })
}

/// The working state of one message: the `abef` and `cdgh` registers of the SHA-NI rounds.
#[derive(Clone, Copy)]
struct State {
    abef: __m128i,
    cdgh: __m128i,
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn lanes<const N: usize>(msgs: [&[u8]; N], lower: [bool; N]) -> [[u8; 32]; N] {
    // Each message's padded tail built in place (moving padded messages around cost more than
    // the rounds gained).
    let mut tails = [[[0u8; 64]; 2]; N];
    let mut fulls: [&[[u8; 64]]; N] = [&[]; N];
    let mut counts = [0usize; N];
    for ((((msg, tail), full), count), lower) in msgs
        .iter()
        .zip(&mut tails)
        .zip(&mut fulls)
        .zip(&mut counts)
        .zip(lower)
    {
        let (whole, tail_blocks) = pad(msg, tail, lower);
        *full = whole;
        *count = whole.len() + tail_blocks;
    }
    let block = |lane: usize, i: usize| -> &[u8; 64] {
        let full = fulls[lane];
        match full.get(i) {
            Some(block) => block,
            None => &tails[lane][(i - full.len()).min(1)],
        }
    };
    let mut states = [start_state(); N];
    let common = counts.iter().copied().min().unwrap_or(0);
    for i in 0..common {
        compress(&mut states, std::array::from_fn(|lane| block(lane, i)));
    }
    for (lane, state) in states.iter_mut().enumerate() {
        for i in common..counts[lane] {
            compress(std::array::from_mut(state), [block(lane, i)]);
        }
    }
    let mut out = [[0u8; 32]; N];
    for (out, state) in out.iter_mut().zip(states) {
        *out = digest(state);
    }
    out
}

/// `H0` in the SHA-NI register order.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn start_state() -> State {
    let w = |i: usize| H0[i] as i32;
    // dcba = (a, b, c, d) from the low lane up; hgfe likewise.
    let dcba = _mm_set_epi32(w(3), w(2), w(1), w(0));
    let hgfe = _mm_set_epi32(w(7), w(6), w(5), w(4));
    let cdab = _mm_shuffle_epi32(dcba, 0xB1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    State {
        abef: _mm_alignr_epi8(cdab, efgh, 8),
        cdgh: _mm_blend_epi16(efgh, cdab, 0xF0),
    }
}

/// The big-endian bytes of a final state.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn digest(state: State) -> [u8; 32] {
    let feba = _mm_shuffle_epi32(state.abef, 0x1B);
    let dchg = _mm_shuffle_epi32(state.cdgh, 0xB1);
    let dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    let hgef = _mm_alignr_epi8(dchg, feba, 8);
    // Each 32-bit word to big-endian, then two 64-bit halves per register.
    let swap = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203);
    let dcba = _mm_shuffle_epi8(dcba, swap);
    let hgef = _mm_shuffle_epi8(hgef, swap);
    let halves = [
        _mm_extract_epi64(dcba, 0),
        _mm_extract_epi64(dcba, 1),
        _mm_extract_epi64(hgef, 0),
        _mm_extract_epi64(hgef, 1),
    ];
    let mut out = [0u8; 32];
    for (chunk, half) in out.chunks_exact_mut(8).zip(halves) {
        chunk.copy_from_slice(&half.to_le_bytes());
    }
    out
}

/// A block's 16 message words, four to a register, byte-swapped to big-endian.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn load_block(block: &[u8; 64]) -> [__m128i; 4] {
    let mask = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203);
    let (words, _) = block.as_chunks::<16>();
    let mut w = [mask; 4];
    for (w, bytes) in w.iter_mut().zip(words) {
        let (halves, _) = bytes.as_chunks::<8>();
        let [lo, hi] = [0, 1].map(|i| halves.get(i).map_or(0, |h| i64::from_le_bytes(*h)));
        *w = _mm_shuffle_epi8(_mm_set_epi64x(hi, lo), mask);
    }
    w
}

/// A zero register, to start arrays of registers.
#[inline]
#[target_feature(enable = "sse2")]
fn start_w() -> __m128i {
    _mm_set_epi64x(0, 0)
}

/// Four rounds of every lane, `r` counting groups of four rounds.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn rounds4<const N: usize>(r: usize, states: &mut [State; N], w: &[[__m128i; 4]; N]) {
    let k = |i: usize| K[4 * r + i] as i32;
    let rk = _mm_set_epi32(k(3), k(2), k(1), k(0));
    let mut t = [rk; N];
    for (t, w) in t.iter_mut().zip(w) {
        *t = _mm_add_epi32(w[r % 4], rk);
    }
    for (s, t) in states.iter_mut().zip(t) {
        s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, t);
    }
    for (s, t) in states.iter_mut().zip(t) {
        s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32(t, 0x0E));
    }
}

/// The next 16 message words of every lane, each four followed by their four rounds (`r` is
/// the first group of four rounds). Written as three calls of a four-step loop, which the
/// compiler unrolls, so the words stay in registers.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn schedule_rounds16<const N: usize>(r: usize, states: &mut [State; N], w: &mut [[__m128i; 4]; N]) {
    for i in 0..4 {
        for w in w.iter_mut() {
            let t1 = _mm_sha256msg1_epu32(w[i], w[(i + 1) % 4]);
            let t2 = _mm_alignr_epi8(w[(i + 3) % 4], w[(i + 2) % 4], 4);
            w[i] = _mm_sha256msg2_epu32(_mm_add_epi32(t1, t2), w[(i + 3) % 4]);
        }
        rounds4(r + i, states, w);
    }
}

/// One block of each of `N` messages.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn compress<const N: usize>(states: &mut [State; N], blocks: [&[u8; 64]; N]) {
    let saved = *states;
    let mut w = [[start_w(); 4]; N];
    for (w, block) in w.iter_mut().zip(blocks) {
        *w = load_block(block);
    }
    for r in 0..4 {
        rounds4(r, states, &w);
    }
    schedule_rounds16(4, states, &mut w);
    schedule_rounds16(8, states, &mut w);
    schedule_rounds16(12, states, &mut w);
    for (s, saved) in states.iter_mut().zip(saved) {
        s.abef = _mm_add_epi32(s.abef, saved.abef);
        s.cdgh = _mm_add_epi32(s.cdgh, saved.cdgh);
    }
}
