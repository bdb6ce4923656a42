//! The one value every step reads: the round's settings and its state directory.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dropkit_client::Client;
use dropkit_hash::ListType;
use dropkit_match::{Mapping, Rules};
use dropkit_provider::DeletionProvider;

use crate::exempt::Exemptions;
use crate::state::StateDir;

/// What a step needs to run: borrowed from the [`Round`](crate::Round) for one run.
pub(crate) struct Ctx<'a> {
    /// DROP.
    pub(crate) client: &'a Client,
    /// The state directory (locked for the run).
    pub(crate) dir: &'a StateDir,
    /// The broker's records (CSV or Parquet).
    pub(crate) records: &'a Path,
    /// Which column of the records holds what.
    pub(crate) mapping: &'a Mapping,
    /// How matches become statuses.
    pub(crate) rules: &'a (dyn Rules + Send + Sync),
    /// The service providers deletions are forwarded to.
    pub(crate) providers: &'a [Arc<dyn DeletionProvider>],
    /// A ZIP the operator downloaded by hand, to adopt instead of downloading.
    pub(crate) zip: Option<&'a Path>,
    /// Lists the operator chose to answer Not found although no mapped field matches them.
    pub(crate) unmatched_lists: &'a [ListType],
    /// Rows above which a list's status file is split.
    pub(crate) max_rows_per_file: usize,
    /// How long to wait for DROP to prepare the package.
    pub(crate) download_wait: Duration,
    /// A prefix of the audit label sent with provider deletion requests (the label names the
    /// DROP download and the work items).
    pub(crate) audit_label: &'a str,
    /// Per provider name: what to do with opted-out consumers (default: send as deletions).
    pub(crate) opt_out_policies:
        &'a std::collections::BTreeMap<String, dropkit_provider::OptOutPolicy>,
    /// How provider jobs are polled: the backoff, and the step's deadline.
    pub(crate) confirm: (dropkit_provider::poll::Backoff, Duration),
    /// The broker's deletion connector, if one is configured.
    pub(crate) connector: Option<&'a dyn dropkit_connector::Connector>,
    /// Exempt consumers and why, when the operator gave any.
    pub(crate) exemptions: Option<&'a Exemptions>,
}

impl Ctx<'_> {
    /// Whether the operator's exemptions (`--exempt`) hold `key`: such a consumer's data is
    /// kept whatever its work items' answers, never deleted or forwarded.
    pub(crate) fn is_exempt(&self, key: &str) -> bool {
        self.exemptions.is_some_and(|e| e.reason(key).is_some())
    }
}
