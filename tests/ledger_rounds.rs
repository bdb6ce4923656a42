//! Rounds over time: the ledger remembers every request, later rounds re-screen the records
//! against the requests still active, a Removed entry ends a request, and a crash inside a
//! ledger write neither records nor forwards anything twice.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dropkit_client::{Client, Environment};
use dropkit_cycle::{CycleReport, Outcome, Round};
use dropkit_emulator::synthetic::{self, SyntheticConsumer};
use dropkit_emulator::{Config, Emulator, Preparation};
use dropkit_files::{ListType, Status, WorkItemId};
use dropkit_ledger::Ledger;
use dropkit_provider::testing::RecordingProvider;

/// Three consumers in round 1's Email list: A and C are in the broker's records then (3
/// Deleted), B is not (5 Not found).
struct World {
    emulator: Emulator,
    a: SyntheticConsumer,
    b: SyntheticConsumer,
    c: SyntheticConsumer,
    dir: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        let people = synthetic::consumers(41, 6);
        let (a, b, c) = (people[0].clone(), people[1].clone(), people[2].clone());
        let config = Config::new()
            .with_lists([ListType::Email])
            .with_consumers(vec![a.clone(), b.clone(), c.clone()])
            .with_preparation(Preparation::Polls(0));
        World {
            emulator: Emulator::start(config).await.unwrap(),
            a,
            b,
            c,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn client(&self) -> Client {
        Client::builder()
            .environment(Environment::Custom(self.emulator.base_url()))
            .api_key(self.emulator.api_key().to_owned())
            .max_wait(Duration::from_secs(5))
            .build()
            .unwrap()
    }

    /// Writes the broker's records of one round.
    fn records(&self, name: &str, people: &[(&str, &SyntheticConsumer)]) -> PathBuf {
        let path = self.dir.path().join(name);
        let mut text = String::from("key,email\n");
        for (key, c) in people {
            text.push_str(&format!("{key},{}\n", c.email));
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    fn round(&self, records: &Path, provider: &Arc<RecordingProvider>) -> Round {
        Round::new(
            self.client(),
            self.state(),
            records,
            "key=key,email=email".parse().unwrap(),
        )
        .with_provider(provider.clone())
    }

    /// The Email work item made from `consumer`.
    fn item_of(&self, consumer: &SyntheticConsumer) -> WorkItemId {
        self.emulator
            .work_items()
            .into_iter()
            .find(|w| w.consumer.email == consumer.email)
            .unwrap()
            .id
    }

    fn ledger(&self) -> Ledger {
        Ledger::open_existing(self.state().join("ledger.sqlite")).unwrap()
    }
}

fn emails(provider: &RecordingProvider) -> BTreeMap<String, usize> {
    let mut sent = BTreeMap::new();
    for request in provider.requests() {
        for email in request.emails {
            *sent.entry(email).or_default() += 1;
        }
    }
    sent
}

fn lower(c: &SyntheticConsumer) -> String {
    c.email.to_lowercase()
}

fn late(report: &CycleReport) -> u64 {
    report.late_matches.values().sum()
}

/// The statuses DROP received, per work item, and how many accepted uploads carried each.
fn answers(emulator: &Emulator) -> BTreeMap<WorkItemId, Status> {
    emulator.statuses()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_rounds_rescreen_active_requests_and_leave_cancelled_ones_alone() {
    let w = World::start().await;
    let provider = Arc::new(RecordingProvider::new("id5"));
    let (item_a, item_b, item_c) = (w.item_of(&w.a), w.item_of(&w.b), w.item_of(&w.c));

    // Round 1: A and C are deleted, B is not found.
    let r1 = w.records("r1.csv", &[("ka", &w.a), ("kc", &w.c)]);
    let first = w.round(&r1, &provider).run().await.unwrap();
    assert_eq!(first.outcome, Outcome::Finished);
    assert_eq!(late(&first), 0);
    let after_1 = answers(&w.emulator);
    assert_eq!(after_1[&item_a], Status::Deleted);
    assert_eq!(after_1[&item_b], Status::NotFound);
    assert_eq!(after_1[&item_c], Status::Deleted);
    assert_eq!(
        emails(&provider),
        BTreeMap::from([(lower(&w.a), 1), (lower(&w.c), 1)])
    );

    // Round 2: a new consumer D is listed, C's request is withdrawn (Removed), and the broker
    // has since collected B. B is a late match: deleted and forwarded, not answered again.
    let people = synthetic::consumers(41, 6);
    let d = people[3].clone();
    w.emulator.next_round(vec![d.clone()]).unwrap();
    w.emulator.cancel(std::slice::from_ref(&item_c)).unwrap();
    let r2 = w.records(
        "r2.csv",
        &[("ka", &w.a), ("kb", &w.b), ("kc", &w.c), ("kd", &d)],
    );
    let second = w.round(&r2, &provider).run().await.unwrap();
    assert_eq!(second.outcome, Outcome::Finished);
    assert_eq!(second.late_matches.get("Email"), Some(&2), "{second:#?}");
    let late_csv = std::fs::read_to_string(w.state().join("late-matches.csv")).unwrap();
    assert!(
        late_csv.contains(&format!("{item_b},Email,kb,3")),
        "{late_csv}"
    );
    assert!(
        late_csv.contains(&format!("{item_a},Email,ka,3")),
        "{late_csv}"
    );
    assert!(
        !late_csv.contains(",kc,"),
        "a cancelled request is never screened: {late_csv}"
    );
    // DROP is not told again: B's answer stays 5, and the round-1 file was uploaded once.
    let after_2 = answers(&w.emulator);
    assert_eq!(after_2[&item_b], Status::NotFound);
    assert_eq!(after_2[&w.item_of(&d)], Status::Deleted);
    // B (late) and D (new) forwarded once; A's pair was forwarded in round 1: not again.
    assert_eq!(
        emails(&provider),
        BTreeMap::from([
            (lower(&w.a), 1),
            (lower(&w.b), 1),
            (lower(&w.c), 1),
            (lower(&d), 1)
        ])
    );

    // Round 3: C, whose request was withdrawn, is in the records again: left alone.
    let e = people[4].clone();
    w.emulator.next_round(vec![e.clone()]).unwrap();
    let r3 = w.records("r3.csv", &[("kc", &w.c)]);
    let third = w.round(&r3, &provider).run().await.unwrap();
    assert_eq!(third.outcome, Outcome::Finished);
    assert_eq!(late(&third), 0, "{third:#?}");
    assert_eq!(emails(&provider).get(&lower(&w.c)), Some(&1));

    let stats = w.ledger().stats().unwrap();
    assert_eq!(stats.downloads, 3);
    assert_eq!(stats.total.received, 5);
    assert_eq!(stats.total.cancelled, 1);
    // (A, ka) was a new match in round 1: the ledger keeps a pair's first kind.
    assert_eq!(stats.total.late_matches, 1);
    assert_eq!(w.emulator.downloads().len(), 3);
}

/// With `DROPKIT_TEST_ROUND` set, this test binary runs as the child that crashes: it runs one
/// round against the parent's emulator and aborts inside the ledger write
/// `DROPKIT_LEDGER_FAULT` names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_round() {
    let Ok(spec) = std::env::var("DROPKIT_TEST_ROUND") else {
        return;
    };
    let [base, key, state, records]: [&str; 4] =
        spec.split('|').collect::<Vec<_>>().try_into().unwrap();
    let client = Client::builder()
        .environment(Environment::Custom(base.to_owned()))
        .api_key(key.to_owned())
        .max_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let provider = Arc::new(RecordingProvider::new("id5"));
    let round = Round::new(
        client,
        state,
        records,
        "key=key,email=email".parse().unwrap(),
    )
    .with_provider(provider);
    let _ = round.run().await;
    panic!("the ledger write should have aborted the process");
}

/// Runs round 2 in a child process that aborts inside `write`; returns its exit status.
fn crash_in(w: &World, write: &str, records: &Path) -> std::process::ExitStatus {
    let spec = format!(
        "{}|{}|{}|{}",
        w.emulator.base_url(),
        w.emulator.api_key(),
        w.state().display(),
        records.display()
    );
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_round", "--nocapture", "--test-threads=1"])
        .env("DROPKIT_TEST_ROUND", spec)
        .env("DROPKIT_LEDGER_FAULT", write)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_inside_a_ledger_write_records_and_forwards_nothing_twice() {
    for write in [
        "record_download",
        "record_matches",
        "record_answers",
        "record_forward",
    ] {
        let w = World::start().await;
        let provider = Arc::new(RecordingProvider::new("id5"));
        let r1 = w.records("r1.csv", &[("ka", &w.a)]);
        w.round(&r1, &provider).run().await.unwrap();

        let people = synthetic::consumers(41, 6);
        let d = people[3].clone();
        w.emulator.next_round(vec![d.clone()]).unwrap();
        let r2 = w.records("r2.csv", &[("kb", &w.b), ("kd", &d)]);
        // Round 2 in a child killed inside the ledger write, then resumed here.
        let status = crash_in(&w, write, &r2);
        assert!(!status.success(), "{write}: the child should have aborted");

        let resumed = Arc::new(RecordingProvider::new("id5"));
        let report = w.round(&r2, &resumed).run().await.unwrap();
        assert_eq!(report.outcome, Outcome::Finished, "{write}");

        let stats = w.ledger().stats().unwrap();
        assert_eq!(stats.downloads, 2, "{write}");
        assert_eq!(stats.total.received, 4, "{write}");
        assert_eq!(stats.total.late_matches, 1, "{write}: {stats:#?}");
        assert_eq!(stats.total.new_matches, 2, "{write}: {stats:#?}");
        // Every work item answered once, by the emulator's account.
        assert!(
            w.emulator.outstanding().values().all(|n| *n == 0),
            "{write}"
        );
        // B (late) and D (new) forwarded once in all: by the child (whose provider is gone
        // with it, but whose journal says so) or by the resumed run.
        let forwarded = w.ledger().forwarded_pairs("id5").unwrap();
        assert_eq!(forwarded.len(), 3, "{write}: {forwarded:?}");
        let resent = emails(&resumed);
        assert!(resent.values().all(|n| *n == 1), "{write}: {resent:?}");
        if write == "record_forward" {
            // The child's provider accepted them; the journal remembers: nothing resent.
            assert!(resent.is_empty(), "{write}: {resent:?}");
        }
    }
}
