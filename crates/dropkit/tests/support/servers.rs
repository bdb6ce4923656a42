//! The ID5 stand-in, and checks of what the servers received.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use dropkit_emulator::{Emulator, Endpoint};
use dropkit_files::{DataType, Status};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::data::Truth;
use super::{DELETION_PATH, ID5_TOKEN};

/// A wiremock server playing ID5's deletion API: every deletion request with the right
/// token is answered `200 {"id": ...}` (after `delay`, which widens the window in which a
/// killed run leaves a request sent but unanswered).
pub struct Id5 {
    server: MockServer,
}

impl Id5 {
    /// Starts the stand-in.
    pub async fn start(delay: Duration) -> Id5 {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(DELETION_PATH))
            .and(query_param("token", ID5_TOKEN))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": "a8b6ccc4ee35ddaf5a5bb0f5c696dbd3"}))
                    .set_delay(delay),
            )
            .mount(&server)
            .await;
        Id5 { server }
    }

    /// The API root to give `dropkit` (`ID5_BASE_URL`).
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The email of every email deletion request received, in arrival order (ID5 takes one
    /// identifier per request: the MAID and partnerUid requests of the same consumers are
    /// left out; requests to other paths, or with no identifier, are reported as
    /// `"<...>"` so a check sees them).
    pub async fn emails(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                // Status polls of the round's confirm step delete nothing.
                if r.method.as_str() == "GET"
                    && r.url
                        .path()
                        .starts_with("/partners/v1/173/privacy/requests/")
                {
                    return None;
                }
                if r.method.as_str() != "POST" || r.url.path() != DELETION_PATH {
                    return Some(format!("<{} {}>", r.method, r.url.path()));
                }
                let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                match body.get("email").and_then(Value::as_str) {
                    Some(email) => Some(email.to_owned()),
                    None if body.get("maid").is_some() || body.get("partnerUid").is_some() => None,
                    None => Some(format!("<deletion without an identifier: {body}>")),
                }
            })
            .collect()
    }
}

/// How many requests the emulator received for `endpoint`.
pub fn count(emulator: &Emulator, endpoint: Endpoint) -> usize {
    emulator
        .received()
        .iter()
        .filter(|r| r.endpoint == Some(endpoint))
        .count()
}

/// Everything DROP received that it should not have, or missed: a status file accepted
/// twice, a work item answered in two accepted files or with the wrong status, a work item
/// never answered, a row-level problem.
pub fn server_problems(emulator: &Emulator, truth: &Truth) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = truth.statuses(emulator);
    let mut accepted_names = BTreeMap::<String, u32>::new();
    let mut answers = BTreeMap::<String, Vec<(String, String)>>::new();
    for request in emulator.received() {
        for file in request.files.iter().filter(|f| f.accepted()) {
            *accepted_names.entry(file.name.clone()).or_default() += 1;
            for row in file.text().lines().skip(1) {
                let row = row.trim_end_matches('\r');
                let (id, status) = row.split_once(',').unwrap_or((row, ""));
                answers
                    .entry(id.to_owned())
                    .or_default()
                    .push((file.name.clone(), status.to_owned()));
            }
        }
    }
    for (name, n) in &accepted_names {
        if *n > 1 {
            problems.push(format!("status file {name} accepted {n} times"));
        }
    }
    for (id, rows) in &answers {
        if rows.len() > 1 {
            problems.push(format!(
                "work item {id} answered {} times: {rows:?}",
                rows.len()
            ));
        }
    }
    let received = emulator.statuses();
    for (id, want) in &expected {
        let rows = answers.get(id.as_str()).map_or(0, Vec::len);
        if rows == 0 {
            problems.push(format!(
                "work item {id}: never answered, want {}",
                want.code()
            ));
        }
        match received.get(id) {
            Some(got) if got == want => {}
            Some(got) => problems.push(format!(
                "work item {id}: DROP has status {}, want {}",
                got.code(),
                want.code()
            )),
            None => problems.push(format!(
                "work item {id}: DROP has no status, want {}",
                want.code()
            )),
        }
    }
    for id in answers.keys() {
        if !expected.contains_key(id.as_str()) {
            problems.push(format!(
                "an accepted file answers {id}, which DROP never delivered"
            ));
        }
    }
    for error in emulator.record_errors() {
        problems.push(format!("DROP found a row-level problem: {error:?}"));
    }
    problems
}

/// The emails of `sending` journal lines marked `"possible_duplicate": true`, with how many
/// such lines name each, over every `forward-journal.jsonl` of the state directory (the
/// current round's and the archived ones). A journal line that is not a known event is a
/// problem.
pub fn journal_duplicates(state: &Path, problems: &mut Vec<String>) -> BTreeMap<String, usize> {
    let mut duplicates = BTreeMap::new();
    for journal in journals(state) {
        let text = std::fs::read_to_string(&journal).unwrap();
        for (i, line) in text.lines().enumerate() {
            let event: Value = match serde_json::from_str(line) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!(
                        "{}:{}: not JSON ({e}): {line}",
                        journal.display(),
                        i + 1
                    ));
                    continue;
                }
            };
            let kind = event
                .get("event")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !["sending", "accepted", "outcome-unknown", "finished"].contains(&kind) {
                problems.push(format!(
                    "{}:{}: unknown event {line}",
                    journal.display(),
                    i + 1
                ));
            }
            if kind == "sending" && event.get("possible_duplicate") == Some(&Value::Bool(true)) {
                for email in event["emails"].as_array().into_iter().flatten() {
                    if let Some(email) = email.as_str() {
                        *duplicates.entry(email.to_owned()).or_default() += 1;
                    }
                }
            }
        }
    }
    duplicates
}

/// Every `forward-journal.jsonl` under the state directory.
pub fn journals(state: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![state.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n == "forward-journal.jsonl")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Checks the provider's side: every email the synthetic data says was deleted reached the
/// provider, nothing else did, and an email reached it more than once only as often as the
/// journal logged a possible duplicate for it.
pub fn forward_problems(
    received: &[String],
    expected: &BTreeSet<String>,
    state: &Path,
) -> Vec<String> {
    let mut problems = Vec::new();
    let duplicates = journal_duplicates(state, &mut problems);
    let mut counts = BTreeMap::<&str, usize>::new();
    for email in received {
        *counts.entry(email.as_str()).or_default() += 1;
    }
    for (email, n) in &counts {
        if !expected.contains(*email) {
            problems.push(format!(
                "the provider received {email:?}, which was not deleted"
            ));
        }
        let allowed = 1 + duplicates.get(*email).copied().unwrap_or(0);
        if *n > allowed {
            problems.push(format!(
                "the provider received {email:?} {n} times, but the journal logs only {} \
                 possible duplicate(s)",
                allowed - 1
            ));
        }
    }
    for email in expected {
        if !counts.contains_key(email.as_str()) {
            problems.push(format!(
                "{email:?} was deleted but never reached the provider"
            ));
        }
    }
    problems
}

/// The batch of download `number` (1, 2, ...) as the DROP portal would hand it out: its
/// name and a ZIP with one `ID,Hash` CSV per list and the Removed file, built from what the
/// emulator delivered, in its package format.
pub fn portal_zip(emulator: &Emulator, number: u32) -> (String, Vec<u8>) {
    portal_zip_with(emulator, number, false)
}

/// Like [`portal_zip`], with each list's rows in reverse order when `reversed`: the same
/// batch, other bytes.
pub fn portal_zip_with(emulator: &Emulator, number: u32, reversed: bool) -> (String, Vec<u8>) {
    let download = emulator
        .downloads()
        .into_iter()
        .find(|d| d.number == number)
        .unwrap();
    let items: BTreeMap<String, dropkit_emulator::WorkItem> = emulator
        .work_items()
        .into_iter()
        .map(|i| (i.id.as_str().to_owned(), i))
        .collect();
    let name = download.zip_name.to_string();
    let date = &name[..8];
    let mut options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    if let Ok(stamp) = zip::DateTime::from_date_and_time(
        date[..4].parse().unwrap(),
        date[4..6].parse().unwrap(),
        date[6..].parse().unwrap(),
        0,
        0,
        0,
    ) {
        options = options.last_modified_time(stamp);
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut entry = |data_type: DataType, header: &str, ids: &[dropkit_files::WorkItemId]| {
        zip.start_file(download.zip_name.list_file(data_type).to_string(), options)
            .unwrap();
        let mut text = format!("{header}\r\n");
        let mut rows: Vec<&dropkit_files::WorkItemId> = ids.iter().collect();
        if reversed {
            rows.reverse();
        }
        for id in rows {
            let item = &items[id.as_str()];
            text.push_str(&format!("{},{}", id.as_str(), item.hash));
            if data_type == DataType::Removed {
                text.push_str(&format!(",{}", item.list.as_str()));
            }
            text.push_str("\r\n");
        }
        zip.write_all(text.as_bytes()).unwrap();
    };
    for (list, ids) in &download.lists {
        entry(DataType::List(*list), "ID,Hash", ids);
    }
    if !download.removed.is_empty() {
        entry(DataType::Removed, "ID,Hash,ListType", &download.removed);
    }
    (name, zip.finish().unwrap().into_inner())
}

/// The statuses DROP holds, by code, for a summary line.
pub fn status_counts(emulator: &Emulator) -> BTreeMap<u8, usize> {
    let mut counts = BTreeMap::new();
    for status in emulator.statuses().values() {
        *counts.entry(Status::code(*status)).or_default() += 1;
    }
    counts
}
