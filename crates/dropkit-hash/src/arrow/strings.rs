//! Reading a value of any Arrow string array by row: Utf8, LargeUtf8, Utf8View, a dictionary
//! of those, or an array of nulls only.

use arrow_array::cast::AsArray;
use arrow_array::{Array, LargeStringArray, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

use super::ArrowHashError;

/// An Arrow array of strings, read one row at a time.
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// A dictionary: each row's key (clamped into the values, as arrow does), the keys' nulls,
    /// and the values.
    Dict {
        keys: Vec<usize>,
        nulls: Option<NullBuffer>,
        values: Box<Strings<'a>>,
    },
    /// An array of the `Null` type (what pyarrow makes of a list of `None`): every row null.
    Nulls(usize),
}

impl<'a> Strings<'a> {
    /// `array` as strings; `index` names it in the error.
    pub(crate) fn of(array: &'a dyn Array, index: usize) -> Result<Self, ArrowHashError> {
        let unsupported = || ArrowHashError::UnsupportedType {
            index,
            data_type: array.data_type().clone(),
        };
        Ok(match array.data_type() {
            DataType::Utf8 => Strings::Utf8(array.as_string_opt().ok_or_else(unsupported)?),
            DataType::LargeUtf8 => Strings::Large(array.as_string_opt().ok_or_else(unsupported)?),
            DataType::Utf8View => {
                Strings::View(array.as_string_view_opt().ok_or_else(unsupported)?)
            }
            DataType::Null => Strings::Nulls(array.len()),
            DataType::Dictionary(_, value_type)
                if matches!(
                    value_type.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let dict = array.as_any_dictionary_opt().ok_or_else(unsupported)?;
                let keys = dict.keys();
                let nulls = keys.nulls().cloned();
                if dict.values().is_empty() {
                    // No value to point at: a valid array of this shape has only null keys.
                    return Ok(Strings::Nulls(array.len()));
                }
                Strings::Dict {
                    keys: dict.normalized_keys(),
                    nulls,
                    values: Box::new(Strings::of(dict.values().as_ref(), index)?),
                }
            }
            _ => return Err(unsupported()),
        })
    }

    /// How many rows.
    pub(crate) fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
            Strings::Dict { keys, .. } => keys.len(),
            Strings::Nulls(n) => *n,
        }
    }

    /// Row `i`'s value, `None` when it is null. `i` must be below [`len`](Self::len).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strings::Large(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strings::View(a) => (!a.is_null(i)).then(|| a.value(i)),
            Strings::Dict {
                keys,
                nulls,
                values,
            } => {
                if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                    None
                } else {
                    values.get(keys[i])
                }
            }
            Strings::Nulls(_) => None,
        }
    }
}

/// Every array as strings, all of one length.
pub(crate) fn all_of<'a>(arrays: &[&'a dyn Array]) -> Result<Vec<Strings<'a>>, ArrowHashError> {
    let columns = arrays
        .iter()
        .enumerate()
        .map(|(i, a)| Strings::of(*a, i))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(first) = columns.first() {
        let expected = first.len();
        if let Some((index, c)) = columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.len() != expected)
        {
            return Err(ArrowHashError::LengthMismatch {
                index,
                len: c.len(),
                expected,
            });
        }
    }
    Ok(columns)
}
