//! `dropkit sql`: what it prints and its exit codes. The expressions' results are checked
//! against real engines in dropkit-hash's tests and the Python package's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use dropkit_hash::sql::{Dialect, Sql};
use dropkit_hash::{Field, ListType};

fn dropkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dropkit"))
        .args(args)
        .output()
        .expect("run dropkit")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

#[test]
fn prints_the_library_expression_on_one_line() {
    for (name, dialect) in [
        ("duckdb", Dialect::DuckDb),
        ("spark", Dialect::Spark),
        ("postgres", Dialect::Postgres),
        ("bigquery", Dialect::BigQuery),
        ("snowflake", Dialect::Snowflake),
    ] {
        let sql = Sql::new(dialect);
        for (kind, field) in [
            ("email", Field::Email),
            ("phone", Field::Phone),
            ("dob", Field::Dob),
            ("zip", Field::Zip),
            ("maid", Field::Maid),
            ("ctvid", Field::Ctvid),
            ("vin", Field::Vin),
        ] {
            let out = dropkit(&["sql", kind, "--dialect", name, "--column", "my col"]);
            assert!(out.status.success(), "{name} {kind}: {out:?}");
            assert_eq!(
                stdout(&out),
                format!("{}\n", sql.hash(field, "my col").unwrap())
            );
            let out = dropkit(&[
                "sql",
                kind,
                "--dialect",
                name,
                "--column",
                "my col",
                "--standardize",
            ]);
            assert!(out.status.success());
            assert_eq!(
                stdout(&out),
                format!("{}\n", sql.standardize(field, "my col").unwrap())
            );
        }
        let out = dropkit(&[
            "sql",
            "ndz",
            "--dialect",
            name,
            "--ascii-names",
            "--column",
            "f",
            "--column",
            "l",
            "--column",
            "d",
            "--column",
            "z",
        ]);
        assert!(out.status.success(), "{out:?}");
        let want = sql
            .ascii_names(true)
            .list_hash(ListType::Ndz, &["f", "l", "d", "z"])
            .unwrap();
        assert_eq!(stdout(&out), format!("{want}\n"));
    }
}

#[test]
fn names_and_wrong_column_counts_are_usage_errors() {
    for args in [
        &["sql", "name", "--dialect", "duckdb", "--column", "n"][..],
        &[
            "sql",
            "namevin",
            "--dialect",
            "spark",
            "--column",
            "f",
            "--column",
            "l",
            "--column",
            "v",
        ],
    ] {
        let out = dropkit(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("dropkit.duckdb.register"), "{err}");
        assert!(err.contains("--ascii-names"), "{err}");
    }
    let out = dropkit(&[
        "sql",
        "namevin",
        "--dialect",
        "spark",
        "--ascii-names",
        "--column",
        "f",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs 3 column(s)"));
    let out = dropkit(&[
        "sql",
        "email",
        "--dialect",
        "duckdb",
        "--column",
        "a",
        "--column",
        "b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = dropkit(&["sql", "email", "--dialect", "mysql", "--column", "a"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dropkit(&["sql", "email", "--dialect", "duckdb"]);
    assert_eq!(out.status.code(), Some(2));
    let out = dropkit(&["sql", "email", "--dialect", "duckdb", "--column", ""]);
    assert_eq!(out.status.code(), Some(2));
}
