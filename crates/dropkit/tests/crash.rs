//! Kills a real `dropkit cycle` process at random points, many times, over several rounds,
//! with faults injected into DROP's answers, and checks on the servers' side that nothing
//! was lost or doubled: each status file accepted once, each work item answered once with
//! the status the data implies, each deleted consumer's email forwarded to the provider once,
//! except where the forwarding journal logged a possible duplicate.
//!
//! The DROP emulator and the ID5 stand-in run in this test process, so they outlive every
//! killed `dropkit`. The kill points are drawn from a seeded generator: the seed is printed,
//! and `DROPKIT_CRASH_SEED=<seed>` replays the same kill delays and faults.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dropkit_emulator::{Endpoint, Fault};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use support::servers::{journal_duplicates, status_counts};
use support::{
    World, WorldOptions, cycle_json, forward_problems, outcome_kind, portal_zip, runtime,
    server_problems, spawn,
};
use tokio::runtime::Runtime;

/// Kills to make (fewer only if the prepared batches run out first; at least
/// [`MIN_KILLS`]).
const KILLS: usize = 40;
/// The least number of kills for the test to count.
const MIN_KILLS: usize = 25;
/// Batches of work prepared; each finished round gets the next one.
const BATCHES: usize = 24;
/// Consumers in DROP's lists per batch.
const LISTED: usize = 40;
/// How long the ID5 stand-in takes to answer: a window in which a killed run leaves a
/// deletion sent but unanswered.
const ID5_DELAY: Duration = Duration::from_millis(10);
/// The longest one run may take without being killed.
const LIMIT: Duration = Duration::from_secs(60);
/// The whole test's safety net.
const OVERALL: Duration = Duration::from_secs(240);

fn seed() -> u64 {
    match std::env::var("DROPKIT_CRASH_SEED") {
        Ok(seed) => seed.trim().parse().expect("DROPKIT_CRASH_SEED is a u64"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

/// A fault for DROP's next answer: mostly upload answers (lost, 5xx, 429, slow), sometimes
/// the download (a 500, a slow answer that widens the window for a kill mid-download, or a
/// lost ZIP that only the portal can make good).
fn random_fault(rng: &mut Xoshiro256PlusPlus) -> Fault {
    match rng.random_range(0..11u8) {
        0..=2 => Fault::drop_response(1).on(Endpoint::Upload),
        3 | 4 => Fault::server_error(1).on(Endpoint::Upload),
        5 => Fault::unavailable(1).on(Endpoint::Upload),
        6 => Fault::slow(Duration::from_millis(300), 1).on(Endpoint::Upload),
        7 => Fault::too_many_requests(1).on(Endpoint::Upload),
        8 => Fault::server_error(1).on(Endpoint::Download),
        9 => Fault::slow(Duration::from_millis(300), 1).on(Endpoint::Download),
        _ => Fault::drop_response(1).on(Endpoint::Download),
    }
}

/// One clean round on a world of the same shape: checks it and measures how long it takes.
fn calibrate(rt: &Runtime, root: &std::path::Path) -> Duration {
    let world = World::start(
        rt,
        root,
        &WorldOptions {
            seed: 5,
            listed: LISTED,
            id5_delay: Some(ID5_DELAY),
            ..WorldOptions::default()
        },
    );
    let (run, json) = cycle_json(
        world.cycle(&["--json"]),
        &root.join("logs"),
        "calibration",
        LIMIT,
    );
    assert_eq!(run.code(), Some(0), "{}", run.output());
    assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(
        problems.is_empty(),
        "calibration round, DROP's side: {problems:#?}"
    );
    let emails = rt.block_on(world.id5.as_ref().unwrap().emails());
    let expected = world.truth.forwarded_emails(&world.emulator);
    let problems = forward_problems(&emails, &expected, &world.state);
    assert!(
        problems.is_empty(),
        "calibration round, ID5's side: {problems:#?}"
    );
    run.elapsed
}

/// Where the round stood when a run was killed, as seen from the servers.
fn phase(world: &World, rt: &Runtime, forwarded_before: usize) -> &'static str {
    let downloads = world.emulator.downloads();
    if downloads.len() < world.next {
        return "download";
    }
    if !world.emulator.outstanding().is_empty() {
        let zip = downloads.last().unwrap().zip_name.to_string();
        let prefix = zip.trim_end_matches("DROP.zip");
        let uploaded = world
            .emulator
            .received()
            .iter()
            .flat_map(|r| r.files.clone())
            .any(|f| f.accepted() && f.name.starts_with(prefix));
        return if uploaded { "upload" } else { "match" };
    }
    let received = world
        .id5
        .as_ref()
        .map_or(0, |id5| rt.block_on(id5.emails()).len());
    if received == forwarded_before {
        "before forward"
    } else {
        let expected = world.truth.forwarded_emails(&world.emulator).len();
        if received < expected {
            "forward"
        } else {
            "report"
        }
    }
}

#[test]
fn killed_rounds_lose_and_double_nothing() {
    let seed = seed();
    eprintln!("crash test seed {seed}: rerun with DROPKIT_CRASH_SEED={seed}");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let started = Instant::now();
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();

    let mut full = calibrate(&rt, &tmp.path().join("calibration"));
    eprintln!("one full round takes {full:?}: kills are drawn from 0..{full:?}");

    let mut world = World::start(
        &rt,
        &tmp.path().join("crash"),
        &WorldOptions {
            seed: 21,
            listed: LISTED,
            batches: BATCHES,
            id5_delay: Some(ID5_DELAY),
            ..WorldOptions::default()
        },
    );
    let logs = world.root.join("logs");
    let mut kills = 0usize;
    let mut runs = 0usize;
    let mut rounds = 0usize;
    let mut lost_downloads = 0usize;
    let mut failures_in_a_row = 0usize;
    let mut phases = BTreeMap::<&str, usize>::new();
    let mut faults = Vec::new();
    let mut ends = BTreeMap::<String, usize>::new();
    let mut forwarded_at_round_start = 0usize;
    loop {
        assert!(
            started.elapsed() < OVERALL,
            "the crash test ran {OVERALL:?} (seed {seed}, {runs} runs, {kills} kills)"
        );
        // Keep one batch in reserve, for a round finished by a run that was then killed.
        let killing = kills < KILLS && world.next + 1 < BATCHES;
        if killing && world.emulator.pending_faults().is_empty() && rng.random_bool(0.3) {
            let fault = random_fault(&mut rng);
            faults.push(format!(
                "run {runs}: {:?} on {:?}",
                fault.kind(),
                fault.endpoint()
            ));
            world.emulator.inject(fault);
        }
        let label = format!("run{runs:03}");
        runs += 1;
        let spawned = Instant::now();
        // How long a run meant to be killed took, when it ended before its kill time.
        let mut outran_kill = None;
        let mut running = spawn(world.cycle(&["--json"]), &logs, &label);
        let run = if killing {
            let delay = Duration::from_micros(rng.random_range(0..full.as_micros() as u64));
            match running.wait_for(delay) {
                Some(_) => {
                    outran_kill = Some(spawned.elapsed());
                    running.finish(LIMIT)
                }
                None => {
                    let at = phase(&world, &rt, forwarded_at_round_start);
                    let run = running.kill();
                    if run.killed {
                        kills += 1;
                        *phases.entry(at).or_default() += 1;
                        continue;
                    }
                    run
                }
            }
        } else {
            running.finish(LIMIT)
        };

        let outcome = outcome_kind(&run);
        *ends
            .entry(format!("exit {:?} {:?}", run.code(), outcome))
            .or_default() += 1;
        match (run.code(), outcome.as_deref()) {
            // The round is complete (no_data: a killed run had completed it; this run
            // archived it and found nothing new).
            (Some(0), Some(kind @ ("finished" | "no_data"))) => {
                failures_in_a_row = 0;
                assert!(
                    world.emulator.outstanding().is_empty(),
                    "run {label} reported {kind} with work items outstanding: {:?}\n{}",
                    world.emulator.outstanding(),
                    run.output()
                );
                if kind == "finished" {
                    rounds += 1;
                    // A round that finished before its kill time shows rounds are quicker than
                    // the calibration run (a cold start): draw later kills from a shorter span
                    // (at most halved each time), or the batches run out before MIN_KILLS kills.
                    if let Some(took) = outran_kill {
                        full = full.min(took.max(full / 2));
                    }
                    if !killing {
                        break;
                    }
                }
                forwarded_at_round_start = rt.block_on(world.id5.as_ref().unwrap().emails()).len();
                assert!(world.next_batch(), "no batch left (seed {seed})");
            }
            // The download was lost (a fault, or a kill between DROP sending the ZIP and
            // dropkit saving it): the operator fetches the batch from the portal.
            (Some(1), _) if run.stdout.contains("--zip") || run.stderr.contains("--zip") => {
                failures_in_a_row = 0;
                lost_downloads += 1;
                let number = world.emulator.downloads().last().unwrap().number;
                let (name, bytes) = portal_zip(&world.emulator, number);
                let portal = world.root.join(format!("portal-{number}"));
                std::fs::create_dir_all(&portal).unwrap();
                let zip = portal.join(name);
                std::fs::write(&zip, bytes).unwrap();
                let adopt = spawn(
                    world.cycle(&["--zip", zip.to_str().unwrap(), "--stop-after", "download"]),
                    &logs,
                    &format!("{label}-adopt"),
                )
                .finish(LIMIT);
                assert_eq!(
                    adopt.code(),
                    Some(0),
                    "adopting the portal ZIP\n{}",
                    adopt.output()
                );
            }
            // A run that gave up on an injected fault: the next run resumes.
            (Some(1), _) => {
                failures_in_a_row += 1;
                eprintln!("run {label} failed (exit 1); resuming\n{}", run.stderr);
                assert!(
                    failures_in_a_row < 5,
                    "{failures_in_a_row} runs in a row failed (seed {seed})\n{}",
                    run.output()
                );
            }
            _ => panic!(
                "run {label} ended unexpectedly: {:?}, outcome {outcome:?} (seed {seed})\n{}",
                run.status,
                run.output()
            ),
        }
    }

    let emails = rt.block_on(world.id5.as_ref().unwrap().emails());
    let mut journal_problems = Vec::new();
    let duplicates = journal_duplicates(&world.state, &mut journal_problems);
    eprintln!(
        "seed {seed}: {runs} runs, {kills} kills {phases:?}, {rounds} rounds finished, \
         {lost_downloads} lost downloads, run ends {ends:?}, DROP statuses {:?}, \
         {} deletions sent to ID5 ({} logged possible duplicates), {:?}\nfaults: {faults:#?}",
        status_counts(&world.emulator),
        emails.len(),
        duplicates.values().sum::<usize>(),
        started.elapsed()
    );
    assert!(kills >= MIN_KILLS, "only {kills} kills (seed {seed})");
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(
        problems.is_empty(),
        "DROP's side (seed {seed}): {problems:#?}"
    );
    assert!(
        world.emulator.outstanding().is_empty(),
        "outstanding (seed {seed}): {:?}",
        world.emulator.outstanding()
    );
    let expected = world.truth.forwarded_emails(&world.emulator);
    let problems = forward_problems(&emails, &expected, &world.state);
    assert!(
        problems.is_empty(),
        "ID5's side (seed {seed}): {problems:#?}"
    );
    // After every kill and resume the audit chain is intact (a line torn by a kill is cut
    // off and recorded by the next run, never called tampering).
    let chain = dropkit_audit::verify(&world.state.join("audit.jsonl"));
    assert!(chain.is_ok(), "audit chain (seed {seed}): {chain:?}");
    // No entry lost, none doubled: every round the chain attests has each step's `done`
    // entry (written before the state saved the step done), and a step a kill made run again
    // is not in it twice.
    let records = dropkit_audit::read_records(&world.state.join("audit.jsonl")).unwrap();
    let problems = chain_problems(&records);
    assert!(
        problems.is_empty(),
        "audit chain (seed {seed}): {problems:#?}"
    );
    let attested = records.iter().filter(|r| r.outcome == "attested").count();
    assert!(
        attested >= rounds,
        "{attested} rounds attested, {rounds} finished (seed {seed})"
    );
}

/// Steps every round runs to `done` (review is asked for by none of these rounds).
const STEPS: [&str; 10] = [
    "download", "record", "match", "screen", "validate", "delete", "upload", "forward", "confirm",
    "report",
];
/// Steps that run to `done` once in a round (downloading runs again after a "nothing new",
/// forwarding after a provider failure, and confirming after forwarding).
const ONCE: [&str; 6] = ["record", "match", "screen", "validate", "upload", "report"];

/// What is missing or doubled in the chain, round by round (a round's entries end with its
/// `attested` line).
fn chain_problems(records: &[dropkit_audit::Record]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut done = BTreeMap::<String, usize>::new();
    let mut round = 1usize;
    for record in records.iter().filter(|r| r.command == "cycle") {
        if record.outcome == "attested" {
            for step in STEPS {
                match done.get(step).copied().unwrap_or(0) {
                    0 => problems.push(format!("round {round}: no `{step} done` entry")),
                    n if n > 1 && ONCE.contains(&step) => {
                        problems.push(format!("round {round}: `{step} done` {n} times"));
                    }
                    _ => {}
                }
            }
            done.clear();
            round += 1;
        } else if record.outcome == "done"
            && let Some(step) = &record.step
        {
            *done.entry(step.clone()).or_default() += 1;
        }
    }
    problems
}
