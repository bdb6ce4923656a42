//! One-shot SHA-256 straight over sha2's compression function.
//!
//! DROP values are short: an email or a name fits one 64-byte block, a composite's four Base64
//! texts three. `Sha256::digest` buffers, copies and zeroes its block for every value; padding
//! the value once on the stack and calling the (SHA-NI when available) compression function
//! directly cut about a fifth of `dropkit hash ndz`'s time. Tested against `Sha256::digest`.
//!
//! [`sha256_lanes`] digests several independent messages at once: on x86-64 processors with
//! SHA-NI their rounds are interleaved (`x86`), elsewhere they go one by one through sha2's
//! compression function, with the same results.

use sha2::block_api::compress256;

#[cfg(target_arch = "x86_64")]
mod x86;

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
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

/// SHA-256's round constants (FIPS 180-4, 4.2.2).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const K: [u32; 64] = [
    0x428a_2f98,
    0x7137_4491,
    0xb5c0_fbcf,
    0xe9b5_dba5,
    0x3956_c25b,
    0x59f1_11f1,
    0x923f_82a4,
    0xab1c_5ed5,
    0xd807_aa98,
    0x1283_5b01,
    0x2431_85be,
    0x550c_7dc3,
    0x72be_5d74,
    0x80de_b1fe,
    0x9bdc_06a7,
    0xc19b_f174,
    0xe49b_69c1,
    0xefbe_4786,
    0x0fc1_9dc6,
    0x240c_a1cc,
    0x2de9_2c6f,
    0x4a74_84aa,
    0x5cb0_a9dc,
    0x76f9_88da,
    0x983e_5152,
    0xa831_c66d,
    0xb003_27c8,
    0xbf59_7fc7,
    0xc6e0_0bf3,
    0xd5a7_9147,
    0x06ca_6351,
    0x1429_2967,
    0x27b7_0a85,
    0x2e1b_2138,
    0x4d2c_6dfc,
    0x5338_0d13,
    0x650a_7354,
    0x766a_0abb,
    0x81c2_c92e,
    0x9272_2c85,
    0xa2bf_e8a1,
    0xa81a_664b,
    0xc24b_8b70,
    0xc76c_51a3,
    0xd192_e819,
    0xd699_0624,
    0xf40e_3585,
    0x106a_a070,
    0x19a4_c116,
    0x1e37_6c08,
    0x2748_774c,
    0x34b0_bcb5,
    0x391c_0cb3,
    0x4ed8_aa4a,
    0x5b9c_ca4f,
    0x682e_6ff3,
    0x748f_82ee,
    0x78a5_636f,
    0x84c8_7814,
    0x8cc7_0208,
    0x90be_fffa,
    0xa450_6ceb,
    0xbef9_a3f7,
    0xc671_78f2,
];

/// Pads `bytes` for SHA-256: returns its whole 64-byte blocks and how many blocks of `tail`
/// (zeroed by the caller) now hold the rest, the `0x80` marker and the 64-bit bit length: one,
/// or two when the rest leaves fewer than 9 bytes free. `lower`: the message is `bytes`
/// ASCII-lowercased, which the caller allows only when it fits one tail block (fewer than 56
/// bytes).
fn pad<'a>(bytes: &'a [u8], tail: &mut [[u8; 64]; 2], lower: bool) -> (&'a [[u8; 64]], usize) {
    if bytes.len() < 56 {
        // One block (nearly every DROP value), written as whole words.
        let (words, _) = tail[0].as_chunks_mut::<8>();
        for (word, value) in words.iter_mut().zip(one_block(bytes, lower)) {
            *word = value.to_le_bytes();
        }
        return (&[], 1);
    }
    debug_assert!(!lower, "a message to lowercase fits one block");
    let (full, rest) = bytes.as_chunks::<64>();
    let bits = (bytes.len() as u64).wrapping_mul(8);
    let tail_blocks = if rest.len() < 56 { 1 } else { 2 };
    let flat = tail.as_flattened_mut();
    flat[..rest.len()].copy_from_slice(rest);
    flat[rest.len()] = 0x80;
    flat[64 * tail_blocks - 8..64 * tail_blocks].copy_from_slice(&bits.to_be_bytes());
    (full, tail_blocks)
}

/// The padded block of a message of fewer than 56 bytes, as eight little-endian words
/// (ASCII-lowercased where `lower` says), each built in a register from loads of the message
/// alone. A copy of the message into the block followed by loads of its words waited on the
/// copy's stores: a load that spans two of them is not forwarded from either (issue 16's
/// seventh pass: 15 % of the lanes' samples in `dropkit match` 10M/1M; its CPU time 3.8 %
/// less with this).
fn one_block(msg: &[u8], lower: bool) -> [u64; 8] {
    let (whole, rest) = msg.as_chunks::<8>();
    // The last, partial word (0 to 7 bytes): from the message's last eight bytes shifted down
    // when it has eight, else byte by byte; then the 0x80 marker after it.
    let last = match msg.last_chunk::<8>() {
        Some(end) if !rest.is_empty() => u64::from_le_bytes(*end) >> (8 * (8 - rest.len())),
        _ => rest
            .iter()
            .enumerate()
            .fold(0, |w, (i, &b)| w | u64::from(b) << (8 * i)),
    } | 0x80 << (8 * rest.len());
    // Seven words chosen one by one (a loop over the whole words alone is compiled into a
    // call of `memcpy`, whose stores the block's loads wait on again).
    let mut block = [0u64; 8];
    for (i, word) in block[..7].iter_mut().enumerate() {
        *word = match whole.get(i) {
            Some(bytes) => u64::from_le_bytes(*bytes),
            None if i == whole.len() => last,
            None => 0,
        };
    }
    if lower {
        // Zeros and the marker are not capitals: all seven words alike.
        for word in &mut block[..7] {
            *word = ascii_lowercase(*word);
        }
    }
    // The bit length, big-endian, in the block's last eight bytes.
    block[7] = ((msg.len() as u64) * 8).swap_bytes();
    block
}

/// `word`'s bytes ASCII-lowercased (`A` to `Z` to `a` to `z`, every other byte as it is).
#[inline]
fn ascii_lowercase(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const TOPS: u64 = ONES * 0x80;
    // Each byte's low seven bits plus a constant: no carry leaves a byte (at most 0x7F + 0x3F).
    let low = word & (ONES * 0x7F);
    let from_a = low + ONES * (0x80 - b'A' as u64);
    let past_z = low + ONES * (0x7F - b'Z' as u64);
    // An ASCII byte (top bit clear) from `A` to `Z`: its top bit, moved to 0x20, set.
    let capital = from_a & !past_z & !word & TOPS;
    word | (capital >> 2)
}

/// The digest of one message through sha2's compression function (SHA-NI when sha2 finds it);
/// `lower` as for [`pad`].
fn portable(bytes: &[u8], lower: bool) -> [u8; 32] {
    let mut tail = [[0u8; 64]; 2];
    let (full, tail_blocks) = pad(bytes, &mut tail, lower);
    let mut state = H0;
    compress256(&mut state, full);
    compress256(&mut state, &tail[..tail_blocks]);
    digest(state)
}

/// The SHA-256 digests of `N` independent messages of any lengths, in order. On x86-64 with
/// SHA-NI the messages go two at a time, their rounds interleaved while both have a block left
/// (four at a time measured slower: the SHA-NI instructions have 16 registers, and four
/// messages' states and words spill); elsewhere each is digested alone
/// (`sha256_lanes_portable`), with the same results.
pub(crate) fn sha256_lanes<const N: usize>(inputs: [&[u8]; N]) -> [[u8; 32]; N] {
    lanes_lowering(inputs, [false; N])
}

/// [`sha256_lanes`] of the messages, each ASCII-lowercased first where `lower` says: in its
/// padded block when it fits one (no copy of the message; the caller's standardized copy
/// saved too), else lowercased into a copy first.
pub(crate) fn sha256_lanes_lowering<const N: usize>(
    inputs: [&[u8]; N],
    lower: [bool; N],
) -> [[u8; 32]; N] {
    if inputs.iter().zip(lower).any(|(m, l)| l && m.len() >= 56) {
        // Rare (a value of 56 bytes or more): lowercased copies of those.
        let owned: [std::borrow::Cow<'_, [u8]>; N] = std::array::from_fn(|i| {
            if lower[i] {
                std::borrow::Cow::Owned(inputs[i].to_ascii_lowercase())
            } else {
                std::borrow::Cow::Borrowed(inputs[i])
            }
        });
        return sha256_lanes(owned.each_ref().map(|m| &**m));
    }
    lanes_lowering(inputs, lower)
}

/// [`sha256_lanes_lowering`] once every message to lowercase is shorter than 56 bytes.
fn lanes_lowering<const N: usize>(inputs: [&[u8]; N], lower: [bool; N]) -> [[u8; 32]; N] {
    #[cfg(target_arch = "x86_64")]
    {
        let mut out = [[0u8; 32]; N];
        let mut done = 0;
        while done < N {
            let got = match inputs.get(done..done + 2) {
                Some(&[a, b]) => {
                    x86::digests([a, b], [lower[done], lower[done + 1]]).map(|[a, b]| {
                        out[done] = a;
                        out[done + 1] = b;
                        2
                    })
                }
                _ => x86::digests([inputs[done]], [lower[done]]).map(|[a]| {
                    out[done] = a;
                    1
                }),
            };
            match got {
                Some(n) => done += n,
                None => return std::array::from_fn(|i| portable(inputs[i], lower[i])),
            }
        }
        out
    }
    #[cfg(not(target_arch = "x86_64"))]
    std::array::from_fn(|i| portable(inputs[i], lower[i]))
}

/// [`sha256_lanes`] without SHA-NI lanes: one message at a time through sha2 (the path of
/// processors without SHA-NI, and the reference the lanes are tested against).
#[cfg(test)]
pub(crate) fn sha256_lanes_portable<const N: usize>(inputs: [&[u8]; N]) -> [[u8; 32]; N] {
    inputs.map(|m| portable(m, false))
}

/// The SHA-256 digest of `bytes` (on SHA-NI, the one-message form of [`sha256_lanes`]: 18.6M
/// to 19.1M one-block digests a second against sha2's dispatch, `examples/sha_lanes.rs`).
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let [digest] = sha256_lanes([bytes]);
    digest
}

/// The big-endian bytes of the final state.
fn digest(state: [u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{portable, sha256, sha256_lanes, sha256_lanes_lowering, sha256_lanes_portable};
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    fn want(bytes: &[u8]) -> [u8; 32] {
        Sha256::digest(bytes).into()
    }

    proptest! {
        #[test]
        fn lanes_and_portable_path_equal_sha2_at_random_lengths(
            a in proptest::collection::vec(any::<u8>(), 0..300),
            b in proptest::collection::vec(any::<u8>(), 0..300),
            c in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let (a, b, c) = (a.as_slice(), b.as_slice(), c.as_slice());
            prop_assert_eq!(sha256(a), want(a));
            prop_assert_eq!(sha256_lanes([a, b]), [want(a), want(b)]);
            prop_assert_eq!(sha256_lanes([a, b, c]), [want(a), want(b), want(c)]);
            prop_assert_eq!(sha256_lanes_portable([a, b, c]), [want(a), want(b), want(c)]);
        }

        /// Lowercasing in the padded block is SHA-256 of the lowercased message, on the lanes
        /// and the portable path, for messages of every length around the one-block limit
        /// (56 and past it: lowercased copies), with capitals, bytes past ASCII and zeros.
        #[test]
        fn lowercasing_while_padding_is_the_digest_of_the_lowercased_message(
            a in proptest::collection::vec(prop_oneof![0x40u8..0x5c, any::<u8>()], 0..130),
            b in proptest::collection::vec(prop_oneof![0x40u8..0x5c, any::<u8>()], 0..70),
            lower in any::<[bool; 2]>(),
        ) {
            let (a, b) = (a.as_slice(), b.as_slice());
            let expect = |m: &[u8], l: bool| {
                if l { want(&m.to_ascii_lowercase()) } else { want(m) }
            };
            let (ea, eb) = (expect(a, lower[0]), expect(b, lower[1]));
            prop_assert_eq!(sha256_lanes_lowering([a, b], lower), [ea, eb]);
            prop_assert_eq!(sha256_lanes_lowering([b], [lower[1]]), [eb]);
            if b.len() < 56 {
                prop_assert_eq!(portable(b, lower[1]), eb);
            }
        }
    }

    #[test]
    fn lanes_of_unequal_lengths_at_the_block_edges() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 13 + 5) as u8).collect();
        let edges = [0, 1, 7, 8, 55, 56, 63, 64, 65, 119, 120, 127, 128, 200, 299];
        for &x in &edges {
            for &y in &edges {
                let (a, b) = (&data[..x], &data[300 - y..]);
                assert_eq!(sha256_lanes([a, b]), [want(a), want(b)], "{x} and {y}");
                assert_eq!(
                    sha256_lanes_portable([a, b]),
                    [want(a), want(b)],
                    "{x}, {y}"
                );
                let four = sha256_lanes([a, b, b, a]);
                assert_eq!(four, [want(a), want(b), want(b), want(a)], "{x}, {y}");
            }
        }
        assert_eq!(sha256_lanes::<0>([]), [[0u8; 32]; 0]);
    }

    #[test]
    fn a_words_lowercasing_is_every_bytes() {
        // Every byte value in every position, beside neighbours that could carry or borrow.
        for b in 0..=255u8 {
            for pos in 0..8 {
                for fill in [0x00u8, 0x40, 0x5A, 0x5B, 0x7F, 0x80, 0xC1, 0xFF] {
                    let mut bytes = [fill; 8];
                    bytes[pos] = b;
                    let want = bytes.map(|c| c.to_ascii_lowercase());
                    let got = super::ascii_lowercase(u64::from_le_bytes(bytes)).to_le_bytes();
                    assert_eq!(got, want, "{b:#x} at {pos} among {fill:#x}");
                }
            }
        }
    }

    #[test]
    fn lowercasing_reaches_every_byte_of_a_message_of_any_length() {
        // Capitals only: a byte left unlowercased anywhere changes the digest.
        for len in 0..=70 {
            let m: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
            let want_lower = want(&m.to_ascii_lowercase());
            let other = &m[..len / 2];
            let expect = [want_lower, want(&other.to_ascii_lowercase())];
            assert_eq!(
                sha256_lanes_lowering([&m[..], other], [true; 2]),
                expect,
                "{len}"
            );
            assert_eq!(
                sha256_lanes_lowering([&m[..]], [false]),
                [want(&m)],
                "{len}"
            );
            if len < 56 {
                assert_eq!(portable(&m, true), want_lower, "{len}");
            }
        }
    }

    #[test]
    fn the_sha_ni_lanes_run_where_the_processor_has_them() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse4.1")
        {
            let (a, b) = (b"anna.smith@domain.com".as_slice(), [7u8; 120].as_slice());
            assert_eq!(
                super::x86::digests([a, b], [false; 2]),
                Some([want(a), want(b)])
            );
            assert_eq!(super::x86::digests([b], [false]), Some([want(b)]));
        }
    }

    #[test]
    fn same_digest_as_sha2_at_every_length_around_the_block_edges() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let want: [u8; 32] = Sha256::digest(&data[..len]).into();
            assert_eq!(sha256(&data[..len]), want, "length {len}");
        }
    }

    #[test]
    fn composites_of_any_length_hash_their_joined_texts() {
        let parts: Vec<crate::DropHash> = (0..6)
            .map(|i| crate::DropHash::of_standardized(&i.to_string()))
            .collect();
        for n in 0..=parts.len() {
            let joined = crate::composite_input(&parts[..n]);
            let want: [u8; 32] = Sha256::digest(joined.as_bytes()).into();
            assert_eq!(crate::composite(&parts[..n]).as_bytes(), &want, "{n} parts");
        }
    }
}
