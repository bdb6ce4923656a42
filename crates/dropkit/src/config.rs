//! `dropkit.toml`: the settings of a scheduled round, so cron runs one short command.
//!
//! ```toml
//! records = "/data/customers.parquet"
//! map = "key=id,email=email,phone=phone"
//! exempt = "/data/legal-holds.csv"      # Key[,Reason]
//! review = false
//! unmatched_lists = ["NameVIN"]         # answered 5 Not found on purpose
//! max_wait_seconds = 21600
//!
//! [connector]                            # one of: sql, command
//! delete_sql = "DELETE FROM customers WHERE id = $1"
//! opt_out_sql = "UPDATE customers SET do_not_sell = true WHERE id = $1"
//! # the database URL comes from the environment: DROPKIT_DATABASE_URL
//! # command = "/opt/broker/delete-keys"
//!
//! [providers.maestroqa]
//! opt_out = "send-as-deletion"           # or "skip"
//! ```
//!
//! Command-line flags override the file. Secrets never come from it: the DROP key and the
//! provider tokens are read from the environment only, and a database URL holding a password
//! is refused here (give it in `DROPKIT_DATABASE_URL`). The state directory is a flag only
//! (`--state-dir`): the file is found relative to where the command runs, not inside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The default settings file, read when present in the current directory.
pub(crate) const DEFAULT_CONFIG: &str = "dropkit.toml";

/// The settings of `dropkit.toml`; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// The broker's records (CSV or Parquet).
    pub(crate) records: Option<PathBuf>,
    /// The column mapping, as `--map` takes it.
    pub(crate) map: Option<String>,
    /// Exempt records, as `--exempt` takes it.
    pub(crate) exempt: Option<PathBuf>,
    /// Stop for review before anything leaves.
    pub(crate) review: Option<bool>,
    /// Lists answered 5 Not found on purpose (`--unmatched-list LIST=not-found`).
    #[serde(default)]
    pub(crate) unmatched_lists: Vec<String>,
    /// Retry deadline of one request, in seconds (`--max-wait`).
    pub(crate) max_wait_seconds: Option<u64>,
    /// The broker's deletion connector.
    pub(crate) connector: Option<ConnectorConfig>,
    /// Per service provider settings, by provider name (`maestroqa`, `id5`).
    #[serde(default)]
    pub(crate) providers: BTreeMap<String, ProviderConfig>,
}

/// `[connector]`: SQL statements (the database URL from the environment) or a command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectorConfig {
    /// A database URL without a password (`sqlite:///data/crm.db`); with a password it is
    /// refused: give it in `DROPKIT_DATABASE_URL`.
    pub(crate) database_url: Option<String>,
    /// The delete statement, `$1` the record key.
    pub(crate) delete_sql: Option<String>,
    /// The opt-out statement, `$1` the record key.
    pub(crate) opt_out_sql: Option<String>,
    /// A command reading `Key,ListType,Id,Action` CSV and answering `Key,Result`.
    pub(crate) command: Option<String>,
}

/// `[providers.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderConfig {
    /// What to do with Opted-out (4) consumers: `send-as-deletion` or `skip`.
    pub(crate) opt_out: Option<String>,
}

/// Why a settings file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}", path = .0.display(), source = .1)]
    Read(PathBuf, std::io::Error),
    /// The file is not valid TOML or holds an unknown setting.
    #[error("{path}: {reason}", path = .0.display(), reason = .1)]
    Parse(PathBuf, String),
    /// A setting holds a secret.
    #[error(
        "{path}: {what} holds a password; secrets come from the environment only (DROPKIT_DATABASE_URL)",
        path = .0.display(),
        what = .1
    )]
    Secret(PathBuf, &'static str),
}

impl Config {
    /// Reads `path`, or `dropkit.toml` in the current directory when `path` is `None` and
    /// that file exists; `Ok(None)` when there is no file to read.
    pub(crate) fn load(path: Option<&Path>) -> Result<Option<Config>, ConfigError> {
        let path = match path {
            Some(path) => path.to_owned(),
            None if Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
            None => return Ok(None),
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
        Config::parse(&path, &text).map(Some)
    }

    /// Parses the text of a settings file named `path` (for messages).
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Parse(path.to_owned(), e.to_string()))?;
        if let Some(url) = config
            .connector
            .as_ref()
            .and_then(|c| c.database_url.as_deref())
            && url::Url::parse(url).is_ok_and(|u| u.password().is_some())
        {
            return Err(ConfigError::Secret(
                path.to_owned(),
                "connector.database_url",
            ));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_unknown_ones_are_refused_and_passwords_never_read() {
        let path = Path::new("dropkit.toml");
        let config = Config::parse(
            path,
            r#"
records = "customers.csv"
map = "key=id,email=email"
unmatched_lists = ["Phone"]
[connector]
database_url = "sqlite:///tmp/crm.db"
delete_sql = "DELETE FROM customers WHERE id = $1"
[providers.id5]
opt_out = "skip"
"#,
        )
        .unwrap();
        assert_eq!(config.records, Some(PathBuf::from("customers.csv")));
        assert_eq!(config.unmatched_lists, ["Phone"]);
        assert_eq!(config.providers["id5"].opt_out.as_deref(), Some("skip"));

        let err = Config::parse(path, "record = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("dropkit.toml:") && err.contains("record"),
            "{err}"
        );
        let err = Config::parse(
            path,
            "[connector]\ndatabase_url = \"postgres://u:hunter2@db/crm\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("password") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
