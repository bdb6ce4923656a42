//! The whole DROP round against the emulator, including a stop-and-resume at every step,
//! a lost upload answer and a failing provider: nothing is lost and nothing is done twice.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use dropkit_cycle::demo::{Demo, DemoOptions};
use dropkit_cycle::state::StateDir;
use dropkit_cycle::{CycleError, CycleReport, Outcome, Step};
use dropkit_emulator::{Endpoint, Fault};
use dropkit_files::{ListType, WorkItemId};
use dropkit_provider::DeletionProvider;
use dropkit_provider::testing::RecordingProvider;

fn options(stop_after: Option<Step>) -> DemoOptions {
    DemoOptions {
        listed: 60,
        recorded: 60,
        stop_after,
        ..DemoOptions::default()
    }
}

/// A demonstration round with `options` in a fresh temporary directory: the directory (kept
/// alive by the caller), its `state` directory, and the demo.
async fn start(options: DemoOptions) -> (tempfile::TempDir, PathBuf, Demo) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(&state, options).await.unwrap();
    (dir, state, demo)
}

/// One run of `demo`'s round as configured, which must not fail.
async fn round(demo: &Demo) -> CycleReport {
    demo.round().unwrap().run().await.unwrap()
}

/// DROP's next batch: `count` synthetic consumers from `seed`; their work item Ids.
fn next_batch(demo: &Demo, seed: u64, count: usize) -> Vec<WorkItemId> {
    demo.emulator()
        .next_round(dropkit_emulator::synthetic::consumers(seed, count))
        .unwrap()
}

/// Emails each provider received, with how many times.
fn emails_sent(provider: &RecordingProvider) -> BTreeMap<String, usize> {
    let mut sent = BTreeMap::new();
    for request in provider.requests() {
        for email in request.emails {
            *sent.entry(email).or_default() += 1;
        }
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_answers_every_work_item_and_forwards_each_deletion_once() {
    let (dir, _, demo) = start(options(None)).await;
    let provider = Arc::new(RecordingProvider::new("maestroqa"));
    let (report, check) = demo
        .run(vec![provider.clone() as Arc<dyn DeletionProvider>])
        .await
        .unwrap();

    assert!(report.finished);
    assert!(check.passed(), "{check:#?}");
    // The data holds deleted (3), opted-out (4) and not-found (5) work items.
    for code in [3, 4, 5] {
        assert!(
            check.expected.get(&code).copied().unwrap_or(0) > 0,
            "{check:#?}"
        );
    }
    assert_eq!(report.records_read, 61);
    assert_eq!(report.bad_rows, 0);
    assert_eq!(report.lists.len(), 6);
    assert!(report.uploads.values().all(|outcome| outcome == "accepted"));

    // Every deleted consumer's email went to the provider exactly once.
    let sent = emails_sent(&provider);
    assert!(!sent.is_empty());
    assert!(sent.values().all(|&n| n == 1), "{sent:?}");
    assert_eq!(report.forwarded["maestroqa"].consumers as usize, sent.len());
    // No connector: the matched records are the broker's to delete, as the report says; the
    // provider took the forwards.
    assert!(
        report.to_do.iter().any(|l| l.contains("matches.csv")),
        "{:?}",
        report.to_do
    );
    assert!(
        !report.to_do.iter().any(|l| l.contains("service providers")),
        "{:?}",
        report.to_do
    );

    // The state directory holds the ZIP, every status file and the match report.
    let state = StateDir::open(dir.path().join("state"))
        .unwrap()
        .load()
        .unwrap();
    assert!(
        dir.path()
            .join("state")
            .join(state.download.unwrap().to_string())
            .is_file()
    );
    for file in &state.matched.unwrap().status_files {
        assert!(
            dir.path()
                .join("state/responses")
                .join(file.to_string())
                .is_file()
        );
    }
    assert!(dir.path().join("state/matches.csv").is_file());

    // Running a finished round again asks DROP for a new batch: nothing new, nothing sent.
    let again = demo
        .round()
        .unwrap()
        .with_provider(provider.clone())
        .run()
        .await
        .unwrap();
    assert!(matches!(again.outcome, Outcome::NoData { .. }), "{again:?}");
    assert_eq!(emails_sent(&provider), sent);
    assert!(demo.check().passed());
    // Each "nothing new" is a DROP access of its own in the audit chain, never folded into
    // the one before (the chain is the record of the 45-day duty).
    let once_more = round(&demo).await;
    assert!(
        matches!(once_more.outcome, Outcome::NoData { .. }),
        "{once_more:?}"
    );
    let chain = dir.path().join("state/audit.jsonl");
    let no_data = dropkit_audit::read_records(&chain)
        .unwrap()
        .iter()
        .filter(|r| r.command == "cycle" && r.outcome == "no-data")
        .count();
    assert_eq!(no_data, 2);
    assert!(!dropkit_audit::verify(&chain).unwrap().torn_last_line);

    // "Nothing new" is not remembered: once DROP has a batch, the next run downloads it.
    next_batch(&demo, 7, 3);
    let third = round(&demo).await;
    assert!(third.download.is_some() && third.finished, "{third:?}");
    assert_eq!(demo.emulator().downloads().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_saved_without_its_state_is_adopted_not_downloaded_again() {
    let (_dir, state_dir, demo) = start(options(Some(Step::Download))).await;
    let _ = demo.round().unwrap().run().await;
    // A crash between the ZIP's rename into place and the state's save.
    std::fs::remove_file(state_dir.join("state.json")).unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .run()
        .await
        .unwrap();
    assert!(report.finished);
    assert_eq!(demo.emulator().downloads().len(), 1);
    assert!(demo.check().passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_interrupted_part_way_completes_on_the_next_run() {
    let (_dir, state_dir, demo) = start(options(None)).await;
    let first = round(&demo).await;
    let zip = first.download.clone().unwrap();
    // A crash right after the archive moved responses/ (state.json still says finished).
    let target = state_dir.join("rounds").join(zip.trim_end_matches(".zip"));
    std::fs::create_dir_all(&target).unwrap();
    std::fs::rename(state_dir.join("responses"), target.join("responses")).unwrap();
    next_batch(&demo, 99, 5);
    let second = round(&demo).await;
    assert!(second.finished && second.download.is_some(), "{second:?}");
    assert!(target.join(&zip).is_file());
    assert!(
        target
            .join("responses")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );
    assert!(demo.check().passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_round_archives_the_last_and_answers_the_new_work_items() {
    let (_dir, state_dir, demo) = start(options(None)).await;
    let first = round(&demo).await;
    let first_zip = first.download.clone().unwrap();

    let new_ids = next_batch(&demo, 99, 5);
    let second = round(&demo).await;
    assert!(second.finished);
    let second_zip = second.download.clone().unwrap();
    assert_ne!(first_zip, second_zip);
    let answered: u64 = second.lists.values().map(|l| l.work_items).sum();
    assert_eq!(answered, new_ids.len() as u64);

    // The first round is kept whole under rounds/, the second is at the top.
    let archived = state_dir
        .join("rounds")
        .join(first_zip.trim_end_matches(".zip"));
    assert!(archived.join(&first_zip).is_file());
    assert!(archived.join("state.json").is_file());
    assert!(state_dir.join(&second_zip).is_file());
    assert!(demo.check().passed(), "{:#?}", demo.check());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_stopped_after_any_step_resumes_without_repeating_work() {
    for step in [
        Step::Download,
        Step::Match,
        Step::Validate,
        Step::Upload,
        Step::Forward,
    ] {
        let (_dir, _, demo) = start(options(Some(step))).await;
        let provider = Arc::new(RecordingProvider::new("id5"));
        let first = demo
            .round()
            .unwrap()
            .with_provider(provider.clone())
            .run()
            .await;
        assert!(
            matches!(&first, Ok(r) if r.outcome == Outcome::StoppedAfter { step }),
            "{step}: {first:?}"
        );

        let downloads_before = demo.emulator().downloads().len();
        let resumed = demo
            .round()
            .unwrap()
            .with_stop_after(None)
            .with_provider(provider.clone())
            .run()
            .await
            .unwrap();
        assert!(resumed.finished, "{step}");
        // One download in all: a resumed round never asks DROP for the batch again.
        assert_eq!(demo.emulator().downloads().len(), 1, "{step}");
        assert_eq!(downloads_before, 1, "{step}");
        let check = demo.check();
        assert!(check.passed(), "{step}: {check:#?}");
        let sent = emails_sent(&provider);
        assert!(!sent.is_empty(), "{step}");
        assert!(sent.values().all(|&n| n == 1), "{step}: {sent:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_answer_was_lost_is_recorded_as_received_on_resume() {
    let (dir, _, demo) = start(options(None)).await;
    // DROP processes the first upload but the answer never arrives; the client does not
    // retry here, so the round stops with that file in flight.
    demo.emulator()
        .inject(Fault::drop_response(1).on(Endpoint::Upload));
    let no_retry = demo
        .round_with_client(demo.client_without_retries().unwrap())
        .unwrap();
    let first = no_retry.run().await;
    assert!(first.is_err(), "{first:?}");
    let state = StateDir::open(dir.path().join("state"))
        .unwrap()
        .load()
        .unwrap();
    let in_flight = state.upload_in_flight.clone().expect("a file in flight");

    let report = round(&demo).await;
    assert_eq!(report.uploads[&in_flight.to_string()], "already-received");
    let check = demo.check();
    assert!(check.passed(), "{check:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_the_upload_that_completed_the_batch_is_recorded_as_received() {
    let opts = DemoOptions {
        lists: vec![ListType::Email],
        ..options(None)
    };
    let (_dir, _, demo) = start(opts).await;
    // The only status file completes the batch; its answer is lost. On resume DROP has no
    // active download any more (409), which means the file arrived.
    demo.emulator()
        .inject(Fault::drop_response(1).on(Endpoint::Upload));
    let first = demo
        .round_with_client(demo.client_without_retries().unwrap())
        .unwrap()
        .run()
        .await;
    assert!(first.is_err(), "{first:?}");

    let report = round(&demo).await;
    assert!(report.finished);
    assert_eq!(report.uploads.len(), 1);
    assert!(
        report.uploads.values().all(|o| o == "already-received"),
        "{report:?}"
    );
    assert!(demo.check().passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_surely_never_left_is_not_left_in_flight() {
    let opts = DemoOptions {
        lists: vec![ListType::Email],
        ..options(Some(Step::Delete))
    };
    let (dir, state_dir, demo) = start(opts).await;
    round(&demo).await;
    // The status file is gone when the upload step reads it: nothing reaches DROP, so the
    // file must not stay marked as possibly received (a later "no active download" would
    // then be read as DROP having it).
    let responses = StateDir::open(&state_dir).unwrap().responses_dir();
    let file = std::fs::read_dir(&responses)
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let kept = dir.path().join("kept.csv");
    std::fs::rename(&file, &kept).unwrap();
    let failed = demo.round().unwrap().with_stop_after(None).run().await;
    assert!(failed.is_err(), "{failed:?}");
    let state = StateDir::open(&state_dir).unwrap().load().unwrap();
    assert_eq!(state.upload_in_flight, None);
    assert!(state.uploads.is_empty());

    std::fs::rename(&kept, &file).unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .run()
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    assert!(
        report.uploads.values().all(|o| o == "accepted"),
        "{report:?}"
    );
    assert!(demo.check().passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_provider_is_retried_for_the_failed_consumers_only() {
    let (dir, _, demo) = start(options(Some(Step::Upload))).await;
    let _ = demo.round().unwrap().run().await;
    let consumers: Vec<dropkit_cycle::ForwardConsumer> =
        serde_json_from(&std::fs::read(dir.path().join("state/forward.json")).unwrap());
    let victim = consumers[0].emails[0].clone();

    let failing = Arc::new(RecordingProvider::new("maestroqa").failing_on(victim.clone()));
    let first = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_provider(failing.clone())
        .run()
        .await
        .unwrap();
    // Provider work never holds up the round: it finishes, the failure is reported and
    // carried over.
    assert_eq!(first.outcome, Outcome::Finished);
    assert_eq!(first.forward_failures.len(), 1, "{first:?}");
    assert_eq!(first.forward_failures[0].failed, 1);
    let ledger = dropkit_ledger::Ledger::open(dir.path().join("state/ledger.sqlite")).unwrap();
    let carried = ledger.pending_forwards(Some("maestroqa")).unwrap();
    assert_eq!(carried.len(), 1, "{carried:?}");
    drop(ledger);
    assert!(!dir.path().join("state/pending-forwards.json").exists());
    let sent_first = emails_sent(&failing);
    assert_eq!(
        sent_first.len(),
        consumers.iter().map(|c| c.emails.len()).sum::<usize>()
    );

    let healthy = Arc::new(RecordingProvider::new("maestroqa"));
    let report = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_provider(healthy.clone())
        .run()
        .await
        .unwrap();
    // The next run finds nothing new at DROP and still passes the carried-over one on.
    assert!(
        matches!(report.outcome, Outcome::NoData { .. }),
        "{report:?}"
    );
    assert!(report.forward_failures.is_empty());
    assert_eq!(emails_sent(&healthy), BTreeMap::from([(victim, 1)]));
    let ledger = dropkit_ledger::Ledger::open(dir.path().join("state/ledger.sqlite")).unwrap();
    assert!(ledger.pending_forwards(None).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carried_over_forward_of_a_consumer_since_made_exempt_is_dropped_not_sent() {
    let (dir, _, demo) = start(options(Some(Step::Upload))).await;
    let _ = demo.round().unwrap().run().await;
    let consumers: Vec<dropkit_cycle::ForwardConsumer> =
        serde_json_from(&std::fs::read(dir.path().join("state/forward.json")).unwrap());
    let victim = consumers[0].clone();
    let failing =
        Arc::new(RecordingProvider::new("maestroqa").failing_on(victim.emails[0].clone()));
    let first = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_provider(failing)
        .run()
        .await
        .unwrap();
    assert_eq!(first.forward_failures.len(), 1, "{first:?}");

    // The consumer is put on legal hold before the next run: its carried-over forward is
    // not sent, and leaves the ledger.
    let healthy = Arc::new(RecordingProvider::new("maestroqa"));
    let report = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_provider(healthy.clone())
        .with_exemptions(dropkit_cycle::Exemptions::from_pairs([(
            victim.key.as_str(),
            "legal hold",
        )]))
        .run()
        .await
        .unwrap();
    assert!(report.forward_failures.is_empty(), "{report:?}");
    assert!(healthy.requests().is_empty(), "{:?}", healthy.requests());
    let ledger = dropkit_ledger::Ledger::open(dir.path().join("state/ledger.sqlite")).unwrap();
    assert!(ledger.pending_forwards(None).unwrap().is_empty());
}

fn serde_json_from<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
    serde_json::from_slice(bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_after_report_on_a_finished_round_does_not_start_the_next() {
    let (dir, _, demo) = start(options(None)).await;
    let first = round(&demo).await;
    assert_eq!(first.outcome, Outcome::Finished);
    next_batch(&demo, 7, 3);
    let again = demo
        .round()
        .unwrap()
        .with_stop_after(Some(Step::Report))
        .run()
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::StoppedAfter { step: Step::Report });
    assert_eq!(again.download, first.download);
    assert_eq!(demo.emulator().downloads().len(), 1);
    assert!(!dir.path().join("state/rounds").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_failing_provider_is_reported_not_the_first() {
    let (dir, _, demo) = start(options(Some(Step::Upload))).await;
    let _ = demo.round().unwrap().run().await;
    let consumers: Vec<dropkit_cycle::ForwardConsumer> =
        serde_json_from(&std::fs::read(dir.path().join("state/forward.json")).unwrap());
    let victim = consumers[0].emails[0].clone();
    let result = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_provider(Arc::new(
            RecordingProvider::new("maestroqa").failing_on(victim.clone()),
        ))
        .with_provider(Arc::new(
            RecordingProvider::new("id5").failing_on(victim.clone()),
        ))
        .run()
        .await;
    let report = result.unwrap();
    let names: Vec<&str> = report
        .forward_failures
        .iter()
        .map(|f| f.provider.as_str())
        .collect();
    assert_eq!(names, ["maestroqa", "id5"]);
    let message = report.to_string();
    assert!(
        message.contains("forwarding FAILED to maestroqa")
            && message.contains("forwarding FAILED to id5"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_already_answered_is_never_taken_up_as_a_new_round() {
    let (dir, state_dir, demo) = start(options(None)).await;
    let first = round(&demo).await;
    let name = first.download.clone().unwrap();
    let copy = dir.path().join(&name);
    std::fs::copy(state_dir.join(&name), &copy).unwrap();

    // The finished round's own ZIP: nothing to do, nothing archived, nothing sent.
    let again = demo
        .round()
        .unwrap()
        .with_zip(Some(copy.clone()))
        .run()
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Finished);
    assert!(!state_dir.join("rounds").exists());
    assert_eq!(demo.emulator().downloads().len(), 1);

    // Once the next round has archived it, the same batch is refused.
    next_batch(&demo, 7, 3);
    round(&demo).await;
    let refused = demo
        .round()
        .unwrap()
        .with_zip(Some(copy))
        .run()
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("already answered"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewed_round_never_goes_on_unapproved() {
    let (_dir, state_dir, demo) = start(options(None)).await;
    let provider = Arc::new(RecordingProvider::new("id5"));

    let first = demo
        .round()
        .unwrap()
        .with_review(true)
        .with_provider(provider.clone())
        .run()
        .await
        .unwrap();
    let Outcome::AwaitingApproval { review } = &first.outcome else {
        panic!("{first:?}");
    };
    let text = std::fs::read_to_string(review).unwrap();
    assert!(text.contains("| Email |"), "{text}");
    assert!(text.contains("dropkit approve"), "{text}");
    assert!(
        text.contains("first round in this state directory"),
        "{text}"
    );
    // Nothing left: no upload, no forward.
    assert!(
        demo.emulator()
            .received()
            .iter()
            .all(|r| r.files.is_empty())
    );
    assert!(provider.requests().is_empty());

    // Run again without approval (and without asking for review): still stopped.
    let again = demo
        .round()
        .unwrap()
        .with_provider(provider.clone())
        .run()
        .await
        .unwrap();
    assert!(matches!(again.outcome, Outcome::AwaitingApproval { .. }));
    assert!(
        demo.emulator()
            .received()
            .iter()
            .all(|r| r.files.is_empty())
    );

    let approval = dropkit_cycle::approve(&state_dir, "Dana Reviewer").unwrap();
    assert_eq!(approval.by, "Dana Reviewer");
    assert!(dropkit_cycle::approve(&state_dir, "Dana Reviewer").is_err());
    let done = demo
        .round()
        .unwrap()
        .with_provider(provider.clone())
        .run()
        .await
        .unwrap();
    assert_eq!(done.outcome, Outcome::Finished);
    assert!(demo.check().passed());
    assert!(!provider.requests().is_empty());
    let state = StateDir::open(&state_dir).unwrap().load().unwrap();
    assert_eq!(state.review.unwrap().approval.unwrap().by, "Dana Reviewer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_items_matched_only_by_exempt_consumers_are_answered_2() {
    let (_dir, state_dir, demo) = start(options(None)).await;
    // CUST000030 is the first recorded consumer, listed in every list; its phone is shared
    // with HOUSEHOLD1, who is not exempt.
    let exempt = dropkit_cycle::Exemptions::from_pairs([("CUST000030", "litigation hold")]);
    let report = demo
        .round()
        .unwrap()
        .with_exemptions(exempt)
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    // No provider is configured: the consumers to forward are the broker's to pass on.
    let to_forward: Vec<dropkit_cycle::ForwardConsumer> =
        serde_json_from(&std::fs::read(state_dir.join("forward.json")).unwrap());
    assert!(!to_forward.is_empty());
    // No connector: the reminder to delete by hand says to keep the exempt records.
    assert!(
        report
            .to_do
            .iter()
            .any(|l| l.contains("matches.csv")
                && l.contains("except the keys of your exemption file")),
        "{:?}",
        report.to_do
    );
    let line = format!("pass the deletions of the {} consumers", to_forward.len());
    assert!(
        report.to_do.iter().any(|l| l.starts_with(&line)),
        "{:?}",
        report.to_do
    );
    let matches = std::fs::read_to_string(state_dir.join("matches.csv")).unwrap();
    let exempted: Vec<&str> = matches
        .lines()
        .filter(|l| l.contains(",CUST000030,") && l.ends_with(",2"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(!exempted.is_empty(), "{matches}");
    let statuses = demo.emulator().statuses();
    for id in &exempted {
        let id: dropkit_files::WorkItemId = id.parse().unwrap();
        assert_eq!(statuses[&id], dropkit_files::Status::Exempted, "{id}");
    }
    let total: u64 = report.lists.values().map(|l| l.exempted).sum();
    assert_eq!(total as usize, exempted.len());
    // The shared phone is answered for the consumer who is not exempt.
    assert!(
        matches.lines().any(|l| l.contains(",Phone,HOUSEHOLD1,3")),
        "{matches}"
    );
    // The reason is in the ledger, pair by pair answered 2 (the shared phone, answered 3 for
    // the other consumer, is no exemption answered; the exempt record is kept all the same,
    // as tests/connectors.rs checks) ...
    let kept = exempted.len();
    let ledger = dropkit_ledger::Ledger::open(state_dir.join("ledger.sqlite")).unwrap();
    let counts = ledger.exemption_counts(None).unwrap();
    assert_eq!(
        counts,
        BTreeMap::from([("litigation hold".to_owned(), kept as u64)])
    );
    drop(ledger);
    // ... and in the audit chain only as a count per reason: no key.
    let chain = std::fs::read_to_string(state_dir.join("audit.jsonl")).unwrap();
    let records = dropkit_audit::read_records(&state_dir.join("audit.jsonl")).unwrap();
    let matched = records
        .iter()
        .find(|r| r.step.as_deref() == Some("match") && r.outcome == "done")
        .unwrap();
    assert_eq!(
        matched.counts.get("exempt.litigation-hold"),
        Some(&(kept as u64)),
        "{matched:?}"
    );
    assert!(!chain.contains("CUST000030"), "{chain}");
    assert!(!chain.contains("litigation hold"), "{chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_matched_with_exemptions_goes_on_only_with_them() {
    let (_dir, _state_dir, demo) = start(options(Some(Step::Match))).await;
    let exempt = || dropkit_cycle::Exemptions::from_pairs([("CUST000030", "litigation hold")]);
    let first = demo
        .round()
        .unwrap()
        .with_exemptions(exempt())
        .run()
        .await
        .unwrap();
    assert!(
        matches!(first.outcome, Outcome::StoppedAfter { step: Step::Match }),
        "{first:?}"
    );
    // Resumed without the file (a cron line without --exempt): refused before any step.
    let without = demo.round().unwrap().with_stop_after(None).run().await;
    assert!(
        matches!(without, Err(CycleError::ExemptionsMissing { keys: 1 })),
        "{without:?}"
    );
    assert!(demo.emulator().statuses().is_empty());
    let done = demo
        .round()
        .unwrap()
        .with_stop_after(None)
        .with_exemptions(exempt())
        .run()
        .await
        .unwrap();
    assert_eq!(done.outcome, Outcome::Finished);
    // (The demo's own check knows no exemptions: the statuses DROP got are those answered.)
    assert!(!demo.emulator().statuses().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_work_an_earlier_release_left_in_json_is_imported_once_and_carried_on() {
    let (_dir, state, demo) = start(options(None)).await;
    // What the release before kept at the top of the state directory.
    std::fs::write(
        state.join("pending-forwards.json"),
        r#"{"consumers":{"maestroqa":[{"key":"OLD1","emails":["old1@example.com"],"work_items":[]}]},
            "unknown":{"maestroqa":["OLD1"]}}"#,
    )
    .unwrap();
    std::fs::write(
        state.join("provider-jobs.json"),
        r#"{"pending":{"maestroqa":["job-from-before"]}}"#,
    )
    .unwrap();
    let provider = Arc::new(RecordingProvider::new("maestroqa"));
    let report = demo
        .round()
        .unwrap()
        .with_provider(provider.clone())
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    assert!(!state.join("pending-forwards.json").exists());
    assert!(!state.join("provider-jobs.json").exists());
    assert!(state.join("pending-forwards.json.imported").is_file());
    assert!(state.join("provider-jobs.json.imported").is_file());
    // The carried-over consumer was sent, marked a possible duplicate (its outcome was
    // unknown), and the job of before was polled to its end.
    assert_eq!(emails_sent(&provider).get("old1@example.com"), Some(&1));
    let journal = std::fs::read_to_string(state.join("forward-journal.jsonl")).unwrap();
    assert!(
        journal
            .lines()
            .any(|l| l.contains("\"OLD1\"") && l.contains("possible_duplicate")),
        "{journal}"
    );
    // The job of before was polled: this provider does not know it, so it failed, and the
    // report names it with its id.
    let jobs = report.provider_jobs.clone().unwrap();
    assert!(
        jobs.failed.iter().any(|j| j.job == "job-from-before"),
        "{jobs:?}"
    );
    let ledger = dropkit_ledger::Ledger::open(state.join("ledger.sqlite")).unwrap();
    assert!(ledger.pending_forwards(None).unwrap().is_empty());
    let jobs = ledger.provider_jobs(None).unwrap();
    assert!(
        jobs.iter()
            .any(|j| j.job == "job-from-before" && j.state == dropkit_ledger::JobState::Failed),
        "{jobs:?}"
    );
    assert!(
        jobs.iter()
            .filter(|j| j.job != "job-from-before")
            .all(|j| j.state == dropkit_ledger::JobState::Completed),
        "{jobs:?}"
    );
    // Every job this round's forwards created is in the ledger with the round.
    assert!(
        jobs.iter()
            .any(|j| j.round.as_deref() == report.download.as_deref()),
        "{jobs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_jobs_are_followed_to_the_end_and_stalled_ones_never_hold_up_a_round() {
    use dropkit_provider::poll::Backoff;
    use std::time::Duration;
    let fast = Backoff::new(Duration::from_millis(5), Duration::from_millis(20));

    // pending → completed within the step.
    let (_dir, _, demo) = start(options(None)).await;
    let provider = Arc::new(RecordingProvider::new("id5").pending_for(2));
    let report = demo
        .round()
        .unwrap()
        .with_provider(provider.clone())
        .with_confirm(fast, Duration::from_secs(20))
        .run()
        .await
        .unwrap();
    let jobs = report.provider_jobs.clone().unwrap();
    assert!(
        jobs.completed > 0 && jobs.failed.is_empty() && jobs.pending.is_empty(),
        "{jobs:?}"
    );
    assert!(
        provider.polls().values().all(|n| *n >= 3),
        "{:?}",
        provider.polls()
    );

    // A provider whose jobs fail: reported with their ids, the round still finishes.
    let (_dir, _, demo) = start(options(None)).await;
    let failing =
        Arc::new(RecordingProvider::new("id5").reporting(dropkit_provider::JobState::Failed));
    let report = demo
        .round()
        .unwrap()
        .with_provider(failing)
        .with_confirm(fast, Duration::from_secs(20))
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    let jobs = report.provider_jobs.clone().unwrap();
    assert!(!jobs.failed.is_empty() && jobs.completed == 0, "{jobs:?}");
    assert!(
        report.to_string().contains("provider job FAILED: id5"),
        "{report}"
    );

    // Stalled jobs: kept, and polled again by the next round.
    let (_dir, state, demo) = start(options(None)).await;
    let slow = Arc::new(RecordingProvider::new("id5").pending_for(1_000_000));
    let first = demo
        .round()
        .unwrap()
        .with_provider(slow.clone())
        .with_confirm(fast, Duration::from_millis(50))
        .run()
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Finished);
    let stalled = first.provider_jobs.clone().unwrap().pending;
    assert!(!stalled.is_empty());
    let ledger = dropkit_ledger::Ledger::open(state.join("ledger.sqlite")).unwrap();
    let carried = ledger
        .provider_jobs(Some(dropkit_ledger::JobState::Pending))
        .unwrap();
    assert!(
        carried
            .iter()
            .any(|j| j.job == stalled[0].job && j.provider == "id5"),
        "{carried:?}"
    );
    drop(ledger);
    let status = dropkit_cycle::status::status(&state, time_today()).unwrap();
    assert!(
        status
            .provider_jobs_pending
            .iter()
            .any(|j| j.job == stalled[0].job),
        "{status:?}"
    );
    let polled_before = slow.polls()[&dropkit_provider::JobId::new(stalled[0].job.clone())];
    next_batch(&demo, 7, 3);
    demo.round()
        .unwrap()
        .with_provider(slow.clone())
        .with_confirm(fast, Duration::from_millis(50))
        .run()
        .await
        .unwrap();
    let polled_after = slow.polls()[&dropkit_provider::JobId::new(stalled[0].job.clone())];
    assert!(polled_after > polled_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_leaves_an_intact_audit_chain_and_a_signed_attestation_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let keys = dropkit_audit::generate_key_pair(&dir.path().join("round.key")).unwrap();
    let key = dropkit_audit::read_signing_key(&keys.private).unwrap();
    let demo = Demo::start(&state, options(None)).await.unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_review(true)
        .with_sign_key(key.clone())
        .run()
        .await
        .unwrap();
    assert!(matches!(report.outcome, Outcome::AwaitingApproval { .. }));
    dropkit_cycle::approve(&state, "Dana").unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_sign_key(key)
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);

    let chain = state.join("audit.jsonl");
    let verified = dropkit_audit::verify(&chain).unwrap();
    assert!(!verified.torn_last_line);
    let text = std::fs::read_to_string(&chain).unwrap();
    for needle in [
        "\"step\":\"download\"",
        "\"step\":\"upload\"",
        "\"command\":\"approve\"",
        "\"approver\":\"Dana\"",
        "/data/upload",
    ] {
        assert!(text.contains(needle), "{needle} missing from the chain");
    }
    // No consumer identifier in the chain: no email address, no record key.
    assert!(!text.contains('@'));
    assert!(!text.contains("CUST0000"));

    let check = dropkit_audit::verify_attestation(
        &state.join("attestation.json"),
        Some(&keys.public),
        Some(&state),
    )
    .unwrap();
    assert!(check.is_valid(), "{:?}", check.problems());

    // A status file changed after the fact fails the attestation.
    let responses = state.join("responses");
    let file = std::fs::read_dir(&responses)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"A7kP2xQ9Lm4R,5\n");
    std::fs::write(&file, bytes).unwrap();
    let check = dropkit_audit::verify_attestation(
        &state.join("attestation.json"),
        Some(&keys.public),
        Some(&state),
    )
    .unwrap();
    assert!(!check.is_valid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_seen_before_that_the_mapping_cannot_match_is_refused_before_downloading() {
    let (_dir, state, demo) = start(options(None)).await;
    round(&demo).await;
    next_batch(&demo, 7, 3);
    // The next run forgets the phone column: refused before asking DROP for the batch.
    let mapping = "key=key,email=email,first_name=first_name,last_name=last_name,dob=dob,\
                   zip=zip,maid=maid,ctvid=ctvid,vin=vin";
    let round = dropkit_cycle::Round::new(
        demo.client().unwrap(),
        &state,
        demo.records(),
        mapping.parse().unwrap(),
    );
    let err = round.run().await.unwrap_err().to_string();
    assert!(
        err.contains("Phone: no mapped field can match this list"),
        "{err}"
    );
    assert_eq!(demo.emulator().downloads().len(), 1);
    // Answered Not found on purpose, the round goes on.
    let report = dropkit_cycle::Round::new(
        demo.client().unwrap(),
        &state,
        demo.records(),
        mapping.parse().unwrap(),
    )
    .with_unmatched_list(ListType::Phone)
    .run()
    .await
    .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    assert_eq!(demo.emulator().downloads().len(), 2);
}

/// Today, for `dropkit_cycle::status::status`.
fn time_today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_download_of_the_same_day_is_a_round_of_its_own() {
    let (dir, state, demo) = start(options(None)).await;
    let first = round(&demo).await;
    assert_eq!(first.outcome, Outcome::Finished);
    let name = first.download.clone().unwrap();
    let portal = dir.path().join("portal");
    std::fs::create_dir_all(portal.join("same")).unwrap();
    let same = portal.join("same").join(&name);
    std::fs::copy(state.join(&name), &same).unwrap();
    // A second ZIP of that day: the same name, other bytes (an Email list with no work item).
    let other = portal.join(&name);
    {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&other).unwrap());
        zip.start_file(
            format!("{}_Email.csv", name.trim_end_matches("_DROP.zip")),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"ID,Hash\r\n").unwrap();
        zip.finish().unwrap();
    }

    // The finished round's own bytes: nothing to do.
    let again = demo
        .round()
        .unwrap()
        .with_zip(Some(same.clone()))
        .run()
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Finished);
    assert!(!state.join("rounds").exists());

    // Other bytes under the same name: the finished round is archived, the new ZIP adopted
    // and recorded as a download of its own.
    let second = demo
        .round()
        .unwrap()
        .with_zip(Some(other))
        .with_stop_after(Some(Step::Record))
        .run()
        .await
        .unwrap();
    assert_eq!(
        second.outcome,
        Outcome::StoppedAfter { step: Step::Record },
        "{second:?}"
    );
    let label = name.trim_end_matches(".zip");
    assert!(state.join("rounds").join(label).join(&name).is_file());
    let ledger = dropkit_ledger::Ledger::open(state.join("ledger.sqlite")).unwrap();
    assert_eq!(ledger.stats().unwrap().downloads, 2);
    drop(ledger);

    // The first round's bytes again, in a later round: answered before, refused.
    std::fs::remove_file(state.join(&name)).unwrap();
    std::fs::remove_file(state.join("state.json")).unwrap();
    let err = demo
        .round()
        .unwrap()
        .with_zip(Some(same))
        .run()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already answered"), "{err}");
}
