//! Deletion connectors for California DROP: the step that makes a round's answers true by
//! deleting (or opting out) the matched records in the broker's own data, before DROP is
//! told "3 Deleted" or "4 Opted out".
//!
//! A round hands its matches to a [`Connector`] as [`Target`]s (record key, list type, work
//! item Id, [`Action`]), a batch at a time ([`batches`], [`DEFAULT_BATCH_SIZE`] keys each).
//! The connector answers one [`KeyOutcome`] per distinct key in a [`BatchOutcome`]: only a key
//! that is [`KeyOutcome::Done`] may be claimed to DROP; a failed key is retried by a later
//! run; an `Err` means the whole batch's outcome is unknown and nothing of it is claimed.
//!
//! Two connectors:
//!
//! - [`SqlConnector`]: the broker's delete (and opt-out) statement, `$1` being the record
//!   key, on PostgreSQL or SQLite through sqlx; one transaction per batch, one savepoint per
//!   key.
//! - [`CommandConnector`]: any program, fed the batch as CSV (`Key,ListType,Id,Action`) on
//!   standard input, answering `Key,Result` (`done` or `failed`) on standard output.
//!
//! `docs/connectors.md` states the protocol and the contract with the round. No error,
//! `Debug` output or log line shows a database password.
//!
//! # Example
//!
//! ```
//! use dropkit_connector::{Action, Connector, KeyOutcome, SqlConnector, Target, batches};
//! use dropkit_files::WorkItemId;
//! use dropkit_hash::ListType;
//! use sqlx::sqlite::SqliteConnectOptions;
//! use sqlx::{ConnectOptions as _, Connection as _};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! // The broker's customer database (here a new SQLite file).
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("crm.db");
//! let mut db = SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await?;
//! sqlx::query("CREATE TABLE customers (id TEXT PRIMARY KEY, do_not_sell INTEGER DEFAULT 0)")
//!     .execute(&mut db)
//!     .await?;
//! sqlx::query("INSERT INTO customers (id) VALUES ('c1'), ('c2'), ('c3')").execute(&mut db).await?;
//!
//! let connector = SqlConnector::connect(
//!     &format!("sqlite://{}", path.display()),
//!     "DELETE FROM customers WHERE id = $1",
//!     Some("UPDATE customers SET do_not_sell = 1 WHERE id = $1"),
//! )
//! .await?;
//!
//! // This round's matches: c1 asked to be deleted, c2 to be opted out.
//! let target = |key: &str, action| Target {
//!     key: key.to_owned(),
//!     list_type: ListType::Email,
//!     id: WorkItemId::new("A7kP2xQ9Lm4R").expect("a valid Id"),
//!     action,
//! };
//! let matches = [target("c1", Action::Delete), target("c2", Action::OptOut)];
//! for batch in batches(&matches, dropkit_connector::DEFAULT_BATCH_SIZE) {
//!     let outcome = connector.apply(&batch).await?;
//!     assert!(outcome.all_done());
//!     assert_eq!(outcome.outcome("c1"), Some(&KeyOutcome::Done));
//! }
//!
//! let left: Vec<(String, i64)> = sqlx::query_as("SELECT id, do_not_sell FROM customers ORDER BY id")
//!     .fetch_all(&mut db)
//!     .await?;
//! assert_eq!(left, [("c2".to_owned(), 1), ("c3".to_owned(), 0)]);
//! db.close().await?;
//! connector.close().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```
//!
//! The same batch through a command (here a one-line `awk` script that answers `done` for
//! every key):
//!
//! ```
//! use dropkit_connector::{Action, CommandConnector, Connector, Target};
//! use dropkit_files::WorkItemId;
//! use dropkit_hash::ListType;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let connector = CommandConnector::new(
//!     r#"awk -F, 'NR == 1 { print "Key,Result"; next } !seen[$1]++ { print $1 ",done" }'"#,
//! );
//! let batch = [Target {
//!     key: "c1".to_owned(),
//!     list_type: ListType::Phone,
//!     id: WorkItemId::new("Q1w2E3r4T5y6").expect("a valid Id"),
//!     action: Action::Delete,
//! }];
//! let outcome = connector.apply(&batch).await?;
//! assert_eq!(outcome.done().collect::<Vec<_>>(), ["c1"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

#![forbid(unsafe_code)]

mod command;
mod csv_protocol;
mod error;
mod redact;
mod sql;
mod target;

pub use command::{CommandConnector, DEFAULT_COMMAND_TIMEOUT};
pub use csv_protocol::{ANSWER_HEADER, INPUT_HEADER};
pub use error::{AnswerError, ConnectorError, StatementKind};
pub use sql::SqlConnector;
pub use target::{Action, BatchOutcome, KeyOutcome, ParseActionError, Target, batches};

use futures::future::BoxFuture;

/// How many distinct record keys a batch holds, unless the caller chooses otherwise: large
/// enough that a million matches take a thousand transactions, small enough that a failed
/// batch is cheap to retry.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// A way to delete (or opt out) the broker's records.
///
/// The contract every connector keeps:
///
/// - [`apply`](Connector::apply) returns one [`KeyOutcome`] per distinct key of the batch, in
///   the order the keys first appear; a key with several targets (several work items matched
///   the same record) is applied once and answered once.
/// - `Ok` with [`KeyOutcome::Done`] means the key's action is done and durable (committed,
///   or answered `done` by the command); only such keys may be claimed to DROP.
/// - `Ok` with [`KeyOutcome::Failed`] means that key's action was not done; the others stand.
/// - `Err` means the whole batch's outcome is unknown: none of it may be claimed, and the
///   batch is retried whole. Every action must therefore be safe to repeat (deleting a record
///   that is gone is `Done`).
/// - An empty batch is answered with an empty outcome, without touching the database or
///   running the command.
pub trait Connector: std::fmt::Debug + Send + Sync {
    /// A short name for logs and reports: `postgres`, `sqlite` or `command`.
    fn name(&self) -> &str;

    /// Applies one batch; `Err` means the whole batch's outcome is unknown or failed (nothing
    /// of it may be claimed).
    fn apply<'a>(
        &'a self,
        batch: &'a [Target],
    ) -> BoxFuture<'a, Result<BatchOutcome, ConnectorError>>;
}
