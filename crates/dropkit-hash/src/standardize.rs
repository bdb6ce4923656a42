//! DROP's standardization rule for each field (spec §5), writing into a caller's buffer.
//!
//! Every function appends the standardized value to `out` (which the caller clears and reuses,
//! so a batch allocates nothing per value) and returns an error instead of writing a value DROP
//! would not hash. Inputs are `&str`: decoding broker data to UTF-8 is the caller's job.

use crate::{Dob, Field, StandardizeError};

pub use crate::name::name_into;

/// Standardizes `input` as `field` into `out` (appending). `out` is left as it was on error.
///
/// A dispatch only: every rule below leaves `out` as it was when it fails (tested for each
/// field), so each arm hands its callee's answer straight back (a tail call) instead of
/// copying the 40-byte result to inspect it, which stalled on the callee's fresh stores.
/// `#[inline]` lets a caller that knows the field call the rule directly.
#[inline]
pub fn field_into(field: Field, input: &str, out: &mut String) -> Result<(), StandardizeError> {
    match field {
        Field::Email => email_into(input, out),
        Field::Phone => phone_into(input, out),
        Field::FirstName | Field::LastName => name_into(field, input, out),
        Field::Dob => dob_into(input, out),
        Field::Zip => zip_into(input, out),
        Field::Maid => maid_into(input, out),
        Field::Ctvid => ctvid_into(input, out),
        Field::Vin => vin_into(input, out),
    }
}

/// Date of birth: `YYYYMMDD` of a real calendar date ([`Dob::parse_text`]). Nothing is written
/// for a date that does not parse.
fn dob_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    Dob::parse_text(input)?.standardize_into(out);
    Ok(())
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
#[inline]
pub fn email_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    // Most emails are ASCII with at most spaces around them: their trimmed text is copied
    // whole and lowercased in place, the rest go the general way.
    match email_ascii_range(input) {
        Some((range, capitals)) => {
            let start = out.len();
            out.push_str(input.get(range).unwrap_or_default());
            // Most real emails are already lowercase: their copy is not read back.
            if capitals {
                make_ascii_lowercase_from(out, start);
            }
            Ok(())
        }
        None => email_any_into(input, out),
    }
}

/// ASCII `White_Space`: TAB, LF, VT, FF, CR and space.
fn is_ascii_white_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

/// Where the email rule's result lies in `input` when it takes no more than trimming and
/// ASCII lowercasing: `input` without its leading and trailing ASCII whitespace, when that is
/// not empty and every byte of it is visible ASCII (`!` to DEL, 0x21 to 0x7F), as a byte range
/// of `input`, and whether it has a capital (`A` to `Z`) to lowercase. `None` for any other
/// value (non-ASCII, whitespace or control bytes inside, blank), which needs
/// [`email_into`]'s general way. Most real emails are plain: their digest can be taken from
/// the text they were read in, lowercased as it is hashed
/// ([`DropHash::of_ascii_lowercased_array`](crate::DropHash::of_ascii_lowercased_array)).
///
/// ```
/// use dropkit_hash::{DropHash, standardize};
///
/// let input = "  Anna.Smith@Domain.com ";
/// let (range, capitals) = standardize::email_ascii_range(input).unwrap();
/// assert_eq!((&input[range.clone()], capitals), ("Anna.Smith@Domain.com", true));
/// let [digest] = DropHash::of_ascii_lowercased_array([input[range].as_bytes()], [capitals]);
/// assert_eq!(digest, DropHash::of_standardized(&standardize::field(dropkit_hash::Field::Email, input).unwrap()));
/// assert_eq!(standardize::email_ascii_range("anna smith@domain.com"), None);
/// ```
#[inline]
pub fn email_ascii_range(input: &str) -> Option<(std::ops::Range<usize>, bool)> {
    let bytes = input.as_bytes();
    let mut first = 0;
    while bytes.get(first).is_some_and(|&b| is_ascii_white_space(b)) {
        first += 1;
    }
    let mut end = bytes.len();
    while end > first && bytes.get(end - 1).is_some_and(|&b| is_ascii_white_space(b)) {
        end -= 1;
    }
    let core = bytes.get(first..end).filter(|core| !core.is_empty())?;
    let capitals = visible_ascii(core)?;
    Some((first..end, capitals))
}

/// Whether every byte is 0x21 to 0x7F (`None` if not), and then whether any is a capital
/// `A` to `Z`. Words of 16 (or 8) bytes from both ends, overlapping, rather than a padded copy
/// of the last partial word: most emails are 16 to 32 bytes, two words without a loop.
#[inline]
fn visible_ascii(bytes: &[u8]) -> Option<bool> {
    const ONES: u128 = u128::from_ne_bytes([0x01; 16]);
    const HIGH: u128 = u128::from_ne_bytes([0x80; 16]);
    // Per word: the first is nonzero when some byte is 0x80 or above (its own high bit) or
    // below 0x21 (the lowest such byte wraps below zero with no borrow from the bytes under
    // it, all 0x21 or above): exact as an "any" test. The second, read only when no word has
    // such a byte (so no sum carries into the next byte), has the high bit of each byte from
    // `A` (0x41) up that is not from `[` (0x5B) up.
    let test = |x: u128| {
        let outside = (x.wrapping_sub(ONES * 0x21) & !x | x) & HIGH;
        let capital = x.wrapping_add(ONES * (0x80 - 0x41)) & !x.wrapping_add(ONES * (0x80 - 0x5b));
        (outside, capital & HIGH)
    };
    let wide = |w: &[u8; 16]| test(u128::from_ne_bytes(*w));
    // Eight bytes in the low half, the high half 0x21 (visible, not a capital).
    let narrow = |w: &[u8; 8]| test(u128::from(u64::from_ne_bytes(*w)) | (ONES * 0x21) << 64);
    let both = |(o1, c1): (u128, u128), (o2, c2): (u128, u128)| (o1 | o2, c1 | c2);
    let (outside, capital) = match (bytes.first_chunk::<16>(), bytes.last_chunk::<16>()) {
        (Some(head), Some(tail)) if bytes.len() <= 32 => both(wide(head), wide(tail)),
        (Some(_), Some(tail)) => {
            let (words, _) = bytes.as_chunks::<16>();
            words.iter().fold(wide(tail), |any, w| both(any, wide(w)))
        }
        _ => match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            (Some(head), Some(tail)) => both(narrow(head), narrow(tail)),
            _ => {
                return bytes
                    .iter()
                    .all(|b| (0x21..=0x7f).contains(b))
                    .then(|| bytes.iter().any(u8::is_ascii_uppercase));
            }
        },
    };
    (outside == 0).then_some(capital != 0)
}

/// Lowercases the ASCII letters of `out` from byte `start` on, as `make_ascii_lowercase`
/// does, but a text of 8 to 32 bytes as two fixed-size pieces from its ends (overlapping:
/// lowercasing twice is lowercasing once), not a loop with a byte-by-byte tail.
#[inline]
fn make_ascii_lowercase_from(out: &mut str, start: usize) {
    let Some(text) = out.get_mut(start..) else {
        return;
    };
    match text.len() {
        16..=32 => make_ends_lowercase::<16>(text),
        8..16 => make_ends_lowercase::<8>(text),
        _ => text.make_ascii_lowercase(),
    }
}

/// Lowercases the first and the last `W` bytes of `text` (all of it when it is at most `2 W`
/// long), each piece of a length known when compiling.
#[inline(always)]
fn make_ends_lowercase<const W: usize>(text: &mut str) {
    let n = text.len();
    if let Some(head) = text.get_mut(..W) {
        head.make_ascii_lowercase();
    }
    if let Some(tail) = text.get_mut(n.saturating_sub(W)..) {
        tail.make_ascii_lowercase();
    }
}

/// The email rule for any text, as DROP states it (trim, drop whitespace, lowercase): ASCII
/// values split at their whitespace bytes, any other value character by character. Taken by
/// [`email_into`] for values that are not plain visible ASCII, and the tests' reference for
/// its fast path.
#[inline(never)]
fn email_any_into(input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    if input.is_ascii() {
        let space = |b: &u8| is_ascii_white_space(*b);
        let bytes = input.as_bytes();
        let first = bytes.iter().position(|b| !space(b)).unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !space(b))
            .map_or(first, |i| i + 1);
        let inner = input.get(first..end).unwrap_or_default();
        for run in inner.split(|c: char| space(&(c as u8))) {
            out.push_str(run);
        }
        out[start..].make_ascii_lowercase();
    } else {
        for c in input.chars().filter(|c| !c.is_whitespace()) {
            out.extend(c.to_lowercase());
        }
    }
    non_empty(Field::Email, out, start)
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

    /// `email_into` (its fast path for visible ASCII) and the rule for any text
    /// ([`email_any_into`], the reference) append the same text after `prefix` and answer
    /// alike.
    fn assert_email_as_reference(prefix: &str, input: &str) {
        let (mut got, mut want) = (prefix.to_owned(), prefix.to_owned());
        let (g, w) = (
            email_into(input, &mut got),
            email_any_into(input, &mut want),
        );
        assert_eq!((g, got), (w, want), "{input:?}");
    }

    /// Every byte that is not visible ASCII, and a few characters beyond ASCII (no-break space,
    /// NEL, line separator, a capital with an accent, a Turkish dotted I).
    const ODD: [&str; 41] = [
        "\0", "\u{1}", "\u{2}", "\u{3}", "\u{4}", "\u{5}", "\u{6}", "\u{7}", "\u{8}", "\t", "\n",
        "\u{b}", "\u{c}", "\r", "\u{e}", "\u{f}", "\u{10}", "\u{11}", "\u{12}", "\u{13}", "\u{14}",
        "\u{15}", "\u{16}", "\u{17}", "\u{18}", "\u{19}", "\u{1a}", "\u{1b}", "\u{1c}", "\u{1d}",
        "\u{1e}", "\u{1f}", " ", "!", "\u{7f}", "\u{a0}", "\u{85}", "\u{2028}", "\u{c9}",
        "\u{130}", "~",
    ];

    #[test]
    fn email_is_the_reference_for_every_length_and_odd_byte_anywhere() {
        for len in 0..70 {
            let plain: String = "Ab.Z+x_9@Q-m".chars().cycle().take(len).collect();
            assert_email_as_reference("", &plain);
            assert_email_as_reference("kept|", &plain);
            assert_email_as_reference("", &"Q".repeat(len));
            assert_email_as_reference("@", &"@[Z`A{".repeat(len / 6 + 1)[..len]);
            for at in 0..=len {
                for odd in ODD {
                    let mut v = plain.clone();
                    v.insert_str(at, odd);
                    assert_email_as_reference("kept|", &v);
                    if at < len {
                        let mut v = plain.clone();
                        v.replace_range(at..=at, odd);
                        assert_email_as_reference("", &v);
                    }
                }
            }
            for white in ["\t", "\n", "\u{b}", "\u{c}", "\r", " ", " \t\r\n"] {
                assert_email_as_reference("", &white.repeat(len));
                assert_email_as_reference("x", &format!("{white}{plain}{white}"));
                assert_email_as_reference("", &format!("{white}{plain}"));
                assert_email_as_reference("", &format!("{plain}{white}"));
            }
        }
    }

    #[test]
    fn a_lone_capital_is_lowercased_anywhere() {
        for len in 1..70 {
            let plain: String = "ab.z+x_9@q-m".chars().cycle().take(len).collect();
            assert_email_as_reference("", &plain);
            for at in 0..len {
                for letter in ["A", "Z", "@", "[", "`", "{"] {
                    let mut v = plain.clone();
                    v.replace_range(at..=at, letter);
                    assert_email_as_reference("x", &v);
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn email_is_the_reference(
            prefix in "[a-z|]{0,3}",
            input in "[\t-\r -~]{0,70}|[\0-\u{7f}]{0,70}|[ -~\t\u{b}\u{a0}\u{85}\u{c9}\u{130}\u{2028}]{0,70}",
        ) {
            assert_email_as_reference(&prefix, &input);
        }

        #[test]
        fn every_rule_leaves_the_buffer_as_it_was_on_error(
            field_at in 0..Field::ALL.len(),
            input in "[\t-\r -~]{0,40}|\\PC{0,20}|[0-9 -]{0,40}|[0-9a-fA-F-]{0,40}",
        ) {
            let field = Field::ALL[field_at];
            let mut out = String::from("kept|");
            let got = field_into(field, &input, &mut out);
            match &got {
                Ok(()) => {
                    let alone = self::field(field, &input);
                    proptest::prop_assert_eq!(Ok(&out[5..]), alone.as_deref());
                }
                Err(_) => proptest::prop_assert_eq!(out.as_str(), "kept|"),
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
