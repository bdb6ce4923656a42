//! Whole Arrow string arrays standardized and hashed at once (feature `arrow`).
//!
//! For dataframe engines and bindings (the Python package, DuckDB and Spark UDFs): an Arrow
//! array of raw values in, a `StringArray` of 44-character Base64 hashes (or of standardized
//! text) out, by exactly the rules of [`Hasher`](crate::Hasher). Inputs may be `Utf8`,
//! `LargeUtf8`, `Utf8View`, a dictionary of those, or the all-null `Null` type, sliced or
//! not. The output's buffers are written directly (no `String` per row), and arrays of more
//! than 32,768 rows are cut into chunks hashed on rayon's pool.
//!
//! A null input row gives a null. A value DROP would refuse (empty after standardization, a
//! VIN of 16 characters, an impossible date, ...) gives a null with [`OnInvalid::Null`], or
//! stops with [`ArrowHashError::Invalid`] naming the first such row and its field with
//! [`OnInvalid::Error`]. Composites ([`hash_ndz`], [`hash_name_vin`]) are null when any of
//! their parts is.
//!
//! ```
//! use arrow_array::{Array, StringArray};
//! use dropkit_hash::Field;
//! use dropkit_hash::arrow::{OnInvalid, hash_array, hash_ndz};
//!
//! let emails = StringArray::from(vec![Some(" Anna.Smith@Domain.com"), None, Some("  ")]);
//! let hashes = hash_array(Field::Email, &emails, OnInvalid::Null).unwrap();
//! assert_eq!(hashes.value(0), "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=");
//! assert!(hashes.is_null(1) && hashes.is_null(2));
//! assert!(hash_array(Field::Email, &emails, OnInvalid::Error).is_err());
//!
//! let col = |v: &str| StringArray::from(vec![v]);
//! let ndz = hash_ndz(&col("Danielle"), &col("Johnson"), &col("1985-07-04"), &col("91790"), OnInvalid::Error).unwrap();
//! assert_eq!(ndz.value(0), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=");
//! ```

mod build;
mod error;
mod fixed;
mod kind;
mod strings;

use arrow_array::{Array, StringArray};

pub use error::ArrowHashError;
pub use kind::{Kind, ParseKindError};

use crate::{BASE64_LEN, DropHash, Field, composite};
use build::{RowResult, build};
use fixed::build_hashes;
use strings::{Strings, all_of};

/// What a value that DROP would refuse (wrong length VIN, empty after standardization, ...)
/// becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnInvalid {
    /// A null in the output, like a null input.
    #[default]
    Null,
    /// An [`ArrowHashError::Invalid`] naming the first such row and its field.
    Error,
}

/// The hashes of `values` standardized by `field`'s rule: 44 characters of Base64 per row.
pub fn hash_array(
    field: Field,
    values: &dyn Array,
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    hash_fields(&[field], &[values], on_invalid)
}

/// `values` standardized by `field`'s rule (the text that is hashed).
pub fn standardize_array(
    field: Field,
    values: &dyn Array,
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    standardize_fields(&[field], &[values], on_invalid)
}

/// The NDZ composite hashes of first names, last names, dates of birth (`YYYY-MM-DD` or
/// `YYYYMMDD`) and ZIPs, row by row; the arrays must have one length.
pub fn hash_ndz(
    first: &dyn Array,
    last: &dyn Array,
    dob: &dyn Array,
    zip: &dyn Array,
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    hash_fields(Kind::Ndz.fields(), &[first, last, dob, zip], on_invalid)
}

/// The NameVIN composite hashes of first names, last names and VINs, row by row; the arrays
/// must have one length.
pub fn hash_name_vin(
    first: &dyn Array,
    last: &dyn Array,
    vin: &dyn Array,
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    hash_fields(Kind::NameVin.fields(), &[first, last, vin], on_invalid)
}

/// The hashes of `kind` from one array per field of the kind ([`Kind::fields`], in that
/// order): [`hash_array`], [`hash_ndz`] or [`hash_name_vin`] chosen by name, for bindings.
pub fn hash_kind(
    kind: Kind,
    arrays: &[&dyn Array],
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    check_arity(kind, arrays)?;
    hash_fields(kind.fields(), arrays, on_invalid)
}

/// The standardized text of `kind` from one array per field of the kind. For a composite,
/// the standardized fields joined by `|` (`danielle|johnson|19850704|91790`), as
/// [`Hasher::standardized`](crate::Hasher::standardized) gives it.
pub fn standardize_kind(
    kind: Kind,
    arrays: &[&dyn Array],
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    check_arity(kind, arrays)?;
    standardize_fields(kind.fields(), arrays, on_invalid)
}

fn check_arity(kind: Kind, arrays: &[&dyn Array]) -> Result<(), ArrowHashError> {
    if arrays.len() == kind.fields().len() {
        Ok(())
    } else {
        Err(ArrowHashError::Arity {
            kind: kind.as_str(),
            expected: kind.fields().len(),
            got: arrays.len(),
        })
    }
}

/// One hash per row: of the one field, or the composite of several.
fn hash_fields(
    fields: &[Field],
    arrays: &[&dyn Array],
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    let columns = all_of(arrays)?;
    let len = columns.first().map_or(0, Strings::len);
    // A single field's value is only standardized here (`Row::Standardized`): the builder
    // digests such rows two at a time.
    let row_of = |hasher: &mut crate::Hasher, row: usize| -> fixed::RowResult {
        if let ([field], [column]) = (fields, columns.as_slice()) {
            let Some(value) = column.get(row) else {
                return Ok(None);
            };
            return hasher
                .standardize(*field, value)
                .map(|()| Some(fixed::Row::Standardized))
                .map_err(|e| (*field, e));
        }
        let mut values = [""; 4];
        let mut parts = [DropHash::from_bytes([0; 32]); 4];
        for (slot, column) in values.iter_mut().zip(&columns) {
            match column.get(row) {
                Some(v) => *slot = v,
                None => return Ok(None),
            }
        }
        for ((part, field), value) in parts.iter_mut().zip(fields).zip(values) {
            *part = hasher.hash(*field, value).map_err(|e| (*field, e))?;
        }
        Ok(Some(fixed::Row::Hash(composite(&parts[..fields.len()]))))
    };
    if fixed::fits(len) {
        return build_hashes(len, on_invalid, row_of);
    }
    // Too many rows for every one to hold a hash in an i32-offset array: the row-by-row builder,
    // which counts only the rows that have one (nulls take no bytes) before refusing.
    build(len, BASE64_LEN, on_invalid, |hasher, row, out| {
        let hash = match row_of(hasher, row)? {
            None => return Ok(false),
            Some(fixed::Row::Hash(hash)) => hash,
            Some(fixed::Row::Standardized) => DropHash::of_standardized(hasher.standardized()),
        };
        out.push_str(hash.encode_base64(&mut [0; BASE64_LEN]));
        Ok(true)
    })
}

/// One standardized text per row: of the one field, or the fields joined by `|`.
fn standardize_fields(
    fields: &[Field],
    arrays: &[&dyn Array],
    on_invalid: OnInvalid,
) -> Result<StringArray, ArrowHashError> {
    let columns = all_of(arrays)?;
    let len = columns.first().map_or(0, Strings::len);
    let per_row = 12 * fields.len();
    build(len, per_row, on_invalid, |_, row, out| -> RowResult {
        if columns.iter().any(|c| c.get(row).is_none()) {
            return Ok(false);
        }
        for (k, (field, column)) in fields.iter().zip(&columns).enumerate() {
            if k > 0 {
                out.push('|');
            }
            let value = column.get(row).unwrap_or_default();
            crate::standardize::field_into(*field, value, out).map_err(|e| (*field, e))?;
        }
        Ok(true)
    })
}
