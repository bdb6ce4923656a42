//! `dropkit cycle --config FILE` and `dropkit.toml`.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn dropkit(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    cmd.current_dir(dir)
        .env_remove("DROP_API_KEY")
        .env_remove("MAESTROQA_API_TOKEN")
        .env_remove("ID5_TOKEN");
    cmd
}

#[test]
fn a_settings_file_with_records_but_no_key_is_a_usage_error_not_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dropkit.toml"),
        "records = \"customers.csv\"\nmap = \"key=id,email=email\"\n",
    )
    .unwrap();
    let out = dropkit(dir.path()).arg("cycle").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DROP_API_KEY"));
    assert!(!dir.path().join("dropkit-state").exists());
}

#[test]
fn an_unknown_setting_or_a_password_in_the_file_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("round.toml");
    std::fs::write(&file, "recrods = \"x.csv\"\n").unwrap();
    let out = dropkit(dir.path())
        .args(["cycle", "--config", "round.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("round.toml") && stderr.contains("recrods"),
        "{stderr}"
    );

    std::fs::write(
        &file,
        "[connector]\ndatabase_url = \"postgres://crm:s3cret@db/crm\"\n",
    )
    .unwrap();
    let out = dropkit(dir.path())
        .args(["cycle", "--config", "round.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("password") && !stderr.contains("s3cret"),
        "{stderr}"
    );
}
