#![allow(clippy::unwrap_used)]
//! What `dropkit` prints on standard error when something is wrong: each text once, the
//! operating system's reason included, and no colour codes when standard error is not a
//! terminal (a cron mail, a log file, this test's pipe).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use zip::write::SimpleFileOptions;

const ESC: char = '\u{1b}';
const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";

fn dropkit(args: &[&std::ffi::OsStr], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    cmd.args(args).env_remove("NO_COLOR").env_remove("RUST_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The operating system's text for "no such file" on this machine.
fn os_not_found(path: &Path) -> String {
    std::fs::File::open(path).unwrap_err().to_string()
}

#[test]
fn a_missing_file_names_it_and_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("20261120_4821_DROP.zip");
    let why = os_not_found(&missing);
    for args in [
        vec!["inspect".as_ref(), missing.as_os_str()],
        vec![
            "validate".as_ref(),
            "--download".as_ref(),
            missing.as_os_str(),
            "x.csv".as_ref(),
        ],
    ] {
        let out = dropkit(&args, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.starts_with("dropkit: "), "{err}");
        assert!(err.contains(&*missing.to_string_lossy()), "{err}");
        assert_eq!(err.matches(&why).count(), 1, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains(ESC), "{err:?}");
    }
}

#[test]
fn a_directory_given_for_a_file_is_called_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["inspect".as_ref(), dir.path().as_os_str()],
        vec![
            "validate".as_ref(),
            "--download".as_ref(),
            dir.path().as_os_str(),
            "x.csv".as_ref(),
        ],
    ] {
        let out = dropkit(&args, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(&*dir.path().to_string_lossy()), "{err}");
        assert_eq!(
            err.to_lowercase().matches("is a directory").count(),
            1,
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn no_colour_when_standard_error_is_not_a_terminal() {
    // A warning logged while reading: an Id that is not 12 Base62 characters.
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20261120_4821_DROP.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    w.start_file("20261120_4821_Email.csv", SimpleFileOptions::default())
        .unwrap();
    write!(w, "ID,Hash\n680,{H}\n").unwrap();
    w.finish().unwrap();
    let out = dropkit(&["inspect".as_ref(), zip.as_os_str()], &[]);
    let err = stderr(&out);
    assert!(err.contains("WARN"), "no warning to look at: {err}");
    assert!(!err.contains(ESC), "{err:?}");

    // clap's usage errors too.
    let out = dropkit(&["hash".as_ref(), "--no-such-flag".as_ref()], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--no-such-flag"), "{err}");
    assert!(!err.contains(ESC), "{err:?}");
}
