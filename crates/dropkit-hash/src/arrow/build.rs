//! Building the output `StringArray`: row chunks filled on every core, each into one text
//! buffer with its row ends and validity, then joined into the array's buffers.

use std::ops::Range;

use arrow_array::StringArray;
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use rayon::prelude::*;

use super::{ArrowHashError, OnInvalid};
use crate::{Field, Hasher, StandardizeError};

/// Rows per chunk of work.
pub(super) const CHUNK_ROWS: usize = 16 * 1024;
/// Below this many rows an array is done on the calling thread: handing chunks to other
/// threads costs more than it saves.
pub(super) const PARALLEL_ROWS: usize = 2 * CHUNK_ROWS;

/// What a row gave: written (`Ok(true)`), null (`Ok(false)`), or a value DROP refuses.
pub(crate) type RowResult = Result<bool, (Field, StandardizeError)>;

/// One chunk's output.
struct Piece {
    text: String,
    /// Where each row's text ends in `text`.
    ends: Vec<usize>,
    valid: Vec<bool>,
    nulls: usize,
}

/// Calls `row` for every row in `0..len` (appending its text to the `String`) and builds the
/// array of what they wrote; on rows of more than [`PARALLEL_ROWS`], chunks run on rayon's pool.
pub(crate) fn build<F>(
    len: usize,
    bytes_per_row: usize,
    on_invalid: OnInvalid,
    row: F,
) -> Result<StringArray, ArrowHashError>
where
    F: Fn(&mut Hasher, usize, &mut String) -> RowResult + Sync,
{
    let pieces: Vec<Result<Piece, ArrowHashError>> = if len < PARALLEL_ROWS {
        vec![piece(0..len, bytes_per_row, on_invalid, &row)]
    } else {
        (0..len.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|c| {
                let rows = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(len);
                piece(rows, bytes_per_row, on_invalid, &row)
            })
            .collect()
    };
    // The chunks are in row order: the first error is the one of the lowest row.
    let pieces = pieces.into_iter().collect::<Result<Vec<_>, _>>()?;
    join(pieces, len)
}

fn piece<F>(
    rows: Range<usize>,
    bytes_per_row: usize,
    on_invalid: OnInvalid,
    row: &F,
) -> Result<Piece, ArrowHashError>
where
    F: Fn(&mut Hasher, usize, &mut String) -> RowResult,
{
    let n = rows.len();
    let mut hasher = Hasher::new();
    let mut p = Piece {
        text: String::with_capacity(n * bytes_per_row),
        ends: Vec::with_capacity(n),
        valid: Vec::with_capacity(n),
        nulls: 0,
    };
    for i in rows {
        let start = p.text.len();
        let written = match row(&mut hasher, i, &mut p.text) {
            Ok(written) => written,
            Err((field, source)) => match on_invalid {
                OnInvalid::Error => {
                    return Err(ArrowHashError::Invalid {
                        row: i,
                        field,
                        source,
                    });
                }
                OnInvalid::Null => false,
            },
        };
        if !written {
            p.text.truncate(start);
            p.nulls += 1;
        }
        p.valid.push(written);
        p.ends.push(p.text.len());
    }
    Ok(p)
}

fn join(pieces: Vec<Piece>, len: usize) -> Result<StringArray, ArrowHashError> {
    let bytes: usize = pieces.iter().map(|p| p.text.len()).sum();
    if i32::try_from(bytes).is_err() {
        return Err(ArrowHashError::TooLarge { bytes });
    }
    let nulls: usize = pieces.iter().map(|p| p.nulls).sum();
    let mut offsets: Vec<i32> = Vec::with_capacity(len + 1);
    offsets.push(0);
    let mut valid: Vec<bool> = Vec::with_capacity(if nulls > 0 { len } else { 0 });
    let mut base = 0usize;
    for p in &pieces {
        // Every end is at most `bytes`, checked above to fit in an i32.
        offsets.extend(p.ends.iter().map(|&e| (base + e) as i32));
        base += p.text.len();
        if nulls > 0 {
            valid.extend_from_slice(&p.valid);
        }
    }
    let text: Vec<u8> = if pieces.len() == 1 {
        pieces
            .into_iter()
            .next()
            .map(|p| p.text.into_bytes())
            .unwrap_or_default()
    } else {
        let mut text = Vec::with_capacity(bytes);
        for p in &pieces {
            text.extend_from_slice(p.text.as_bytes());
        }
        text
    };
    let nulls = (nulls > 0).then(|| NullBuffer::from(valid));
    // The offsets are non-decreasing and end within `text`, which is UTF-8 (it was made of
    // `String`s) and cut only between rows: `try_new` cannot fail, but is checked anyway.
    StringArray::try_new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Buffer::from_vec(text),
        nulls,
    )
    .map_err(|e| ArrowHashError::Arrow(e.to_string()))
}
