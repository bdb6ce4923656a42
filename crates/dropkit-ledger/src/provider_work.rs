//! Provider work still under way, kept across rounds: deletion jobs a service provider
//! created (polled until they complete or fail), and forwards a provider has not
//! acknowledged (retried by every later run).
//!
//! A forward's consumer is kept as the caller's JSON (`payload`): the ledger does not read
//! it. It holds the consumer's identifiers (emails, MAIDs) in clear text until the provider
//! acknowledges them, which is why the ledger file is private (`0600`).

use rusqlite::params;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::SqlContext as _;
use crate::ledger::{download_id, fault_point, instant};
use crate::{Ledger, LedgerError};

/// Where a provider's deletion job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Not finished yet (or never polled): polled again by every later run.
    Pending,
    /// The provider completed it.
    Completed,
    /// The provider reports it failed (or errored): kept, with the provider's detail, for the
    /// report.
    Failed,
}

impl JobState {
    /// `pending`, `completed` or `failed`, as the ledger stores it.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> JobState {
        match text {
            "completed" => JobState::Completed,
            "failed" => JobState::Failed,
            _ => JobState::Pending,
        }
    }
}

/// A provider's deletion job, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ProviderJobRecord {
    /// The provider (`maestroqa`, `id5`, ...).
    pub provider: String,
    /// The provider's job id.
    pub job: String,
    /// The round (download name) whose forward created it, when known.
    pub round: Option<String>,
    /// Where it stands.
    pub state: JobState,
    /// The provider's last word on it (empty until polled).
    pub detail: String,
    /// When it was recorded, RFC 3339 UTC.
    pub created_at: String,
    /// When its state was last written, RFC 3339 UTC.
    pub updated_at: String,
}

impl ProviderJobRecord {
    /// A pending job known from outside the ledger (an earlier release's
    /// `provider-jobs.json` not imported yet), for reports: no round, no times.
    pub fn pending_elsewhere(provider: String, job: String, detail: String) -> Self {
        ProviderJobRecord {
            provider,
            job,
            round: None,
            state: JobState::Pending,
            detail,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }
}

/// A forward a provider has not acknowledged, carried over to later runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingForward {
    /// The provider.
    pub provider: String,
    /// The broker's consumer key.
    pub key: String,
    /// The consumer, as the caller's JSON (identifiers, work items, what the provider
    /// accepted already).
    pub payload: String,
    /// Whether the last request's outcome is unknown (it may have reached the provider), so
    /// that the resend is marked as a possible duplicate.
    pub outcome_unknown: bool,
}

impl Ledger {
    /// Records jobs `provider` created, as pending, for round `round` (a download name; the
    /// latest recorded under it, or none when it is not recorded). A job already recorded
    /// keeps its state: recording again (a resumed round) changes nothing.
    pub fn record_jobs(
        &mut self,
        provider: &str,
        jobs: &[String],
        round: Option<&dropkit_files::ZipFileName>,
        at: OffsetDateTime,
    ) -> Result<(), LedgerError> {
        let round = match round {
            Some(name) => download_id(&self.conn, &self.path, name)?,
            None => None,
        };
        let (tx, path) = self.begin()?;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO provider_job
                     (provider, job, round, state, detail, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'pending', '', ?4, ?4) ON CONFLICT DO NOTHING",
                )
                .at(path)?;
            for job in jobs {
                add.execute(params![provider, job, round, instant(at)])
                    .at(path)?;
            }
        }
        fault_point("record_jobs");
        tx.commit().at(path)
    }

    /// Sets where `provider`'s job `job` stands, with the provider's detail. A job not
    /// recorded yet is recorded (without a round).
    pub fn update_job(
        &mut self,
        provider: &str,
        job: &str,
        state: JobState,
        detail: &str,
        at: OffsetDateTime,
    ) -> Result<(), LedgerError> {
        let (tx, path) = self.begin()?;
        tx.execute(
            "INSERT INTO provider_job (provider, job, round, state, detail, created_at, updated_at)
             VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?5)
             ON CONFLICT (provider, job) DO UPDATE SET
                 state = excluded.state, detail = excluded.detail, updated_at = excluded.updated_at",
            params![provider, job, state.as_str(), detail, instant(at)],
        )
        .at(path)?;
        tx.commit().at(path)
    }

    /// The jobs in `state` (every job with `None`), by provider and job id.
    pub fn provider_jobs(
        &self,
        state: Option<JobState>,
    ) -> Result<Vec<ProviderJobRecord>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT j.provider, j.job, d.name, j.state, j.detail, j.created_at, j.updated_at
                 FROM provider_job j LEFT JOIN download d ON d.id = j.round
                 WHERE ?1 IS NULL OR j.state = ?1 ORDER BY j.provider, j.job",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([state.map(JobState::as_str)], |r| {
                Ok(ProviderJobRecord {
                    provider: r.get(0)?,
                    job: r.get(1)?,
                    round: r.get(2)?,
                    state: JobState::parse(&r.get::<_, String>(3)?),
                    detail: r.get(4)?,
                    created_at: r.get(5)?,
                    updated_at: r.get(6)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// The forwards carried over for `provider` (every provider with `None`), by provider and
    /// key.
    pub fn pending_forwards(
        &self,
        provider: Option<&str>,
    ) -> Result<Vec<PendingForward>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT provider, key, payload, outcome_unknown FROM pending_forward
                 WHERE ?1 IS NULL OR provider = ?1 ORDER BY provider, key",
            )
            .at(&self.path)?;
        let rows = stmt
            .query_map([provider], |r| {
                Ok(PendingForward {
                    provider: r.get(0)?,
                    key: r.get(1)?,
                    payload: r.get(2)?,
                    outcome_unknown: r.get(3)?,
                })
            })
            .at(&self.path)?;
        rows.collect::<Result<_, _>>().at(&self.path)
    }

    /// Replaces what is carried over for `provider` by `pending` (every item's `provider`
    /// is `provider`), in one transaction: an empty `pending` says the provider has
    /// acknowledged everything.
    pub fn set_pending_forwards(
        &mut self,
        provider: &str,
        pending: &[PendingForward],
        at: OffsetDateTime,
    ) -> Result<(), LedgerError> {
        let (tx, path) = self.begin()?;
        let since: Vec<(String, String)> = {
            let mut stmt = tx
                .prepare("SELECT key, since FROM pending_forward WHERE provider = ?1")
                .at(path)?;
            let rows = stmt
                .query_map([provider], |r| Ok((r.get(0)?, r.get(1)?)))
                .at(path)?;
            rows.collect::<Result<_, _>>().at(path)?
        };
        tx.execute(
            "DELETE FROM pending_forward WHERE provider = ?1",
            [provider],
        )
        .at(path)?;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO pending_forward (provider, key, payload, outcome_unknown, since)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (provider, key) DO UPDATE SET payload = excluded.payload,
                         outcome_unknown = excluded.outcome_unknown",
                )
                .at(path)?;
            let now = instant(at);
            for p in pending {
                let first = since
                    .iter()
                    .find(|(k, _)| *k == p.key)
                    .map_or(now.as_str(), |(_, s)| s.as_str());
                add.execute(params![
                    provider,
                    p.key,
                    p.payload,
                    p.outcome_unknown,
                    first
                ])
                .at(path)?;
            }
        }
        fault_point("set_pending_forwards");
        tx.commit().at(path)
    }

    /// Adds forwards carried over by an earlier release's `pending-forwards.json`, keeping
    /// any already here (importing twice changes nothing).
    pub fn import_pending_forwards(
        &mut self,
        pending: &[PendingForward],
        at: OffsetDateTime,
    ) -> Result<(), LedgerError> {
        let (tx, path) = self.begin()?;
        {
            let mut add = tx
                .prepare(
                    "INSERT INTO pending_forward (provider, key, payload, outcome_unknown, since)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                )
                .at(path)?;
            for p in pending {
                add.execute(params![
                    p.provider,
                    p.key,
                    p.payload,
                    p.outcome_unknown,
                    instant(at)
                ])
                .at(path)?;
            }
        }
        tx.commit().at(path)
    }
}
