//! The ledger handle: opening (create, migrate, refuse newer), and what every write shares.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use dropkit_files::ZipFileName;
use rusqlite::{Connection, OptionalExtension as _, Transaction, TransactionBehavior};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::LedgerError;
use crate::error::SqlContext as _;
use crate::schema;

/// The ledger's file name inside a state directory: `<state-dir>/ledger.sqlite`.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// The ledger of every DROP work item a broker has received, in one SQLite file.
///
/// Open it with [`Ledger::open`] (creating or migrating it) or [`Ledger::open_existing`]
/// (refusing a missing file). Every write is one transaction: a crash at any point leaves the
/// ledger as it was before the write or after it, never half-way; every write is idempotent,
/// so a round resumed after a crash does not record anything twice. See the
/// [crate documentation](crate) for an example.
pub struct Ledger {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// Opens the ledger at `path`, creating it (readable by its owner only, `0600` on Unix: it
    /// holds the identifiers of consumers) if it does not exist, and migrating an older schema
    /// forward. A ledger written by a newer dropkit is refused ([`LedgerError::NewerSchema`]),
    /// and so is a file that is not a ledger ([`LedgerError::NotALedger`]). The directory must
    /// exist.
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger, LedgerError> {
        let path = path.as_ref();
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(path).map_err(|e| LedgerError::io(path, e))?;
        Self::connect(path)
    }

    /// Opens an existing ledger like [`Ledger::open`], but refuses a missing file
    /// ([`LedgerError::NoLedger`]) instead of creating one: for readers (`dropkit screen`,
    /// `dropkit ledger`) that must not leave an empty ledger behind.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Ledger, LedgerError> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Self::connect(path),
            Ok(_) => Err(LedgerError::io(
                path,
                std::io::Error::other("is a directory, expected the ledger file"),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LedgerError::NoLedger {
                path: path.to_owned(),
            }),
            Err(e) => Err(LedgerError::io(path, e)),
        }
    }

    fn connect(path: &Path) -> Result<Ledger, LedgerError> {
        let mut conn = Connection::open(path).at(path)?;
        schema::prepare(&mut conn, path)?;
        Ok(Ledger {
            conn,
            path: path.to_owned(),
        })
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the download named `download` is recorded (by [`Ledger::record_download`] or
    /// an import).
    pub fn is_recorded(&self, download: &ZipFileName) -> Result<bool, LedgerError> {
        Ok(download_id(&self.conn, &self.path, download)?.is_some())
    }

    /// Whether a round (not an import) has recorded a download here yet: until one has, the
    /// archived rounds of a release without a ledger still need importing.
    pub fn has_round_downloads(&self) -> Result<bool, LedgerError> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM download WHERE source = 'round')",
                [],
                |r| r.get::<_, bool>(0),
            )
            .at(&self.path)
    }

    /// Starts a write: an immediate transaction (the write lock is taken now, so a concurrent
    /// writer waits here rather than failing at commit).
    pub(crate) fn begin(&mut self) -> Result<(Transaction<'_>, &Path), LedgerError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        Ok((tx, &self.path))
    }
}

/// The row id of a recorded download: the latest recorded under this name (two downloads of
/// one day share a name; the later one is the round at work).
pub(crate) fn download_id(
    conn: &Connection,
    path: &Path,
    name: &ZipFileName,
) -> Result<Option<i64>, LedgerError> {
    conn.query_row(
        "SELECT id FROM download WHERE name = ?1 ORDER BY id DESC LIMIT 1",
        [name.to_string()],
        |r| r.get(0),
    )
    .optional()
    .at(path)
}

/// The row id of a recorded download, or [`LedgerError::NotRecorded`].
pub(crate) fn recorded_download(
    conn: &Connection,
    path: &Path,
    name: &ZipFileName,
) -> Result<i64, LedgerError> {
    download_id(conn, path, name)?.ok_or_else(|| LedgerError::NotRecorded {
        path: path.to_owned(),
        download: name.to_string(),
    })
}

/// An instant as the ledger stores it: RFC 3339 in UTC.
pub(crate) fn instant(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// An instant read back from the ledger.
pub(crate) fn parse_instant(path: &Path, text: &str) -> Result<OffsetDateTime, LedgerError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| LedgerError::Malformed {
        path: path.to_owned(),
        line: 1,
        reason: format!("instant {text:?} is not RFC 3339: {e}"),
    })
}

/// The crash hook of the `fault-injection` feature: aborts the process, as a crash would,
/// when `DROPKIT_LEDGER_FAULT` names `write`. Called just before a write commits.
#[inline]
pub(crate) fn fault_point(write: &str) {
    #[cfg(feature = "fault-injection")]
    if std::env::var("DROPKIT_LEDGER_FAULT").is_ok_and(|v| v == write) {
        std::process::abort();
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = write;
}
