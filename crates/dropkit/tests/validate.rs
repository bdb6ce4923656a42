#![allow(clippy::unwrap_used)]
//! `dropkit validate` and `dropkit inspect` run as a user runs them, on ZIPs built in a
//! temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use zip::write::SimpleFileOptions;

const H: &str = "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=";

fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, data) in files {
        w.start_file(*name, SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
}

/// A download with 5 Email work items (one also removed), 1 Phone, an empty NDZ and Removed.
fn download(dir: &Path) -> PathBuf {
    let email: String = ["A", "B", "C", "D", "E"]
        .iter()
        .map(|p| format!("{p}7kP2xQ9Lm4R,{H}\n"))
        .collect();
    let email = format!("ID,Hash\n{email}");
    let phone = format!("ID,Hash\nP7kP2xQ9Lm4R,{H}\n");
    let removed = format!("ID,Hash,ListType\nR7kP2xQ9Lm4R,{H},Email\n");
    let path = dir.join("20261120_4821_DROP.zip");
    write_zip(
        &path,
        &[
            ("20261120_4821_Email.csv", email.as_bytes()),
            ("20261120_4821_Phone.csv", phone.as_bytes()),
            ("20261120_4821_NDZ.csv", b"ID,Hash\n"),
            ("20261120_4821_Removed.csv", removed.as_bytes()),
        ],
    );
    path
}

fn dropkit(args: &[&std::ffi::OsStr], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dropkit"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn validate(dir: &Path, complete: bool, files: &[(&str, &str)]) -> (i32, String, String) {
    let zip = download(dir);
    let mut args: Vec<std::ffi::OsString> =
        vec!["validate".into(), "--download".into(), zip.into()];
    if complete {
        args.push("--complete".into());
    }
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        args.push(path.into());
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run(&args, dir)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn valid_files_exit_0_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = validate(
        dir.path(),
        false,
        &[(
            "20261120_4821_Email.csv",
            "Id,Status\nA7kP2xQ9Lm4R,2\nB7kP2xQ9Lm4R,3\n",
        )],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("valid: 1 file(s), 2 row(s), 0 error(s), 0 warning(s)"),
        "{out}"
    );
    assert_eq!(
        listing(dir.path()),
        ["20261120_4821_DROP.zip", "20261120_4821_Email.csv"]
    );
}

#[test]
fn complete_names_outstanding_per_list() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = validate(
        dir.path(),
        true,
        &[("20261120_4821_Email.csv", "Id,Status\nA7kP2xQ9Lm4R,2\n")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Email: 4 outstanding\n"), "{out}");
    assert!(out.contains("Phone: 1 outstanding\n"), "{out}");
    assert!(out.contains("NDZ: 0 outstanding\n"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = validate(
        dir.path(),
        true,
        &[
            (
                "20261120_4821_Email.csv",
                "Id,Status\nA7kP2xQ9Lm4R,2\nB7kP2xQ9Lm4R,2\nC7kP2xQ9Lm4R,3\n",
            ),
            (
                "20261120_4821_Email_part2.csv",
                "Id,Status\r\nD7kP2xQ9Lm4R,4\r\nE7kP2xQ9Lm4R,5\r\n",
            ),
            ("20261120_4821_Phone.csv", "Id,Status\nP7kP2xQ9Lm4R,5\n"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Email: 0 outstanding\n"), "{out}");
    assert!(out.contains("valid and complete"), "{out}");
}

#[test]
fn problems_name_file_line_and_id_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = validate(
        dir.path(),
        false,
        &[
            (
                "20261120_4821_Email.csv",
                "Id,Status\nA7kP2xQ9Lm4R,2\nA7kP2xQ9Lm4R,7\nZZZZZZZZZZZZ,2\n",
            ),
            ("20261120_4821_Phone.csv", "ID,Status\nP7kP2xQ9Lm4R,5\n"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "20261120_4821_Email.csv:3: Id A7kP2xQ9Lm4R: status 7 is not one of 2, 3, 4, 5\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("20261120_4821_Email.csv:4: Id ZZZZZZZZZZZZ: not a work item of the download"),
        "{out}"
    );
    assert!(
        out.contains("20261120_4821_Phone.csv:1: header \"ID,Status\" is not exactly Id,Status"),
        "{out}"
    );
    assert!(out.contains("invalid:"), "{out}");
}

#[test]
fn answering_a_removed_id_is_a_warning_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = validate(
        dir.path(),
        false,
        &[("20261120_4821_Email.csv", "Id,Status\nR7kP2xQ9Lm4R,5\n")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("warning: 20261120_4821_Email.csv:2: Id R7kP2xQ9Lm4R: in the Removed file"),
        "{out}"
    );
}

#[test]
fn hostile_or_corrupt_zips_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let response = dir.path().join("20261120_4821_Email.csv");
    std::fs::write(&response, "Id,Status\n").unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage.zip", b"PK\x03\x04 this is not a zip".to_vec()),
        ("empty.zip", Vec::new()),
        ("escape.zip", {
            let p = dir.path().join("tmp.zip");
            write_zip(&p, &[("../20261120_4821_Email.csv", b"ID,Hash\n")]);
            std::fs::read(&p).unwrap()
        }),
        ("absolute.zip", {
            let p = dir.path().join("tmp.zip");
            write_zip(&p, &[("/tmp/20261120_4821_Email.csv", b"ID,Hash\n")]);
            std::fs::read(&p).unwrap()
        }),
        ("exe.zip", {
            let p = dir.path().join("tmp.zip");
            write_zip(&p, &[("run.exe", b"MZ")]);
            std::fs::read(&p).unwrap()
        }),
    ];
    for (name, bytes) in cases {
        let zip = dir.path().join(name);
        std::fs::write(&zip, bytes).unwrap();
        for args in [
            validate_args(&zip, &response),
            vec!["inspect".as_ref(), zip.as_os_str()],
        ] {
            let out = dropkit(&args, dir.path());
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name}: {err}");
            assert!(err.starts_with("dropkit: "), "{name}: {err}");
            assert!(!err.contains("panicked"), "{name}: {err}");
        }
    }
    assert!(
        !dir.path()
            .join("..")
            .join("20261120_4821_Email.csv")
            .exists()
            || dir.path().parent().is_none()
    );
}

#[test]
fn inspect_lists_files_rows_and_malformed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let zip = download(dir.path());
    let out = dropkit(&["inspect".as_ref(), zip.as_os_str()], dir.path());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("20261120_4821_DROP.zip: 4 file(s)\n"),
        "{text}"
    );
    let email = text
        .lines()
        .find(|l| l.starts_with("20261120_4821_Email.csv"))
        .unwrap();
    assert!(email.contains(" 5 row(s)"), "{email}");
    let ndz = text
        .lines()
        .find(|l| l.starts_with("20261120_4821_NDZ.csv"))
        .unwrap();
    assert!(ndz.contains(" 0 row(s)"), "{ndz}");

    let bad = dir.path().join("20261121_4821_DROP.zip");
    let rows = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\nB7kP2xQ9Lm4R,not-a-hash\n680,{H}\n");
    write_zip(&bad, &[("20261121_4821_Email.csv", rows.as_bytes())]);
    let out = dropkit(&["inspect".as_ref(), bad.as_os_str()], dir.path());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("3 row(s)"), "{text}");
    assert!(
        text.contains("1 malformed, 1 Id(s) not 12 Base62 characters"),
        "{text}"
    );
    assert!(
        text.contains("20261121_4821_Email.csv:3: Id B7kP2xQ9Lm4R: hash \"not-a-hash\""),
        "{text}"
    );
}

/// `validate --download ZIP RESPONSE`.
fn validate_args<'a>(zip: &'a Path, response: &'a Path) -> Vec<&'a std::ffi::OsStr> {
    vec![
        "validate".as_ref(),
        "--download".as_ref(),
        zip.as_os_str(),
        response.as_os_str(),
    ]
}

/// `dropkit ARGS` in `cwd`: its exit code, standard output and standard error.
fn run(args: &[&std::ffi::OsStr], cwd: &Path) -> (i32, String, String) {
    let out = dropkit(args, cwd);
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn validate_and_inspect_agree_on_rows_not_utf8_or_with_nul() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20261120_4821_DROP.zip");
    let mut rows = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\n").into_bytes();
    rows.extend_from_slice(b"B7kP2xQ9Lm4R,\xff\xfe\n");
    rows.extend_from_slice(format!("C7kP2xQ9Lm4R,{H}\0\n").as_bytes());
    write_zip(&zip, &[("20261120_4821_Email.csv", &rows)]);
    let response = dir.path().join("20261120_4821_Email.csv");
    std::fs::write(&response, "Id,Status\nA7kP2xQ9Lm4R,5\n").unwrap();

    let bad = [
        "20261120_4821_Email.csv:3: Id B7kP2xQ9Lm4R: the row is not UTF-8",
        "20261120_4821_Email.csv:4: Id C7kP2xQ9Lm4R: the row holds a NUL byte",
    ];
    let (code, out, err) = run(&["inspect".as_ref(), zip.as_os_str()], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("2 malformed"), "{out}");
    for line in bad {
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }
    let (code, out, err) = run(&validate_args(&zip, &response), dir.path());
    assert_eq!(code, 1, "{out}{err}");
    for line in bad {
        let expected = format!("20261120_4821_DROP.zip/{line}");
        assert!(out.lines().any(|l| l == expected), "{expected}\n{out}");
    }
    assert!(!out.contains('\0'), "no raw NUL printed: {out:?}");
    assert!(out.contains("invalid:"), "{out}");
}

#[test]
fn two_entries_with_one_name_are_refused_by_validate_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20261120_4821_DROP.zip");
    let email = format!("ID,Hash\nA7kP2xQ9Lm4R,{H}\n");
    let phone = format!("ID,Hash\nP7kP2xQ9Lm4R,{H}\n");
    write_zip(
        &zip,
        &[
            ("20261120_4821_Email.csv", email.as_bytes()),
            ("20261120_4821_Phone.csv", phone.as_bytes()),
        ],
    );
    // Rename the second entry to the first's name in place (same length): no ZIP writer
    // would produce it, a hostile or broken server could.
    let mut bytes = std::fs::read(&zip).unwrap();
    let (from, to) = (b"20261120_4821_Phone.csv", b"20261120_4821_Email.csv");
    for i in 0..=bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
        }
    }
    std::fs::write(&zip, bytes).unwrap();
    let response = dir.path().join("20261120_4821_Email.csv");
    std::fs::write(&response, "Id,Status\nA7kP2xQ9Lm4R,5\n").unwrap();
    for args in [
        validate_args(&zip, &response),
        vec!["inspect".as_ref(), zip.as_os_str()],
    ] {
        let (code, out, err) = run(&args, dir.path());
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            err.contains("two entries are named \"20261120_4821_Email.csv\""),
            "{err}"
        );
    }
}

#[test]
fn an_id_listed_many_times_is_one_work_item_and_one_warning() {
    const TIMES: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("20261120_4821_DROP.zip");
    let mut rows = String::from("ID,Hash\n");
    rows.push_str(&format!("A7kP2xQ9Lm4R,{H}\n").repeat(TIMES));
    rows.push_str(&format!("B7kP2xQ9Lm4R,{H}\n"));
    write_zip(&zip, &[("20261120_4821_Email.csv", rows.as_bytes())]);
    let response = dir.path().join("20261120_4821_Email.csv");
    std::fs::write(&response, "Id,Status\nA7kP2xQ9Lm4R,5\nB7kP2xQ9Lm4R,3\n").unwrap();
    let (code, out, err) = run(
        &[
            "validate".as_ref(),
            "--download".as_ref(),
            zip.as_os_str(),
            "--complete".as_ref(),
            response.as_os_str(),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().next().unwrap(),
        format!(
            "warning: 20261120_4821_DROP.zip/20261120_4821_Email.csv:3: Id A7kP2xQ9Lm4R: \
             listed {TIMES} times in the download (Ids should be unique); counted as one work item"
        )
    );
    assert!(out.contains("Email: 0 outstanding\n"), "{out}");
    assert!(
        out.contains("valid and complete: 1 file(s), 2 row(s), 0 error(s), 1 warning(s)"),
        "{out}"
    );
}

#[test]
fn file_errors_print_their_reason_once_and_directories_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let response = dir.path().join("20261120_4821_Email.csv");
    std::fs::write(&response, "Id,Status\n").unwrap();
    let missing = dir.path().join("20261120_4821_DROP.zip");
    let (code, _, err) = run(&validate_args(&missing, &response), dir.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        format!(
            "dropkit: cannot open the download: {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );

    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    for args in [
        validate_args(&folder, &response),
        vec!["inspect".as_ref(), folder.as_os_str()],
    ] {
        let (code, _, err) = run(&args, dir.path());
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            err,
            format!(
                "dropkit: cannot open the download: {} is a directory, expected a file\n",
                folder.display()
            )
        );
    }

    // A directory given as a response file is a problem of that file.
    let zip = download(dir.path());
    let as_dir = dir.path().join("20261120_4821_Phone.csv");
    std::fs::create_dir(&as_dir).unwrap();
    let (code, out, _) = run(&validate_args(&zip, &as_dir), dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l == "20261120_4821_Phone.csv: is a directory, expected a file"),
        "{out}"
    );
}

#[test]
fn control_characters_in_values_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = validate(
        dir.path(),
        false,
        &[("20261120_4821_Email.csv", "Id,Status\nA7kP2xQ9Lm4R,2\0\n")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            r"20261120_4821_Email.csv:2: Id A7kP2xQ9Lm4R: status 2\0 is not one of 2, 3, 4, 5"
        ),
        "{out:?}"
    );
    assert!(!out.contains('\0'), "{out:?}");
}
