use std::fs;

use super::*;
use crate::CycleError;

fn list_file(name: &str) -> ListFileName {
    name.parse().unwrap()
}

#[test]
fn saves_and_loads_and_never_leaves_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path().join("nested/state")).unwrap();
    assert_eq!(sd.load().unwrap(), RoundState::default());
    let mut st = RoundState {
        download: Some("20261120_4821_DROP.zip".parse().unwrap()),
        ..RoundState::default()
    };
    st.uploads.insert(
        list_file("20261120_4821_Email.csv"),
        UploadRecord::now(UploadOutcome::Accepted, "ok"),
    );
    sd.save(&st).unwrap();
    st.version = STATE_VERSION;
    assert_eq!(sd.load().unwrap(), st);
    let mut names: Vec<_> = fs::read_dir(sd.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["responses", "state.json"]);
    let text = fs::read_to_string(sd.root().join(STATE_FILE)).unwrap();
    assert!(text.contains("\"20261120_4821_Email.csv\""), "{text}");
    assert!(text.contains("\"outcome\": \"accepted\""), "{text}");
}

/// A `state.json` exactly as dropkit 0.1.0 wrote it, mid-upload.
const LEGACY_STATE: &str = r#"{
  "download": "20261120_4821_DROP.zip",
  "matched": {
    "records_read": 301,
    "bad_rows": 0,
    "removed": 2,
    "lists": {
      "Email": { "work_items": 300, "exempted": 0, "deleted": 149, "opted_out": 1, "not_found": 150 },
      "Phone": { "work_items": 300, "exempted": 0, "deleted": 148, "opted_out": 1, "not_found": 151 }
    },
    "status_files": ["20261120_4821_Email.csv", "20261120_4821_Phone.csv"],
    "consumers_to_forward": 149
  },
  "validated": true,
  "uploads": {
    "20261120_4821_Email.csv": { "outcome": "already-received", "message": "ok", "at": "2026-11-20T10:00:00Z" }
  },
  "upload_in_flight": "20261120_4821_Phone.csv",
  "finished": false
}"#;

#[test]
fn a_state_left_by_the_first_release_is_read_and_carried_forward() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path()).unwrap();
    fs::write(dir.path().join(STATE_FILE), LEGACY_STATE).unwrap();
    let st = sd.load().unwrap();
    assert_eq!(st.version, 0);
    assert_eq!(
        st.download.as_ref().unwrap().to_string(),
        "20261120_4821_DROP.zip"
    );
    let matched = st.matched.as_ref().unwrap();
    assert_eq!(matched.lists[&ListType::Phone].not_found, 151);
    assert_eq!(
        st.outstanding_uploads()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["20261120_4821_Phone.csv"]
    );
    assert_eq!(
        st.uploads[&list_file("20261120_4821_Email.csv")].outcome,
        UploadOutcome::AlreadyReceived
    );
    assert_eq!(
        st.upload_in_flight,
        Some(list_file("20261120_4821_Phone.csv"))
    );
    assert!(st.validated && !st.forwarded && !st.finished);

    sd.save(&st).unwrap();
    let again = sd.load().unwrap();
    assert_eq!(again.version, STATE_VERSION);
    assert_eq!(again.uploads, st.uploads);
    assert_eq!(again.matched, st.matched);
}

#[test]
fn a_state_from_a_newer_release_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path()).unwrap();
    fs::write(
        dir.path().join(STATE_FILE),
        format!("{{\"version\": {}}}", STATE_VERSION + 1),
    )
    .unwrap();
    let err = sd.load().unwrap_err().to_string();
    assert!(err.contains("newer dropkit"), "{err}");
}

#[test]
fn a_misspelt_name_in_the_state_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path()).unwrap();
    fs::write(dir.path().join(STATE_FILE), r#"{"download": "latest.zip"}"#).unwrap();
    let err = sd.load().unwrap_err().to_string();
    assert!(err.contains("latest.zip"), "{err}");
}

#[test]
fn a_finished_round_is_archived_whole_and_the_next_starts_clean() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path()).unwrap();
    let st = RoundState {
        download: Some("20261120_4821_DROP.zip".parse().unwrap()),
        finished: true,
        version: STATE_VERSION,
        ..RoundState::default()
    };
    fs::write(dir.path().join("20261120_4821_DROP.zip"), b"zip").unwrap();
    fs::write(
        sd.responses_dir().join("20261120_4821_Email.csv"),
        b"Id,Status\n",
    )
    .unwrap();
    fs::write(sd.matches_path(), b"Id,ListType,Key,Status\n").unwrap();
    sd.save(&st).unwrap();

    let archived = sd.archive(&st).unwrap();
    assert_eq!(archived, dir.path().join("rounds/20261120_4821_DROP"));
    assert!(archived.join("20261120_4821_DROP.zip").is_file());
    assert!(archived.join("responses/20261120_4821_Email.csv").is_file());
    assert!(archived.join(MATCHES_FILE).is_file());
    assert_eq!(StateDir::open(&archived).unwrap().load().unwrap(), st);
    assert_eq!(sd.load().unwrap(), RoundState::default());
    assert!(sd.responses_dir().is_dir());
    assert!(!dir.path().join("20261120_4821_DROP.zip").exists());

    // A second archive of the same name does not overwrite the first.
    sd.save(&st).unwrap();
    let again = sd.archive(&st).unwrap();
    assert_eq!(again, dir.path().join("rounds/20261120_4821_DROP-2"));
}

#[test]
fn a_corrupt_state_file_is_an_error_not_a_fresh_start() {
    let dir = tempfile::tempdir().unwrap();
    let sd = StateDir::open(dir.path()).unwrap();
    fs::write(dir.path().join(STATE_FILE), b"{ not json").unwrap();
    assert!(matches!(sd.load(), Err(CycleError::State { .. })));
}

#[cfg(unix)]
#[test]
fn the_directory_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let sd = StateDir::open(&root).unwrap();
    sd.save(&RoundState::default()).unwrap();
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root), 0o700);
    assert_eq!(mode(&sd.responses_dir()), 0o700);
    assert_eq!(mode(&root.join(STATE_FILE)), 0o600);
}
