//! Every command that talks to DROP or a provider appends one entry to the state directory's
//! audit chain (`audit.jsonl`), next to `dropkit cycle`'s, with no secret and no clear-text
//! identifier in it; the chain verifies after a mix of commands and rounds.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use dropkit_audit::Digest;
use dropkit_emulator::Endpoint;
use serde_json::Value;
use support::{FULL_MAP, ID5_TOKEN, KEY, Run, World, WorldOptions, count, runtime, spawn};

/// A DROP key the emulator refuses; never printed, never recorded.
const WRONG_KEY: &str = "wrong-drop-key-5b1e-DO-NOT-RECORD";
/// Enough for any one run of a small world.
const LIMIT: Duration = Duration::from_secs(120);

fn small_world(rt: &tokio::runtime::Runtime, root: &Path) -> World {
    World::start(
        rt,
        root,
        &WorldOptions {
            seed: 23,
            listed: 6,
            batches: 2,
            ..WorldOptions::default()
        },
    )
}

/// Runs `command` (with `stdin` on its standard input) to its end.
fn run(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let all = text(&output);
    for secret in [KEY, ID5_TOKEN, WRONG_KEY] {
        assert!(!all.contains(secret), "a secret was printed: {all}");
    }
    output
}

fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The chain's lines, parsed.
fn entries(state: &Path) -> Vec<Value> {
    match std::fs::read_to_string(state.join("audit.jsonl")) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs `command` and returns the one entry it appended to `state`'s chain.
fn one_entry(state: &Path, command: Command, stdin: &str) -> (Output, Value) {
    let before = entries(state).len();
    let output = run(command, stdin);
    let after = entries(state);
    assert_eq!(
        after.len(),
        before + 1,
        "expected exactly one new entry: {:#?}\n{}",
        &after[before.min(after.len())..],
        text(&output)
    );
    (output, after[before].clone())
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The status files `dropkit match` wrote in `dir`, sorted.
fn status_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.ends_with(".csv") && name != "matches.csv"
        })
        .collect();
    files.sort();
    files
}

/// Checks that no secret and no identifier of the world's consumers is in the chain.
fn assert_nothing_identifying(world: &World, extra: &[&str]) {
    let chain = std::fs::read_to_string(world.state.join("audit.jsonl")).unwrap();
    for secret in [KEY, ID5_TOKEN, WRONG_KEY].iter().chain(extra) {
        assert!(!chain.contains(secret), "{secret:?} is in the chain");
    }
    assert!(!chain.contains('@'), "an email is in the chain:\n{chain}");
    for batch in &world.batches {
        for consumer in batch
            .listed
            .iter()
            .chain(batch.records.iter().map(|(_, c)| c))
        {
            for value in [
                &consumer.email,
                &consumer.phone,
                &consumer.maid,
                &consumer.vin,
            ] {
                if value.len() >= 6 {
                    assert!(
                        !chain.contains(value.as_str()),
                        "an identifier is in the chain"
                    );
                }
            }
        }
    }
}

fn verify(world: &World) -> Output {
    let output = run(
        world.command(&["audit", "verify", "--state-dir", s(&world.state)]),
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    output
}

#[test]
fn each_command_appends_one_entry_and_the_chain_verifies_with_rounds() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let mut world = small_world(&rt, tmp.path());
    let state = world.state.clone();
    let st = s(&state).to_owned();
    assert!(!state.exists());

    // doctor: asks DROP with a HEAD and records the checks; the ID5 stand-in has no status
    // route, so its token check fails, by subject, without the check's message.
    let (out, e) = one_entry(&state, world.command(&["doctor", "--state-dir", &st]), "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(e["command"], "doctor");
    assert_eq!(e["request"], "HEAD /data/download");
    assert_eq!(e["outcome"], "error");
    assert_eq!(e["error"], "check-failed");
    assert_eq!(e["counts"]["checks_failed"], 1);
    assert_eq!(e["counts"]["failed.provider_id5"], 1);
    assert_eq!(e["counts"]["checks_ok"], 2);
    assert_eq!(e["seq"], 1);

    // download: the ZIP's name, size and SHA-256.
    let zips = tmp.path().join("zips");
    let (out, e) = one_entry(
        &state,
        world.command(&["download", "--out", s(&zips), "--state-dir", &st]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let zip = std::fs::read_dir(&zips)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let zip_name = zip.file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(e["command"], "download");
    assert_eq!(e["request"], format!("GET /data/download {zip_name}"));
    assert_eq!(e["outcome"], "ok");
    assert_eq!(
        e["files"][&zip_name],
        Digest::of_file(&zip).unwrap().to_string()
    );
    assert_eq!(e["counts"]["bytes"], std::fs::metadata(&zip).unwrap().len());
    assert!(e.get("error").is_none());
    // A standalone download is a DROP access for the 45-day clock `dropkit status` keeps.
    let health: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("health.json")).unwrap()).unwrap();
    assert_eq!(health["last_access_kind"], "download", "{health}");
    assert!(health["last_access"].is_string(), "{health}");

    // match is local: no entry.
    let answers = tmp.path().join("answers");
    let before = entries(&state).len();
    let out = run(
        world.command(&[
            "match",
            "--download",
            s(&zip),
            "--records",
            s(&world.records),
            "--map",
            FULL_MAP,
            "--out",
            s(&answers),
        ]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(entries(&state).len(), before);
    let files = status_files(&answers);
    assert!(files.len() >= 2, "{files:?}");
    let name = |p: &PathBuf| p.file_name().unwrap().to_str().unwrap().to_owned();

    // upload refused for its key: an error entry with the kind, the files and their digests.
    let mut wrong = world.command(&["upload", s(&files[0]), "--state-dir", &st]);
    wrong.env("DROP_API_KEY", WRONG_KEY);
    let (out, e) = one_entry(&state, wrong, "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(e["command"], "upload");
    assert_eq!(e["request"], "POST /data/upload");
    assert_eq!(e["outcome"], "error");
    assert_eq!(e["error"], "unauthorized");
    assert_eq!(
        e["files"][name(&files[0])],
        Digest::of_file(&files[0]).unwrap().to_string()
    );
    assert_eq!(e["counts"]["files"], 1);

    // the first status file accepted.
    let (out, e) = one_entry(
        &state,
        world.command(&["upload", s(&files[0]), "--state-dir", &st]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e["outcome"], "ok");
    assert_eq!(e["counts"]["accepted"], 1);
    assert_eq!(e["counts"]["rejected"], 0);

    // the same name again: DROP rejects it.
    let (out, e) = one_entry(
        &state,
        world.command(&["upload", s(&files[0]), "--state-dir", &st]),
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(e["outcome"], "error");
    assert_eq!(e["error"], "rejected");
    assert_eq!(e["counts"]["rejected"], 1);

    // the rest, in one request: one entry naming every file.
    let mut rest = vec!["upload".to_owned()];
    rest.extend(files[1..].iter().map(|f| s(f).to_owned()));
    rest.extend(["--state-dir".to_owned(), st.clone()]);
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let (out, e) = one_entry(&state, world.command(&rest), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e["outcome"], "ok");
    assert_eq!(e["counts"]["files"], files.len() as u64 - 1);
    for f in &files[1..] {
        assert_eq!(e["files"][name(f)], Digest::of_file(f).unwrap().to_string());
    }

    // amend: the first list again under a suffixed name.
    let amended = answers.join(name(&files[0]).replace(".csv", "_fix1.csv"));
    std::fs::copy(&files[0], &amended).unwrap();
    let (out, e) = one_entry(
        &state,
        world.command(&["amend", s(&amended), "--state-dir", &st]),
        "",
    );
    assert_eq!(e["command"], "amend");
    assert_eq!(e["request"], "POST /data/amend");
    assert_eq!(out.status.code() == Some(0), e["outcome"] == "ok", "{e}");

    // forward: counts only, never an email.
    let emails: Vec<String> = world.batches[0].records[..3]
        .iter()
        .map(|(_, c)| c.email.clone())
        .collect();
    let (out, e) = one_entry(
        &state,
        world.command(&["forward", "--provider", "id5", "--state-dir", &st]),
        &format!("{}\n", emails.join("\n")),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e["command"], "forward");
    assert_eq!(e["outcome"], "ok");
    assert_eq!(e["counts"]["emails"], 3);
    assert_eq!(e["counts"]["id5.jobs"], 3);
    assert_eq!(e["counts"]["id5.failed"], 0);
    let job = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_owned();

    // forward-status: the stand-in knows no status route, so the lookup fails.
    let (out, e) = one_entry(
        &state,
        world.command(&[
            "forward-status",
            "--provider",
            "id5",
            &job,
            "--state-dir",
            &st,
        ]),
        "",
    );
    assert_eq!(e["command"], "forward-status");
    assert_eq!(e["step"], "id5");
    assert_eq!(e["counts"]["jobs"], 1);
    assert_eq!(out.status.code() == Some(0), e["outcome"] == "ok", "{e}");
    if e["outcome"] == "error" {
        assert!(e["error"].is_string(), "{e}");
        assert_eq!(e["counts"]["failed"], 1);
    }

    // A round on the same directory, stopped for review, approved, finished.
    assert!(world.next_batch());
    let review = run(world.cycle(&["--review"]), "");
    assert_eq!(review.status.code(), Some(0), "{}", text(&review));
    let (out, e) = one_entry(
        &state,
        world.command(&["approve", "--by", "Dana", "--state-dir", &st]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e["command"], "approve");
    assert_eq!(e["approver"], "Dana");
    let round = run(world.cycle(&[]), "");
    assert_eq!(round.status.code(), Some(0), "{}", text(&round));
    let all = entries(&state);
    assert!(
        all.iter()
            .any(|e| e["command"] == "cycle" && e["step"] == "upload"),
        "{all:#?}"
    );

    // One chain, intact, with nothing identifying in it.
    let out = verify(&world);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{} lines", all.len())),
        "{}",
        text(&out)
    );
    let job_ref: &str = &job;
    assert_nothing_identifying(&world, &[job_ref]);
}

#[test]
fn appends_while_a_round_runs_keep_one_chain() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = small_world(&rt, tmp.path());
    let st = s(&world.state).to_owned();
    let logs = tmp.path().join("logs");
    let cycle = spawn(world.cycle(&[]), &logs, "cycle");
    // Lookups against the provider stand-in (DROP's round is left alone), as processes of
    // their own, while the round appends its steps.
    let lookups: Vec<_> = (0..6)
        .map(|i| {
            spawn(
                world.command(&[
                    "forward-status",
                    "--provider",
                    "id5",
                    "job-1",
                    "--state-dir",
                    &st,
                ]),
                &logs,
                &format!("lookup{i}"),
            )
        })
        .collect();
    let runs: Vec<Run> = lookups.into_iter().map(|l| l.finish(LIMIT)).collect();
    let round = cycle.finish(LIMIT);
    assert_eq!(round.code(), Some(0), "{}", round.output());
    for r in &runs {
        assert!(r.code().is_some(), "{}", r.output());
    }
    verify(&world);
    let all = entries(&world.state);
    let lookups = all
        .iter()
        .filter(|e| e["command"] == "forward-status")
        .count();
    assert_eq!(lookups, 6, "{all:#?}");
    assert!(all.iter().any(|e| e["command"] == "cycle"), "{all:#?}");
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
    }
    assert_nothing_identifying(&world, &[]);
}

#[test]
fn a_chain_that_cannot_be_appended_to_stops_an_upload_before_it_sends() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = small_world(&rt, tmp.path());
    std::fs::create_dir_all(&world.state).unwrap();
    let chain = world.state.join("audit.jsonl");
    // A whole last line that is not an entry: not a torn line, nothing to mend.
    std::fs::write(&chain, b"not an audit entry\n").unwrap();
    let file = tmp.path().join("20261120_4821_Email.csv");
    std::fs::write(&file, "Id,Status\nA7kP2xQ9Lm4R,5\n").unwrap();
    let out = run(
        world.command(&["upload", s(&file), "--state-dir", s(&world.state)]),
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("audit"), "{}", text(&out));
    assert_eq!(count(&world.emulator, Endpoint::Upload), 0);
    assert_eq!(std::fs::read(&chain).unwrap(), b"not an audit entry\n");
}

#[test]
fn the_default_state_directory_is_created_for_the_entry() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = small_world(&rt, tmp.path());
    let out = run(world.command(&["download", "--out", "zips"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let default = tmp.path().join("dropkit-state");
    let all = entries(&default);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["command"], "download");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&default).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
