//! The SQL connector against SQLite files.

mod common;

use std::path::{Path, PathBuf};

use common::target;
use dropkit_connector::{
    Action, BatchOutcome, Connector as _, ConnectorError, KeyOutcome, SqlConnector, StatementKind,
};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, SqliteConnection};

const DELETE: &str = "DELETE FROM customers WHERE id = $1";
const OPT_OUT: &str = "UPDATE customers SET do_not_sell = 1 WHERE id = $1";

/// A new database with customers c1..c6, none opted out.
async fn crm(dir: &Path) -> (PathBuf, SqliteConnection) {
    let path = dir.join("crm.db");
    let mut db = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("create the database");
    sqlx::query(
        "CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL, \
         do_not_sell INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(&mut db)
    .await
    .expect("create table");
    for i in 1..=6 {
        sqlx::query("INSERT INTO customers (id, email) VALUES ($1, $2)")
            .bind(format!("c{i}"))
            .bind(format!("c{i}@domain.com"))
            .execute(&mut db)
            .await
            .expect("insert");
    }
    (path, db)
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

async fn rows(db: &mut SqliteConnection) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT id, do_not_sell FROM customers ORDER BY id")
        .fetch_all(db)
        .await
        .expect("select")
}

fn outcome(pairs: &[(&str, KeyOutcome)]) -> BatchOutcome {
    BatchOutcome {
        results: pairs
            .iter()
            .map(|(k, o)| ((*k).to_owned(), o.clone()))
            .collect(),
    }
}

#[tokio::test]
async fn deletes_opts_out_and_counts_a_gone_record_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, mut db) = crm(dir.path()).await;
    let connector = SqlConnector::connect(&url(&path), DELETE, Some(OPT_OUT))
        .await
        .expect("connect");
    assert_eq!(connector.name(), "sqlite");

    let batch = [
        target("c1", Action::Delete),
        target("c2", Action::OptOut),
        // c3 matched two work items: delete wins over opt-out, answered once.
        target("c3", Action::OptOut),
        target("c3", Action::Delete),
        // c9 is not (or no longer) in the database: nothing to delete, done.
        target("c9", Action::Delete),
    ];
    let got = connector.apply(&batch).await.expect("apply");
    assert_eq!(
        got,
        outcome(&[
            ("c1", KeyOutcome::Done),
            ("c2", KeyOutcome::Done),
            ("c3", KeyOutcome::Done),
            ("c9", KeyOutcome::Done),
        ])
    );
    assert_eq!(
        rows(&mut db).await,
        [
            ("c2".to_owned(), 1),
            ("c4".to_owned(), 0),
            ("c5".to_owned(), 0),
            ("c6".to_owned(), 0)
        ]
    );

    // Applying the same batch again (a retried batch) changes nothing and is still done.
    let again = connector.apply(&batch).await.expect("apply again");
    assert!(again.all_done());
    assert_eq!(rows(&mut db).await.len(), 4);
    connector.close().await;
}

#[tokio::test]
async fn without_an_opt_out_statement_an_opt_out_is_deleted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, mut db) = crm(dir.path()).await;
    let connector = SqlConnector::connect(&url(&path), DELETE, None)
        .await
        .expect("connect");
    assert_eq!(connector.opt_out_sql(), None);
    let got = connector
        .apply(&[target("c4", Action::OptOut), target("c5", Action::Delete)])
        .await
        .expect("apply");
    assert!(got.all_done());
    let left: Vec<String> = rows(&mut db).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(left, ["c1", "c2", "c3", "c6"]);
}

#[tokio::test]
async fn a_refused_key_fails_alone_and_the_others_are_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, mut db) = crm(dir.path()).await;
    sqlx::query(
        "CREATE TRIGGER hold_c2 BEFORE DELETE ON customers WHEN OLD.id = 'c2' \
         BEGIN SELECT RAISE(ABORT, 'c2 is under legal hold'); END",
    )
    .execute(&mut db)
    .await
    .expect("trigger");
    let connector = SqlConnector::connect(&url(&path), DELETE, None)
        .await
        .expect("connect");
    let got = connector
        .apply(&[
            target("c1", Action::Delete),
            target("c2", Action::Delete),
            target("c3", Action::Delete),
        ])
        .await
        .expect("apply");
    assert_eq!(got.done().collect::<Vec<_>>(), ["c1", "c3"]);
    let failed: Vec<_> = got.failed().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "c2");
    assert!(
        failed[0].1.contains("c2 is under legal hold"),
        "reason: {}",
        failed[0].1
    );
    let left: Vec<String> = rows(&mut db).await.into_iter().map(|(id, _)| id).collect();
    assert_eq!(left, ["c2", "c4", "c5", "c6"]);
}

#[tokio::test]
async fn a_failed_commit_fails_the_batch_and_applies_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, mut db) = crm(dir.path()).await;
    // An order that still points at c2, checked only at COMMIT.
    sqlx::query(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT REFERENCES customers(id) \
         DEFERRABLE INITIALLY DEFERRED)",
    )
    .execute(&mut db)
    .await
    .expect("orders");
    sqlx::query("INSERT INTO orders (customer) VALUES ('c2')")
        .execute(&mut db)
        .await
        .expect("order");
    let connector = SqlConnector::connect(&url(&path), DELETE, None)
        .await
        .expect("connect");
    let err = connector
        .apply(&[target("c1", Action::Delete), target("c2", Action::Delete)])
        .await
        .expect_err("the commit fails");
    assert!(matches!(err, ConnectorError::Transaction { .. }), "{err:?}");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    assert_eq!(rows(&mut db).await.len(), 6, "nothing was deleted");

    // The connector is still usable for the next batch.
    let got = connector
        .apply(&[target("c1", Action::Delete)])
        .await
        .expect("next batch");
    assert!(got.all_done());
    assert_eq!(rows(&mut db).await.len(), 5);
}

#[tokio::test]
async fn an_integer_key_column_takes_the_text_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ids.db");
    let mut db = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("create");
    sqlx::query("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
        .execute(&mut db)
        .await
        .expect("table");
    sqlx::query("INSERT INTO people (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        .execute(&mut db)
        .await
        .expect("rows");
    // `?1` works as well as `$1` in SQLite.
    let connector = SqlConnector::connect(&url(&path), "DELETE FROM people WHERE id = ?1", None)
        .await
        .expect("connect");
    let got = connector
        .apply(&[target("2", Action::Delete)])
        .await
        .expect("apply");
    assert!(got.all_done());
    let left: Vec<(i64,)> = sqlx::query_as("SELECT id FROM people ORDER BY id")
        .fetch_all(&mut db)
        .await
        .expect("select");
    assert_eq!(left, [(1,), (3,)]);
}

#[tokio::test]
async fn an_empty_batch_does_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, _db) = crm(dir.path()).await;
    let connector = SqlConnector::connect(&url(&path), DELETE, None)
        .await
        .expect("connect");
    assert_eq!(
        connector.apply(&[]).await.expect("apply"),
        BatchOutcome::default()
    );
}

#[tokio::test]
async fn bad_statements_are_refused_when_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, _db) = crm(dir.path()).await;
    let url = url(&path);
    let cases: [(&str, Option<&str>, StatementKind, &str); 5] = [
        (
            "DELETE FROM clients WHERE id = $1",
            None,
            StatementKind::Delete,
            "no such table",
        ),
        (
            "DELETE FROM customers",
            None,
            StatementKind::Delete,
            "0 parameter",
        ),
        (
            "DELETE FROM customers WHERE id = $1 OR email = $2",
            None,
            StatementKind::Delete,
            "2 parameter",
        ),
        ("  ", None, StatementKind::Delete, "empty"),
        (
            DELETE,
            Some("UPDATE customers SET opted = 1 WHERE id = $1"),
            StatementKind::OptOut,
            "no such column",
        ),
    ];
    for (delete, opt_out, kind, expected) in cases {
        let err = SqlConnector::connect(&url, delete, opt_out)
            .await
            .expect_err("refused");
        match &err {
            ConnectorError::Statement { kind: k, .. } => assert_eq!(*k, kind, "{err}"),
            other => panic!("{delete:?}: expected a statement error, got {other:?}"),
        }
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[tokio::test]
async fn a_missing_database_file_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("typo.db");
    let err = SqlConnector::connect(&url(&path), DELETE, None)
        .await
        .expect_err("missing file");
    assert!(matches!(err, ConnectorError::Connect { .. }), "{err:?}");
    assert!(!path.exists());
}
