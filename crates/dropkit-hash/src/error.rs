//! Why a value cannot be standardized.

use crate::Field;

/// Why a raw value could not be standardized, so no hash was made of it.
///
/// DROP hashes only well-formed standardized values; hashing an empty or truncated string would
/// produce a hash that matches nothing (or, worse, matches every other empty value), so every
/// rule that can fail returns this error instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StandardizeError {
    /// Nothing was left after standardization (for example an email of only spaces, a name of
    /// only punctuation, or a ZIP of only zeros).
    #[error("{field} standardizes to nothing")]
    Empty {
        /// The field being standardized.
        field: Field,
    },
    /// The standardized value has a length the rule forbids (MAID 32, VIN 17, CTVID 8 to 32).
    #[error("{field} must standardize to {expected} characters, got {len}")]
    Length {
        /// The field being standardized.
        field: Field,
        /// The length after standardization.
        len: usize,
        /// The length the DROP rule requires, in words (`32`, `8 to 32`).
        expected: &'static str,
    },
    /// A date of birth that is not a real calendar date in an accepted format.
    #[error("date of birth {input:?} {reason}")]
    Date {
        /// The text that was given (trimmed).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
