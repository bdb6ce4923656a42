//! The 32-byte SHA-256 digest DROP exchanges as 44 characters of Base64.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Length of a DROP hash in its Base64 text form: always 44 characters, the last one `=`.
pub const BASE64_LEN: usize = 44;

/// Base64's standard alphabet (RFC 4648, section 4).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Every 12-bit value as its two Base64 characters, the first in the low byte.
static PAIRS: [u16; 4096] = pairs();

const fn pairs() -> [u16; 4096] {
    let mut table = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        table[i] = ALPHABET[i >> 6] as u16 | (ALPHABET[i & 63] as u16) << 8;
        i += 1;
    }
    table
}

/// A DROP hash: the raw 32 bytes of a SHA-256 digest.
///
/// DROP writes hashes as standard-alphabet, padded Base64 (`^[A-Za-z0-9+/]{43}=$`).
/// This type keeps the raw digest so that matching compares and hashes 32 bytes, and only
/// encodes to Base64 for output.
///
/// ```
/// use dropkit_hash::DropHash;
///
/// let h = DropHash::of_standardized("anna.smith@domain.com");
/// assert_eq!(h.to_string(), "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=");
/// assert_eq!("KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=".parse::<DropHash>().unwrap(), h);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DropHash([u8; 32]);

impl DropHash {
    /// Wraps a raw 32-byte digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        DropHash(bytes)
    }

    /// The raw 32 bytes of the digest.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SHA-256 of an already standardized value's UTF-8 bytes.
    ///
    /// No standardization happens here: use [`crate::Hasher`] or the functions in
    /// [`crate::standardize`] to turn raw input into the standardized text first.
    pub fn of_standardized(standardized: &str) -> Self {
        Self::of_bytes(standardized.as_bytes())
    }

    pub(crate) fn of_bytes(bytes: &[u8]) -> Self {
        DropHash(crate::sha::sha256(bytes))
    }

    /// [`DropHash::of_standardized`] of `N` values at once, in order: the same hashes, faster
    /// on x86-64 processors with SHA-NI, where the values' SHA-256 rounds are interleaved
    /// (one digest alone waits on the latency of each round; two keep the unit busy, so
    /// values go in pairs).
    /// Values of any lengths may be mixed. Elsewhere each value is hashed in turn.
    ///
    /// ```
    /// use dropkit_hash::DropHash;
    ///
    /// let [a, b] = DropHash::of_standardized_array(["anna.smith@domain.com", ""]);
    /// assert_eq!(a, DropHash::of_standardized("anna.smith@domain.com"));
    /// assert_eq!(b.to_string(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    /// ```
    pub fn of_standardized_array<const N: usize>(standardized: [&str; N]) -> [Self; N] {
        Self::of_bytes_array(standardized.map(str::as_bytes))
    }

    /// The digests of `N` values each standardized but for ASCII lowercasing, which is done
    /// where `lower` says as the value is padded for SHA-256: the digests of
    /// [`of_standardized_array`](Self::of_standardized_array) of the values with
    /// [`make_ascii_lowercase`](str::make_ascii_lowercase) applied, without a lowercased copy
    /// of a value shorter than 56 bytes (one SHA-256 block). With
    /// [`standardize::email_ascii_range`](crate::standardize::email_ascii_range), a plain
    /// email's digest straight from the text it was read in.
    ///
    /// ```
    /// use dropkit_hash::DropHash;
    ///
    /// let values = [&b"Anna.Smith@Domain.com"[..], b"x"];
    /// let [a, b] = DropHash::of_ascii_lowercased_array(values, [true, false]);
    /// assert_eq!(a, DropHash::of_standardized("anna.smith@domain.com"));
    /// assert_eq!(b, DropHash::of_standardized("x"));
    /// ```
    pub fn of_ascii_lowercased_array<const N: usize>(
        values: [&[u8]; N],
        lower: [bool; N],
    ) -> [Self; N] {
        crate::sha::sha256_lanes_lowering(values, lower).map(DropHash)
    }

    pub(crate) fn of_bytes_array<const N: usize>(bytes: [&[u8]; N]) -> [Self; N] {
        crate::sha::sha256_lanes(bytes).map(DropHash)
    }

    /// Writes the 44-character Base64 form into `buf` without allocating and returns it.
    pub fn encode_base64<'a>(&self, buf: &'a mut [u8; BASE64_LEN]) -> &'a str {
        *buf = self.base64_bytes();
        // Base64 output is ASCII.
        std::str::from_utf8(&buf[..]).expect("Base64 is ASCII")
    }

    /// The 44 Base64 bytes (standard alphabet, padded), as `STANDARD.encode` gives them: five
    /// groups of 6 bytes to 8 characters (four lookups of a 12-bit pair table, one 8-byte
    /// store), then the last 2 bytes to 3 characters and `=`. Several times faster than the
    /// general engine for 32 bytes, and about twice the one-character table. The digest is
    /// read as four aligned 8-byte words and the 6-byte groups cut from them in registers:
    /// 8-byte reads at bytes 6, 12, 18 and 24 each straddled two of the stores that had just
    /// written the digest, and waited for both (a store-forwarding stall: about a tenth of
    /// `dropkit hash email`'s time was this function).
    pub(crate) fn base64_bytes(&self) -> [u8; BASE64_LEN] {
        let mut out = [b'='; BASE64_LEN];
        let (words, _) = self.0.as_chunks::<8>();
        let mut w = [0u64; 4];
        for (w, word) in w.iter_mut().zip(words) {
            *w = u64::from_be_bytes(*word);
        }
        const LOW48: u64 = (1 << 48) - 1;
        // Bytes 0..6, 6..12, 12..18, 18..24 and 24..30, each as a 48-bit number.
        let groups = [
            w[0] >> 16,
            (w[0] << 32 | w[1] >> 32) & LOW48,
            (w[1] << 16 | w[2] >> 48) & LOW48,
            w[2] & LOW48,
            w[3] >> 16,
        ];
        let pair = |twelve_bits: u64| u64::from(PAIRS[twelve_bits as usize & 4095]);
        for (chunk, bits) in out.chunks_exact_mut(8).zip(groups) {
            let chars = pair(bits >> 36)
                | pair(bits >> 24) << 16
                | pair(bits >> 12) << 32
                | pair(bits) << 48;
            chunk.copy_from_slice(&chars.to_le_bytes());
        }
        // 32 = 5 * 6 + 2: the two bytes left give three characters, then the `=`.
        let n = (w[3] & 0xffff) << 8;
        out[40] = ALPHABET[(n >> 18) as usize & 63];
        out[41] = ALPHABET[(n >> 12) as usize & 63];
        out[42] = ALPHABET[(n >> 6) as usize & 63];
        out
    }

    /// Parses the 44-character Base64 form from bytes (as read from a CSV field).
    pub fn from_base64(text: &[u8]) -> Result<Self, ParseHashError> {
        if text.len() != BASE64_LEN {
            return Err(ParseHashError::Length(text.len()));
        }
        // The 43rd character carries 2 bits of padding that must be zero and the 44th must be
        // `=`; the canonical decoder checks both, so only one text maps to each digest.
        let mut out = [0u8; 33];
        match STANDARD.decode_slice(text, &mut out) {
            Ok(32) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(&out[..32]);
                Ok(DropHash(bytes))
            }
            Ok(n) => Err(ParseHashError::DecodedLength(n)),
            Err(e) => Err(ParseHashError::Base64(e.to_string())),
        }
    }
}

impl From<[u8; 32]> for DropHash {
    fn from(bytes: [u8; 32]) -> Self {
        DropHash(bytes)
    }
}

impl AsRef<[u8]> for DropHash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for DropHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; BASE64_LEN];
        f.write_str(self.encode_base64(&mut buf))
    }
}

impl fmt::Debug for DropHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DropHash({self})")
    }
}

/// Why a text is not a DROP hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseHashError {
    /// The text is not 44 characters long.
    #[error("a DROP hash is 44 Base64 characters, got {0}")]
    Length(usize),
    /// The text is not canonical, padded, standard-alphabet Base64.
    #[error("a DROP hash must be standard padded Base64 (A-Z a-z 0-9 + /, ending in =): {0}")]
    Base64(String),
    /// The Base64 decodes to a number of bytes other than 32.
    #[error("a DROP hash decodes to 32 bytes, got {0}")]
    DecodedLength(usize),
}

impl FromStr for DropHash {
    type Err = ParseHashError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_base64(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_table_encoder_matches_the_base64_crate() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut digests = vec![[0u8; 32], [0xff; 32]];
        for _ in 0..2000 {
            let mut d = [0u8; 32];
            for b in &mut d {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            digests.push(d);
        }
        let mut buf = [0u8; BASE64_LEN];
        for d in digests {
            let h = DropHash::from_bytes(d);
            assert_eq!(h.encode_base64(&mut buf), STANDARD.encode(d));
            assert_eq!(h.encode_base64(&mut buf).parse::<DropHash>(), Ok(h));
        }
    }

    #[test]
    fn rejects_everything_but_canonical_padded_standard_base64() {
        let good = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";
        assert!(good.parse::<DropHash>().is_ok());
        // URL-safe alphabet
        assert!(matches!(
            "KA18MT_ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=".parse::<DropHash>(),
            Err(ParseHashError::Base64(_))
        ));
        // missing padding
        assert_eq!(
            "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE".parse::<DropHash>(),
            Err(ParseHashError::Length(43))
        );
        // hex
        assert_eq!(
            "a".repeat(64).parse::<DropHash>(),
            Err(ParseHashError::Length(64))
        );
        // non-zero trailing bits (not canonical)
        assert!(
            "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhF="
                .parse::<DropHash>()
                .is_err()
        );
        // whitespace is not trimmed silently
        assert!(
            " A18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE="
                .parse::<DropHash>()
                .is_err()
        );
    }

    #[test]
    fn debug_shows_base64() {
        let h = DropHash::of_standardized("");
        assert_eq!(
            format!("{h:?}"),
            "DropHash(47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=)"
        );
    }
}
