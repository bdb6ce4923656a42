//! A closed standard output (`dropkit status | head -0`) is an error line and exit 1, never a
//! panic (exit 101), for the commands that print a report after their work.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

/// Runs `dropkit ARGS` in `cwd` with a standard output nobody reads; its exit code and
/// standard error.
fn with_closed_output(cwd: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    // Every write to standard output fails (Rust programs ignore SIGPIPE).
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_dropkit"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DROP_API_KEY")
        .env_remove("MAESTROQA_API_TOKEN")
        .env_remove("ID5_TOKEN")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn reports_to_a_closed_output_are_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state = state.to_str().unwrap();
    for args in [
        &["cycle", "--demo", "--state-dir", state][..],
        &["cycle", "--demo", "--json", "--state-dir", state],
        &["status", "--state-dir", state],
        &["status", "--json", "--state-dir", state],
        &["audit", "verify", "--state-dir", state],
        &["sql", "email", "--dialect", "duckdb", "--column", "email"],
    ] {
        let (code, stderr) = with_closed_output(dir.path(), args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("could not write to standard output"),
            "{args:?}: {stderr}"
        );
    }
}
