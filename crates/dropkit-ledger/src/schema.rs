//! The ledger's tables, their versions and the forward migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`; `PRAGMA application_id` marks the
//! file as a dropkit ledger. Each migration runs in its own transaction with the version bump,
//! so a crash during one leaves the file at the version before it. `docs/ledger.md` documents
//! every table and column.

use std::path::Path;

use rusqlite::Connection;

use crate::LedgerError;
use crate::error::SqlContext as _;

/// The schema version this release writes (`PRAGMA user_version` of the ledger file).
///
/// - `1`: downloads and their lists, work items (hash as a 32-byte BLOB, status, answer file,
///   cancellation), further hashes of a work item, Removed entries, answer files, matches,
///   forwards.
/// - `2`: a download is keyed on its ZIP's SHA-256 (`download.sha256`, unique), no longer on
///   its name: two downloads of one day share `YYYYMMDD_<broker>_DROP.zip`. Downloads
///   recorded before keep a NULL digest.
/// - `3`: `exemption`, the (work item, record key) pairs answered 2 Exempted and why.
/// - `4`: provider work under way: `provider_job` (deletion jobs, polled until they end) and
///   `pending_forward` (forwards a provider has not acknowledged, retried by every run),
///   before kept in `provider-jobs.json` and `pending-forwards.json`.
pub const SCHEMA_VERSION: i64 = 4;

/// `PRAGMA application_id` of a dropkit ledger: `DROP` in ASCII.
pub const APPLICATION_ID: i64 = 0x4452_4F50;

/// The migrations, in order: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// Version 1. `WITHOUT ROWID` tables keyed on the DROP Id: one B-tree per table, no second
/// index, which keeps a work item near 70 bytes on disk.
const V1: &str = "
CREATE TABLE download (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('round', 'import')),
    removed_unreadable INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE download_list (
    download    INTEGER NOT NULL REFERENCES download (id),
    list_type   TEXT NOT NULL,
    file        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    work_items  INTEGER NOT NULL,
    known       INTEGER NOT NULL,
    unreadable  INTEGER NOT NULL,
    PRIMARY KEY (download, list_type)
) WITHOUT ROWID;
CREATE TABLE answer_file (
    id          INTEGER PRIMARY KEY,
    download    INTEGER NOT NULL REFERENCES download (id),
    file        TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    UNIQUE (download, file)
);
CREATE TABLE work_item (
    id           TEXT NOT NULL PRIMARY KEY,
    list_type    TEXT NOT NULL,
    hash         BLOB CHECK (hash IS NULL OR length(hash) = 32),
    download     INTEGER NOT NULL REFERENCES download (id),
    status       INTEGER CHECK (status IS NULL OR status BETWEEN 2 AND 5),
    answer       INTEGER REFERENCES answer_file (id),
    cancelled_by INTEGER REFERENCES download (id)
) WITHOUT ROWID;
CREATE TABLE work_item_hash (
    work_item   TEXT NOT NULL REFERENCES work_item (id),
    hash        BLOB NOT NULL CHECK (length(hash) = 32),
    download    INTEGER NOT NULL REFERENCES download (id),
    PRIMARY KEY (work_item, hash)
) WITHOUT ROWID;
CREATE TABLE removal (
    work_item   TEXT NOT NULL,
    download    INTEGER NOT NULL REFERENCES download (id),
    list_type   TEXT NOT NULL,
    hash        BLOB NOT NULL,
    effect      TEXT NOT NULL CHECK (effect IN ('cancelled', 'already_cancelled', 'unknown')),
    PRIMARY KEY (work_item, download)
) WITHOUT ROWID;
CREATE TABLE record_match (
    work_item   TEXT NOT NULL REFERENCES work_item (id),
    key         TEXT NOT NULL,
    round       INTEGER NOT NULL REFERENCES download (id),
    kind        TEXT NOT NULL CHECK (kind IN ('new', 'late')),
    status      INTEGER CHECK (status IS NULL OR status BETWEEN 2 AND 5),
    last_round  INTEGER NOT NULL REFERENCES download (id),
    PRIMARY KEY (work_item, key)
) WITHOUT ROWID;
CREATE TABLE forward (
    provider     TEXT NOT NULL,
    work_item    TEXT NOT NULL REFERENCES work_item (id),
    key          TEXT NOT NULL,
    round        INTEGER NOT NULL REFERENCES download (id),
    forwarded_at TEXT NOT NULL,
    PRIMARY KEY (provider, work_item, key)
) WITHOUT ROWID;
CREATE TABLE imported_round (
    dir          TEXT NOT NULL PRIMARY KEY,
    download     INTEGER REFERENCES download (id),
    imported_at  TEXT NOT NULL
) WITHOUT ROWID;
";

/// Version 2: `download.name` is no longer unique; `download.sha256` (the ZIP's SHA-256, 32
/// bytes) is, NULL for a download recorded before. SQLite cannot drop a UNIQUE constraint in
/// place, so the table is rebuilt (the documented way: new table, copy, drop, rename, with
/// foreign keys off; the ids, which every other table points at, are kept).
const V2: &str = "
CREATE TABLE download_v2 (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('round', 'import')),
    removed_unreadable INTEGER NOT NULL DEFAULT 0,
    sha256      BLOB UNIQUE CHECK (sha256 IS NULL OR length(sha256) = 32)
);
INSERT INTO download_v2 (id, name, received_at, recorded_at, source, removed_unreadable)
    SELECT id, name, received_at, recorded_at, source, removed_unreadable FROM download;
DROP TABLE download;
ALTER TABLE download_v2 RENAME TO download;
CREATE INDEX download_name ON download (name);
";

/// Version 3: the exemptions a round applied (status 2), with the operator's reason.
const V3: &str = "
CREATE TABLE exemption (
    work_item   TEXT NOT NULL REFERENCES work_item (id),
    key         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    round       INTEGER NOT NULL REFERENCES download (id),
    PRIMARY KEY (work_item, key)
) WITHOUT ROWID;
";

/// Version 4: provider work under way, kept across rounds.
const V4: &str = "
CREATE TABLE provider_job (
    provider    TEXT NOT NULL,
    job         TEXT NOT NULL,
    round       INTEGER REFERENCES download (id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'failed')),
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (provider, job)
) WITHOUT ROWID;
CREATE TABLE pending_forward (
    provider        TEXT NOT NULL,
    key             TEXT NOT NULL,
    payload         TEXT NOT NULL,
    outcome_unknown INTEGER NOT NULL CHECK (outcome_unknown IN (0, 1)),
    since           TEXT NOT NULL,
    PRIMARY KEY (provider, key)
) WITHOUT ROWID;
";

/// Sets the connection's pragmas and brings the schema to [`SCHEMA_VERSION`].
pub(crate) fn prepare(conn: &mut Connection, path: &Path) -> Result<(), LedgerError> {
    let not_ledger = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            LedgerError::NotALedger {
                path: path.to_owned(),
                reason: "not an SQLite database".into(),
            }
        }
        source => LedgerError::Sqlite {
            path: path.to_owned(),
            source,
        },
    };
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .at(path)?;
    // WAL: readers (an auditor's sqlite3) never block the round; FULL: a commit the round
    // went on after survives a power cut too.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .map_err(not_ledger)?;
    // secure_delete: a pending forward's clear-text email, deleted once the provider took
    // it, is overwritten, not left in a free page for anyone holding a copy of the file.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -8192; \
         PRAGMA secure_delete = ON;",
    )
    .at(path)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .at(path)?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .at(path)?;
    if version > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema {
            path: path.to_owned(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .at(path)?;
        if tables > 0 {
            return Err(LedgerError::NotALedger {
                path: path.to_owned(),
                reason: "an SQLite database with other tables".into(),
            });
        }
    } else if app != APPLICATION_ID {
        return Err(LedgerError::NotALedger {
            path: path.to_owned(),
            reason: format!("application id {app:#x}, a dropkit ledger has {APPLICATION_ID:#x}"),
        });
    }
    // A migration may rebuild a table others point at: foreign keys are off while migrating
    // (SQLite ignores the pragma inside a transaction) and checked before each commit.
    conn.pragma_update(None, "foreign_keys", false).at(path)?;
    let migrated = migrate(conn, path);
    conn.pragma_update(None, "foreign_keys", true).at(path)?;
    migrated
}

/// Runs the migrations from the file's version to [`SCHEMA_VERSION`].
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), LedgerError> {
    // One transaction per migration, taken before reading the version again: two processes
    // opening a new ledger at once migrate it once.
    loop {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .at(path)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .at(path)?;
        let Some(sql) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            return Ok(());
        };
        tx.execute_batch(sql).at(path)?;
        let dangling: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .at(path)?;
        if dangling > 0 {
            return Err(LedgerError::NotALedger {
                path: path.to_owned(),
                reason: format!(
                    "migrating to schema version {} left {dangling} row(s) pointing nowhere",
                    version + 1
                ),
            });
        }
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
            version + 1
        ))
        .at(path)?;
        tx.commit().at(path)?;
    }
}
