//! `dropkit cycle --review` and `dropkit approve` from the command line.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn dropkit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    cmd.env_remove("DROP_API_KEY")
        .env_remove("MAESTROQA_API_TOKEN")
        .env_remove("ID5_TOKEN");
    cmd
}

#[test]
fn a_review_stops_with_exit_0_and_approve_records_the_approver_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dropkit()
        .args(["cycle", "--demo", "--review", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("stopped for review"), "{stdout}");
    assert!(state.join("review.md").is_file());
    assert!(!stdout.contains("check: DROP received"), "{stdout}");

    let approve = dropkit()
        .args(["approve", "--by", "Dana", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(approve.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&approve.stdout).contains("approved by Dana"));
    let state_json = std::fs::read_to_string(state.join("state.json")).unwrap();
    assert!(state_json.contains("\"by\": \"Dana\""), "{state_json}");

    let again = dropkit()
        .args(["approve", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already approved by Dana"));
}

#[test]
fn approve_without_a_round_under_review_exits_1_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let out = dropkit()
        .args(["approve", "--state-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to approve"));
    assert!(!missing.exists());
}
