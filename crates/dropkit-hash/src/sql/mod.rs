//! DROP's standardization and hashing as one SQL expression, for brokers whose data lives in
//! a warehouse (the engine of `dropkit sql`).
//!
//! [`Sql`] writes, for a [`Dialect`] and a column, an expression that gives exactly what
//! [`Hasher`](crate::Hasher) gives: the Base64 text of the SHA-256 of the standardized UTF-8
//! text, and **NULL where this crate refuses the value** (an email of only spaces, a VIN that
//! is not 17 characters, a date that does not exist). NULL is never hashed: no row gets the
//! hash of an empty string.
//!
//! ```
//! use dropkit_hash::{Field, ListType};
//! use dropkit_hash::sql::{Dialect, Sql};
//!
//! let duckdb = Sql::new(Dialect::DuckDb);
//! let phone = duckdb.hash(Field::Phone, "phone number").unwrap();
//! assert_eq!(
//!     phone,
//!     "to_base64(unhex(sha256(nullif(right(regexp_replace(CAST(\"phone number\" AS VARCHAR), \
//!      '[^0-9]', '', 'g'), 10), ''))))"
//! );
//!
//! // Names need transliteration tables SQL does not have: refused unless ASCII-only names
//! // are allowed, and then NULL for every other name.
//! assert!(duckdb.list_hash(ListType::NameVin, &["first", "last", "vin"]).is_err());
//! let name_vin = duckdb.ascii_names(true).list_hash(ListType::NameVin, &["first", "last", "vin"]);
//! assert!(name_vin.unwrap().starts_with("to_base64(unhex(sha256((to_base64("));
//! ```
//!
//! # What the expressions rely on
//!
//! - **Email** removes every Unicode `White_Space` character (a bracket expression listing
//!   them, read from [`char::is_whitespace`]) and lowercases with the engine's `lower`, after
//!   mapping itself the characters engines lowercase differently from Rust's
//!   [`char::to_lowercase`]: `İ` (U+0130, which Rust lowercases to `i` and U+0307), `Σ`
//!   (always `σ` here; ICU, Java and PostgreSQL-with-ICU write `ς` at the end of a word) and
//!   the letters of the blocks where Unicode 11 to 17 added case pairs (Georgian Mtavruli,
//!   Vithkuqi, Garay, Beria Erfe, the end of Latin Extended-D…), which engines with older
//!   Unicode tables leave unchanged.
//! - Every other rule keeps ASCII characters only and lowercases them with
//!   `translate(…, 'A…Z', 'a…z')`, which no locale or collation can change.
//! - **PostgreSQL**: the database must be UTF-8 (`SQL_ASCII` compares bytes) and have ICU
//!   (`lower(… COLLATE "und-x-icu")`; the database's own collation may be `C`, which
//!   lowercases ASCII only). A text value cannot hold U+0000 there.
//! - The column is cast to the dialect's text type first, so a `DATE` column (printed
//!   `YYYY-MM-DD`) and an integer phone column work as they are.
//! - BigQuery and Snowflake expressions use only functions their documentation describes
//!   (see `docs/sql.md`) but are **not run in CI**; DuckDB, Spark SQL and PostgreSQL are,
//!   against this crate, on the official vectors and generated inputs.

mod chars;
mod dialect;
mod rules;

pub use dialect::{Dialect, ParseDialectError};

use crate::{Field, ListType};

/// Why no expression was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// First and last names (and so NDZ and NameVIN) need Unicode normalization and
    /// transliteration tables that SQL engines do not have.
    #[error(
        "names ({field}) cannot be standardized in SQL: DROP's name rule normalizes Unicode and \
         transliterates Greek, Cyrillic and Latin letters with tables SQL does not have. Hash \
         names with the dropkit functions for DuckDB and Spark (dropkit.duckdb.register, \
         dropkit.spark; see docs/python.md) or with `dropkit hash`, or allow ASCII-only names \
         (`--ascii-names`: NULL for every name with a non-ASCII character)"
    )]
    NameNeedsUdf {
        /// The name field asked for.
        field: Field,
    },
    /// A list type was given the wrong number of columns.
    #[error("{list} needs {expected} column(s) ({names}), in this order; got {got}")]
    Columns {
        /// The list type.
        list: ListType,
        /// How many columns it needs.
        expected: usize,
        /// The fields they hold, in order (`first_name, last_name, vin`).
        names: String,
        /// How many were given.
        got: usize,
    },
    /// An empty column name (no dialect allows one).
    #[error("a column name cannot be empty")]
    EmptyColumn,
}

/// Writes SQL expressions for one dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sql {
    dialect: Dialect,
    ascii_names: bool,
}

impl Sql {
    /// Expressions for `dialect`; names refused.
    pub const fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            ascii_names: false,
        }
    }

    /// Whether first and last names (and so NDZ and NameVIN) are written for ASCII-only names:
    /// an ASCII name's letters and digits lowercased (what the name rule gives for ASCII), and
    /// NULL for every name with a non-ASCII character, which the caller must hash elsewhere.
    pub const fn ascii_names(self, allow: bool) -> Self {
        Sql {
            ascii_names: allow,
            ..self
        }
    }

    /// The dialect written.
    pub const fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The standardized text of `column` by `field`'s rule; NULL where the crate refuses it.
    pub fn standardize(&self, field: Field, column: &str) -> Result<String, SqlError> {
        if column.is_empty() {
            return Err(SqlError::EmptyColumn);
        }
        let d = self.dialect;
        let text = d.text(&d.quote_ident(column));
        Ok(match field {
            Field::Email => rules::email(d, &text),
            Field::Phone => rules::phone(d, &text),
            Field::Dob => rules::dob(d, &text),
            Field::Zip => rules::zip(d, &text),
            Field::Maid => rules::maid(d, &text),
            Field::Ctvid => rules::ctvid(d, &text),
            Field::Vin => rules::vin(d, &text),
            Field::FirstName | Field::LastName if self.ascii_names => rules::ascii_name(d, &text),
            Field::FirstName | Field::LastName => return Err(SqlError::NameNeedsUdf { field }),
        })
    }

    /// The Base64 SHA-256 of `column` standardized by `field`'s rule; NULL where the crate
    /// refuses the value.
    pub fn hash(&self, field: Field, column: &str) -> Result<String, SqlError> {
        let standardized = self.standardize(field, column)?;
        Ok(self.dialect.sha256_base64(&standardized))
    }

    /// The standardized text of a list type's columns: one column for Email, Phone, MAID and
    /// CTVID; for NDZ and NameVIN the standardized fields joined by `|`
    /// (`danielle|johnson|19850704|91790`, as [`Hasher::standardized`](crate::Hasher)), NULL
    /// when any is.
    pub fn list_standardize(&self, list: ListType, columns: &[&str]) -> Result<String, SqlError> {
        let parts = self.parts(list, columns, Self::standardize)?;
        let separated: Vec<String> = parts
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let sep = (i > 0).then(|| "'|'".to_owned());
                sep.into_iter().chain([p.clone()])
            })
            .collect();
        Ok(match separated.as_slice() {
            [one] => one.clone(),
            _ => self.dialect.concat(&separated),
        })
    }

    /// The hash a list type's work items carry: for NDZ and NameVIN the composite (the SHA-256
    /// of the fields' Base64 hashes concatenated in order, [`composite`](crate::composite)),
    /// NULL when any field is refused.
    pub fn list_hash(&self, list: ListType, columns: &[&str]) -> Result<String, SqlError> {
        let parts = self.parts(list, columns, Self::hash)?;
        Ok(match parts.as_slice() {
            [one] => one.clone(),
            _ => self.dialect.sha256_base64(&self.dialect.concat(&parts)),
        })
    }

    fn parts(
        &self,
        list: ListType,
        columns: &[&str],
        each: fn(&Self, Field, &str) -> Result<String, SqlError>,
    ) -> Result<Vec<String>, SqlError> {
        let fields = list_fields(list);
        if columns.len() != fields.len() {
            return Err(SqlError::Columns {
                list,
                expected: fields.len(),
                names: fields
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                got: columns.len(),
            });
        }
        fields
            .iter()
            .zip(columns)
            .map(|(&field, column)| each(self, field, column))
            .collect()
    }
}

/// The fields of a list type's hash, in the order DROP concatenates them.
pub const fn list_fields(list: ListType) -> &'static [Field] {
    match list {
        ListType::Ndz => &[Field::FirstName, Field::LastName, Field::Dob, Field::Zip],
        ListType::NameVin => &[Field::FirstName, Field::LastName, Field::Vin],
        ListType::Email => &[Field::Email],
        ListType::Phone => &[Field::Phone],
        ListType::Maid => &[Field::Maid],
        ListType::Ctvid => &[Field::Ctvid],
    }
}

#[cfg(test)]
mod tests;
