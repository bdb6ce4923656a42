//! Why an array could not be hashed or standardized.

use arrow_schema::DataType;

use crate::{Field, StandardizeError};

/// Why [`hash_array`](super::hash_array) and its siblings returned no array.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ArrowHashError {
    /// An argument is not an array of strings.
    #[error(
        "array {index}: expected strings (Utf8, LargeUtf8, Utf8View or a dictionary of them), got {data_type}"
    )]
    UnsupportedType {
        /// Which array argument, from 0 (for [`hash_ndz`](super::hash_ndz): 0 first name,
        /// 1 last name, 2 date of birth, 3 ZIP).
        index: usize,
        /// Its Arrow type.
        data_type: DataType,
    },
    /// The arrays of a composite do not all have the same length.
    #[error("array {index} has {len} rows, array 0 has {expected}")]
    LengthMismatch {
        /// Which array argument, from 0.
        index: usize,
        /// Its length.
        len: usize,
        /// The length of array 0.
        expected: usize,
    },
    /// A value DROP would refuse to hash, with [`OnInvalid::Error`](super::OnInvalid::Error).
    #[error("row {row}: {field}: {source}")]
    Invalid {
        /// The value's index in the array (from 0, counted from the array's own start when it
        /// is a slice).
        row: usize,
        /// The field that did not standardize.
        field: Field,
        /// Why.
        source: StandardizeError,
    },
    /// A kind was given another number of arrays than it has fields.
    #[error("{kind} takes {expected} arrays, got {got}")]
    Arity {
        /// The kind's name.
        kind: &'static str,
        /// How many arrays it takes.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// The output would hold more than 2 GiB of text, past what a `StringArray` (32-bit
    /// offsets) can address: split the input into smaller arrays (Arrow engines hand out
    /// chunks of a few thousand to a million rows anyway).
    #[error("the output would hold {bytes} bytes of text, more than a StringArray holds")]
    TooLarge {
        /// Bytes of text the output would hold.
        bytes: usize,
    },
    /// Arrow refused to build the output array (not expected: the buffers are built valid).
    #[error("building the output array: {0}")]
    Arrow(String),
}
