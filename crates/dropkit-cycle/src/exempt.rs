//! Exemptions: records whose data the broker must keep (`--exempt FILE`).
//!
//! A CSV `Key[,Reason]` names the consumer keys whose personal information is exempt from
//! deletion (a legal hold, a regulated record). A work item whose only matches are exempt
//! consumers is answered `2` Exempted; when it also matches consumers who are not exempt,
//! those decide as usual (one: `3` Deleted, several: `4` Opted out), since their data is
//! not exempt; the exempt consumer's own data is kept all the same (never handed to the
//! deletion connector nor to the service providers). The reason of every exemption applied
//! is written to the audit log.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dropkit_files::{Status, WorkItemId};
use dropkit_hash::ListType;
use dropkit_match::Rules;

use crate::CycleError;

/// The exempt consumer keys and their reasons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    reasons: HashMap<String, String>,
    source: Option<PathBuf>,
}

impl Exemptions {
    /// Reads a CSV whose header is `Key` or `Key,Reason` (case-insensitive); each row an
    /// exempt consumer key and, optionally, why. A blank key is an error naming the line.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Exemptions, CycleError> {
        let path = path.as_ref();
        let bad = |line: u64, reason: String| CycleError::Exemptions {
            path: path.to_owned(),
            line,
            reason,
        };
        // Read whole (a list of keys): a row's line is counted from its first byte, since
        // the csv reader's own line for a row after blank lines is the first blank one.
        let bytes = std::fs::read(path).map_err(|e| CycleError::io(path, e))?;
        let line_at = |position: Option<&csv::Position>| {
            let start = position.map_or(0, |p| p.byte() as usize);
            let rest = bytes.get(start..).unwrap_or_default();
            let start = start
                + rest
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
            1 + bytes
                .get(..start)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes.as_slice());
        let header = reader
            .headers()
            .map_err(|e| bad(line_at(e.position()), e.to_string()))?
            .clone();
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        if names.first().map(String::as_str) != Some("key")
            || names.get(1).is_some_and(|n| n != "reason")
            || names.len() > 2
        {
            return Err(bad(
                line_at(header.position()),
                format!(
                    "the header must be Key or Key,Reason, not {:?}",
                    header.as_slice()
                ),
            ));
        }
        let mut reasons = HashMap::new();
        for row in reader.records() {
            let row = row.map_err(|e| bad(line_at(e.position()), e.to_string()))?;
            let line = line_at(row.position());
            let key = row.get(0).unwrap_or_default();
            if key.trim().is_empty() {
                return Err(bad(line, "Key is empty".into()));
            }
            let reason = row.get(1).unwrap_or_default().trim().to_owned();
            reasons.insert(key.to_owned(), reason);
        }
        Ok(Exemptions {
            reasons,
            source: Some(path.to_owned()),
        })
    }

    /// An exemption list from `(key, reason)` pairs.
    pub fn from_pairs<K: Into<String>, R: Into<String>>(
        pairs: impl IntoIterator<Item = (K, R)>,
    ) -> Exemptions {
        Exemptions {
            reasons: pairs
                .into_iter()
                .map(|(k, r)| (k.into(), r.into()))
                .collect(),
            source: None,
        }
    }

    /// The reason `key` is exempt, if it is (an empty reason when none was given).
    pub fn reason(&self, key: &str) -> Option<&str> {
        self.reasons.get(key).map(String::as_str)
    }

    /// How many keys are exempt.
    pub fn len(&self) -> usize {
        self.reasons.len()
    }

    /// Whether no key is exempt.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }

    /// The file the exemptions were read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }
}

impl Rules for Exemptions {
    fn is_exempt(&self, _list: ListType, key: &str) -> bool {
        self.reasons.contains_key(key)
    }

    fn status(&self, _list: ListType, _id: &WorkItemId, keys: &[&str]) -> Status {
        let kept: Vec<&&str> = keys
            .iter()
            .filter(|k| !self.reasons.contains_key(**k))
            .collect();
        match kept.len() {
            0 => Status::Exempted,
            1 => Status::Deleted,
            _ => Status::OptedOut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exempt_matches_are_answered_2_and_bad_files_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exempt.csv");
        std::fs::write(&path, "Key,Reason\nc1,legal hold\nc2,\n").unwrap();
        let ex = Exemptions::from_csv(&path).unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex.reason("c1"), Some("legal hold"));
        let id: WorkItemId = "A7kP2xQ9Lm4R".parse().unwrap();
        let l = ListType::Email;
        assert_eq!(ex.status(l, &id, &["c1"]), Status::Exempted);
        assert_eq!(ex.status(l, &id, &["c1", "c2"]), Status::Exempted);
        assert_eq!(ex.status(l, &id, &["c1", "c3"]), Status::Deleted);
        assert_eq!(ex.status(l, &id, &["c3", "c4"]), Status::OptedOut);

        std::fs::write(&path, "Key,Reason\nc1,x\n ,y\n").unwrap();
        let err = Exemptions::from_csv(&path).unwrap_err().to_string();
        assert!(err.ends_with("exempt.csv:3: Key is empty"), "{err}");
        // A blank line before it still counts.
        std::fs::write(&path, "Key,Reason\nc1,x\n\n ,y\n").unwrap();
        let err = Exemptions::from_csv(&path).unwrap_err().to_string();
        assert!(err.ends_with("exempt.csv:4: Key is empty"), "{err}");
        std::fs::write(&path, "\r\n\r\nCustomer\r\nc1\r\n").unwrap();
        let err = Exemptions::from_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("exempt.csv:3: the header must be Key"),
            "{err}"
        );
        std::fs::write(&path, "Customer\nc1\n").unwrap();
        let err = Exemptions::from_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("exempt.csv:1: the header must be Key"),
            "{err}"
        );
    }
}
