//! Ed25519 signatures of attestations, and the key files.
//!
//! Key files are PEM, the form `openssl` reads and writes:
//!
//! - the private key: PKCS#8, `-----BEGIN PRIVATE KEY-----` (`openssl genpkey -algorithm
//!   ed25519 -out attest.pem`, or `dropkit attest keygen --out attest.pem`);
//! - the public key: SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----` (`openssl pkey -in
//!   attest.pem -pubout -out attest.pem.pub`).
//!
//! The signature is detached, in `attestation.json.sig` next to the attestation: it covers
//! the exact bytes of `attestation.json`, so `openssl pkeyutl -verify -rawin` checks it too.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use ed25519_dalek::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use ed25519_dalek::{Signature, Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::attestation::write_files;
use crate::{ATTESTATION_FILE, Attestation, AttestationFiles, AuditError, Digest};

/// The only signature algorithm, as named in a signature file.
pub const ALGORITHM: &str = "ed25519";

/// `attestation.json.sig`: a detached Ed25519 signature of `attestation.json`'s bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignatureFile {
    /// Always [`ALGORITHM`].
    pub algorithm: String,
    /// The signer's public key: its 32 bytes in standard Base64. Informative: a verifier
    /// trusts the public key it was given, not this one.
    pub public_key: String,
    /// The signature: 64 bytes in standard Base64.
    pub signature: String,
    /// The name of the file signed.
    pub signed: String,
    /// The SHA-256 of the bytes signed.
    pub signed_sha256: Digest,
}

impl SignatureFile {
    /// Checks this signature over `bytes`: with `trusted`, the key the verifier holds; with
    /// `None`, the key the file names (which shows the file is whole, not who made it).
    /// Returns the key the signature was checked with; the error says why not (never key
    /// material).
    pub fn check(
        &self,
        bytes: &[u8],
        trusted: Option<&VerifyingKey>,
    ) -> Result<VerifyingKey, String> {
        if self.algorithm != ALGORITHM {
            return Err(format!("unknown algorithm {:?}", self.algorithm));
        }
        let named = decode_key(&self.public_key)?;
        let key = match trusted {
            Some(trusted) if trusted.as_bytes() != named.as_bytes() => {
                return Err("signed with another key than the public key given".to_owned());
            }
            Some(trusted) => *trusted,
            None => named,
        };
        if Digest::of_bytes(bytes) != self.signed_sha256 {
            return Err(format!(
                "the signature is of another version of {} (SHA-256 {})",
                self.signed, self.signed_sha256
            ));
        }
        let raw: [u8; 64] = BASE64
            .decode(&self.signature)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or("the signature is not 64 bytes in Base64")?;
        key.verify(bytes, &Signature::from_bytes(&raw))
            .map_err(|_| "the signature does not match the file".to_owned())?;
        Ok(key)
    }
}

fn decode_key(base64: &str) -> Result<VerifyingKey, String> {
    let raw: [u8; 32] = BASE64
        .decode(base64)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or("its public key is not 32 bytes in Base64")?;
    VerifyingKey::from_bytes(&raw).map_err(|_| "its public key is not an Ed25519 key".to_owned())
}

/// An attestation with its signature: the exact JSON bytes signed and the signature file.
#[derive(Debug, Clone)]
pub struct SignedAttestation {
    attestation: Attestation,
    json: Vec<u8>,
    signature: SignatureFile,
}

impl Attestation {
    /// Signs the attestation's JSON ([`Attestation::to_json`]) with `key`.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedAttestation, AuditError> {
        let json = self.to_json()?;
        let signature = SignatureFile {
            algorithm: ALGORITHM.to_owned(),
            public_key: BASE64.encode(key.verifying_key().as_bytes()),
            signature: BASE64.encode(key.sign(&json).to_bytes()),
            signed: ATTESTATION_FILE.to_owned(),
            signed_sha256: Digest::of_bytes(&json),
        };
        Ok(SignedAttestation {
            attestation: self.clone(),
            json,
            signature,
        })
    }
}

impl SignedAttestation {
    /// The attestation signed.
    pub fn attestation(&self) -> &Attestation {
        &self.attestation
    }

    /// The bytes signed: `attestation.json` as it will be written.
    pub fn json(&self) -> &[u8] {
        &self.json
    }

    /// The signature.
    pub fn signature(&self) -> &SignatureFile {
        &self.signature
    }

    /// Writes `attestation.json`, `attestation.json.sig` and `attestation.md` into
    /// `round_dir`, each atomically and `0600` on Unix.
    pub fn write(&self, round_dir: &Path) -> Result<AttestationFiles, AuditError> {
        let mut sig =
            serde_json::to_vec_pretty(&self.signature).map_err(|e| AuditError::Signature {
                path: round_dir.join(crate::SIGNATURE_FILE),
                message: e.to_string(),
            })?;
        sig.push(b'\n');
        write_files(&self.attestation, &self.json, round_dir, Some(&sig))
    }
}

/// Reads a private key: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey
/// -algorithm ed25519` and [`generate_key_pair`] write it.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, AuditError> {
    let text = read_key_text(path)?;
    SigningKey::from_pkcs8_pem(&text).map_err(|_| AuditError::Key {
        path: path.to_owned(),
        message: "not an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)"
            .to_owned(),
    })
}

/// Reads a public key: SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl
/// pkey -pubout` and [`generate_key_pair`] write it.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, AuditError> {
    let text = read_key_text(path)?;
    VerifyingKey::from_public_key_pem(&text).map_err(|_| AuditError::Key {
        path: path.to_owned(),
        message: "not an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----)".to_owned(),
    })
}

fn read_key_text(path: &Path) -> Result<zeroize_string::Text, AuditError> {
    let bytes = std::fs::read(path).map_err(|e| AuditError::io(path, e))?;
    String::from_utf8(bytes)
        .map(zeroize_string::Text)
        .map_err(|_| AuditError::Key {
            path: path.to_owned(),
            message: "not a PEM text file".to_owned(),
        })
}

mod zeroize_string {
    //! A key file's text, wiped from memory when dropped.
    pub(super) struct Text(pub(super) String);

    impl std::ops::Deref for Text {
        type Target = str;
        fn deref(&self) -> &str {
            &self.0
        }
    }

    impl Drop for Text {
        fn drop(&mut self) {
            // Best effort: overwrite the buffer in place (same length, same allocation)
            // before it is freed.
            let len = self.0.len();
            self.0.clear();
            self.0.extend(std::iter::repeat_n('\0', len));
            std::hint::black_box(&self.0);
        }
    }
}

/// The two files of a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyFiles {
    /// The private key, PKCS#8 PEM, `0600` on Unix.
    pub private: PathBuf,
    /// The public key, SubjectPublicKeyInfo PEM, next to it as `<private>.pub`.
    pub public: PathBuf,
}

/// Makes a new Ed25519 key pair from the operating system's random source and writes it:
/// the private key to `private` (`0600` on Unix) and the public key to `<private>.pub`.
/// Refuses to replace either file if it exists.
pub fn generate_key_pair(private: &Path) -> Result<KeyFiles, AuditError> {
    use rand::TryRng as _;

    let mut public = private.as_os_str().to_owned();
    public.push(".pub");
    let files = KeyFiles {
        private: private.to_owned(),
        public: PathBuf::from(public),
    };
    for path in [&files.private, &files.public] {
        if path.exists() {
            return Err(AuditError::Key {
                path: path.clone(),
                message: "exists already; not replaced".to_owned(),
            });
        }
    }
    let mut seed = zeroize_seed::Seed([0_u8; 32]);
    rand::rngs::SysRng
        .try_fill_bytes(&mut seed.0)
        .map_err(|e| AuditError::Key {
            path: files.private.clone(),
            message: format!("no random bytes from the operating system: {e}"),
        })?;
    let key = SigningKey::from_bytes(&seed.0);
    let key_error = |path: &Path| AuditError::Key {
        path: path.to_owned(),
        message: "cannot encode the key as PEM".to_owned(),
    };
    let private_pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| key_error(&files.private))?;
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|_| key_error(&files.public))?;
    create_new(&files.private, private_pem.as_bytes(), 0o600)?;
    create_new(&files.public, public_pem.as_bytes(), 0o644)?;
    Ok(files)
}

mod zeroize_seed {
    //! A key seed, wiped from memory when dropped.
    pub(super) struct Seed(pub(super) [u8; 32]);

    impl Drop for Seed {
        fn drop(&mut self) {
            self.0 = [0; 32];
            std::hint::black_box(&self.0);
        }
    }
}

fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), AuditError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| AuditError::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| AuditError::io(path, e))
}
