//! Properties of standardization and of the hash type.
#![allow(clippy::unwrap_used)]

use dropkit_hash::{DropHash, Field, standardize};
use proptest::prelude::*;

fn allowed_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric())
}

/// The email rule as the spec reads, char by char: the reference for the one-pass ASCII path.
fn email_reference(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

proptest! {
    #[test]
    fn email_fast_path_equals_the_rule(s in "[ -~\t\n\x0b\x0c\r]{0,140}|[ -~ \u{a0}\u{c9}]{0,60}") {
        let want = email_reference(&s);
        let got = standardize::field(Field::Email, &s);
        if want.is_empty() {
            prop_assert!(got.is_err());
        } else {
            prop_assert_eq!(got.unwrap(), want);
        }
    }

    #[test]
    fn standardizing_never_panics_and_is_idempotent(field in proptest::sample::select(Field::ALL.to_vec()), s in "\\PC*") {
        if let Ok(once) = standardize::field(field, &s) {
            let twice = standardize::field(field, &once);
            prop_assert_eq!(twice.as_ref(), Ok(&once), "{} {:?}", field, s);
        }
    }

    /// On ASCII input the name rule is "keep letters and digits, lowercase", whichever path
    /// (letters and digits only, or with punctuation) the input takes.
    #[test]
    fn ascii_names_keep_letters_and_digits_lowercased(s in "[A-Za-z0-9]{0,20}|[ -~]{0,20}") {
        let want: String = s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        match standardize::field(Field::FirstName, &s) {
            Ok(got) => prop_assert_eq!(got, want),
            Err(_) => prop_assert!(want.is_empty()),
        }
    }

    #[test]
    fn names_use_only_allowed_characters(s in "\\PC*") {
        if let Ok(out) = standardize::field(Field::LastName, &s) {
            prop_assert!(out.chars().all(allowed_name_char), "{:?} -> {:?}", s, out);
        }
    }

    #[test]
    fn names_from_folded_scripts_become_ascii(s in "[\\p{Latin}\\p{Greek}\\p{Cyrillic} '-]{1,20}") {
        if let Ok(out) = standardize::field(Field::FirstName, &s) {
            prop_assert!(out.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{:?} -> {:?}", s, out);
        }
    }

    #[test]
    fn single_field_outputs_use_only_allowed_characters(s in "\\PC*") {
        if let Ok(out) = standardize::field(Field::Phone, &s) {
            prop_assert!(out.len() <= 10 && out.bytes().all(|b| b.is_ascii_digit()));
        }
        if let Ok(out) = standardize::field(Field::Zip, &s) {
            prop_assert!(out.len() <= 5 && !out.starts_with('0'));
            prop_assert!(out.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
        if let Ok(out) = standardize::field(Field::Email, &s) {
            prop_assert!(!out.is_empty() && !out.chars().any(char::is_whitespace));
        }
        for f in [Field::Maid, Field::Vin, Field::Ctvid] {
            if let Ok(out) = standardize::field(f, &s) {
                prop_assert!(out.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            }
        }
    }

    #[test]
    fn hash_prints_44_chars_and_parses_back(bytes in proptest::array::uniform32(any::<u8>())) {
        let h = DropHash::from_bytes(bytes);
        let text = h.to_string();
        prop_assert_eq!(text.len(), 44);
        prop_assert!(text.ends_with('='));
        prop_assert_eq!(text.parse::<DropHash>(), Ok(h));
    }

    #[test]
    fn hash_parser_never_panics(s in "\\PC{0,60}") {
        let _ = s.parse::<DropHash>();
    }
}
