//! SHA-256 digests, written as 64 lowercase hexadecimal digits (what `sha256sum` prints).

use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::AuditError;

/// A SHA-256 digest.
///
/// Displayed, parsed and (de)serialized as 64 lowercase hexadecimal digits, the form
/// `sha256sum` prints, so a digest in an audit line or an attestation can be compared with
/// the output of standard tools. Parsing accepts upper case too.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest of nothing at all: 64 zeros, the `prev` of an audit chain's first line and
    /// the hash of an empty chain's head.
    pub const ZERO: Digest = Digest([0; 32]);

    /// The SHA-256 of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// The SHA-256 of the file at `path`, read in blocks (a DROP ZIP can be large).
    pub fn of_file(path: &Path) -> Result<Digest, AuditError> {
        let mut file = std::fs::File::open(path).map_err(|e| AuditError::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0_u8; 64 * 1024];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(AuditError::io(path, e)),
            };
            hasher.update(&buf[..n]);
        }
        Ok(Digest(hasher.finalize().into()))
    }

    /// The digest's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Digest {
    fn from(bytes: [u8; 32]) -> Digest {
        Digest(bytes)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

/// Why a text is not a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a SHA-256 digest is 64 hexadecimal digits")]
pub struct ParseDigestError;

impl FromStr for Digest {
    type Err = ParseDigestError;

    fn from_str(s: &str) -> Result<Digest, ParseDigestError> {
        let mut bytes = [0_u8; 32];
        if s.len() != 64 {
            return Err(ParseDigestError);
        }
        hex::decode_to_slice(s, &mut bytes).map_err(|_| ParseDigestError)?;
        Ok(Digest(bytes))
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_digest_reads_and_prints_as_sha256sum_does() {
        let d = Digest::of_bytes(b"abc");
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(d.to_string(), hex);
        assert_eq!(hex.parse::<Digest>().unwrap(), d);
        assert_eq!(hex.to_uppercase().parse::<Digest>().unwrap(), d);
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{hex}\""));
        assert!("abc".parse::<Digest>().is_err());
        assert!(format!("{}zz", &hex[..62]).parse::<Digest>().is_err());
        assert_eq!(Digest::ZERO.to_string(), "0".repeat(64));
    }

    #[test]
    fn a_file_digest_equals_the_digest_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..200_000_u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(Digest::of_file(&path).unwrap(), Digest::of_bytes(&bytes));
        assert!(Digest::of_file(&dir.path().join("missing")).is_err());
    }
}
