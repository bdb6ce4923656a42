//! The audit chain: intact chains verify; editing, removing or reordering any one line is
//! caught and named; a torn last line is not tampering.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use dropkit_audit::{
    AUDIT_FILE, AuditChain, AuditError, Break, ChainHead, Digest, Entry, Label, Request,
    read_records, verify, verify_head,
};

const LINES: usize = 20;

/// A chain of `LINES` varied entries in a fresh directory; returns the directory, the chain
/// file and the head of the last append.
fn chain() -> (tempfile::TempDir, PathBuf, ChainHead) {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = AuditChain::open(dir.path()).unwrap();
    let mut head = ChainHead::EMPTY;
    for i in 0..LINES {
        let mut entry = Entry::new("cycle", if i % 3 == 0 { "ok" } else { "accepted" })
            .step(["download", "match", "upload", "forward"][i % 4])
            .count("rows", i as u64 * 10);
        if i % 2 == 0 {
            let name = Label::new(&format!("20261120_48{i:02}_Email.csv")).unwrap();
            entry = entry.request(Request::new("POST", "/data/upload").name(name));
        }
        head = chain.append(entry).unwrap();
    }
    let path = chain.path().to_owned();
    (dir, path, head)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The first broken line and why, from a verification that must fail.
fn broken(result: Result<dropkit_audit::VerifyReport, AuditError>) -> (u64, Break) {
    match result {
        Err(AuditError::Broken { line, problem, .. }) => (line, problem),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn an_intact_chain_verifies_and_its_head_is_the_last_lines_sha256() {
    let (_dir, path, head) = chain();
    let report = verify(&path).unwrap();
    assert_eq!(report.lines, LINES as u64);
    assert_eq!(report.head, head);
    assert!(!report.torn_last_line);
    let last = format!("{}\n", lines(&path).last().unwrap());
    assert_eq!(head.hash, Digest::of_bytes(last.as_bytes()));
    assert_eq!(verify_head(&path, &head).unwrap(), report);

    // Each prev is the SHA-256 of the line before, newline included; the first is zeros.
    let all = lines(&path);
    let records = read_records(&path).unwrap();
    assert_eq!(records.len(), LINES);
    assert_eq!(records[0].prev, Digest::ZERO);
    for (n, record) in records.iter().enumerate().skip(1) {
        let prev = format!("{}\n", all[n - 1]);
        assert_eq!(record.prev, Digest::of_bytes(prev.as_bytes()));
        assert_eq!(record.seq, n as u64 + 1);
    }
    assert_eq!(
        records[0].request.as_deref(),
        Some("POST /data/upload 20261120_4800_Email.csv")
    );
}

#[test]
fn editing_any_one_line_is_caught_and_named() {
    for i in 1..=LINES {
        let (_dir, path, head) = chain();
        let mut all = lines(&path);
        let mut value: serde_json::Value = serde_json::from_str(&all[i - 1]).unwrap();
        value["counts"]["rows"] = serde_json::json!(999_999);
        all[i - 1] = serde_json::to_string(&value).unwrap();
        write_lines(&path, &all);
        if i < LINES {
            let (line, problem) = broken(verify(&path));
            assert_eq!(line, i as u64, "edit of line {i}");
            assert_eq!(
                problem,
                Break::Changed {
                    next_line: i as u64 + 1
                }
            );
        } else {
            // Nothing follows the last line: the head recorded elsewhere catches it.
            assert!(verify(&path).is_ok());
            let (line, problem) = broken(verify_head(&path, &head));
            assert_eq!(line, i as u64);
            assert_eq!(
                problem,
                Break::NotHead {
                    expected: head.hash
                }
            );
        }
    }
}

#[test]
fn editing_a_seq_or_the_first_prev_is_caught_at_that_line() {
    for i in 1..=LINES {
        let (_dir, path, _) = chain();
        let mut all = lines(&path);
        let mut value: serde_json::Value = serde_json::from_str(&all[i - 1]).unwrap();
        value["seq"] = serde_json::json!(i + 100);
        all[i - 1] = serde_json::to_string(&value).unwrap();
        write_lines(&path, &all);
        assert_eq!(broken(verify(&path)).0, i as u64);
    }
    let (_dir, path, _) = chain();
    let mut all = lines(&path);
    all[0] = all[0].replace(&"0".repeat(64), &"1".repeat(64));
    write_lines(&path, &all);
    assert_eq!(broken(verify(&path)), (1, Break::FirstPrev));
}

#[test]
fn removing_any_one_line_is_caught_and_named() {
    for i in 1..=LINES {
        let (_dir, path, head) = chain();
        let mut all = lines(&path);
        all.remove(i - 1);
        write_lines(&path, &all);
        if i < LINES {
            let (line, problem) = broken(verify(&path));
            assert_eq!(line, i as u64, "removal of line {i}");
            assert_eq!(
                problem,
                Break::Sequence {
                    expected: i as u64,
                    found: i as u64 + 1
                }
            );
        } else {
            assert_eq!(verify(&path).unwrap().lines, LINES as u64 - 1);
            let (line, problem) = broken(verify_head(&path, &head));
            assert_eq!(line, i as u64);
            assert_eq!(
                problem,
                Break::Missing {
                    last: LINES as u64 - 1
                }
            );
        }
    }
}

#[test]
fn reordering_any_one_line_is_caught_and_named() {
    // Swapped with the next line (the last with the one before it).
    for i in 1..=LINES {
        let (_dir, path, _) = chain();
        let mut all = lines(&path);
        let first = if i < LINES { i } else { i - 1 };
        all.swap(first - 1, first);
        write_lines(&path, &all);
        let (line, problem) = broken(verify(&path));
        assert_eq!(line, first as u64, "swap of line {i}");
        assert!(matches!(problem, Break::Sequence { .. }), "{problem:?}");
    }
    // Moved to the end.
    for i in 1..LINES {
        let (_dir, path, _) = chain();
        let mut all = lines(&path);
        let moved = all.remove(i - 1);
        all.push(moved);
        write_lines(&path, &all);
        assert_eq!(broken(verify(&path)).0, i as u64, "move of line {i}");
    }
}

#[test]
fn a_line_that_is_not_an_entry_in_the_middle_is_named() {
    for (i, bad) in [
        (1, "{\"seq\":1,\"ti"),
        (7, ""),
        (12, "not json"),
        (15, "{}"),
    ] {
        let (_dir, path, _) = chain();
        let mut all = lines(&path);
        all[i - 1] = bad.to_owned();
        write_lines(&path, &all);
        let (line, problem) = broken(verify(&path));
        assert_eq!(line, i as u64);
        assert!(matches!(problem, Break::NotAnEntry { .. }), "{problem:?}");
        let message = broken(verify(&path)).1.to_string();
        assert!(message.starts_with("is not an audit entry"), "{message}");
    }
}

#[test]
fn the_error_names_the_file_and_line() {
    let (_dir, path, _) = chain();
    let mut all = lines(&path);
    all.remove(4);
    write_lines(&path, &all);
    let err = verify(&path).unwrap_err();
    assert_eq!(err.broken_line(), Some(5));
    let text = err.to_string();
    assert!(
        text.contains(AUDIT_FILE) && text.contains("line 5 has seq 6"),
        "{text}"
    );
}

#[test]
fn a_torn_last_line_is_reported_not_called_tampering_and_repaired_on_open() {
    let (dir, path, head) = chain();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":21,\"time\":\"2026-11-");
    std::fs::write(&path, &bytes).unwrap();

    let report = verify(&path).unwrap();
    assert!(report.torn_last_line);
    assert_eq!((report.lines, report.head), (LINES as u64, head));
    assert_eq!(verify_head(&path, &head).unwrap(), report);

    // The next writer cuts the torn bytes off and says so in the chain.
    let mut chain = AuditChain::open(dir.path()).unwrap();
    assert_eq!(chain.head().seq, LINES as u64 + 1);
    chain.append(Entry::new("cycle", "ok")).unwrap();
    let report = verify(&path).unwrap();
    assert!(!report.torn_last_line);
    assert_eq!(report.lines, LINES as u64 + 2);
    let records = read_records(&path).unwrap();
    let repair = &records[LINES];
    assert_eq!(
        (
            repair.command.as_str(),
            repair.step.as_deref(),
            repair.outcome.as_str()
        ),
        ("audit", Some("repair"), "torn-line-removed")
    );
    assert_eq!(repair.counts["bytes"], 26);
    assert!(verify_head(&path, &head).is_ok());
}

#[test]
fn a_last_line_missing_only_its_newline_is_whole_and_gets_it() {
    let (dir, path, head) = chain();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let report = verify(&path).unwrap();
    assert_eq!(
        (report.lines, report.head, report.torn_last_line),
        (LINES as u64, head, false)
    );
    let mut chain = AuditChain::open(dir.path()).unwrap();
    assert_eq!(chain.head(), head);
    chain.append(Entry::new("cycle", "ok")).unwrap();
    assert_eq!(verify(&path).unwrap().lines, LINES as u64 + 1);
    assert_eq!(std::fs::read(&path).unwrap()[..bytes.len()], bytes[..]);
}

#[test]
fn a_reopened_chain_goes_on_where_it_ended() {
    let (dir, path, head) = chain();
    let mut chain = AuditChain::open(dir.path()).unwrap();
    assert_eq!(chain.head(), head);
    let next = chain.append(Entry::new("approve", "ok")).unwrap();
    assert_eq!(next.seq, LINES as u64 + 1);
    assert_eq!(verify(&path).unwrap().head, next);
}

#[test]
fn two_writers_appending_at_once_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let handles: Vec<_> = ["download", "upload"]
        .into_iter()
        .map(|step| {
            let root = dir.path().to_owned();
            std::thread::spawn(move || {
                // Each thread its own open file, as another process would have.
                let mut chain = AuditChain::open(&root).unwrap();
                for _ in 0..50 {
                    chain.append(Entry::new("cycle", "ok").step(step)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let report = verify(&dir.path().join(AUDIT_FILE)).unwrap();
    assert_eq!(report.lines, 100);
    assert!(!report.torn_last_line);
}

#[test]
fn an_empty_chain_verifies_with_the_empty_head() {
    let dir = tempfile::tempdir().unwrap();
    let chain = AuditChain::open(dir.path()).unwrap();
    assert_eq!(chain.head(), ChainHead::EMPTY);
    let report = verify(chain.path()).unwrap();
    assert_eq!((report.lines, report.head), (0, ChainHead::EMPTY));
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = AuditChain::open(dir.path().join("nowhere")).unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
    assert!(verify(&dir.path().join(AUDIT_FILE)).is_err());
}

#[test]
fn an_unreadable_last_line_stops_appends_with_advice() {
    let (dir, path, _) = chain();
    let mut all = lines(&path);
    all.push("garbage".to_owned());
    write_lines(&path, &all);
    let err = AuditChain::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, AuditError::LastLineUnreadable { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("dropkit audit verify"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_chain_file_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path, _) = chain();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
