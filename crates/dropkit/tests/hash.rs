#![allow(clippy::unwrap_used)]
//! `dropkit hash KIND` run as a user runs it: values on standard input, answers on standard
//! output, one line each.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `dropkit hash KIND` on `input`: exit code, standard output, standard error.
fn hash(kind: &str, input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dropkit"))
        .args(["hash", kind])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn emails_are_answered_line_by_line_with_errors_as_data() {
    let (code, out, err) = hash("email", "\u{feff} Anna.Smith@Domain.com\r\n  \n".as_bytes());
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "anna.smith@domain.com\tKA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\n\
         ERROR\temail standardizes to nothing\n"
    );
    assert_eq!(err, "");
}

#[test]
fn ndz_lines_split_quoted_and_unquoted_alike() {
    let input = "Danielle,Johnson,1985-07-04,91790\n\
                 \"Danielle\",\"Johnson\",\"19850704\",\"91790-3771\"\n\
                 \"O'Neil, Jr\",x\n";
    let (code, out, err) = hash("ndz", input.as_bytes());
    assert_eq!(code, 0, "{err}");
    let ndz = "danielle|johnson|19850704|91790\tPQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=";
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            ndz,
            ndz,
            "ERROR\texpected 4 comma-separated fields (first,last,dob,zip), got 2"
        ]
    );
    let (code, out, _) = hash("namevin", b"Eve,Genesis,1HGCM82633A004352\n");
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "eve|genesis|1hgcm82633a004352\trtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=\n"
    );
}

#[test]
fn input_that_is_not_utf8_stops_with_its_line_number() {
    let (code, out, err) = hash("email", b"a@b.c\n\xff\nnever@read.com\n");
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        err.starts_with("dropkit: standard input:2: not valid UTF-8: invalid utf-8"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
