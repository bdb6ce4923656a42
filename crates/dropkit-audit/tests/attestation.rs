//! Attestations: digests, signatures and the chain head verify; a changed status file, a
//! changed attestation, another key or a changed chain fail.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use dropkit_audit::{
    ATTESTATION_FILE, ATTESTATION_FORMAT, Approval, Attestation, AuditChain, ChainCheck,
    ConnectorResult, Entry, FileDigest, FileOutcome, ProviderJob, RESPONSES_DIR, ROUNDS_DIR,
    SIGNATURE_FILE, SignatureCheck, Upload, generate_key_pair, read_signing_key,
    read_verifying_key, verify_attestation,
};

const ZIP: &str = "20261120_4821_DROP.zip";
const EMAIL: &str = "20261120_4821_Email.csv";
const PHONE: &str = "20261120_4821_Phone.csv";

/// A state directory with a round's files, its audit chain and its attestation (not yet
/// written); returns the directory and the attestation.
fn round() -> (tempfile::TempDir, Attestation) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(ZIP), b"PK\x03\x04 the download").unwrap();
    std::fs::create_dir(root.join(RESPONSES_DIR)).unwrap();
    for (name, body) in [
        (EMAIL, "Id,Status\n1,2\n2,3\n"),
        (PHONE, "Id,Status\n3,3\n"),
    ] {
        std::fs::write(root.join(RESPONSES_DIR).join(name), body).unwrap();
    }
    let mut chain = AuditChain::open(root).unwrap();
    chain
        .append(Entry::new("cycle", "ok").step("download"))
        .unwrap();
    let head = chain
        .append(Entry::new("cycle", "accepted").step("upload"))
        .unwrap();
    let at = time::macros::datetime!(2026-11-21 09:00 UTC);
    let mut a = Attestation::new(head, at);
    a.download = Some(FileDigest::of_file(&root.join(ZIP)).unwrap());
    for name in [EMAIL, PHONE] {
        let path = root.join(RESPONSES_DIR).join(name);
        a.uploads.push(Upload::of_file(&path, "accepted").unwrap());
    }
    a.counts
        .entry("Email".into())
        .or_default()
        .extend([("deleted".into(), 1), ("not_found".into(), 1)]);
    a.counts
        .entry("Phone".into())
        .or_default()
        .insert("not_found".into(), 1);
    let mut connector = ConnectorResult::new("postgres", "ok");
    connector.counts.insert("deleted".into(), 1);
    a.connectors.push(connector);
    a.provider_jobs
        .push(ProviderJob::new("maestroqa", "job-7f3a", "completed", 1));
    a.approvals
        .push(Approval::new("Dana", "2026-11-21T08:55:00Z"));
    (dir, a)
}

fn keys(dir: &Path) -> (PathBuf, PathBuf) {
    let files = generate_key_pair(&dir.join("attest.pem")).unwrap();
    (files.private, files.public)
}

#[test]
fn a_signed_attestation_verifies_signature_digests_and_head() {
    let (dir, a) = round();
    let keydir = tempfile::tempdir().unwrap();
    let (private, public) = keys(keydir.path());
    let signed = a.sign(&read_signing_key(&private).unwrap()).unwrap();
    let files = signed.write(dir.path()).unwrap();
    assert_eq!(files.json, dir.path().join(ATTESTATION_FILE));
    assert_eq!(files.signature, Some(dir.path().join(SIGNATURE_FILE)));
    assert_eq!(std::fs::read(&files.json).unwrap(), signed.json());

    let check = verify_attestation(&files.json, Some(&public), None).unwrap();
    assert!(check.is_valid(), "{:?}", check.problems());
    assert!(check.problems().is_empty());
    assert!(matches!(
        check.signature,
        SignatureCheck::Valid { trusted: true, .. }
    ));
    assert_eq!(check.files.len(), 3);
    assert!(
        check
            .files
            .iter()
            .all(|f| f.outcome == FileOutcome::Matches)
    );
    assert_eq!(
        check.files[1].path,
        dir.path().join(RESPONSES_DIR).join(EMAIL)
    );
    assert!(matches!(check.chain, ChainCheck::Found { lines: 2, .. }));
    assert_eq!(check.attestation, a);

    // Without a key: the signature shows the file whole, not who made it.
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert!(check.is_valid());
    assert!(matches!(
        check.signature,
        SignatureCheck::Valid { trusted: false, .. }
    ));
}

#[test]
fn a_changed_status_file_fails_and_is_named() {
    let (dir, a) = round();
    let files = a.write(dir.path()).unwrap();
    assert!(
        verify_attestation(&files.json, None, None)
            .unwrap()
            .is_valid()
    );

    let status = dir.path().join(RESPONSES_DIR).join(PHONE);
    std::fs::write(&status, "Id,Status\n3,1\n").unwrap();
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert!(!check.is_valid());
    assert!(matches!(
        check.files[2].outcome,
        FileOutcome::Differs { .. }
    ));
    let problems = check.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(PHONE) && problems[0].contains("changed"),
        "{problems:?}"
    );

    std::fs::remove_file(dir.path().join(ZIP)).unwrap();
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert_eq!(check.files[0].outcome, FileOutcome::Missing);
    assert_eq!(check.problems().len(), 2);
}

#[test]
fn a_changed_attestation_or_another_key_fails_the_signature() {
    let (dir, a) = round();
    let keydir = tempfile::tempdir().unwrap();
    let (private, public) = keys(keydir.path());
    let files = a
        .sign(&read_signing_key(&private).unwrap())
        .unwrap()
        .write(dir.path())
        .unwrap();

    let other = tempfile::tempdir().unwrap();
    let (_, other_public) = keys(other.path());
    let check = verify_attestation(&files.json, Some(&other_public), None).unwrap();
    assert!(!check.is_valid());
    assert!(
        matches!(&check.signature, SignatureCheck::Invalid { reason } if reason.contains("another key")),
        "{:?}",
        check.signature
    );

    let text = std::fs::read_to_string(&files.json).unwrap();
    std::fs::write(
        &files.json,
        text.replace("\"deleted\": 1", "\"deleted\": 2"),
    )
    .unwrap();
    for key in [Some(public.as_path()), None] {
        let check = verify_attestation(&files.json, key, None).unwrap();
        assert!(!check.is_valid());
        assert!(matches!(check.signature, SignatureCheck::Invalid { .. }));
    }
}

#[test]
fn a_public_key_without_a_signature_fails_and_rewriting_unsigned_drops_a_stale_one() {
    let (dir, a) = round();
    let keydir = tempfile::tempdir().unwrap();
    let (private, public) = keys(keydir.path());
    a.sign(&read_signing_key(&private).unwrap())
        .unwrap()
        .write(dir.path())
        .unwrap();
    let files = a.write(dir.path()).unwrap();
    assert!(!dir.path().join(SIGNATURE_FILE).exists());
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert_eq!(check.signature, SignatureCheck::Unsigned);
    assert!(check.is_valid());
    let check = verify_attestation(&files.json, Some(&public), None).unwrap();
    assert!(!check.is_valid());
    assert!(matches!(check.signature, SignatureCheck::Invalid { .. }));
}

#[test]
fn the_head_must_be_in_an_intact_chain() {
    let (dir, a) = round();
    let files = a.write(dir.path()).unwrap();
    let chain = dir.path().join(dropkit_audit::AUDIT_FILE);

    // Lines appended later do not matter.
    AuditChain::open(dir.path())
        .unwrap()
        .append(Entry::new("approve", "ok"))
        .unwrap();
    assert!(
        verify_attestation(&files.json, None, None)
            .unwrap()
            .is_valid()
    );

    // The attested line changed.
    let text = std::fs::read_to_string(&chain).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let forged = format!("{}\n{}\n", lines[0], lines[1].replace("accepted", "forged"));
    std::fs::write(&chain, forged).unwrap();
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert!(!check.is_valid());
    assert!(
        matches!(&check.chain, ChainCheck::Broken { line: Some(2), .. }),
        "{:?}",
        check.chain
    );

    // No chain at all.
    std::fs::remove_file(&chain).unwrap();
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert!(matches!(check.chain, ChainCheck::Missing { .. }));
    assert!(!check.is_valid());
}

#[test]
fn an_archived_round_finds_the_chain_of_its_state_directory() {
    let (dir, a) = round();
    let root = dir.path();
    a.write(root).unwrap();
    let archived = root.join(ROUNDS_DIR).join("20261120_4821_DROP");
    std::fs::create_dir_all(&archived).unwrap();
    for name in [
        ZIP,
        RESPONSES_DIR,
        ATTESTATION_FILE,
        dropkit_audit::ATTESTATION_MARKDOWN,
    ] {
        std::fs::rename(root.join(name), archived.join(name)).unwrap();
    }
    let json = archived.join(ATTESTATION_FILE);
    let check = verify_attestation(&json, None, None).unwrap();
    assert!(check.is_valid(), "{:?}", check.problems());
    match &check.chain {
        ChainCheck::Found { path, .. } => assert_eq!(path, &root.join(dropkit_audit::AUDIT_FILE)),
        other => panic!("{other:?}"),
    }
    // An explicit state directory wins.
    let elsewhere = tempfile::tempdir().unwrap();
    let check = verify_attestation(&json, None, Some(elsewhere.path())).unwrap();
    assert!(matches!(check.chain, ChainCheck::Missing { .. }));
}

#[test]
fn a_name_leaving_the_round_directory_is_not_looked_up() {
    let (dir, mut a) = round();
    a.uploads[0].name = "../../etc/passwd".into();
    let files = a.write(dir.path()).unwrap();
    let check = verify_attestation(&files.json, None, None).unwrap();
    assert_eq!(check.files[1].outcome, FileOutcome::NotAPlainName);
    assert!(!check.is_valid());
}

#[test]
fn the_json_reads_back_and_a_newer_format_is_refused() {
    let (dir, a) = round();
    let json = a.to_json().unwrap();
    assert!(json.ends_with(b"}\n"));
    let path = dir.path().join(ATTESTATION_FILE);
    assert_eq!(Attestation::from_json(&path, &json).unwrap(), a);
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["audit_head"]["seq"], 2);
    assert_eq!(value["uploads"][0]["drop_answer"], "accepted");
    assert_eq!(value["counts"]["Email"]["deleted"], 1);
    assert_eq!(value["created_at"], "2026-11-21T09:00:00.000Z");

    let newer = String::from_utf8(json).unwrap().replace(
        &format!("\"format\": {ATTESTATION_FORMAT}"),
        &format!("\"format\": {}", ATTESTATION_FORMAT + 1),
    );
    let err = Attestation::from_json(&path, newer.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    assert!(Attestation::from_json(&path, b"{}").is_err());
}

#[test]
fn the_markdown_shows_every_part() {
    let (_dir, a) = round();
    let md = a.to_markdown();
    for needle in [
        "# Attestation of DROP round 20261120_4821_DROP",
        &a.download.as_ref().unwrap().sha256.to_string(),
        "| 20261120_4821_Email.csv |",
        "| Email | not_found | 1 |",
        "| postgres | ok | deleted: 1 |",
        "| maestroqa | job-7f3a | completed | 1 |",
        "| Dana | 2026-11-21T08:55:00Z |",
        "line 2, SHA-256",
        "dropkit attest verify",
    ] {
        assert!(md.contains(needle), "{needle} in\n{md}");
    }
    let mut empty = Attestation::new(a.audit_head, time::OffsetDateTime::UNIX_EPOCH);
    empty.approvals.push(Approval::new("a | b", "<now>"));
    let md = empty.to_markdown();
    assert!(
        md.contains("DROP had no data") && md.contains("None."),
        "{md}"
    );
    assert!(md.contains("a \\| b") && md.contains("&lt;now>"), "{md}");
}

#[test]
fn key_files_are_pem_refused_when_present_and_the_private_one_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = keys(dir.path());
    assert_eq!(public, dir.path().join("attest.pem.pub"));
    let text = std::fs::read_to_string(&private).unwrap();
    assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "{text}");
    let text = std::fs::read_to_string(&public).unwrap();
    assert!(text.starts_with("-----BEGIN PUBLIC KEY-----"), "{text}");
    assert_eq!(
        read_signing_key(&private).unwrap().verifying_key(),
        read_verifying_key(&public).unwrap()
    );
    assert!(generate_key_pair(&private).is_err());
    // Each file read as the other kind is refused, without showing it.
    let err = read_signing_key(&public).unwrap_err().to_string();
    assert!(
        err.contains("PKCS#8") && !err.contains("BEGIN PUBLIC"),
        "{err}"
    );
    assert!(read_verifying_key(&private).is_err());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// The formats are openssl's: a key pair it makes works here, and it verifies our signature
/// with the public key file we write. Skipped (saying so) where there is no `openssl`.
#[test]
fn openssl_reads_our_keys_and_verifies_our_signatures() {
    use base64::Engine as _;
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: no openssl on this machine");
        return;
    }
    let openssl = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("openssl").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (dir, a) = round();
    let keydir = tempfile::tempdir().unwrap();
    let k = |name: &str| keydir.path().join(name).into_os_string();

    // A key pair openssl made signs and verifies here.
    openssl(&[
        "genpkey".as_ref(),
        "-algorithm".as_ref(),
        "ed25519".as_ref(),
        "-out".as_ref(),
        &k("theirs.pem"),
    ]);
    openssl(&[
        "pkey".as_ref(),
        "-in".as_ref(),
        &k("theirs.pem"),
        "-pubout".as_ref(),
        "-out".as_ref(),
        &k("theirs.pub"),
    ]);
    let key = read_signing_key(Path::new(&k("theirs.pem"))).unwrap();
    let files = a.sign(&key).unwrap().write(dir.path()).unwrap();
    let check = verify_attestation(&files.json, Some(Path::new(&k("theirs.pub"))), None).unwrap();
    assert!(matches!(
        check.signature,
        SignatureCheck::Valid { trusted: true, .. }
    ));

    // openssl verifies our signature with our public key file.
    let (private, public) = keys(keydir.path());
    let files = a
        .sign(&read_signing_key(&private).unwrap())
        .unwrap()
        .write(dir.path())
        .unwrap();
    let sig: serde_json::Value =
        serde_json::from_slice(&std::fs::read(files.signature.unwrap()).unwrap()).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sig["signature"].as_str().unwrap())
        .unwrap();
    std::fs::write(keydir.path().join("sig.bin"), raw).unwrap();
    openssl(&[
        "pkeyutl".as_ref(),
        "-verify".as_ref(),
        "-pubin".as_ref(),
        "-rawin".as_ref(),
        "-inkey".as_ref(),
        public.as_os_str(),
        "-in".as_ref(),
        files.json.as_os_str(),
        "-sigfile".as_ref(),
        &k("sig.bin"),
    ]);
}
