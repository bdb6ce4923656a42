//! DROP's standardization rules (spec §5) as SQL, one function per field; each takes the
//! column already cast to text and returns an expression that is NULL where
//! [`crate::standardize`] returns an error.

use super::Dialect;
use super::chars;

const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// A year from 0001 to 9999 (`Dob` refuses year 0000).
const YEAR: &str = "[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3}";
/// A month and day that exist in every year (February up to the 28th).
const MONTH_DAY: &str = "(0[13578]|1[02])(0[1-9]|[12][0-9]|3[01])|(0[469]|11)(0[1-9]|[12][0-9]|30)|02(0[1-9]|1[0-9]|2[0-8])";
/// The last two digits of a multiple of 4 other than `00`.
const FOURS: &str = "[02468][48]|[13579][26]|[2468]0";

/// `YYYYMMDD` of a real date of the proleptic Gregorian calendar, year 0001 to 9999 (what
/// `time::Date` accepts): leap years are multiples of 4 but not of 100, or of 400.
fn date_pattern() -> String {
    format!("({YEAR})({MONTH_DAY})|([0-9]{{2}}({FOURS})|({FOURS})00)0229")
}

/// ASCII letters lowercased, nothing else touched, whatever the locale or collation.
fn ascii_lower(d: Dialect, expr: &str) -> String {
    format!("{}({expr}, '{UPPER}', '{LOWER}')", d.func("translate"))
}

fn nullif_empty(d: Dialect, expr: &str) -> String {
    format!("{}({expr}, '')", d.func("nullif"))
}

/// `expr` when its length is in `min..=max`, else NULL.
fn length_between(d: Dialect, expr: &str, min: usize, max: usize) -> String {
    let len = format!("{}({expr})", d.func("length"));
    let test = if min == max {
        format!("{len} = {min}")
    } else {
        format!("{len} BETWEEN {min} AND {max}")
    };
    format!("CASE WHEN {test} THEN {expr} END")
}

/// A bracket expression of every Unicode `White_Space` character.
fn whitespace_class(d: Dialect) -> String {
    let mut class = String::from("[");
    for &(start, end) in chars::whitespace_ranges() {
        class.push_str(&d.class_char(start));
        if end != start {
            class.push('-');
            class.push_str(&d.class_char(end));
        }
    }
    class.push(']');
    class
}

/// Email: remove every `White_Space` character, lowercase as Rust's `char::to_lowercase`
/// does (the engine's `lower`, after mapping the letters engines disagree on), NULL if empty.
pub(crate) fn email(d: Dialect, text: &str) -> String {
    let mut expr = d.replace_all(text, &whitespace_class(d), "");
    for (upper, lower) in chars::multi_char_lowercase() {
        expr = format!(
            "{}({expr}, {}, {})",
            d.func("replace"),
            d.literal(&upper.to_string()),
            d.literal(lower)
        );
    }
    let (from, to) = chars::translated_lowercase();
    if !from.is_empty() {
        expr = format!(
            "{}({expr}, {}, {})",
            d.func("translate"),
            d.literal(&from),
            d.literal(&to)
        );
    }
    nullif_empty(d, &d.lower(&expr))
}

/// Phone: ASCII digits, the last 10, NULL if none.
pub(crate) fn phone(d: Dialect, text: &str) -> String {
    let digits = d.replace_all(text, "[^0-9]", "");
    nullif_empty(d, &format!("{}({digits}, 10)", d.func("right")))
}

/// Date of birth: `YYYY-MM-DD` or `YYYYMMDD` after trimming `White_Space`, a real date, as
/// `YYYYMMDD`; NULL otherwise.
pub(crate) fn dob(d: Dialect, text: &str) -> String {
    let ws = whitespace_class(d);
    let trimmed = d.replace_all(text, &format!("^{ws}+|{ws}+$"), "");
    let digits = d.replace_all(&trimmed, "^([0-9]{4})-([0-9]{2})-([0-9]{2})$", "\\1\\2\\3");
    let test = d.full_match(&digits, &date_pattern());
    format!("CASE WHEN {test} THEN {digits} END")
}

/// ZIP: before the first `-`, ASCII alphanumerics, lowercase, no leading zeros, the first 5;
/// NULL if empty.
pub(crate) fn zip(d: Dialect, text: &str) -> String {
    let base = d.before_hyphen(text);
    let alnum = ascii_lower(d, &d.replace_all(&base, "[^0-9A-Za-z]", ""));
    let unpadded = d.replace_all(&alnum, "^0+", "");
    nullif_empty(d, &format!("{}({unpadded}, 5)", d.func("left")))
}

/// MAID: hex digits lowercased, exactly 32, else NULL.
pub(crate) fn maid(d: Dialect, text: &str) -> String {
    let hex = ascii_lower(d, &d.replace_all(text, "[^0-9A-Fa-f]", ""));
    length_between(d, &hex, 32, 32)
}

/// VIN: ASCII alphanumerics lowercased, exactly 17, else NULL.
pub(crate) fn vin(d: Dialect, text: &str) -> String {
    length_between(d, &alnum_lower(d, text), 17, 17)
}

/// CTVID: ASCII alphanumerics lowercased, 8 to 32, else NULL.
pub(crate) fn ctvid(d: Dialect, text: &str) -> String {
    length_between(d, &alnum_lower(d, text), 8, 32)
}

/// A first or last name made only of ASCII characters: its letters and digits lowercased
/// (what the name rule gives for ASCII); NULL if none are left, and NULL for any name with a
/// non-ASCII character, which only the Rust rule can standardize.
pub(crate) fn ascii_name(d: Dialect, text: &str) -> String {
    let test = d.is_ascii(text);
    let kept = nullif_empty(d, &alnum_lower(d, text));
    format!("CASE WHEN {test} THEN {kept} END")
}

fn alnum_lower(d: Dialect, text: &str) -> String {
    ascii_lower(d, &d.replace_all(text, "[^0-9A-Za-z]", ""))
}
