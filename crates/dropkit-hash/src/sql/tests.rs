//! What the generated text is made of. The expressions' results are checked against real
//! engines elsewhere: `tests/sql_postgres.rs` and the Python package's DuckDB and Spark tests.

use super::*;

const SINGLE: [Field; 7] = [
    Field::Email,
    Field::Phone,
    Field::Dob,
    Field::Zip,
    Field::Maid,
    Field::Ctvid,
    Field::Vin,
];

/// Every expression a dialect can write, names allowed.
fn all_expressions(d: Dialect) -> Vec<String> {
    let sql = Sql::new(d).ascii_names(true);
    let mut out = Vec::new();
    for field in SINGLE
        .into_iter()
        .chain([Field::FirstName, Field::LastName])
    {
        out.push(sql.standardize(field, "col").unwrap());
        out.push(sql.hash(field, "col").unwrap());
    }
    out.push(sql.list_hash(ListType::Ndz, &["f", "l", "d", "z"]).unwrap());
    out.push(sql.list_hash(ListType::NameVin, &["f", "l", "v"]).unwrap());
    out.push(
        sql.list_standardize(ListType::Ndz, &["f", "l", "d", "z"])
            .unwrap(),
    );
    out
}

/// A token of generated SQL: function names (a word before `(`) and bare words; literals and
/// quoted identifiers are skipped, so a `(` inside a regular expression is not a call.
#[derive(Debug, PartialEq)]
enum Token {
    Call(String),
    Word(String),
}

/// Splits generated SQL into tokens, checking that every literal and quoted identifier is
/// closed and parentheses balance.
fn tokens(d: Dialect, sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || ((c == 'r' || c == 'E') && chars.get(i + 1) == Some(&'\'')) {
            // String literal: r'…' raw (Spark, BigQuery), E'…' (PostgreSQL) or plain.
            let raw = c == 'r';
            let escapes = match d {
                Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => !raw,
                Dialect::Postgres => c == 'E',
                Dialect::DuckDb => false,
            };
            i += if c == '\'' { 1 } else { 2 };
            loop {
                assert!(i < chars.len(), "unclosed literal in {sql}");
                match chars[i] {
                    '\\' if escapes => i += 2,
                    '\'' if chars.get(i + 1) == Some(&'\'') && !raw => i += 2,
                    '\'' => break,
                    _ => i += 1,
                }
            }
            i += 1;
        } else if c == '"' || c == '`' {
            i += 1;
            loop {
                assert!(i < chars.len(), "unclosed identifier in {sql}");
                let escaped = d == Dialect::BigQuery && chars[i] == '\\';
                let doubled = chars[i] == c && chars.get(i + 1) == Some(&c);
                if escaped || doubled {
                    i += 2;
                } else if chars[i] == c {
                    break;
                } else {
                    i += 1;
                }
            }
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            out.push(if chars.get(j) == Some(&'(') {
                Token::Call(word)
            } else {
                Token::Word(word)
            });
        } else {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "unbalanced parentheses in {sql}");
            i += 1;
        }
    }
    assert_eq!(depth, 0, "unbalanced parentheses in {sql}");
    out
}

const KEYWORDS: [&str; 7] = ["AND", "AS", "BETWEEN", "CASE", "END", "THEN", "WHEN"];

fn used(d: Dialect) -> (Vec<String>, Vec<String>) {
    let mut calls = Vec::new();
    let mut words = Vec::new();
    for expr in all_expressions(d) {
        for token in tokens(d, &expr) {
            let token = match token {
                Token::Call(w) if KEYWORDS.contains(&w.as_str()) => Token::Word(w),
                t => t,
            };
            match token {
                Token::Call(c) if !calls.contains(&c) => calls.push(c),
                Token::Word(w) if !words.contains(&w) => words.push(w),
                _ => {}
            }
        }
    }
    calls.sort();
    words.sort();
    (calls, words)
}

/// BigQuery's expressions call only functions of its documented GoogleSQL reference
/// (string functions: BYTE_LENGTH, CHAR_LENGTH, LEFT, LENGTH, LOWER, REGEXP_CONTAINS,
/// REGEXP_REPLACE, REPLACE, RIGHT, SPLIT, TO_BASE64, TRANSLATE; hash functions: SHA256;
/// conditional expressions: NULLIF; the array subscript SAFE_OFFSET; conversion: CAST).
#[test]
fn bigquery_uses_only_documented_functions() {
    let (calls, words) = used(Dialect::BigQuery);
    let documented = [
        "BYTE_LENGTH",
        "CAST",
        "CHAR_LENGTH",
        "LEFT",
        "LENGTH",
        "LOWER",
        "NULLIF",
        "REGEXP_CONTAINS",
        "REGEXP_REPLACE",
        "REPLACE",
        "RIGHT",
        "SAFE_OFFSET",
        "SHA256",
        "SPLIT",
        "TO_BASE64",
        "TRANSLATE",
    ];
    for call in &calls {
        assert!(documented.contains(&call.as_str()), "BigQuery: {call}");
    }
    for word in &words {
        assert!(
            [
                "AND", "AS", "BETWEEN", "CASE", "END", "STRING", "THEN", "WHEN"
            ]
            .contains(&word.as_str()),
            "BigQuery: {word}"
        );
    }
    let hash = Sql::new(Dialect::BigQuery).hash(Field::Vin, "v").unwrap();
    assert!(hash.starts_with("TO_BASE64(SHA256("), "{hash}");
}

/// Snowflake's expressions call only functions of its documented SQL reference
/// (BASE64_ENCODE, SHA2_BINARY, REGEXP_REPLACE, REGEXP_LIKE, LOWER, TRANSLATE, REPLACE,
/// NULLIF, RIGHT, LEFT, LENGTH, OCTET_LENGTH, SPLIT_PART, CAST).
#[test]
fn snowflake_uses_only_documented_functions() {
    let (calls, words) = used(Dialect::Snowflake);
    let documented = [
        "BASE64_ENCODE",
        "CAST",
        "LEFT",
        "LENGTH",
        "LOWER",
        "NULLIF",
        "OCTET_LENGTH",
        "REGEXP_LIKE",
        "REGEXP_REPLACE",
        "REPLACE",
        "RIGHT",
        "SHA2_BINARY",
        "SPLIT_PART",
        "TRANSLATE",
    ];
    for call in &calls {
        assert!(documented.contains(&call.as_str()), "Snowflake: {call}");
    }
    for word in &words {
        assert!(
            [
                "AND", "AS", "BETWEEN", "CASE", "END", "THEN", "VARCHAR", "WHEN"
            ]
            .contains(&word.as_str()),
            "Snowflake: {word}"
        );
    }
    let hash = Sql::new(Dialect::Snowflake).hash(Field::Vin, "v").unwrap();
    assert!(hash.starts_with("BASE64_ENCODE(SHA2_BINARY("), "{hash}");
    assert!(hash.contains(", 256)"), "{hash}");
}

#[test]
fn every_dialect_writes_well_formed_text_without_raw_control_characters() {
    for d in Dialect::ALL {
        for expr in all_expressions(d) {
            tokens(d, &expr);
            assert!(
                !expr.chars().any(|c| c.is_control()),
                "{d}: a raw control character in {expr}"
            );
            // Whitespace other than the space is always written as an escape.
            assert!(
                !expr.chars().any(|c| c.is_whitespace() && c != ' '),
                "{d}: raw whitespace in {expr}"
            );
        }
    }
}

#[test]
fn refused_values_give_null_not_a_hash_of_nothing() {
    for d in Dialect::ALL {
        let sql = Sql::new(d);
        for field in SINGLE {
            let std = sql.standardize(field, "c").unwrap();
            let upper = std.to_ascii_uppercase();
            assert!(
                upper.starts_with("NULLIF(") || upper.starts_with("CASE WHEN"),
                "{d} {field}: {std}"
            );
        }
    }
}

#[test]
fn names_are_refused_unless_ascii_names_are_allowed() {
    for d in Dialect::ALL {
        let sql = Sql::new(d);
        for field in [Field::FirstName, Field::LastName] {
            let err = sql.hash(field, "n").unwrap_err();
            assert_eq!(err, SqlError::NameNeedsUdf { field });
            let text = err.to_string();
            assert!(text.contains("dropkit.duckdb.register"), "{text}");
            assert!(text.contains("docs/python.md"), "{text}");
        }
        assert!(matches!(
            sql.list_hash(ListType::Ndz, &["f", "l", "d", "z"]),
            Err(SqlError::NameNeedsUdf { .. })
        ));
        assert!(matches!(
            sql.list_hash(ListType::NameVin, &["f", "l", "v"]),
            Err(SqlError::NameNeedsUdf { .. })
        ));
        let ascii = sql.ascii_names(true);
        assert!(ascii.hash(Field::FirstName, "n").is_ok());
        assert!(ascii.list_hash(ListType::NameVin, &["f", "l", "v"]).is_ok());
    }
}

#[test]
fn column_counts_and_empty_names_are_refused() {
    let sql = Sql::new(Dialect::DuckDb).ascii_names(true);
    let err = sql.list_hash(ListType::Ndz, &["f", "l", "d"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "NDZ needs 4 column(s) (first_name, last_name, dob, zip), in this order; got 3"
    );
    assert!(sql.list_hash(ListType::Email, &["a", "b"]).is_err());
    assert_eq!(sql.hash(Field::Email, ""), Err(SqlError::EmptyColumn));
    assert_eq!(
        sql.list_hash(ListType::Email, &["e"]),
        sql.hash(Field::Email, "e")
    );
}

#[test]
fn column_names_are_quoted_whatever_they_hold() {
    let name = "we\"ird `na\\me'";
    let cases = [
        (Dialect::DuckDb, "\"we\"\"ird `na\\me'\""),
        (Dialect::Postgres, "\"we\"\"ird `na\\me'\""),
        (Dialect::Snowflake, "\"we\"\"ird `na\\me'\""),
        (Dialect::Spark, "`we\"ird ``na\\me'`"),
        (Dialect::BigQuery, "`we\"ird \\`na\\\\me'`"),
    ];
    for (d, quoted) in cases {
        assert_eq!(d.quote_ident(name), quoted, "{d}");
        let expr = Sql::new(d).hash(Field::Phone, name).unwrap();
        assert!(expr.contains(quoted), "{d}: {expr}");
        tokens(d, &expr);
    }
    // Reserved words and non-ASCII names are quoted like any other.
    assert_eq!(Dialect::Postgres.quote_ident("select"), "\"select\"");
    assert_eq!(Dialect::Spark.quote_ident("courriél"), "`courriél`");
}

#[test]
fn composites_hash_the_concatenated_field_hashes() {
    let sql = Sql::new(Dialect::Postgres).ascii_names(true);
    let first = sql.hash(Field::FirstName, "f").unwrap();
    let vin = sql.hash(Field::Vin, "v").unwrap();
    let name_vin = sql.list_hash(ListType::NameVin, &["f", "l", "v"]).unwrap();
    assert!(name_vin.starts_with(&format!("encode(sha256(convert_to(({first} || ")));
    assert!(name_vin.contains(&format!(" || {vin})")));
    let standardized = sql
        .list_standardize(ListType::NameVin, &["f", "l", "v"])
        .unwrap();
    assert_eq!(standardized.matches(" || '|' || ").count(), 2);
}

#[test]
fn dialect_names_parse() {
    for d in Dialect::ALL {
        assert_eq!(d.as_str().parse::<Dialect>(), Ok(d));
        assert_eq!(d.to_string().to_uppercase().parse::<Dialect>(), Ok(d));
    }
    assert_eq!("postgresql".parse::<Dialect>(), Ok(Dialect::Postgres));
    assert!("mysql".parse::<Dialect>().is_err());
}

#[test]
fn literals_survive_each_dialects_escaping() {
    assert_eq!(Dialect::DuckDb.literal("a'b\\c"), "'a''b\\c'");
    assert_eq!(Dialect::Postgres.literal("a'b\\c"), "E'a''b\\\\c'");
    assert_eq!(Dialect::Postgres.literal("a'b"), "'a''b'");
    assert_eq!(Dialect::Spark.literal("a\\c"), "r'a\\c'");
    assert_eq!(Dialect::Spark.literal("a'b\\c"), "'a\\'b\\\\c'");
    assert_eq!(Dialect::BigQuery.literal("a\\c"), "r'a\\c'");
    assert_eq!(
        Dialect::Snowflake.literal("a'b\\c\t\u{3000}"),
        "'a''b\\\\c\\u0009\\u3000'"
    );
}
