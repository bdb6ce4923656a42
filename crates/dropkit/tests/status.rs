//! `dropkit status` exit codes and JSON, around a real (demonstration) round.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn dropkit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    cmd.env_remove("DROP_API_KEY")
        .env_remove("MAESTROQA_API_TOKEN")
        .env_remove("ID5_TOKEN");
    cmd
}

fn day_plus(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[test]
fn status_is_0_then_1_within_7_days_then_2_when_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // Never reached DROP: overdue; a missing directory is not created.
    let out = dropkit()
        .args(["status", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!state.exists());

    let round = dropkit()
        .args(["cycle", "--demo", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(round.status.code(), Some(0));

    let check = |days: i64| {
        let out = dropkit()
            .args([
                "status",
                "--json",
                "--today",
                &day_plus(days),
                "--state-dir",
            ])
            .arg(&state)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), json)
    };
    let (code, json) = check(0);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["last_access"], day_plus(0));
    assert_eq!(json["next_access_due"], day_plus(45));
    assert_eq!(json["days_left"], 45);
    assert_eq!(json["round"]["finished"], true);
    assert_eq!(json["work_items_unanswered"], 0);
    assert_eq!(check(38).0, 1);
    assert_eq!(check(45).0, 1);
    let (code, json) = check(46);
    assert_eq!(code, 2);
    assert_eq!(json["days_left"], -1);
    assert_eq!(json["level"], "overdue");
}
