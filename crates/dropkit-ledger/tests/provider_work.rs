//! Exemptions and the provider work carried across rounds (jobs, pending forwards).
#![allow(clippy::unwrap_used)]

mod common;

use common::{at, email_download};
use dropkit_files::ZipFileName;
use dropkit_ledger::{Exemption, JobState, Ledger, PendingForward};

fn zip_name(date: &str) -> ZipFileName {
    format!("{date}_4821_DROP.zip").parse().unwrap()
}

#[test]
fn exemptions_are_kept_once_with_their_reason_and_counted_per_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let zip = email_download(
        dir.path(),
        "20260301",
        &[
            ("AAAAAAAAAAA1", "anna@x.com"),
            ("AAAAAAAAAAA2", "bob@x.com"),
        ],
        &[],
    );
    ledger.record_download(&zip, at(1)).unwrap();
    let round = zip_name("20260301");
    let e = |id: &str, key: &str, reason: &str| Exemption {
        work_item: id.parse().unwrap(),
        key: key.into(),
        reason: reason.into(),
    };
    let applied = [
        e("AAAAAAAAAAA1", "c-1", "legal hold"),
        e("AAAAAAAAAAA2", "c-2", "legal hold"),
        e("AAAAAAAAAAA2", "c-3", ""),
    ];
    assert_eq!(ledger.record_exemptions(&round, &applied).unwrap(), 3);
    assert_eq!(ledger.record_exemptions(&round, &applied).unwrap(), 0);
    let counts = ledger.exemption_counts(Some(&round)).unwrap();
    assert_eq!(counts.get("legal hold"), Some(&2));
    assert_eq!(counts.get(""), Some(&1));
    assert_eq!(ledger.exemption_counts(None).unwrap(), counts);
    assert_eq!(ledger.stats().unwrap().exemptions, counts);
    // A work item not in the ledger is refused, nothing recorded.
    assert!(
        ledger
            .record_exemptions(&round, &[e("ZZZZZZZZZZZ9", "c-9", "x")])
            .is_err()
    );
}

#[test]
fn jobs_keep_their_state_and_pending_forwards_are_replaced_per_provider() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(dir.path().join("ledger.sqlite")).unwrap();
    let zip = email_download(dir.path(), "20260301", &[("AAAAAAAAAAA1", "a@x.com")], &[]);
    ledger.record_download(&zip, at(1)).unwrap();
    let round = zip_name("20260301");
    let jobs = vec!["job-1".to_owned(), "job-2".to_owned()];
    ledger
        .record_jobs("id5", &jobs, Some(&round), at(1))
        .unwrap();
    ledger
        .update_job("id5", "job-1", JobState::Completed, "completed", at(2))
        .unwrap();
    ledger
        .update_job(
            "id5",
            "job-2",
            JobState::Failed,
            "error: no such user",
            at(2),
        )
        .unwrap();
    // Recorded again (a resumed round): the states stay.
    ledger
        .record_jobs("id5", &jobs, Some(&round), at(3))
        .unwrap();
    ledger
        .record_jobs("maestroqa", &["m-7".to_owned()], None, at(3))
        .unwrap();
    let pending = ledger.provider_jobs(Some(JobState::Pending)).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].provider.as_str(), pending[0].job.as_str()),
        ("maestroqa", "m-7")
    );
    assert_eq!(pending[0].round, None);
    let failed = ledger.provider_jobs(Some(JobState::Failed)).unwrap();
    assert_eq!(failed[0].job, "job-2");
    assert_eq!(failed[0].detail, "error: no such user");
    assert_eq!(failed[0].round.as_deref(), Some("20260301_4821_DROP.zip"));
    assert_eq!(ledger.provider_jobs(None).unwrap().len(), 3);

    let p = |provider: &str, key: &str, unknown: bool| PendingForward {
        provider: provider.into(),
        key: key.into(),
        payload: format!("{{\"key\":\"{key}\"}}"),
        outcome_unknown: unknown,
    };
    ledger
        .set_pending_forwards(
            "id5",
            &[p("id5", "c-1", true), p("id5", "c-2", false)],
            at(4),
        )
        .unwrap();
    ledger
        .set_pending_forwards("maestroqa", &[p("maestroqa", "c-1", false)], at(4))
        .unwrap();
    assert_eq!(ledger.pending_forwards(None).unwrap().len(), 3);
    // The provider acknowledged c-1: only c-2 is left for it; the other provider's stay.
    ledger
        .set_pending_forwards("id5", &[p("id5", "c-2", false)], at(5))
        .unwrap();
    assert_eq!(
        ledger.pending_forwards(Some("id5")).unwrap(),
        vec![p("id5", "c-2", false)]
    );
    assert_eq!(ledger.pending_forwards(Some("maestroqa")).unwrap().len(), 1);
    // An import adds, never replaces.
    ledger
        .import_pending_forwards(&[p("id5", "c-2", true), p("id5", "c-5", true)], at(6))
        .unwrap();
    let id5 = ledger.pending_forwards(Some("id5")).unwrap();
    assert_eq!(id5, vec![p("id5", "c-2", false), p("id5", "c-5", true)]);
    ledger.set_pending_forwards("id5", &[], at(7)).unwrap();
    assert!(ledger.pending_forwards(Some("id5")).unwrap().is_empty());
}
