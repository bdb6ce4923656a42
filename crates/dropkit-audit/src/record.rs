//! The line format of `audit.jsonl`: one JSON object per line, written and read here only.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Digest, Entry};

/// One line of the audit chain as read back: every field of the format.
///
/// Fields are written in this order; the optional ones are left out when empty:
///
/// | field | type | meaning |
/// | --- | --- | --- |
/// | `seq` | number | the line number, from 1 |
/// | `time` | string | when it was written, RFC 3339 UTC (`2026-11-20T14:03:07.123Z`) |
/// | `command` | string | the dropkit command (`cycle`, `upload`, `approve`, …) |
/// | `step` | string | its step (`download`, `upload`, …), optional |
/// | `request` | string | `METHOD /path name` sent to DROP or a provider, optional |
/// | `outcome` | string | how it ended (`ok`, `accepted`, `failed`, …) |
/// | `error` | string | the kind of error met (`unauthorized`, `rejected`, …), optional |
/// | `counts` | object | name → whole number, optional |
/// | `files` | object | file name → its SHA-256 (hex), optional |
/// | `approver` | string | who approved, optional |
/// | `prev` | string | SHA-256 (hex) of the previous line's bytes with its newline; 64 zeros on the first line |
///
/// Fields a later release adds are read past, not refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// The line number, from 1.
    pub seq: u64,
    /// When it was written, RFC 3339 UTC.
    pub time: String,
    /// The dropkit command.
    pub command: String,
    /// Its step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The request sent to DROP or a provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// How it ended.
    pub outcome: String,
    /// The kind of error met, when the command failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Counts by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
    /// Files sent or received, by name, with their SHA-256.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, Digest>,
    /// Who approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// SHA-256 of the previous line (with its newline); [`Digest::ZERO`] on the first.
    pub prev: Digest,
}

impl Record {
    /// The record `entry` becomes as line `seq` after a line hashing to `prev`.
    pub(crate) fn from_entry(entry: Entry, seq: u64, prev: Digest) -> Record {
        let time = entry.time.unwrap_or_else(OffsetDateTime::now_utc);
        Record {
            seq,
            time: format_time(time),
            command: entry.command.to_string(),
            step: entry.step.map(|s| s.to_string()),
            request: entry.request.map(|r| r.to_string()),
            outcome: entry.outcome.to_string(),
            error: entry.error.map(|e| e.to_string()),
            counts: entry
                .counts
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            files: entry
                .files
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            approver: entry.approver.map(|a| a.as_str().to_owned()),
            prev,
        }
    }

    /// The line's bytes, newline included: compact JSON, fields in the documented order.
    pub(crate) fn to_line(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut line = serde_json::to_vec(self)?;
        line.push(b'\n');
        Ok(line)
    }

    /// Parses a line (without its newline). The message never quotes the line: a damaged
    /// line may hold anything.
    pub(crate) fn parse(line: &[u8]) -> Result<Record, String> {
        serde_json::from_slice(line).map_err(|e| {
            let text = e.to_string();
            if text.starts_with("missing field") {
                // "missing field `seq` at line 1 column 80": names a field, never a value.
                text.split(" at line").next().unwrap_or(&text).to_owned()
            } else if e.is_data() {
                format!(
                    "a field has the wrong type or value (column {})",
                    e.column()
                )
            } else {
                format!("not JSON (column {})", e.column())
            }
        })
    }
}

/// `time` as RFC 3339 UTC with milliseconds: `2026-11-20T14:03:07.123Z`.
pub(crate) fn format_time(time: OffsetDateTime) -> String {
    let t = time.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Approver, Request};

    #[test]
    fn a_line_has_the_documented_fields_in_order() {
        let at = time::macros::datetime!(2026-11-20 14:03:07.123 UTC);
        let entry = Entry::new("cycle", "accepted")
            .step("upload")
            .request(Request::new("POST", "/data/upload").name("20261120_4821_Email.csv"))
            .count("rows", 3)
            .approver(Approver::new("Dana").unwrap())
            .at(at);
        let line = Record::from_entry(entry, 7, Digest::ZERO)
            .to_line()
            .unwrap();
        let zeros = "0".repeat(64);
        assert_eq!(
            String::from_utf8(line).unwrap(),
            format!(
                "{{\"seq\":7,\"time\":\"2026-11-20T14:03:07.123Z\",\"command\":\"cycle\",\
                 \"step\":\"upload\",\"request\":\"POST /data/upload 20261120_4821_Email.csv\",\
                 \"outcome\":\"accepted\",\"counts\":{{\"rows\":3}},\"approver\":\"Dana\",\
                 \"prev\":\"{zeros}\"}}\n"
            )
        );
        let bare = Record::from_entry(Entry::new("audit", "ok").at(at), 1, Digest::ZERO);
        let text = String::from_utf8(bare.to_line().unwrap()).unwrap();
        assert!(!text.contains("step") && !text.contains("counts"), "{text}");
        assert_eq!(Record::parse(text.trim_end().as_bytes()).unwrap(), bare);
    }

    #[test]
    fn an_error_kind_and_files_follow_outcome_and_counts() {
        let at = time::macros::datetime!(2026-11-20 14:03:07.123 UTC);
        let sha = Digest::of_bytes(b"Id,Status\n");
        let entry = Entry::new("upload", "error")
            .error("rejected")
            .request(Request::new("POST", "/data/upload"))
            .count("rejected", 1)
            .file("20261120_4821_Email.csv", sha)
            .at(at);
        let record = Record::from_entry(entry, 1, Digest::ZERO);
        let line = String::from_utf8(record.to_line().unwrap()).unwrap();
        assert_eq!(
            line,
            format!(
                "{{\"seq\":1,\"time\":\"2026-11-20T14:03:07.123Z\",\"command\":\"upload\",\
                 \"request\":\"POST /data/upload\",\"outcome\":\"error\",\"error\":\"rejected\",\
                 \"counts\":{{\"rejected\":1}},\"files\":{{\"20261120_4821_Email.csv\":\"{sha}\"}},\
                 \"prev\":\"{}\"}}\n",
                Digest::ZERO
            )
        );
        assert_eq!(Record::parse(line.trim_end().as_bytes()).unwrap(), record);
    }

    #[test]
    fn a_bad_line_is_described_without_quoting_it() {
        let err = Record::parse(br#"{"seq":"jane@example.com"}"#).unwrap_err();
        assert!(!err.contains("jane"), "{err}");
        let err = Record::parse(br#"{"seq":1}"#).unwrap_err();
        assert!(err.starts_with("missing field"), "{err}");
        assert!(
            Record::parse(b"{\"seq\":1,")
                .unwrap_err()
                .contains("not JSON")
        );
    }
}
