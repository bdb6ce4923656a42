//! Name standardization: the one DROP rule that the spec leaves partly open.
//!
//! The official rule: "normalize Unicode, lowercase, transliterate supported Greek and
//! Cyrillic characters, fold supported Latin characters to plain ASCII where possible, then
//! keep only letters and digits." The decisions this crate takes where that text is silent are
//! listed in the crate documentation under *Name standardization*.

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};

use crate::{Field, StandardizeError};

/// Standardizes a first or last name into `out` (appending).
///
/// `field` only names the field in the error; both names follow the same rule.
///
/// ```
/// use dropkit_hash::{Field, standardize};
///
/// let mut out = String::new();
/// standardize::name_into(Field::FirstName, "Juan Pablo", &mut out).unwrap();
/// assert_eq!(out, "juanpablo");
/// out.clear();
/// standardize::name_into(Field::LastName, "Łukasiewicz-Øster", &mut out).unwrap();
/// assert_eq!(out, "lukasiewiczoster");
/// ```
pub fn name_into(field: Field, input: &str, out: &mut String) -> Result<(), StandardizeError> {
    let start = out.len();
    if input
        .bytes()
        .fold(true, |all, b| all & b.is_ascii_alphanumeric())
    {
        // Only ASCII letters and digits (most names): copied whole, lowercased in place.
        out.push_str(input);
        out[start..].make_ascii_lowercase();
    } else if input.is_ascii() {
        // NFKD, lowercasing and folding are all the identity on ASCII letters and digits.
        out.extend(
            input
                .bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        for c in input.nfkd() {
            for lower in c.to_lowercase() {
                push_folded(lower, out);
            }
        }
        // Dropping characters can leave kept combining letters (Arabic vowel signs, Indic
        // matras) out of canonical order; normalize again so the result is NFKD and
        // standardizing it twice gives the same text.
        if !out[start..].is_ascii() {
            let normalized: String = out[start..].nfkd().collect();
            out.truncate(start);
            out.push_str(&normalized);
        }
    }
    if out.len() == start {
        Err(StandardizeError::Empty { field })
    } else {
        Ok(())
    }
}

/// Appends the standardized form of one normalized, lowercased character.
fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        }
        return;
    }
    if !c.is_alphanumeric() {
        // Punctuation, symbols, spaces, and combining marks that are not letters (accents).
        return;
    }
    match c.script() {
        // Generic combining marks (Greek iota subscript, Arabic harakat) that Unicode counts as
        // alphabetic: they modify a letter and are not letters themselves.
        Script::Inherited => {}
        // deunicode's table gives the ASCII spelling; only its letters and digits are kept
        // (it spells a few letters with apostrophes or spaces). Letters of the `Common`
        // script (modifier letters such as `ː`, which NFKD makes of some Latin letters) belong
        // to no language and go through the same table, which spells most as punctuation.
        Script::Latin | Script::Greek | Script::Cyrillic | Script::Common => {
            if let Some(ascii) = deunicode::deunicode_char(c) {
                out.extend(
                    ascii
                        .bytes()
                        .filter(u8::is_ascii_alphanumeric)
                        .map(|b| char::from(b.to_ascii_lowercase())),
                );
            }
        }
        // Every other script (CJK, Hangul jamo, Arabic, Hebrew, Indic, ...) is kept as it is.
        _ => out.push(c),
    }
}
