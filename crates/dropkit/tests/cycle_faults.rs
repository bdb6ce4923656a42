//! `dropkit cycle` against faults and operator mistakes, each through the real binary
//! against a DROP emulator (and an ID5 stand-in) running in the test process.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use dropkit_emulator::{Endpoint, Fault, Preparation};
use dropkit_hash::ListType;
use support::servers::{journals, portal_zip_with};
use support::{
    World, WorldOptions, bare_command, count, cycle_json, forward_problems, portal_zip, runtime,
    server_problems, spawn,
};

/// The longest any single run in these tests may take.
const LIMIT: Duration = Duration::from_secs(60);

fn logs(world: &World) -> std::path::PathBuf {
    world.root.join("logs")
}

/// The ZIP files at the top of the state directory.
fn zips_in(state: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(state) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    names.sort();
    names
}

/// The files in `STATE/responses` (none when it does not exist).
fn responses_in(state: &Path) -> Vec<String> {
    std::fs::read_dir(state.join("responses"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assert_round_clean(world: &World) {
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(problems.is_empty(), "DROP's side: {problems:#?}");
    assert!(
        world.emulator.outstanding().is_empty(),
        "work items left without a status: {:?}",
        world.emulator.outstanding()
    );
}

#[test]
fn a_second_run_on_a_locked_state_dir_exits_at_once_and_sends_nothing() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    // The first run waits in the download: DROP prepares the package "forever", asking the
    // client to come back in 30 s.
    let world = World::start(
        &rt,
        tmp.path(),
        &WorldOptions {
            preparation: Preparation::Polls(1_000_000),
            retry_after: 30,
            id5_delay: None,
            ..WorldOptions::default()
        },
    );
    let first = spawn(world.cycle(&[]), &logs(&world), "first");
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&world.emulator, Endpoint::Download) == 0 {
        assert!(
            Instant::now() < deadline,
            "the first run never asked DROP for the download"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = world.emulator.received().len();

    // The first run now sleeps 30 s before it asks again; the second must not wait for it.
    let second = spawn(world.cycle(&[]), &logs(&world), "second").finish(Duration::from_secs(20));
    let after = world.emulator.received().len();
    let first = first.kill();
    assert!(
        first.killed,
        "the first run ended on its own\n{}",
        first.output()
    );

    assert_eq!(second.code(), Some(1), "{}", second.output());
    let holder = format!("in use by another dropkit run (pid {})", first.pid);
    assert!(second.stderr.contains(&holder), "{}", second.output());
    assert!(
        second.stderr.contains(&world.state.display().to_string()),
        "the refusal does not name the directory\n{}",
        second.output()
    );
    assert_eq!(after, before, "the second run sent requests to DROP");
}

#[test]
fn a_lost_download_asks_for_the_portal_zip_which_then_completes_the_round() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &WorldOptions::default());
    // DROP hands out the package but the answer never arrives.
    world
        .emulator
        .inject(Fault::drop_response(1).on(Endpoint::Download));

    let first = spawn(world.cycle(&[]), &logs(&world), "lost").finish(LIMIT);
    assert_eq!(first.code(), Some(1), "{}", first.output());
    assert_eq!(
        world.emulator.downloads().len(),
        1,
        "DROP delivered nothing"
    );
    assert!(
        zips_in(&world.state).is_empty(),
        "{:?}",
        zips_in(&world.state)
    );

    let second = spawn(world.cycle(&[]), &logs(&world), "409").finish(LIMIT);
    assert_eq!(second.code(), Some(1), "{}", second.output());
    assert!(
        second.stderr.contains("--zip"),
        "the refusal does not name the way out (--zip)\n{}",
        second.output()
    );
    let last = world.emulator.received().last().cloned().unwrap();
    assert_eq!(
        (last.endpoint, last.status),
        (Some(Endpoint::Download), 409),
        "the second run's download was not answered 409"
    );
    assert!(
        zips_in(&world.state).is_empty(),
        "{:?}",
        zips_in(&world.state)
    );
    let downloads = count(&world.emulator, Endpoint::Download);

    // The operator downloads the batch from the portal.
    let portal = world.root.join("portal");
    let other = world.root.join("other");
    std::fs::create_dir_all(&portal).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    let (name, bytes) = portal_zip(&world.emulator, 1);
    let zip = portal.join(&name);
    std::fs::write(&zip, &bytes).unwrap();
    let (other_name, other_bytes) = portal_zip_with(&world.emulator, 1, true);
    assert_eq!(other_name, name);
    assert_ne!(other_bytes, bytes);
    let other_zip = other.join(&other_name);
    std::fs::write(&other_zip, &other_bytes).unwrap();
    let zip_arg = zip.to_str().unwrap();

    let adopted = spawn(
        world.cycle(&["--zip", zip_arg, "--stop-after", "download"]),
        &logs(&world),
        "adopt",
    )
    .finish(LIMIT);
    assert_eq!(adopted.code(), Some(0), "{}", adopted.output());
    assert_eq!(zips_in(&world.state), vec![name.clone()]);
    assert_eq!(std::fs::read(world.state.join(&name)).unwrap(), bytes);

    // Other bytes under the same name, on a round that has its ZIP: refused.
    let refused = spawn(
        world.cycle(&["--zip", other_zip.to_str().unwrap()]),
        &logs(&world),
        "other-bytes",
    )
    .finish(LIMIT);
    assert_eq!(refused.code(), Some(1), "{}", refused.output());
    assert_eq!(
        count(&world.emulator, Endpoint::Upload),
        0,
        "a refused --zip uploaded"
    );
    assert_eq!(std::fs::read(world.state.join(&name)).unwrap(), bytes);

    // The same bytes again: nothing to adopt, the round goes on from the match step.
    let (done, json) = cycle_json(
        world.cycle(&["--zip", zip_arg, "--json"]),
        &logs(&world),
        "complete",
        LIMIT,
    );
    assert_eq!(done.code(), Some(0), "{}", done.output());
    assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
    assert_eq!(
        count(&world.emulator, Endpoint::Download),
        downloads,
        "the round asked DROP for the download again"
    );
    assert_round_clean(&world);
}

#[test]
fn records_without_a_drop_key_is_a_usage_error_naming_drop_api_key() {
    let tmp = tempfile::tempdir().unwrap();
    let records = tmp.path().join("records.csv");
    std::fs::write(&records, "key,email\nC1,a@example.com\n").unwrap();
    let state = tmp.path().join("state");
    let args = [
        "cycle",
        "--state-dir",
        state.to_str().unwrap(),
        "--records",
        records.to_str().unwrap(),
        "--map",
        "key=key,email=email",
    ];
    for key in [None, Some(""), Some("  ")] {
        let mut command = bare_command(tmp.path(), &args);
        if let Some(key) = key {
            command.env("DROP_API_KEY", key);
        }
        let run = spawn(command, &tmp.path().join("logs"), "no-key").finish(LIMIT);
        assert_eq!(run.code(), Some(2), "key {key:?}\n{}", run.output());
        assert!(
            run.stderr.contains("DROP_API_KEY"),
            "key {key:?}\n{}",
            run.output()
        );
    }
}

#[test]
fn a_list_the_mapping_cannot_match_stops_the_round_unless_answered_not_found() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let mut world = World::start(
        &rt,
        tmp.path(),
        &WorldOptions {
            lists: vec![ListType::Email, ListType::Phone],
            id5_delay: None,
            ..WorldOptions::default()
        },
    );
    world.truth = world.truth.with_mapped(vec![ListType::Email]);
    let map = "key=key,email=email";

    let refused = spawn(world.cycle_with_map(map, &[]), &logs(&world), "refused").finish(LIMIT);
    assert_eq!(refused.code(), Some(1), "{}", refused.output());
    assert!(
        refused.stderr.contains(
            "Phone: no mapped field can match this list; map phone=COLUMN or pass \
             --unmatched-list Phone=not-found"
        ),
        "{}",
        refused.output()
    );
    assert_eq!(
        responses_in(&world.state),
        Vec::<String>::new(),
        "status files were written"
    );
    assert_eq!(
        count(&world.emulator, Endpoint::Upload),
        0,
        "DROP got an upload"
    );

    let (done, json) = cycle_json(
        world.cycle_with_map(map, &["--unmatched-list", "Phone=not-found", "--json"]),
        &logs(&world),
        "not-found",
        LIMIT,
    );
    assert_eq!(done.code(), Some(0), "{}", done.output());
    assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
    assert_eq!(
        json["report"]["unmatched_lists"],
        serde_json::json!(["Phone"]),
        "{json:#}"
    );
    assert_round_clean(&world);
}

#[test]
fn stop_after_report_on_a_finished_round_starts_no_new_round() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let mut world = World::start(
        &rt,
        tmp.path(),
        &WorldOptions {
            batches: 2,
            id5_delay: None,
            ..WorldOptions::default()
        },
    );
    let (run, json) = cycle_json(world.cycle(&["--json"]), &logs(&world), "round", LIMIT);
    assert_eq!(run.code(), Some(0), "{}", run.output());
    assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
    assert_round_clean(&world);

    // DROP has a new batch ready: a run that started a new round would download it.
    assert!(world.next_batch());
    let received = world.emulator.received().len();
    let downloads = count(&world.emulator, Endpoint::Download);
    let zips = zips_in(&world.state);
    let again = spawn(
        world.cycle(&["--stop-after", "report"]),
        &logs(&world),
        "again",
    )
    .finish(LIMIT);
    assert_eq!(again.code(), Some(0), "{}", again.output());
    assert_eq!(
        count(&world.emulator, Endpoint::Download),
        downloads,
        "--stop-after report started a new round\n{}",
        again.output()
    );
    assert_eq!(world.emulator.received().len(), received);
    assert_eq!(
        zips_in(&world.state),
        zips,
        "the finished round was moved away"
    );
}

#[test]
fn a_mapped_column_missing_from_the_records_stops_before_any_request() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(
        &rt,
        tmp.path(),
        &WorldOptions {
            id5_delay: None,
            ..WorldOptions::default()
        },
    );
    let map = "key=key,email=email,phone=mobile_number";
    let run = spawn(world.cycle_with_map(map, &[]), &logs(&world), "column").finish(LIMIT);
    assert_eq!(run.code(), Some(1), "{}", run.output());
    assert!(
        run.stderr.contains("mobile_number"),
        "the refusal does not name the column\n{}",
        run.output()
    );
    assert!(
        run.stderr.contains("records.csv"),
        "the refusal does not name the file\n{}",
        run.output()
    );
    assert!(
        world.emulator.received().is_empty(),
        "DROP received {} request(s)",
        world.emulator.received().len()
    );
}

#[cfg(unix)]
#[test]
fn a_round_leaves_its_state_private() {
    use std::os::unix::fs::PermissionsExt as _;

    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &WorldOptions::default());
    let (run, json) = cycle_json(world.cycle(&["--json"]), &logs(&world), "round", LIMIT);
    assert_eq!(run.code(), Some(0), "{}", run.output());
    assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
    assert_round_clean(&world);
    let id5 = world.id5.as_ref().unwrap();
    let emails = rt.block_on(id5.emails());
    let expected = world.truth.forwarded_emails(&world.emulator);
    assert!(!expected.is_empty());
    let problems = forward_problems(&emails, &expected, &world.state);
    assert!(problems.is_empty(), "the provider's side: {problems:#?}");

    // The portal stand-in of the other tests rebuilds the very bytes DROP sent.
    let (name, bytes) = portal_zip(&world.emulator, 1);
    assert_eq!(name, zips_in(&world.state)[0]);
    assert_eq!(
        std::fs::read(world.state.join(&name)).unwrap(),
        bytes,
        "portal_zip does not rebuild DROP's package"
    );

    let mode = |path: &Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let state = &world.state;
    let mut wrong = Vec::new();
    for dir in [state.clone(), state.join("responses")] {
        if mode(&dir) != 0o700 {
            wrong.push(format!("{}: {:o}, want 700", dir.display(), mode(&dir)));
        }
    }
    let zips = zips_in(state);
    assert_eq!(zips.len(), 1, "{zips:?}");
    let responses = responses_in(state);
    assert!(!responses.is_empty(), "no status file in responses/");
    let mut files: Vec<std::path::PathBuf> = [
        "matches.csv",
        "forward-journal.jsonl",
        "state.json",
        zips[0].as_str(),
    ]
    .iter()
    .map(|n| state.join(n))
    .chain(responses.iter().map(|n| state.join("responses").join(n)))
    .collect();
    assert_eq!(journals(state).len(), 1, "no forward journal");
    // Also private per docs/cli.md, where present.
    for optional in ["forward.json", "audit.log", ".lock"] {
        if state.join(optional).exists() {
            files.push(state.join(optional));
        }
    }
    for file in &files {
        if mode(file) != 0o600 {
            wrong.push(format!("{}: {:o}, want 600", file.display(), mode(file)));
        }
    }
    assert!(wrong.is_empty(), "not private: {wrong:#?}");
}
