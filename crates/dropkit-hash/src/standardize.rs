//! DROP's standardization rule for each field (spec §5), writing into a caller's buffer.
//!
//! Every function appends the standardized value to `out` (which the caller clears and reuses,
//! so a batch allocates nothing per value) and returns an error instead of writing a value DROP
//! would not hash. Inputs are `&str`: decoding broker data to UTF-8 is the caller's job.

use crate::{Dob, Field, StandardizeError};

pub use crate::name::name_into;

/// Standardizes `input` as `field` into `out` (appending). `out` is left as it was on error.
pub fn field_into(field: Field, input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    let result = match field {
        Field::Email => email_into(input, out),
        Field::Phone => phone_into(input, out),
        Field::FirstName | Field::LastName => name_into(field, input, out),
        Field::Dob => Dob::parse_text(input).map(|d| d.standardize_into(out)),
        Field::Zip => zip_into(input, out),
        Field::Maid => maid_into(input, out),
        Field::Ctvid => ctvid_into(input, out),
        Field::Vin => vin_into(input, out),
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Standardizes `input` as `field` into a new `String`.
///
/// ```
/// use dropkit_hash::{Field, standardize};
///
/// assert_eq!(standardize::field(Field::Zip, "91790-3771").unwrap(), "91790");
/// assert_eq!(standardize::field(Field::Phone, "+1(415)555-9317").unwrap(), "4155559317");
/// ```
pub fn field(field: Field, input: &str) -> Result<String, StandardizeError> {
    let mut out = String::with_capacity(input.len());
    field_into(field, input, &mut out)?;
    Ok(out)
}

/// Email: "remove all whitespace, then lowercase. Do not remove dots, plus signs, or other
/// characters."
///
/// Whitespace is Unicode `White_Space` (so a no-break space pasted from a web form goes too)
/// and lowercasing is Unicode's; both are the widest reading of the rule. No syntax check is
/// made: DROP hashes whatever the consumer typed.
pub fn email_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    if input.is_ascii() {
        // ASCII White_Space: TAB, LF, VT, FF, CR and space.
        let space = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
        let bytes = input.as_bytes();
        let first = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !space(b))
            .map_or(first, |i| i + 1);
        let inner = input.get(first..end).unwrap_or_default();
        // Most emails have no space inside (leading and trailing ones are cut above): copy them
        // whole.
        if any_byte_up_to_space(inner.as_bytes()) && inner.bytes().any(|b| space(&b)) {
            for run in inner.split(|c: char| space(&(c as u8))) {
                out.push_str(run);
            }
        } else {
            out.push_str(inner);
        }
        out[start..].make_ascii_lowercase();
    } else {
        for c in input.chars().filter(|c| !c.is_whitespace()) {
            out.extend(c.to_lowercase());
        }
    }
    non_empty(Field::Email, out, start)
}

/// Whether any byte is at most 0x20 (every ASCII whitespace byte is), eight bytes at a time.
fn any_byte_up_to_space(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let (words, rest) = bytes.as_chunks::<8>();
    // Padded with a byte above 0x20.
    let mut last = [b'a'; 8];
    last[..rest.len()].copy_from_slice(rest);
    words.iter().chain([&last]).any(|w| {
        let x = u64::from_ne_bytes(*w);
        // Some byte below 0x21 (exact as an "any" test when every byte is ASCII).
        x.wrapping_sub(ONES * 0x21) & !x & HIGH != 0
    })
}

/// Phone: "keep digits only, then retain the last 10 digits, or all digits if fewer than 10
/// remain". Digits are ASCII `0-9` (spec §5.2 assumes ASCII).
pub fn phone_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    let total = input.bytes().filter(u8::is_ascii_digit).count();
    let skip = total.saturating_sub(10);
    out.extend(
        input
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip(skip)
            .map(char::from),
    );
    non_empty(Field::Phone, out, start)
}

/// ZIP: drop a ZIP+4 (everything from the first `-`), keep ASCII alphanumerics, lowercase,
/// remove leading zeros, keep the first five characters.
///
/// The `+4` is dropped *before* zeros are stripped: `00300-9999` is `300`, as the official
/// vectors require. A ZIP+4 without a hyphen (`007123456`) cannot be told from a foreign
/// postal code, so it is treated as nine characters (`71234`); the spec is silent there.
pub fn zip_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    let base = input.split('-').next().unwrap_or(input);
    out.extend(
        base.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
            .skip_while(|&b| b == b'0')
            .take(5)
            .map(char::from),
    );
    non_empty(Field::Zip, out, start)
}

/// MAID: lowercase, keep hex digits; exactly 32 must remain.
///
/// The official text reads "keep only hexadecimal characters (`0-9`, `a-f`), then lowercase";
/// taken literally that would drop the `A-F` of an uppercase IDFA, so uppercase hex is kept
/// (spec §13.5).
pub fn maid_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    out.extend(
        input
            .bytes()
            .filter(u8::is_ascii_hexdigit)
            .map(|b| char::from(b.to_ascii_lowercase())),
    );
    exact_len(Field::Maid, out, start, 32..=32, "32")
}

/// VIN: keep ASCII alphanumerics, lowercase; exactly 17 must remain. No check digit is tested.
pub fn vin_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    alnum_lower(input, out);
    exact_len(Field::Vin, out, start, 17..=17, "17")
}

/// CTVID: keep ASCII alphanumerics, lowercase; 8 to 32 must remain.
pub fn ctvid_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    alnum_lower(input, out);
    exact_len(Field::Ctvid, out, start, 8..=32, "8 to 32")
}

fn alnum_lower(input: &str, out: &mut String) {
    out.extend(
        input
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| char::from(b.to_ascii_lowercase())),
    );
}

fn non_empty(field: Field, out: &str, start: usize) -> Result<(), StandardizeError> {
    if out.len() == start {
        Err(StandardizeError::Empty { field })
    } else {
        Ok(())
    }
}

fn exact_len(
    field: Field,
    out: &mut String,
    start: usize,
    allowed: std::ops::RangeInclusive<usize>,
    expected: &'static str,
) -> Result<(), StandardizeError> {
    let len = out.len() - start;
    if len == 0 {
        out.truncate(start);
        return Err(StandardizeError::Empty { field });
    }
    if !allowed.contains(&len) {
        out.truncate(start);
        return Err(StandardizeError::Length {
            field,
            len,
            expected,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_removes_interior_and_unicode_whitespace() {
        assert_eq!(
            field(Field::Email, " Anna.Smith@Domain.com").unwrap(),
            "anna.smith@domain.com"
        );
        assert_eq!(
            field(Field::Email, "a lice\t@co.com\r").unwrap(),
            "alice@co.com"
        );
        assert_eq!(
            field(Field::Email, "ÉMILE@\u{a0}x.fr").unwrap(),
            "émile@x.fr"
        );
        assert_eq!(
            field(Field::Email, "a.lice+tag@co.com").unwrap(),
            "a.lice+tag@co.com"
        );
        assert_eq!(
            field(Field::Email, " \t "),
            Err(StandardizeError::Empty {
                field: Field::Email
            })
        );
    }

    #[test]
    fn finds_a_byte_up_to_space_anywhere() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!any_byte_up_to_space(&plain));
            for at in 0..len {
                for b in [0u8, b'\t', 0x0b, b'\r', 0x1f, b' '] {
                    let mut v = plain.clone();
                    v[at] = b;
                    assert!(any_byte_up_to_space(&v), "{len} {at} {b}");
                }
                let mut v = plain.clone();
                v[at] = b'!';
                assert!(!any_byte_up_to_space(&v));
            }
        }
    }

    #[test]
    fn phone_keeps_last_ten_digits() {
        assert_eq!(
            field(Field::Phone, "+84(90)123 4567").unwrap(),
            "4901234567"
        );
        assert_eq!(field(Field::Phone, "555-1234").unwrap(), "5551234");
        assert!(field(Field::Phone, "n/a").is_err());
    }

    #[test]
    fn zip_drops_plus_four_before_zeros() {
        assert_eq!(field(Field::Zip, "00300-9999").unwrap(), "300");
        assert_eq!(field(Field::Zip, "007123456").unwrap(), "71234");
        assert_eq!(field(Field::Zip, "k1a-0b1").unwrap(), "k1a");
        assert!(field(Field::Zip, "00000").is_err());
    }

    #[test]
    fn lengths_are_enforced() {
        assert_eq!(
            field(Field::Maid, "a3f1c2d4-5678-90ab-cdef-1234567890"),
            Err(StandardizeError::Length {
                field: Field::Maid,
                len: 30,
                expected: "32"
            })
        );
        assert_eq!(
            field(Field::Maid, "A3F1C2D4-5678-90AB-CDEF-1234567890AB").unwrap(),
            "a3f1c2d4567890abcdef1234567890ab"
        );
        assert!(matches!(
            field(Field::Vin, "1HGCM82633A00435"),
            Err(StandardizeError::Length { len: 16, .. })
        ));
        assert!(matches!(
            field(Field::Ctvid, "abc-1234"),
            Err(StandardizeError::Length { len: 7, .. })
        ));
        assert!(field(Field::Ctvid, &"a".repeat(32)).is_ok());
        assert!(field(Field::Ctvid, &"a".repeat(33)).is_err());
        assert_eq!(
            field(Field::Vin, "--"),
            Err(StandardizeError::Empty { field: Field::Vin })
        );
    }

    #[test]
    fn failed_standardization_leaves_buffer_untouched() {
        let mut out = String::from("keep");
        assert!(field_into(Field::Vin, "12345", &mut out).is_err());
        assert!(field_into(Field::Dob, "1985-02-30", &mut out).is_err());
        assert!(field_into(Field::Email, "  ", &mut out).is_err());
        assert_eq!(out, "keep");
    }
}
