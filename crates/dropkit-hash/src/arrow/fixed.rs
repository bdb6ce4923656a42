//! Building an array of hashes. Every hash is [`BASE64_LEN`] bytes of Base64, so row `i`'s text
//! has a known place in the output: row chunks are written in place on every core, with no
//! per-row offsets, no `&str` checks and no copy into the final buffer. Rows without a hash are
//! squeezed out afterwards, in one pass, only when there are some.

use arrow_array::StringArray;
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use rayon::prelude::*;

use super::build::{CHUNK_ROWS, PARALLEL_ROWS};
use super::{ArrowHashError, OnInvalid};
use crate::{BASE64_LEN, DropHash, Field, Hasher, StandardizeError};

/// What a row gave: its hash, or its standardized text left in the [`Hasher`] to be digested
/// (with the next such row: two digests at once).
pub(crate) enum Row {
    /// The row's hash.
    Hash(DropHash),
    /// The row's standardized text is [`Hasher::standardized`].
    Standardized,
}

/// A row's [`Row`], `None` for a null row, or the field that would not standardize.
pub(crate) type RowResult = Result<Option<Row>, (Field, StandardizeError)>;

/// Whether `len` rows of [`BASE64_LEN`] bytes each fit in a `StringArray` (i32 offsets).
pub(crate) fn fits(len: usize) -> bool {
    len.checked_mul(BASE64_LEN)
        .is_some_and(|b| i32::try_from(b).is_ok())
}

/// The array of the Base64 hashes `row` gives for rows `0..len` (at most a [`fits`] length).
pub(crate) fn build_hashes<F>(
    len: usize,
    on_invalid: OnInvalid,
    row: F,
) -> Result<StringArray, ArrowHashError>
where
    F: Fn(&mut Hasher, usize) -> RowResult + Sync,
{
    let bytes = len
        .checked_mul(BASE64_LEN)
        .filter(|&b| i32::try_from(b).is_ok())
        .ok_or(ArrowHashError::TooLarge {
            bytes: len.saturating_mul(BASE64_LEN),
        })?;
    let mut text = vec![0u8; bytes];
    let mut valid = vec![true; len];
    let fill = |(c, (text, valid)): (usize, (&mut [u8], &mut [bool]))| {
        fill_chunk(c * CHUNK_ROWS, text, valid, on_invalid, &row)
    };
    let text_chunks = CHUNK_ROWS * BASE64_LEN;
    // In row order either way: the first error is the one of the lowest row.
    let nulls: Vec<Result<usize, ArrowHashError>> = if len < PARALLEL_ROWS {
        text.chunks_mut(text_chunks)
            .zip(valid.chunks_mut(CHUNK_ROWS))
            .enumerate()
            .map(fill)
            .collect()
    } else {
        text.par_chunks_mut(text_chunks)
            .zip(valid.par_chunks_mut(CHUNK_ROWS))
            .enumerate()
            .map(fill)
            .collect()
    };
    let nulls = nulls.into_iter().sum::<Result<usize, _>>()?;
    let (offsets, nulls) = if nulls == 0 {
        // `bytes` fits in an i32 (checked above), so every offset does.
        let offsets: Vec<i32> = (0..=len).map(|i| (i * BASE64_LEN) as i32).collect();
        (offsets, None)
    } else {
        (squeeze(&mut text, &valid), Some(NullBuffer::from(valid)))
    };
    // Base64 is ASCII and every row is whole: `try_new` cannot fail, but is checked anyway.
    StringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Buffer::from_vec(text),
        nulls,
    )
    .map_err(|e| ArrowHashError::Arrow(e.to_string()))
}

/// Hashes rows `first..first + valid.len()` into their places in `text`; returns how many
/// were null (or invalid, with [`OnInvalid::Null`]). Rows that leave their standardized text
/// are digested two at a time (SHA-256 rounds interleaved): the first waits in one hasher
/// while the next row is standardized in the other.
fn fill_chunk<F>(
    first: usize,
    text: &mut [u8],
    valid: &mut [bool],
    on_invalid: OnInvalid,
    row: &F,
) -> Result<usize, ArrowHashError>
where
    F: Fn(&mut Hasher, usize) -> RowResult,
{
    let mut hashers = [Hasher::new(), Hasher::new()];
    // The row whose standardized text waits in `hashers[0]`.
    let mut held: Option<usize> = None;
    let mut nulls = 0;
    let put = |text: &mut [u8], k: usize, base64: [u8; BASE64_LEN]| {
        if let Some(slot) = text.get_mut(k * BASE64_LEN..(k + 1) * BASE64_LEN) {
            slot.copy_from_slice(&base64);
        }
    };
    for (k, ok) in valid.iter_mut().enumerate() {
        let hasher = &mut hashers[usize::from(held.is_some())];
        match row(hasher, first + k) {
            Ok(Some(Row::Hash(hash))) => put(text, k, hash.base64_bytes()),
            Ok(Some(Row::Standardized)) => match held.take() {
                None => held = Some(k),
                Some(j) => {
                    let [a, b] = &hashers;
                    let [ha, hb] = DropHash::of_bytes_array([
                        a.standardized().as_bytes(),
                        b.standardized().as_bytes(),
                    ]);
                    put(text, j, ha.base64_bytes());
                    put(text, k, hb.base64_bytes());
                }
            },
            Ok(None) => {
                *ok = false;
                nulls += 1;
            }
            Err((field, source)) => match on_invalid {
                OnInvalid::Error => {
                    return Err(ArrowHashError::Invalid {
                        row: first + k,
                        field,
                        source,
                    });
                }
                OnInvalid::Null => {
                    *ok = false;
                    nulls += 1;
                }
            },
        }
    }
    if let Some(j) = held {
        let hash = DropHash::of_standardized(hashers[0].standardized());
        put(text, j, hash.base64_bytes());
    }
    Ok(nulls)
}

/// Moves the hashes of valid rows together (a null row takes no bytes) and returns the
/// offsets; `text` is cut to the bytes used.
fn squeeze(text: &mut Vec<u8>, valid: &[bool]) -> Vec<i32> {
    let mut offsets = Vec::with_capacity(valid.len() + 1);
    offsets.push(0);
    let mut end = 0;
    for (i, &ok) in valid.iter().enumerate() {
        if ok {
            let from = i * BASE64_LEN;
            if from != end {
                text.copy_within(from..from + BASE64_LEN, end);
            }
            end += BASE64_LEN;
        }
        // At most `text.len()`, which fits in an i32.
        offsets.push(end as i32);
    }
    text.truncate(end);
    offsets
}

#[cfg(test)]
mod tests {
    use super::{BASE64_LEN, fits};

    #[test]
    fn fits_up_to_the_last_row_an_i32_offset_can_end() {
        let last = i32::MAX as usize / BASE64_LEN;
        assert!(fits(0) && fits(last));
        assert!(!fits(last + 1) && !fits(usize::MAX));
    }
}
