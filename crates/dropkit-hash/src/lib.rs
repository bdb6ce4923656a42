//! California DROP identifier standardization and hashing.
//!
//! The California Delete Request and Opt-out Platform (DROP) sends data brokers lists of
//! consumer identifiers as `Base64(SHA-256(standardized value))`. To find those consumers in
//! its own records, a broker must standardize and hash its data by exactly the same rules:
//! one character of difference and the hash matches nobody. This crate implements those rules
//! for every field and list type, and nothing else: it depends on no other dropkit crate.
//!
//! # Example
//!
//! ```
//! use dropkit_hash::{DropHash, Field, Hasher, ListType, StandardizeError};
//!
//! // One Hasher per thread: it reuses its buffer, so hashing millions of values allocates
//! // nothing per value.
//! let mut hasher = Hasher::new();
//!
//! // Single-field lists: Email, Phone, MAID, CTVID.
//! let email = hasher.hash(Field::Email, " Anna.Smith@Domain.com").unwrap();
//! assert_eq!(hasher.standardized(), "anna.smith@domain.com");
//! assert_eq!(email.to_string(), "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=");
//!
//! // Composite lists: NDZ (first, last, DOB, ZIP) and NameVIN (first, last, VIN).
//! let ndz = hasher.ndz("Danielle", "Johnson", "19850704", "91790").unwrap();
//! assert_eq!(ndz.to_string(), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=");
//!
//! // Hashes read from a DROP list parse back into the raw 32 bytes.
//! let from_list: DropHash = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=".parse().unwrap();
//! assert_eq!(from_list, email);
//! assert_eq!("NameVIN".parse::<ListType>().unwrap(), ListType::NameVin);
//!
//! // Values DROP would not hash are errors, never a hash of an empty or wrong string.
//! assert!(matches!(
//!     hasher.hash(Field::Vin, "1HGCM8263"),
//!     Err(StandardizeError::Length { len: 9, .. })
//! ));
//! ```
//!
//! # The rules (spec §5)
//!
//! | field | rule |
//! | --- | --- |
//! | email | remove all (Unicode) whitespace, lowercase; nothing else |
//! | phone | ASCII digits only, the last 10 (or all if fewer) |
//! | date of birth | `YYYYMMDD` from a [`Dob`] (`YYYY-MM-DD`, `YYYYMMDD` or a [`time::Date`]) |
//! | ZIP | drop `-…` (the +4), ASCII alphanumerics, lowercase, strip leading zeros, first 5 |
//! | MAID | hex digits, lowercase, exactly 32 |
//! | VIN | ASCII alphanumerics, lowercase, exactly 17 |
//! | CTVID | ASCII alphanumerics, lowercase, 8 to 32 |
//! | first / last name | see below |
//!
//! Composite lists hash each field, concatenate the 44-character Base64 texts in order with no
//! separator, and hash that text again ([`composite`]).
//!
//! # Name standardization
//!
//! The official rule is "normalize Unicode, lowercase, transliterate supported Greek and
//! Cyrillic characters, fold supported Latin characters to plain ASCII where possible, then
//! keep only letters and digits". DROP does not publish the normalization form nor the
//! tables, so this crate decides, and tests each decision:
//!
//! 1. **Normalization form: NFKD.** Decomposition splits accents off their letters (`é` becomes
//!    `e` plus a combining mark, which step 5 drops), and compatibility mapping folds full-width
//!    letters, ligatures (`ﬁ`) and superscripts to their plain forms. The one third-party
//!    implementation with known behaviour hashes Hangul in decomposed jamo (NFD/NFKD); NFKD
//!    agrees with it, so `김` standardizes to the three jamo `ᄀ ᅵ ᆷ` (U+1100 U+1175 U+11B7).
//! 2. **Lowercase** with Unicode's full mapping.
//! 3. **Greek and Cyrillic** letters are transliterated with the table of the `deunicode`
//!    crate (`Иван` → `ivan`, `Щукин` → `shchukin`, `Юлия` → `iuliia`, `Σωκράτης` →
//!    `sokrates`, `Θεόδωρος` → `theodoros`). Because NFKD
//!    has already split off diacritics, `й` becomes `i` and `ё` becomes `e`, as in the ICAO
//!    9303 passport transliteration.
//! 4. **Latin** letters outside ASCII are folded with the same table: `ß` → `ss`, `ł` → `l`,
//!    `ø` → `o`, `æ` → `ae`, `å` → `a`, Turkish dotless `ı` → `i`, `þ` → `th`, `đ` → `d`.
//! 5. **Keep letters and digits**: ASCII `a-z0-9` and, in every other script, characters that
//!    are Unicode `Alphabetic` or `Numeric`. CJK, Hangul, Arabic and Hebrew letters are kept
//!    unchanged (not transliterated); accents and other combining marks of the `Inherited`
//!    script (even those Unicode counts as alphabetic, such as Arabic harakat and the Greek
//!    iota subscript), spaces, hyphens, apostrophes and all punctuation are removed (`O'Brien-Smith` → `obriensmith`). Suffixes such as `Jr` are
//!    not removed: the rule does not say to.
//!
//! **Open questions**, to settle with the "Standardization and Hashing Tool" in the DROP
//! portal's sandbox before relying on non-ASCII names: whether DROP uses NFKD or NFC (which
//! changes the hash of every Hangul name and of any precomposed letter outside the folded
//! scripts); its exact Greek and Cyrillic tables (`х` as `kh` or `h`, `ц` as `ts` or `c`,
//! `ю` as `iu` or `yu`; Greek `η` as `i` or `e`, `υ`, digraphs); which Latin letters are
//! "supported"; and whether combining marks of other scripts count as letters. ASCII names,
//! which are most names in broker data, do not depend on any of these choices.
//!
//! # Speed
//!
//! [`Hasher`] reuses its buffer; [`DropHash`] holds the raw digest, and Base64 is produced only
//! for output ([`DropHash::encode_base64`] writes into a stack buffer). On x86-64 processors
//! with the SHA-NI extensions (detected at run time) SHA-256 runs on them, and
//! [`DropHash::of_standardized_array`] digests values two at a time with their rounds
//! interleaved (1.46 times the digests per second of one at a time): `dropkit hash` and the
//! Arrow functions hash single values in pairs. Elsewhere sha2's compression function runs,
//! with the same results. A plain email (visible ASCII between whitespace, most of them) need
//! not be copied to be standardized: [`standardize::email_ascii_range`] says where its
//! standardized text lies in the input, and [`DropHash::of_ascii_lowercased_array`] lowercases
//! it in its padded SHA-256 block as it hashes it (`dropkit match` hashes emails so, straight
//! from the records' text). Figures are in the crate README.
//!
//! # Streams of values
//!
//! With the `pipeline` feature (on by default), [`pipeline::hash_lines`] standardizes and hashes
//! a stream of lines (single values, or `first,last,dob,zip` and `first,last,vin` CSV records)
//! on every core in constant memory, answering each line with `STANDARDIZED<TAB>HASH` or
//! `ERROR<TAB>reason`: the engine of `dropkit hash`.
//!
//! # SQL
//!
//! With the `sql` feature (off by default), `sql::Sql` writes each rule as one SQL
//! expression for DuckDB, Spark SQL, PostgreSQL, BigQuery or Snowflake, NULL where this crate
//! refuses the value: the engine of `dropkit sql`, for data that lives in a warehouse.
//!
//! # Arrow arrays
//!
//! With the `arrow` feature (off by default), `arrow::hash_array`, `arrow::standardize_array`,
//! `arrow::hash_ndz` and `arrow::hash_name_vin` take whole Arrow string arrays (`Utf8`,
//! `LargeUtf8`, `Utf8View`, dictionaries of them) and return a `StringArray` of Base64 hashes or
//! standardized text, nulls for null inputs and (by choice, `arrow::OnInvalid`) for values DROP
//! would refuse: the layer the Python package and the DuckDB and Spark functions stand on.

#[cfg(feature = "arrow")]
pub mod arrow;
mod dob;
mod error;
mod field;
mod hash;
mod hasher;
mod list_type;
mod name;
#[cfg(feature = "pipeline")]
pub mod pipeline;
mod sha;
#[cfg(feature = "sql")]
pub mod sql;
pub mod standardize;

pub use dob::Dob;
pub use error::StandardizeError;
pub use field::{Field, ParseFieldError};
pub use hash::{BASE64_LEN, DropHash, ParseHashError};
pub use hasher::{Hasher, composite, composite_input};
pub use list_type::{ListType, ParseListTypeError};
pub use time;
