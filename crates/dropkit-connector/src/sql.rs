//! The SQL connector: the broker's own statements, run on its PostgreSQL or SQLite database.

use std::fmt;
use std::str::FromStr as _;

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection as _, Database, Either, Encode, Executor, IntoArguments, Statement, Type};

use crate::Connector;
use crate::error::{ConnectorError, StatementKind};
use crate::redact::{Secrets, redact_url};
use crate::target::{Action, BatchOutcome, KeyOutcome, Target, key_actions};

/// Connections kept open to the broker's database: batches run one after another, and two
/// leave room for a caller that applies two batches at once.
const MAX_CONNECTIONS: u32 = 2;

/// Runs the broker's delete (and opt-out) statement once per record key, through sqlx, on a
/// PostgreSQL (`postgres://…`, `postgresql://…`) or SQLite (`sqlite://…`) database.
///
/// - **The statements** take the record key as their one parameter `$1`, bound as text
///   (SQLite also accepts `?1` and `?`). In PostgreSQL a key column that is not text needs a
///   cast: `DELETE FROM customers WHERE id = $1::bigint`. Both statements are prepared when
///   connecting, so a typo, a missing table or a type mismatch is reported before anything
///   runs.
/// - **Opt-out**: an [`Action::OptOut`] key runs the opt-out statement; when none was given,
///   it runs the delete statement instead (deleting a record also ends its sale and sharing).
///   A key with both actions in one batch is deleted.
/// - **Transactions**: each batch runs in one transaction, and each key inside it in its own
///   savepoint. A statement error on one key (a constraint, a trigger refusing it, a lock)
///   rolls back that key only and reports it [`KeyOutcome::Failed`] with the database's
///   message; the other keys are committed with the batch. If the transaction itself fails
///   (the connection drops, the commit is refused), [`Connector::apply`] returns an error and
///   none of the batch is claimed.
/// - **Done**: a statement that succeeds is [`KeyOutcome::Done`], whatever number of rows it
///   changed: a record that is already gone (deleted by an earlier run, or never stored under
///   that key) has nothing left to delete. A batch in which no statement changed any row is
///   logged as a warning, since a statement that matches nothing (a wrong column) looks the
///   same.
/// - **Secrets**: the URL's password is never printed: `Debug`, [`SqlConnector::url`] and
///   every error show it as `***`. Prefer keeping it out of the URL altogether: PostgreSQL's
///   `PGPASSWORD` environment variable and `~/.pgpass` are read when the URL has none.
/// - **SQLite**: the file must exist (a mistyped path is an error, not a new empty database).
///
/// TLS to PostgreSQL follows the URL's `sslmode` (default `prefer`), with rustls and the
/// Mozilla roots; `?sslmode=verify-full&sslrootcert=ca.pem` pins a private CA.
pub struct SqlConnector {
    pool: Pool,
    url: String,
    secrets: Secrets,
    delete_sql: String,
    opt_out_sql: Option<String>,
}

enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// A connection outside the pool, used only while connecting.
enum Direct {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl SqlConnector {
    /// Connects to the database at `url` and prepares `delete_sql` and, when given,
    /// `opt_out_sql`, checking that each has exactly one parameter (`$1`, the record key).
    ///
    /// Errors: [`ConnectorError::UnsupportedScheme`], [`ConnectorError::Connect`] and
    /// [`ConnectorError::Statement`], none of which shows the URL's password.
    pub async fn connect(
        url: &str,
        delete_sql: &str,
        opt_out_sql: Option<&str>,
    ) -> Result<Self, ConnectorError> {
        let secrets = Secrets::of_url(url);
        let redacted = redact_url(url);
        let connect_error = |e: sqlx::Error| ConnectorError::Connect {
            url: redacted.clone(),
            message: secrets.scrub(&e.to_string()),
        };
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        let (pool, mut direct) = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                let options = PgConnectOptions::from_str(url).map_err(connect_error)?;
                // One direct connection first: a wrong host or password is reported at once,
                // where the pool would retry until its acquire timeout.
                let direct = PgConnection::connect_with(&options)
                    .await
                    .map_err(connect_error)?;
                let pool = PgPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                (Pool::Postgres(pool), Direct::Postgres(direct))
            }
            "sqlite" => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(connect_error)?
                    .create_if_missing(false);
                let direct = SqliteConnection::connect_with(&options)
                    .await
                    .map_err(connect_error)?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                (Pool::Sqlite(pool), Direct::Sqlite(direct))
            }
            _ => {
                return Err(ConnectorError::UnsupportedScheme {
                    url: redacted,
                    scheme: scheme.to_owned(),
                });
            }
        };
        let connector = Self {
            pool,
            url: redacted,
            secrets,
            delete_sql: delete_sql.to_owned(),
            opt_out_sql: opt_out_sql.map(str::to_owned),
        };
        connector
            .check(&mut direct, StatementKind::Delete, delete_sql)
            .await?;
        if let Some(sql) = opt_out_sql {
            connector
                .check(&mut direct, StatementKind::OptOut, sql)
                .await?;
        }
        // Closing it also drops the statements it prepared without the key's type.
        let closed = match direct {
            Direct::Postgres(c) => c.close().await,
            Direct::Sqlite(c) => c.close().await,
        };
        closed.map_err(|e| ConnectorError::Connect {
            url: connector.url.clone(),
            message: connector.secrets.scrub(&e.to_string()),
        })?;
        Ok(connector)
    }

    /// The database URL, password masked.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The delete statement.
    pub fn delete_sql(&self) -> &str {
        &self.delete_sql
    }

    /// The opt-out statement, if one was given (otherwise opt-outs are deleted).
    pub fn opt_out_sql(&self) -> Option<&str> {
        self.opt_out_sql.as_deref()
    }

    /// Closes the connections, waiting for batches in flight.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Postgres(p) => p.close().await,
            Pool::Sqlite(p) => p.close().await,
        }
    }

    /// Prepares `sql` and checks its parameters.
    async fn check(
        &self,
        direct: &mut Direct,
        kind: StatementKind,
        sql: &str,
    ) -> Result<(), ConnectorError> {
        let error = |message: String| ConnectorError::Statement {
            kind,
            sql: sql.to_owned(),
            message,
        };
        if sql.trim().is_empty() {
            return Err(error("the statement is empty".to_owned()));
        }
        let parameters = match (&self.pool, direct) {
            (Pool::Postgres(p), Direct::Postgres(c)) => prepared_parameters(p, c, sql).await,
            (Pool::Sqlite(p), Direct::Sqlite(c)) => prepared_parameters(p, c, sql).await,
            // `connect` makes both of one database.
            _ => Ok(None),
        };
        match parameters {
            Ok(Some(1)) | Ok(None) => Ok(()),
            Ok(Some(n)) => Err(error(format!(
                "it has {n} parameter(s): it must have exactly one, $1, the record key"
            ))),
            Err(sqlx::Error::Database(db)) => {
                let mut message = format!("does not prepare: {}", self.secrets.scrub(db.message()));
                if matches!(self.pool, Pool::Postgres(_)) && db.code().as_deref() == Some("42883") {
                    message
                        .push_str(" (the record key is bound as text: cast it, e.g. $1::bigint)");
                }
                Err(error(message))
            }
            Err(e) => Err(ConnectorError::Connect {
                url: self.url.clone(),
                message: self.secrets.scrub(&e.to_string()),
            }),
        }
    }

    async fn run(&self, batch: &[Target]) -> Result<BatchOutcome, ConnectorError> {
        let keys = key_actions(batch);
        if keys.is_empty() {
            return Ok(BatchOutcome::default());
        }
        let work: Vec<(&str, &str)> = keys
            .iter()
            .map(|k| {
                let sql = match (k.action, &self.opt_out_sql) {
                    (Action::OptOut, Some(sql)) => sql.as_str(),
                    _ => self.delete_sql.as_str(),
                };
                (k.key, sql)
            })
            .collect();
        let applied = match &self.pool {
            Pool::Postgres(p) => apply_in_transaction(p, &work, |r| r.rows_affected()).await,
            Pool::Sqlite(p) => apply_in_transaction(p, &work, |r| r.rows_affected()).await,
        };
        let (results, rows) = applied.map_err(|e| ConnectorError::Transaction {
            url: self.url.clone(),
            message: self.secrets.scrub(&e.to_string()),
        })?;
        if rows == 0 && results.iter().any(|(_, o)| o.is_done()) {
            tracing::warn!(
                database = %self.url,
                keys = results.len(),
                "no statement of the batch changed any row: the records were already gone, \
                 or the statement matches nothing (check its WHERE clause)"
            );
        }
        let results = results
            .into_iter()
            .map(|(key, outcome)| {
                let outcome = match outcome {
                    KeyOutcome::Failed { reason } => KeyOutcome::Failed {
                        reason: self.secrets.scrub(&reason),
                    },
                    done => done,
                };
                (key, outcome)
            })
            .collect();
        Ok(BatchOutcome { results })
    }
}

/// Prepares `sql` on a pooled connection with `$1` declared text, as it will run (a type that
/// does not take text fails here), then on the `direct` connection without declared types,
/// to count the parameters the statement uses, when the driver tells. Two connections,
/// because a connection keeps one prepared form per statement text, and PostgreSQL reports
/// declared parameters even when the statement does not use them.
async fn prepared_parameters<DB>(
    pool: &sqlx::Pool<DB>,
    direct: &mut DB::Connection,
    sql: &str,
) -> Result<Option<usize>, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    String: Type<DB>,
{
    let mut conn = pool.acquire().await?;
    let text = [<String as Type<DB>>::type_info()];
    conn.prepare_with(sql, &text).await?;
    let statement = match direct.prepare_with(sql, &[]).await {
        Ok(statement) => statement,
        // Without the declared type the server may not infer one (`$1 IS NULL`): the
        // statement prepared with it, so it is fine; its count is just unknown.
        Err(sqlx::Error::Database(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(statement.parameters().map(|p| match p {
        Either::Left(types) => types.len(),
        Either::Right(n) => n,
    }))
}

/// Runs each `(key, statement)` in its own savepoint inside one transaction. Returns the
/// outcome per key and the rows changed in all; `Err` when the transaction itself failed.
async fn apply_in_transaction<DB>(
    pool: &sqlx::Pool<DB>,
    work: &[(&str, &str)],
    rows_affected: impl Fn(&DB::QueryResult) -> u64,
) -> Result<(Vec<(String, KeyOutcome)>, u64), sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(work.len());
    let mut rows = 0;
    for &(key, sql) in work {
        let mut savepoint = tx.begin().await?;
        let executed = sqlx::query(sql)
            .bind(key.to_owned())
            .execute(&mut *savepoint)
            .await;
        match executed {
            Ok(done) => {
                savepoint.commit().await?;
                rows += rows_affected(&done);
                results.push((key.to_owned(), KeyOutcome::Done));
            }
            Err(sqlx::Error::Database(db)) => {
                savepoint.rollback().await?;
                let reason = match db.code() {
                    Some(code) => format!("{} (code {code})", db.message()),
                    None => db.message().to_owned(),
                };
                results.push((key.to_owned(), KeyOutcome::Failed { reason }));
            }
            Err(other) => return Err(other),
        }
    }
    tx.commit().await?;
    Ok((results, rows))
}

impl fmt::Debug for SqlConnector {
    /// Shows the URL with its password masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlConnector")
            .field("url", &self.url)
            .field("delete_sql", &self.delete_sql)
            .field("opt_out_sql", &self.opt_out_sql)
            .finish_non_exhaustive()
    }
}

impl Connector for SqlConnector {
    /// `postgres` or `sqlite`.
    fn name(&self) -> &str {
        match self.pool {
            Pool::Postgres(_) => "postgres",
            Pool::Sqlite(_) => "sqlite",
        }
    }

    fn apply<'a>(
        &'a self,
        batch: &'a [Target],
    ) -> BoxFuture<'a, Result<BatchOutcome, ConnectorError>> {
        Box::pin(self.run(batch))
    }
}
