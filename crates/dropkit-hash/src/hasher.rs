//! Standardize-and-hash with reusable buffers: the hot path of matching.

use crate::hash::BASE64_LEN;
use crate::{Dob, DropHash, Field, StandardizeError, standardize};

/// Standardizes and hashes values, reusing one buffer so a batch allocates nothing per value.
///
/// Keep one `Hasher` per thread and call it for each value; [`Hasher::standardized`] gives the
/// text of the last value hashed, for output or audit.
///
/// ```
/// use dropkit_hash::{Field, Hasher};
///
/// let mut h = Hasher::new();
/// let hash = h.hash(Field::Email, "Anna.Smith@Domain.com").unwrap();
/// assert_eq!(h.standardized(), "anna.smith@domain.com");
/// assert_eq!(hash.to_string(), "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=");
///
/// let ndz = h.ndz("Danielle", "Johnson", "1985-07-04", "91790").unwrap();
/// assert_eq!(ndz.to_string(), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=");
/// ```
#[derive(Debug, Default, Clone)]
pub struct Hasher {
    buf: String,
}

impl Hasher {
    /// A hasher with an empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Standardizes `input` by `field`'s rule and returns the SHA-256 of the result.
    pub fn hash(&mut self, field: Field, input: &str) -> Result<DropHash, StandardizeError> {
        self.buf.clear();
        standardize::field_into(field, input, &mut self.buf)?;
        Ok(DropHash::of_standardized(&self.buf))
    }

    /// Standardizes `input` by `field`'s rule into the buffer ([`Hasher::standardized`])
    /// without hashing it: for callers that hash several values at once.
    #[cfg(feature = "arrow")]
    pub(crate) fn standardize(
        &mut self,
        field: Field,
        input: &str,
    ) -> Result<(), StandardizeError> {
        self.buf.clear();
        standardize::field_into(field, input, &mut self.buf)
    }

    /// Hashes a date of birth already parsed into a [`Dob`].
    pub fn hash_dob(&mut self, dob: Dob) -> DropHash {
        self.buf.clear();
        dob.standardize_into(&mut self.buf);
        DropHash::of_standardized(&self.buf)
    }

    /// The standardized text of the last value hashed. After a composite
    /// ([`Hasher::ndz`], [`Hasher::name_vin`]) it is the standardized fields joined by `|`
    /// (`danielle|johnson|19850704|91790`), for output and audit.
    pub fn standardized(&self) -> &str {
        &self.buf
    }

    /// The NDZ composite hash of first name, last name, date of birth (`YYYY-MM-DD` or
    /// `YYYYMMDD`) and ZIP.
    pub fn ndz(
        &mut self,
        first: &str,
        last: &str,
        dob: &str,
        zip: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.buf.clear();
        let parts = [
            self.push_part(Field::FirstName, first)?,
            self.push_part(Field::LastName, last)?,
            self.push_part(Field::Dob, dob)?,
            self.push_part(Field::Zip, zip)?,
        ];
        Ok(composite(&parts))
    }

    /// The NDZ composite hash with a date of birth already parsed.
    pub fn ndz_with_dob(
        &mut self,
        first: &str,
        last: &str,
        dob: Dob,
        zip: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.buf.clear();
        let first = self.push_part(Field::FirstName, first)?;
        let last = self.push_part(Field::LastName, last)?;
        self.buf.push('|');
        let start = self.buf.len();
        dob.standardize_into(&mut self.buf);
        let dob = DropHash::of_standardized(&self.buf[start..]);
        let zip = self.push_part(Field::Zip, zip)?;
        Ok(composite(&[first, last, dob, zip]))
    }

    /// The NameVIN composite hash of first name, last name and VIN.
    pub fn name_vin(
        &mut self,
        first: &str,
        last: &str,
        vin: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.buf.clear();
        let parts = [
            self.push_part(Field::FirstName, first)?,
            self.push_part(Field::LastName, last)?,
            self.push_part(Field::Vin, vin)?,
        ];
        Ok(composite(&parts))
    }

    /// Appends `|` (after the first part) and the standardized field; hashes that part.
    fn push_part(&mut self, field: Field, input: &str) -> Result<DropHash, StandardizeError> {
        if !self.buf.is_empty() {
            self.buf.push('|');
        }
        let start = self.buf.len();
        standardize::field_into(field, input, &mut self.buf)?;
        Ok(DropHash::of_standardized(&self.buf[start..]))
    }
}

/// DROP's composite hash: SHA-256 over the Base64 texts of the field hashes, concatenated in
/// order with no separator (spec §4; the official vectors prove there is no separator).
///
/// ```
/// use dropkit_hash::{DropHash, composite};
///
/// let parts = ["eve", "genesis", "1hgcm82633a004352"].map(DropHash::of_standardized);
/// assert_eq!(composite(&parts).to_string(), "rtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=");
/// ```
pub fn composite(parts: &[DropHash]) -> DropHash {
    // NDZ has four parts, NameVIN three: their texts fit one stack buffer, hashed in one go.
    let mut text = [0u8; 4 * BASE64_LEN];
    if parts.len() > 4 {
        let joined: String = parts.iter().map(ToString::to_string).collect();
        return DropHash::of_standardized(&joined);
    }
    for (slot, part) in text.chunks_exact_mut(BASE64_LEN).zip(parts) {
        slot.copy_from_slice(&part.base64_bytes());
    }
    DropHash::of_bytes(&text[..parts.len() * BASE64_LEN])
}

/// The text the composite hash is taken over: the Base64 field hashes joined with nothing.
/// Useful for audits and for checking an implementation against the spec's vectors.
pub fn composite_input(parts: &[DropHash]) -> String {
    parts.iter().map(ToString::to_string).collect()
}
