//! Reading the ledger (`<state-dir>/ledger.sqlite`) for a report: read-only SQL over the
//! tables `docs/ledger.md` documents, never a write and never a migration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use crate::error::{ReportError, SqlContext as _};
use crate::figures::{ExemptionFigures, ListFigures, ProviderFigures};

/// A download the ledger recorded.
#[derive(Debug, Clone)]
pub(crate) struct Download {
    /// `download.id`.
    pub(crate) id: i64,
    /// The ZIP's name.
    pub(crate) name: String,
    /// When it was received, RFC 3339 UTC as stored.
    pub(crate) received_at: String,
    /// The ZIP's SHA-256, when the ledger keeps it (schema 2 on; NULL before).
    pub(crate) sha256: Option<Vec<u8>>,
}

/// A status file the ledger recorded as answered.
#[derive(Debug, Clone)]
pub(crate) struct AnswerFile {
    /// Its name.
    pub(crate) file: String,
    /// When its answers were recorded, RFC 3339 UTC as stored.
    pub(crate) answered_at: String,
}

/// A provider's deletion job as the ledger keeps it (schema 4 on).
#[derive(Debug, Clone)]
pub(crate) struct JobRow {
    /// The provider.
    pub(crate) provider: String,
    /// `download.id` of the round whose forward created it, when known.
    pub(crate) round: Option<i64>,
    /// `pending`, `completed` or `failed`.
    pub(crate) state: String,
}

/// The ledger, opened read-only.
pub(crate) struct LedgerView {
    conn: Connection,
    path: PathBuf,
    has_sha256: bool,
}

impl LedgerView {
    /// Opens `<state_dir>/ledger.sqlite` read-only, refusing a missing file, a file that is
    /// not a dropkit ledger, and one written by a newer dropkit (it could be misread).
    pub(crate) fn open(state_dir: &Path) -> Result<LedgerView, ReportError> {
        if !state_dir.is_dir() {
            return Err(ReportError::NoStateDir {
                path: state_dir.to_owned(),
            });
        }
        let path = state_dir.join(dropkit_ledger::LEDGER_FILE);
        if !path.is_file() {
            return Err(ReportError::NoLedger { path });
        }
        let not_ledger = |reason: String| ReportError::NotALedger {
            path: path.clone(),
            reason,
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .at(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .at(&path)?;
        let pragma = |name: &str| -> Result<i64, ReportError> {
            conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::NotADatabase =>
                    {
                        not_ledger("not an SQLite database".into())
                    }
                    source => ReportError::Sqlite {
                        path: path.clone(),
                        source,
                    },
                })
        };
        let app = pragma("application_id")?;
        let version = pragma("user_version")?;
        if app != dropkit_ledger::APPLICATION_ID || version < 1 {
            return Err(not_ledger(format!(
                "not a dropkit ledger (application id {app:#x}, schema version {version})"
            )));
        }
        if version > dropkit_ledger::SCHEMA_VERSION {
            return Err(not_ledger(format!(
                "written by a newer dropkit (schema version {version}, this release reads up to {})",
                dropkit_ledger::SCHEMA_VERSION
            )));
        }
        let has_sha256 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('download') WHERE name = 'sha256'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .at(&path)?
            > 0;
        Ok(LedgerView {
            conn,
            path,
            has_sha256,
        })
    }

    /// The ledger file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The downloads received in `year` (UTC), oldest first.
    pub(crate) fn downloads(&self, year: i32) -> Result<Vec<Download>, ReportError> {
        self.downloads_where("substr(received_at, 1, 5) = ?1", &format!("{year:04}-"))
    }

    /// Every download named `name`, whenever received, oldest first (two downloads of one
    /// day, the second maybe received after midnight UTC on 31 December).
    pub(crate) fn downloads_named(&self, name: &str) -> Result<Vec<Download>, ReportError> {
        self.downloads_where("name = ?1", name)
    }

    fn downloads_where(&self, filter: &str, param: &str) -> Result<Vec<Download>, ReportError> {
        let sha = if self.has_sha256 { "sha256" } else { "NULL" };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, name, received_at, {sha} FROM download
                 WHERE {filter} ORDER BY received_at, id"
            ))
            .at(&self.path)?;
        let rows = stmt
            .query_map([param], |r| {
                Ok(Download {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    received_at: r.get(2)?,
                    sha256: r.get(3)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// Every download's name (to tell a round directory the ledger never recorded).
    pub(crate) fn all_download_names(&self) -> Result<Vec<String>, ReportError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM download")
            .at(&self.path)?;
        let rows = stmt.query_map([], |r| r.get(0)).at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// Per list type: the work items `download` delivered, by status, and how many are
    /// cancelled; late matches are filled in by [`LedgerView::late_matches`].
    pub(crate) fn lists(
        &self,
        download: i64,
    ) -> Result<BTreeMap<String, ListFigures>, ReportError> {
        let mut lists: BTreeMap<String, ListFigures> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT list_type, status, count(*), count(*) FILTER (WHERE cancelled_by IS NOT NULL)
                 FROM work_item WHERE download = ?1 GROUP BY list_type, status",
            )
            .at(&self.path)?;
        let mut rows = stmt.query([download]).at(&self.path)?;
        while let Some(r) = rows.next().at(&self.path)? {
            let list: String = r.get(0).at(&self.path)?;
            let status: Option<i64> = r.get(1).at(&self.path)?;
            let n: u64 = r.get(2).at(&self.path)?;
            let cancelled: u64 = r.get(3).at(&self.path)?;
            let f = lists.entry(list.clone()).or_insert_with(|| ListFigures {
                list_type: list,
                ..ListFigures::default()
            });
            f.received += n;
            f.cancelled += cancelled;
            match status {
                None => f.unanswered += n,
                Some(code @ 2..=5) => f.add_status(code, n),
                Some(code) => {
                    return Err(ReportError::Malformed {
                        path: self.path.clone(),
                        message: format!("a work item of download {download} has status {code}"),
                    });
                }
            }
        }
        Ok(lists)
    }

    /// Per list type (of the work item matched): the late matches the round of `download`
    /// found.
    pub(crate) fn late_matches(&self, download: i64) -> Result<BTreeMap<String, u64>, ReportError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT w.list_type, count(*) FROM record_match m
                 JOIN work_item w ON w.id = m.work_item
                 WHERE m.round = ?1 AND m.kind = 'late' GROUP BY w.list_type",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([download], |r| Ok((r.get(0)?, r.get(1)?)))
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// The status files recorded as answers of `download`, in recording order.
    pub(crate) fn answer_files(&self, download: i64) -> Result<Vec<AnswerFile>, ReportError> {
        let mut stmt = self
            .conn
            .prepare("SELECT file, answered_at FROM answer_file WHERE download = ?1 ORDER BY id")
            .at(&self.path)?;
        let rows = stmt
            .query_map([download], |r| {
                Ok(AnswerFile {
                    file: r.get(0)?,
                    answered_at: r.get(1)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// Entries of `download`'s Removed list that were applied.
    pub(crate) fn removed(&self, download: i64) -> Result<u64, ReportError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM removal WHERE download = ?1",
                [download],
                |r| r.get(0),
            )
            .at(&self.path)
    }

    /// Per provider: the pairs the rounds of `downloads` forwarded, and the distinct record
    /// keys among them, in provider name order.
    pub(crate) fn forwards(&self, downloads: &[i64]) -> Result<Vec<ProviderFigures>, ReportError> {
        let mut by_provider: BTreeMap<String, (u64, std::collections::BTreeSet<String>)> =
            BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT provider, key FROM forward WHERE round = ?1")
            .at(&self.path)?;
        for id in downloads {
            let mut rows = stmt.query(params![id]).at(&self.path)?;
            while let Some(r) = rows.next().at(&self.path)? {
                let provider: String = r.get(0).at(&self.path)?;
                let key: String = r.get(1).at(&self.path)?;
                let entry = by_provider.entry(provider).or_default();
                entry.0 += 1;
                entry.1.insert(key);
            }
        }
        Ok(by_provider
            .into_iter()
            .map(|(provider, (forwarded, keys))| ProviderFigures {
                provider,
                forwarded,
                consumers: keys.len() as u64,
                ..ProviderFigures::default()
            })
            .collect())
    }

    /// Whether the ledger has the table `name` (tables added by later schema versions).
    fn has_table(&self, name: &str) -> Result<bool, ReportError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .at(&self.path)
            .map(|n| n > 0)
    }

    /// The providers' deletion jobs created by the rounds of `year` (a job of no known round:
    /// by the year it was created); `None` when the ledger does not keep jobs (schema before
    /// 4: the rounds' `state.json` tell instead).
    pub(crate) fn provider_jobs(&self, year: i32) -> Result<Option<Vec<JobRow>>, ReportError> {
        if !self.has_table("provider_job")? {
            return Ok(None);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT j.provider, j.round, j.state FROM provider_job j
                 LEFT JOIN download d ON d.id = j.round
                 WHERE substr(coalesce(d.received_at, j.created_at), 1, 5) = ?1
                 ORDER BY j.provider, j.job",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([format!("{year:04}-")], |r| {
                Ok(JobRow {
                    provider: r.get(0)?,
                    round: r.get(1)?,
                    state: r.get(2)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<Vec<_>, _>>().at(&self.path).map(Some)
    }

    /// Per reason: the exemptions (status 2) the rounds of `year` applied; empty when the
    /// ledger does not keep them (schema before 3).
    pub(crate) fn exemptions(&self, year: i32) -> Result<Vec<ExemptionFigures>, ReportError> {
        if !self.has_table("exemption")? {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.reason, count(DISTINCT e.work_item), count(*) FROM exemption e
                 JOIN download d ON d.id = e.round
                 WHERE substr(d.received_at, 1, 5) = ?1
                 GROUP BY e.reason ORDER BY e.reason",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([format!("{year:04}-")], |r| {
                Ok(ExemptionFigures {
                    reason: r.get(0)?,
                    work_items: r.get(1)?,
                    records: r.get(2)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }
}
