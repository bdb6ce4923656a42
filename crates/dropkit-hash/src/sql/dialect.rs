//! The SQL dialects and the few building blocks whose spelling differs between them.

use std::fmt;
use std::str::FromStr;

/// A SQL dialect that [`Sql`](super::Sql) writes expressions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (RE2 regular expressions). Checked in CI against the Rust crate.
    DuckDb,
    /// Spark SQL 3.4 or later (Java regular expressions). Checked in CI against the Rust crate.
    Spark,
    /// PostgreSQL 11 or later, in a UTF-8 database with ICU. Checked in CI against the Rust
    /// crate.
    Postgres,
    /// Google BigQuery GoogleSQL (RE2). Written from its documentation, not run in CI.
    BigQuery,
    /// Snowflake (POSIX regular expressions). Written from its documentation, not run in CI.
    Snowflake,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Spark,
        Dialect::Postgres,
        Dialect::BigQuery,
        Dialect::Snowflake,
    ];

    /// The dialect's name as `dropkit sql --dialect` spells it (`duckdb`, `spark`, `postgres`,
    /// `bigquery`, `snowflake`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// `name` as a quoted identifier of this dialect: every name is quoted, so a reserved
    /// word, a space or a quote in it is no problem.
    ///
    /// DuckDB, PostgreSQL and Snowflake use `"…"` (a `"` inside doubled); Spark uses `` `…` ``
    /// (a `` ` `` doubled); BigQuery uses `` `…` `` with backslash escapes, as in its string
    /// literals. Quoted names are case-sensitive in PostgreSQL and Snowflake: give the name
    /// as the database stores it (Snowflake stores unquoted names in upper case).
    ///
    /// ```
    /// use dropkit_hash::sql::Dialect;
    ///
    /// assert_eq!(Dialect::Postgres.quote_ident(r#"e"mail"#), r#""e""mail""#);
    /// assert_eq!(Dialect::Spark.quote_ident("e`mail"), "`e``mail`");
    /// assert_eq!(Dialect::BigQuery.quote_ident(r"e`m\ail"), r"`e\`m\\ail`");
    /// ```
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres | Dialect::Snowflake => {
                format!("\"{}\"", name.replace('"', "\"\""))
            }
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => {
                let mut out = String::with_capacity(name.len() + 2);
                out.push('`');
                for c in name.chars() {
                    match c {
                        '`' | '\\' => {
                            out.push('\\');
                            out.push(c);
                        }
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        _ => out.push(c),
                    }
                }
                out.push('`');
                out
            }
        }
    }

    /// A string literal holding exactly `text`, whatever the dialect does with backslashes.
    ///
    /// Snowflake's literals always read backslash escapes, so its control and whitespace
    /// characters are written as `\uXXXX` (Snowflake decodes them); Spark and BigQuery get a
    /// raw literal (`r'…'`) when `text` has a backslash, PostgreSQL an escape string (`E'…'`).
    pub(crate) fn literal(self, text: &str) -> String {
        let has_backslash = text.contains('\\');
        match self {
            Dialect::DuckDb => format!("'{}'", text.replace('\'', "''")),
            Dialect::Postgres if has_backslash => {
                format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
            }
            Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::Spark | Dialect::BigQuery if has_backslash && !text.contains('\'') => {
                format!("r'{text}'")
            }
            Dialect::Spark | Dialect::BigQuery => {
                format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            Dialect::Snowflake => {
                let mut out = String::with_capacity(text.len() + 2);
                out.push('\'');
                for c in text.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("''"),
                        c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                            // Whitespace and controls are all in the Basic Multilingual Plane.
                            out.push_str(&format!("\\u{:04X}", u32::from(c)));
                        }
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    /// One character inside a regular expression's bracket expression, written so that a
    /// control or whitespace character is visible (RE2 and Java `\x{…}`, PostgreSQL `\uXXXX`;
    /// Snowflake's POSIX engine gets the character itself, which [`Dialect::literal`] escapes).
    pub(crate) fn class_char(self, c: char) -> String {
        let code = u32::from(c);
        match self {
            Dialect::DuckDb | Dialect::Spark | Dialect::BigQuery => format!("\\x{{{code:X}}}"),
            Dialect::Postgres => format!("\\u{code:04X}"),
            Dialect::Snowflake => c.to_string(),
        }
    }

    /// Whether the dialect's own spelling of functions is upper case (as in its documentation).
    const fn upper(self) -> bool {
        matches!(self, Dialect::BigQuery | Dialect::Snowflake)
    }

    /// A function name in the dialect's documentation's case.
    pub(crate) fn func(self, lower: &str) -> String {
        if self.upper() {
            lower.to_ascii_uppercase()
        } else {
            lower.to_owned()
        }
    }

    /// `expr` cast to the dialect's text type (a `DATE` becomes `YYYY-MM-DD`, an integer its
    /// digits).
    pub(crate) fn text(self, expr: &str) -> String {
        let ty = match self {
            Dialect::DuckDb | Dialect::Snowflake => "VARCHAR",
            Dialect::Spark | Dialect::BigQuery => "STRING",
            Dialect::Postgres => "TEXT",
        };
        format!("CAST({expr} AS {ty})")
    }

    /// Every match of `pattern` in `expr` replaced by `replacement` (backreferences written
    /// `\1`; Spark's `$1` is produced here).
    pub(crate) fn replace_all(self, expr: &str, pattern: &str, replacement: &str) -> String {
        let pat = self.literal(pattern);
        match self {
            Dialect::DuckDb | Dialect::Postgres => {
                let rep = self.literal(replacement);
                format!("regexp_replace({expr}, {pat}, {rep}, 'g')")
            }
            Dialect::Spark => {
                let rep = self.literal(&replacement.replace('\\', "$"));
                format!("regexp_replace({expr}, {pat}, {rep})")
            }
            Dialect::BigQuery | Dialect::Snowflake => {
                let rep = self.literal(replacement);
                format!("REGEXP_REPLACE({expr}, {pat}, {rep})")
            }
        }
    }

    /// Whether all of `expr` matches `pattern` (given without anchors).
    pub(crate) fn full_match(self, expr: &str, pattern: &str) -> String {
        match self {
            Dialect::DuckDb => format!("regexp_full_match({expr}, {})", self.literal(pattern)),
            Dialect::Spark => format!("({expr} RLIKE {})", self.anchored(pattern)),
            Dialect::Postgres => format!("({expr} ~ {})", self.anchored(pattern)),
            Dialect::BigQuery => format!("REGEXP_CONTAINS({expr}, {})", self.anchored(pattern)),
            // REGEXP_LIKE anchors the pattern at both ends itself.
            Dialect::Snowflake => format!("REGEXP_LIKE({expr}, {})", self.literal(pattern)),
        }
    }

    fn anchored(self, pattern: &str) -> String {
        self.literal(&format!("^({pattern})$"))
    }

    /// `expr` lowercased by the dialect's Unicode rules. PostgreSQL's `lower` follows the
    /// collation, which may be `C` (ASCII only): the ICU root collation is named.
    pub(crate) fn lower(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => format!("lower({expr} COLLATE \"und-x-icu\")"),
            _ => format!("{}({expr})", self.func("lower")),
        }
    }

    /// The part of `expr` before its first `-` (all of it when there is none).
    pub(crate) fn before_hyphen(self, expr: &str) -> String {
        match self {
            Dialect::BigQuery => format!("SPLIT({expr}, '-')[SAFE_OFFSET(0)]"),
            _ => format!("{}({expr}, '-', 1)", self.func("split_part")),
        }
    }

    /// Whether `expr` holds ASCII characters only (its byte length is its character length).
    pub(crate) fn is_ascii(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb => format!("(strlen({expr}) = length({expr}))"),
            Dialect::Spark | Dialect::Postgres => {
                format!("(octet_length({expr}) = char_length({expr}))")
            }
            Dialect::BigQuery => format!("(BYTE_LENGTH({expr}) = CHAR_LENGTH({expr}))"),
            Dialect::Snowflake => format!("(OCTET_LENGTH({expr}) = LENGTH({expr}))"),
        }
    }

    /// The Base64 text of the SHA-256 of `expr`'s UTF-8 bytes (NULL for NULL).
    pub(crate) fn sha256_base64(self, expr: &str) -> String {
        match self {
            Dialect::DuckDb => format!("to_base64(unhex(sha256({expr})))"),
            Dialect::Spark => format!("base64(unhex(sha2({expr}, 256)))"),
            Dialect::Postgres => format!("encode(sha256(convert_to({expr}, 'UTF8')), 'base64')"),
            Dialect::BigQuery => format!("TO_BASE64(SHA256({expr}))"),
            Dialect::Snowflake => format!("BASE64_ENCODE(SHA2_BINARY({expr}, 256))"),
        }
    }

    /// `a || b || …`: NULL when any part is NULL, in every dialect (unlike `concat`, which
    /// skips NULLs in DuckDB and PostgreSQL).
    pub(crate) fn concat(self, parts: &[String]) -> String {
        format!("({})", parts.join(" || "))
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`Dialect`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SQL dialect {0:?}: expected one of duckdb, spark, postgres, bigquery, snowflake")]
pub struct ParseDialectError(pub String);

impl FromStr for Dialect {
    type Err = ParseDialectError;

    /// Accepts [`Dialect::as_str`] in any case, and `postgresql` and `sparksql`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let name = match lower.as_str() {
            "postgresql" => "postgres",
            "sparksql" => "spark",
            other => other,
        };
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| ParseDialectError(s.to_owned()))
    }
}
