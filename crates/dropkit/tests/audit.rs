//! `dropkit audit verify` and `dropkit attest verify | keygen` from the command line.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use dropkit_audit::{
    AUDIT_FILE, Attestation, AuditChain, Entry, FileDigest, RESPONSES_DIR, Upload, read_signing_key,
};

fn dropkit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    cmd.env_remove("DROP_API_KEY")
        .env_remove("MAESTROQA_API_TOKEN")
        .env_remove("ID5_TOKEN");
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A state directory with a chain of `n` lines.
fn state(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut chain = AuditChain::open(dir.path()).unwrap();
    for i in 0..n {
        chain
            .append(Entry::new("cycle", "ok").count("rows", i as u64))
            .unwrap();
    }
    dir
}

fn audit_verify(dir: &Path) -> (Option<i32>, String, String) {
    run(dropkit().args(["audit", "verify", "--state-dir"]).arg(dir))
}

#[test]
fn an_intact_chain_exits_0_with_its_lines_and_head() {
    let dir = state(12);
    let head = dropkit_audit::verify(&dir.path().join(AUDIT_FILE))
        .unwrap()
        .head;
    let (code, out, err) = audit_verify(dir.path());
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("intact, 12 lines"), "{out}");
    assert!(out.contains(&format!("head: {head}")), "{out}");
    assert!(!out.contains("torn"), "{out}");

    let (code, out, _) = run(dropkit()
        .args([
            "audit",
            "verify",
            "--head",
            &head.to_string(),
            "--state-dir",
        ])
        .arg(dir.path()));
    assert_eq!(code, Some(0));
    assert!(out.contains("is in the chain"), "{out}");
}

#[test]
fn a_removed_or_edited_line_exits_1_naming_the_first_broken_line() {
    let dir = state(12);
    let path = dir.path().join(AUDIT_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(6);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let (code, out, err) = audit_verify(dir.path());
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("line 7 has seq 8"), "{err}");

    let dir = state(12);
    let path = dir.path().join(AUDIT_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"rows\":3", "\"rows\":300", 1)).unwrap();
    let (code, _, err) = audit_verify(dir.path());
    assert_eq!(code, Some(1));
    assert!(err.contains("line 4 was changed"), "{err}");
}

#[test]
fn a_changed_last_line_is_caught_against_a_recorded_head() {
    let dir = state(5);
    let path = dir.path().join(AUDIT_FILE);
    let head = dropkit_audit::verify(&path).unwrap().head;
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"rows\":4", "\"rows\":40")).unwrap();
    assert_eq!(audit_verify(dir.path()).0, Some(0));
    let (code, _, err) = run(dropkit()
        .args([
            "audit",
            "verify",
            "--head",
            &head.to_string(),
            "--state-dir",
        ])
        .arg(dir.path()));
    assert_eq!(code, Some(1));
    assert!(err.contains("line 5 is not the recorded head"), "{err}");

    let (code, _, err) = run(dropkit()
        .args(["audit", "verify", "--head", "5:abc", "--state-dir"])
        .arg(dir.path()));
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn a_torn_last_line_exits_0_and_says_so() {
    let dir = state(3);
    let path = dir.path().join(AUDIT_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"ti");
    std::fs::write(&path, bytes).unwrap();
    let (code, out, err) = audit_verify(dir.path());
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("intact, 3 lines") && out.contains("torn"),
        "{out}"
    );
    assert!(out.contains("not tampering"), "{out}");
}

#[test]
fn no_chain_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = audit_verify(&dir.path().join("nowhere"));
    assert_eq!(code, Some(1));
    assert!(err.contains("no audit chain"), "{err}");
}

/// A round with its ZIP, one status file, a chain and an attestation signed with a key
/// made by `dropkit attest keygen`; returns the state dir and the key dir.
fn signed_round() -> (tempfile::TempDir, tempfile::TempDir) {
    let keys = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dropkit()
        .args(["attest", "keygen", "--out"])
        .arg(keys.path().join("attest.pem")));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("attest.pem.pub"), "{out}");

    let dir = state(4);
    let root = dir.path();
    std::fs::write(root.join("20261120_4821_DROP.zip"), b"PK zip").unwrap();
    std::fs::create_dir(root.join(RESPONSES_DIR)).unwrap();
    let status = root.join(RESPONSES_DIR).join("20261120_4821_Email.csv");
    std::fs::write(&status, "Id,Status\n1,2\n").unwrap();
    let head = AuditChain::open(root)
        .unwrap()
        .append(Entry::new("cycle", "ok").step("report"))
        .unwrap();
    let mut a = Attestation::new(head, time::OffsetDateTime::now_utc());
    a.download = Some(FileDigest::of_file(&root.join("20261120_4821_DROP.zip")).unwrap());
    a.uploads
        .push(Upload::of_file(&status, "accepted").unwrap());
    let key = read_signing_key(&keys.path().join("attest.pem")).unwrap();
    a.sign(&key).unwrap().write(root).unwrap();
    (dir, keys)
}

fn attest_verify(dir: &Path, public: Option<&Path>) -> (Option<i32>, String, String) {
    let mut cmd = dropkit();
    cmd.args(["attest", "verify"])
        .arg(dir.join(dropkit_audit::ATTESTATION_FILE));
    if let Some(public) = public {
        cmd.arg("--public-key").arg(public);
    }
    run(&mut cmd)
}

#[test]
fn a_signed_attestation_verifies_and_a_changed_status_file_fails_it() {
    let (dir, keys) = signed_round();
    let public = keys.path().join("attest.pem.pub");
    let (code, out, err) = attest_verify(dir.path(), Some(&public));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("signature: valid, by the public key given"),
        "{out}"
    );
    assert!(
        out.contains("ok       ") && out.contains("20261120_4821_Email.csv"),
        "{out}"
    );
    assert!(out.contains("audit chain: intact, head at line 5"), "{out}");
    assert!(out.trim_end().ends_with("verified"), "{out}");

    let (code, out, _) = attest_verify(dir.path(), None);
    assert_eq!(code, Some(0));
    assert!(out.contains("pass --public-key"), "{out}");

    std::fs::write(
        dir.path()
            .join(RESPONSES_DIR)
            .join("20261120_4821_Email.csv"),
        "Id,Status\n1,3\n",
    )
    .unwrap();
    let (code, out, err) = attest_verify(dir.path(), Some(&public));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("CHANGED  "), "{out}");
    assert!(
        err.contains("1 problem") && err.contains("20261120_4821_Email.csv"),
        "{err}"
    );
}

#[test]
fn another_key_or_an_edited_attestation_fails() {
    let (dir, _keys) = signed_round();
    let other = tempfile::tempdir().unwrap();
    let out = run(dropkit()
        .args(["attest", "keygen", "--out"])
        .arg(other.path().join("k.pem")));
    assert_eq!(out.0, Some(0));
    let (code, out, _) = attest_verify(dir.path(), Some(&other.path().join("k.pem.pub")));
    assert_eq!(code, Some(1));
    assert!(out.contains("signature: INVALID"), "{out}");

    let json = dir.path().join(dropkit_audit::ATTESTATION_FILE);
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, text.replace("accepted", "rejected")).unwrap();
    let (code, out, _) = attest_verify(dir.path(), None);
    assert_eq!(code, Some(1));
    assert!(out.contains("another version"), "{out}");
}

#[test]
fn keygen_refuses_to_replace_a_key_and_a_bad_key_file_exits_1() {
    let keys = tempfile::tempdir().unwrap();
    let private = keys.path().join("attest.pem");
    assert_eq!(
        run(dropkit().args(["attest", "keygen", "--out"]).arg(&private)).0,
        Some(0)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&private).unwrap();
    let (code, _, err) = run(dropkit().args(["attest", "keygen", "--out"]).arg(&private));
    assert_eq!(code, Some(1));
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(&private).unwrap(), before);

    let (dir, _) = signed_round();
    // A private key given as the public one: refused, and its text never printed.
    let (code, out, err) = attest_verify(dir.path(), Some(&private));
    assert_eq!(code, Some(1));
    assert!(
        err.contains("BEGIN PUBLIC KEY") && !format!("{out}{err}").contains("BEGIN PRIVATE"),
        "{err}"
    );
}

#[test]
fn attest_verify_without_a_file_is_a_usage_error() {
    assert_eq!(run(dropkit().args(["attest", "verify"])).0, Some(2));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = attest_verify(dir.path(), None);
    assert_eq!(code, Some(1));
    assert!(err.contains(dropkit_audit::ATTESTATION_FILE), "{err}");
}
