//! The SQL connector against a real PostgreSQL server (`DROPKIT_TEST_POSTGRES_URL`, which
//! `.ci/run` starts on loopback). Outside CI, without the variable, each test prints a notice
//! and returns; in CI a missing server fails them.
//!
//! Each test works on tables of its own name, so the tests can run at once on one database.

mod common;

use common::{postgres_url, target};
use dropkit_connector::{
    Action, Connector as _, ConnectorError, KeyOutcome, SqlConnector, StatementKind,
};
use sqlx::{Connection as _, PgConnection};

/// A connection for the test's own setup and checks, and a fresh `table` with customers
/// c1..c6 (text key, `do_not_sell` false).
async fn setup(url: &str, table: &str) -> PgConnection {
    let mut db = PgConnection::connect(url).await.expect("connect");
    for sql in [
        format!("DROP TABLE IF EXISTS {table}_orders"),
        format!("DROP TABLE IF EXISTS {table}"),
        format!(
            "CREATE TABLE {table} (id TEXT PRIMARY KEY, email TEXT NOT NULL, \
             do_not_sell BOOLEAN NOT NULL DEFAULT false)"
        ),
        format!(
            "INSERT INTO {table} (id, email) SELECT 'c' || i, 'c' || i || '@domain.com' \
             FROM generate_series(1, 6) AS i"
        ),
    ] {
        sqlx::query(&sql).execute(&mut db).await.expect("setup");
    }
    db
}

async fn rows(db: &mut PgConnection, table: &str) -> Vec<(String, bool)> {
    sqlx::query_as(&format!("SELECT id, do_not_sell FROM {table} ORDER BY id"))
        .fetch_all(db)
        .await
        .expect("select")
}

#[tokio::test]
async fn deletes_and_opts_out_on_a_real_server() {
    let Some(url) = postgres_url("deletes_and_opts_out_on_a_real_server") else {
        return;
    };
    let table = "connector_customers_a";
    let mut db = setup(&url, table).await;
    let connector = SqlConnector::connect(
        &url,
        &format!("DELETE FROM {table} WHERE id = $1"),
        Some(&format!(
            "UPDATE {table} SET do_not_sell = true WHERE id = $1"
        )),
    )
    .await
    .expect("connect");
    assert_eq!(connector.name(), "postgres");

    let batch = [
        target("c1", Action::Delete),
        target("c2", Action::OptOut),
        target("c3", Action::OptOut),
        target("c3", Action::Delete),
        target("gone", Action::Delete),
    ];
    let got = connector.apply(&batch).await.expect("apply");
    let keys: Vec<&str> = got.results.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["c1", "c2", "c3", "gone"]);
    assert!(got.all_done(), "{got:?}");
    assert_eq!(
        rows(&mut db, table).await,
        [
            ("c2".to_owned(), true),
            ("c4".to_owned(), false),
            ("c5".to_owned(), false),
            ("c6".to_owned(), false)
        ]
    );
    // A retried batch changes nothing and is done again.
    assert!(connector.apply(&batch).await.expect("again").all_done());
    assert_eq!(rows(&mut db, table).await.len(), 4);
    connector.close().await;
}

#[tokio::test]
async fn a_refused_key_fails_alone_on_a_real_server() {
    let Some(url) = postgres_url("a_refused_key_fails_alone_on_a_real_server") else {
        return;
    };
    let table = "connector_customers_b";
    let mut db = setup(&url, table).await;
    for sql in [
        format!(
            "CREATE OR REPLACE FUNCTION {table}_hold() RETURNS trigger AS $$ BEGIN \
             IF OLD.id = 'c2' THEN RAISE EXCEPTION 'c2 is under legal hold'; END IF; \
             RETURN OLD; END $$ LANGUAGE plpgsql"
        ),
        format!(
            "CREATE TRIGGER hold BEFORE DELETE ON {table} FOR EACH ROW \
             EXECUTE FUNCTION {table}_hold()"
        ),
    ] {
        sqlx::query(&sql).execute(&mut db).await.expect("trigger");
    }
    let connector =
        SqlConnector::connect(&url, &format!("DELETE FROM {table} WHERE id = $1"), None)
            .await
            .expect("connect");
    let got = connector
        .apply(&[
            target("c1", Action::Delete),
            target("c2", Action::Delete),
            // Opted out without an opt-out statement: deleted.
            target("c3", Action::OptOut),
        ])
        .await
        .expect("apply");
    assert_eq!(got.done().collect::<Vec<_>>(), ["c1", "c3"]);
    match got.outcome("c2") {
        Some(KeyOutcome::Failed { reason }) => {
            assert!(reason.contains("c2 is under legal hold"), "{reason}");
            assert!(reason.contains("P0001"), "the SQLSTATE is kept: {reason}");
        }
        other => panic!("c2: {other:?}"),
    }
    let left: Vec<String> = rows(&mut db, table)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(left, ["c2", "c4", "c5", "c6"]);
}

#[tokio::test]
async fn a_failed_commit_applies_nothing_on_a_real_server() {
    let Some(url) = postgres_url("a_failed_commit_applies_nothing_on_a_real_server") else {
        return;
    };
    let table = "connector_customers_c";
    let mut db = setup(&url, table).await;
    for sql in [
        format!(
            "CREATE TABLE {table}_orders (id SERIAL PRIMARY KEY, customer TEXT \
             REFERENCES {table}(id) DEFERRABLE INITIALLY DEFERRED)"
        ),
        format!("INSERT INTO {table}_orders (customer) VALUES ('c2')"),
    ] {
        sqlx::query(&sql).execute(&mut db).await.expect("orders");
    }
    let connector =
        SqlConnector::connect(&url, &format!("DELETE FROM {table} WHERE id = $1"), None)
            .await
            .expect("connect");
    let err = connector
        .apply(&[target("c1", Action::Delete), target("c2", Action::Delete)])
        .await
        .expect_err("the commit fails");
    assert!(matches!(err, ConnectorError::Transaction { .. }), "{err:?}");
    assert_eq!(rows(&mut db, table).await.len(), 6, "nothing was deleted");
    let got = connector
        .apply(&[target("c1", Action::Delete)])
        .await
        .expect("next batch");
    assert!(got.all_done());
    assert_eq!(rows(&mut db, table).await.len(), 5);
}

#[tokio::test]
async fn a_numeric_key_needs_a_cast_and_works_with_one() {
    let Some(url) = postgres_url("a_numeric_key_needs_a_cast_and_works_with_one") else {
        return;
    };
    let table = "connector_people_d";
    let mut db = PgConnection::connect(&url).await.expect("connect");
    for sql in [
        format!("DROP TABLE IF EXISTS {table}"),
        format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY)"),
        format!("INSERT INTO {table} VALUES (1), (2), (3)"),
    ] {
        sqlx::query(&sql).execute(&mut db).await.expect("setup");
    }
    let err = SqlConnector::connect(&url, &format!("DELETE FROM {table} WHERE id = $1"), None)
        .await
        .expect_err("bigint = text does not prepare");
    assert!(
        matches!(
            err,
            ConnectorError::Statement {
                kind: StatementKind::Delete,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("$1::bigint"), "{err}");

    let connector = SqlConnector::connect(
        &url,
        &format!("DELETE FROM {table} WHERE id = $1::bigint"),
        None,
    )
    .await
    .expect("with the cast");
    assert!(
        connector
            .apply(&[target("2", Action::Delete)])
            .await
            .expect("apply")
            .all_done()
    );
    let left: Vec<(i64,)> = sqlx::query_as(&format!("SELECT id FROM {table} ORDER BY id"))
        .fetch_all(&mut db)
        .await
        .expect("select");
    assert_eq!(left, [(1,), (3,)]);
}

#[tokio::test]
async fn bad_statements_are_refused_on_a_real_server() {
    let Some(url) = postgres_url("bad_statements_are_refused_on_a_real_server") else {
        return;
    };
    let table = "connector_customers_e";
    let _db = setup(&url, table).await;
    let err = SqlConnector::connect(&url, "DELETE FROM no_such_table WHERE id = $1", None)
        .await
        .expect_err("missing table");
    assert!(err.to_string().contains("no_such_table"), "{err}");
    let err = SqlConnector::connect(&url, &format!("DELETE FROM {table}"), None)
        .await
        .expect_err("no parameter");
    assert!(err.to_string().contains("0 parameter"), "{err}");
}

#[tokio::test]
async fn the_password_never_shows_on_a_real_server() {
    let Some(url) = postgres_url("the_password_never_shows_on_a_real_server") else {
        return;
    };
    let table = "connector_customers_f";
    let _db = setup(&url, table).await;
    // The CI server trusts loopback, so a password in the URL is accepted and not checked.
    let Ok(mut parsed) = url::Url::parse(&url) else {
        panic!("DROPKIT_TEST_POSTGRES_URL is not a URL");
    };
    if parsed.password().is_some() || parsed.set_password(Some("Sup3rS3cret")).is_err() {
        eprintln!("SKIPPED the password check: the test URL has its own password");
        return;
    }
    let connector = SqlConnector::connect(
        parsed.as_str(),
        &format!("DELETE FROM {table} WHERE id = $1"),
        None,
    )
    .await;
    let connector = match connector {
        Ok(c) => c,
        // A server that checks passwords refuses this one; the error must not show it.
        Err(e) => {
            assert!(!format!("{e} {e:?}").contains("Sup3rS3cret"), "{e}");
            return;
        }
    };
    let shown = format!("{connector:?} {}", connector.url());
    assert!(!shown.contains("Sup3rS3cret"), "{shown}");
    assert!(shown.contains(":***@"), "{shown}");
}

#[tokio::test]
async fn a_locked_row_fails_its_key_after_the_urls_lock_timeout() {
    let Some(url) = postgres_url("a_locked_row_fails_its_key_after_the_urls_lock_timeout") else {
        return;
    };
    let table = "connector_customers_g";
    let mut db = setup(&url, table).await;
    // Another session holds c2's row lock for the whole batch.
    let mut other = PgConnection::connect(&url).await.expect("connect");
    sqlx::query("BEGIN")
        .execute(&mut other)
        .await
        .expect("begin");
    sqlx::query(&format!("SELECT 1 FROM {table} WHERE id = 'c2' FOR UPDATE"))
        .execute(&mut other)
        .await
        .expect("lock c2");

    let Ok(mut with_timeout) = url::Url::parse(&url) else {
        panic!("DROPKIT_TEST_POSTGRES_URL is not a URL");
    };
    with_timeout
        .query_pairs_mut()
        .append_pair("options", "-c lock_timeout=100ms");
    let connector = SqlConnector::connect(
        with_timeout.as_str(),
        &format!("DELETE FROM {table} WHERE id = $1"),
        None,
    )
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
    assert!(failed[0].1.contains("lock timeout"), "{failed:?}");

    sqlx::query("ROLLBACK")
        .execute(&mut other)
        .await
        .expect("release");
    let left: Vec<String> = rows(&mut db, table)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(left, ["c2", "c4", "c5", "c6"]);
    // The next run deletes it.
    assert!(
        connector
            .apply(&[target("c2", Action::Delete)])
            .await
            .expect("retry")
            .all_done()
    );
}
