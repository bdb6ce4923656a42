//! `POST /data/upload` and `/data/amend`: file-level rejections, record-level checks, 409s,
//! amend rules and what the emulator records.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use dropkit_emulator::{Emulator, RecordErrorKind, Rejection, messages};
use dropkit_files::Status;

const EMAIL: &str = "20260312_4821_Email.csv";
const NDZ: &str = "20260312_4821_NDZ.csv";

/// An emulator whose first package is delivered; returns the Email and NDZ Ids.
async fn delivered(n: usize) -> (Emulator, Vec<String>, Vec<String>) {
    let emu = start(config(n)).await;
    let (_, entries) = download_zip(&emu).await;
    let email = ids(&entries[EMAIL]);
    let ndz = ids(&entries[NDZ]);
    (emu, email, ndz)
}

#[tokio::test]
async fn an_accepted_upload_answers_202_and_records_statuses() {
    let (emu, email, _) = delivered(3).await;
    let text = answer(&email, 3);
    let r = upload(&emu, vec![csv(EMAIL, &text)]).await;
    assert_eq!(r.status(), 202);
    let body = upload_response(r).await;
    assert_eq!(body.message_text(), messages::UPLOAD_ACCEPTED);
    assert_eq!((body.accepted_count, body.rejected_count), (1, 0));
    assert_eq!(body.accepted[0].file_name, EMAIL);
    assert_eq!(body.accepted[0].file_size_bytes, text.len() as u64);

    let statuses = emu.statuses();
    assert_eq!(statuses.len(), 3);
    for id in &email {
        assert_eq!(statuses[id.as_str()], Status::Deleted);
    }
    let received = emu.received();
    let files = &received.last().unwrap().files;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name, EMAIL);
    assert_eq!(files[0].content_type.as_deref(), Some("text/csv"));
    assert_eq!(files[0].text(), text);
    assert!(files[0].accepted());
    assert!(emu.record_errors().is_empty());
}

#[tokio::test]
async fn every_file_level_rejection_of_the_spec() {
    let (emu, email, _) = delivered(2).await;
    let good = answer(&email, 5);
    let cases: Vec<(Part<'_>, Rejection)> = vec![
        (csv("notes.txt", &good), Rejection::NotCsv),
        (
            (
                "20260312_4821_Email.csv",
                b"PK\x03\x04zip".to_vec(),
                Some("text/csv"),
            ),
            Rejection::NotCsv,
        ),
        (
            (
                "20260312_4821_Email.csv",
                good.clone().into_bytes(),
                Some("application/zip"),
            ),
            Rejection::NotCsv,
        ),
        (csv(EMAIL, "ID,Status\n"), Rejection::InvalidHeader),
        (csv(EMAIL, "\u{feff}Id,Status\n"), Rejection::InvalidHeader),
        (csv(EMAIL, "Id,Status,Note\n"), Rejection::InvalidHeader),
        (csv(EMAIL, ""), Rejection::InvalidHeader),
        (
            (EMAIL, b"Id,Status\n\xff\xfe,2\n".to_vec(), Some("text/csv")),
            Rejection::Unreadable,
        ),
        (
            csv("20260311_4821_Email.csv", &good),
            Rejection::NameMismatch,
        ),
        (
            csv("20260312_9999_Email.csv", &good),
            Rejection::NameMismatch,
        ),
        (
            csv("20260312_4821_Phone.csv", &good),
            Rejection::NameMismatch,
        ),
        (
            csv("20260312_4821_Removed.csv", &good),
            Rejection::NameMismatch,
        ),
        (
            csv("20260312_4821_Email_part-1.csv", &good),
            Rejection::NameMismatch,
        ),
        (("", Vec::new(), None), Rejection::NoCsv),
    ];
    for (part, why) in cases {
        let name = part.0.to_owned();
        let r = upload(&emu, vec![part]).await;
        assert_eq!(r.status(), 400, "{name}: {why:?}");
        let body = upload_response(r).await;
        assert_eq!(body.message_text(), messages::UPLOAD_INVALID);
        assert_eq!((body.accepted_count, body.rejected_count), (0, 1));
        assert_eq!(body.rejected[0].file_name, name);
        assert_eq!(body.rejected[0].message, why.message(), "{name}");
        assert_eq!(emu.received().last().unwrap().files[0].rejection, Some(why));
    }
    assert!(emu.statuses().is_empty());
    assert_eq!(
        Rejection::InvalidHeader.message(),
        "Invalid CSV header. Expected: Id,Status"
    );
}

#[tokio::test]
async fn a_request_without_files_is_no_csv() {
    let (emu, _, _) = delivered(1).await;
    let r = upload(&emu, vec![]).await;
    assert_eq!(r.status(), 400);
    let body = upload_response(r).await;
    assert_eq!(body.rejected[0].message, messages::NO_CSV);

    // Not multipart at all.
    let r = http()
        .post(format!("{}/data/upload", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .body("Id,Status\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        upload_response(r).await.rejected[0].message,
        messages::NO_CSV
    );
}

#[tokio::test]
async fn only_the_files_field_counts() {
    let (emu, email, _) = delivered(1).await;
    let part = reqwest::multipart::Part::text(answer(&email, 5))
        .file_name(EMAIL)
        .mime_str("text/csv")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = http()
        .post(format!("{}/data/upload", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        upload_response(r).await.rejected[0].message,
        messages::NO_CSV
    );
    assert!(emu.statuses().is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_changes_nothing() {
    let emu = start(config(1).with_body_limit(1024)).await;
    let (_, entries) = download_zip(&emu).await;
    let email = ids(&entries[EMAIL]);
    let mut text = answer(&email, 5);
    text.push_str(&"x".repeat(4096));
    let r = upload(&emu, vec![csv(EMAIL, &text)]).await;
    assert_eq!(r.status(), 413);
    assert!(emu.statuses().is_empty());
    let r = upload(&emu, vec![csv(EMAIL, &answer(&email, 5))]).await;
    assert_eq!(r.status(), 202, "the name was not used");
}

#[tokio::test]
async fn mixed_request_is_202_listing_the_rejected_file() {
    let (emu, email, _) = delivered(2).await;
    let r = upload(
        &emu,
        vec![csv(EMAIL, &answer(&email, 2)), csv("notes.txt", "hello")],
    )
    .await;
    assert_eq!(r.status(), 202);
    let body = upload_response(r).await;
    assert_eq!(body.message_text(), messages::UPLOAD_MIXED);
    assert_eq!((body.accepted_count, body.rejected_count), (1, 1));
    assert_eq!(body.rejected[0].file_name, "notes.txt");
    assert_eq!(body.rejected[0].message, messages::ONLY_CSV);
}

#[tokio::test]
async fn a_name_is_used_once_per_download_and_suffixes_split_a_list() {
    let (emu, email, _) = delivered(3).await;
    let r = upload(&emu, vec![csv(EMAIL, &answer(&email[..1], 2))]).await;
    assert_eq!(r.status(), 202);
    // Same name again: duplicate, even with other rows.
    let r = upload(&emu, vec![csv(EMAIL, &answer(&email[1..], 2))]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        upload_response(r).await.rejected[0].message,
        messages::DUPLICATE_NAME
    );
    // A suffix makes it a new file; the same suffix in another case is the same name.
    let part2 = "20260312_4821_Email_part02.csv";
    let r = upload(&emu, vec![csv(part2, &answer(&email[1..2], 2))]).await;
    assert_eq!(r.status(), 202);
    let r = upload(
        &emu,
        vec![csv(
            "20260312_4821_Email_PART02.csv",
            &answer(&email[2..], 2),
        )],
    )
    .await;
    assert_eq!(r.status(), 400);
    // Two parts with the same name in one request: the second is the duplicate.
    let part3 = "20260312_4821_Email_p3.csv";
    let r = upload(
        &emu,
        vec![
            csv(part3, &answer(&email[2..], 2)),
            csv(part3, "Id,Status\n"),
        ],
    )
    .await;
    assert_eq!(r.status(), 202);
    let body = upload_response(r).await;
    assert_eq!(body.rejected[0].message, messages::DUPLICATE_NAME);
    assert_eq!(emu.statuses().len(), 3);
}

#[tokio::test]
async fn record_level_problems_are_kept_aside_and_the_rows_ignored() {
    let (emu, email, ndz) = delivered(3).await;
    let text = format!(
        "Id,Status\n{e0},7\n{e1},3\nZZZZZZZZZZZZ,3\n{n0},3\n{e1},2\n{e2}\n,3\n",
        e0 = email[0],
        e1 = email[1],
        e2 = email[2],
        n0 = ndz[0]
    );
    let r = upload(&emu, vec![csv(EMAIL, &text)]).await;
    assert_eq!(r.status(), 202, "row problems never reject the file");
    let statuses = emu.statuses();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[email[1].as_str()], Status::Deleted);

    let errors = emu.record_errors();
    let found: Vec<(u64, &RecordErrorKind)> = errors.iter().map(|e| (e.line, &e.kind)).collect();
    assert_eq!(found.len(), 6, "{errors:#?}");
    assert!(matches!(found[0], (2, RecordErrorKind::Malformed(_))));
    assert_eq!(errors[0].id.as_deref(), Some(email[0].as_str()));
    assert!(errors[0].to_string().contains("status"), "{}", errors[0]);
    assert_eq!(found[1], (4, &RecordErrorKind::UnknownId));
    assert_eq!(
        found[2],
        (5, &RecordErrorKind::UnknownId),
        "an NDZ Id in the Email file"
    );
    assert_eq!(found[3], (6, &RecordErrorKind::DuplicateInFile));
    assert!(matches!(found[4], (7, RecordErrorKind::Malformed(_))));
    assert!(matches!(found[5], (8, RecordErrorKind::Malformed(_))));
    assert_eq!(errors[1].file, EMAIL);
}

#[tokio::test]
async fn upload_does_not_overwrite_an_answered_id_amend_does() {
    let (emu, email, _) = delivered(2).await;
    upload(&emu, vec![csv(EMAIL, &answer(&email[..1], 5))]).await;
    let r = upload(
        &emu,
        vec![csv("20260312_4821_Email_b.csv", &answer(&email, 3))],
    )
    .await;
    assert_eq!(r.status(), 202);
    let errors = emu.record_errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, RecordErrorKind::AlreadyAnswered);
    assert_eq!(emu.statuses()[email[0].as_str()], Status::NotFound);
    assert_eq!(emu.statuses()[email[1].as_str()], Status::Deleted);

    let r = amend(
        &emu,
        vec![csv("20260312_4821_Email_fix1.csv", &answer(&email[..1], 3))],
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(emu.statuses()[email[0].as_str()], Status::Deleted);
}

#[tokio::test]
async fn amend_changes_only_answered_ids_and_shares_the_names() {
    let (emu, email, ndz) = delivered(2).await;
    upload(&emu, vec![csv(EMAIL, &answer(&email[..1], 5))]).await;
    // The name of the upload cannot be reused by an amend.
    let r = amend(&emu, vec![csv(EMAIL, &answer(&email[..1], 3))]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        upload_response(r).await.rejected[0].message,
        messages::DUPLICATE_NAME
    );
    // Amending an unanswered Id is a record error, and does not answer it.
    let r = amend(
        &emu,
        vec![csv("20260312_4821_Email_a1.csv", &answer(&email, 2))],
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(emu.record_errors()[0].kind, RecordErrorKind::NotAnswered);
    assert_eq!(emu.statuses()[email[0].as_str()], Status::Exempted);
    assert!(!emu.statuses().contains_key(email[1].as_str()));

    // After the batch completes, amend still works on the latest download.
    upload(
        &emu,
        vec![csv("20260312_4821_Email_b.csv", &answer(&email[1..], 5))],
    )
    .await;
    upload(&emu, vec![csv(NDZ, &answer(&ndz, 5))]).await;
    assert!(emu.downloads()[0].complete);
    let r = amend(
        &emu,
        vec![csv("20260312_4821_NDZ_a1.csv", &answer(&ndz[..1], 3))],
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(emu.statuses()[ndz[0].as_str()], Status::Deleted);
}

#[tokio::test]
async fn upload_and_amend_conflict_without_a_download() {
    let emu = start(config(1).with_preparation(dropkit_emulator::Preparation::Polls(1))).await;
    let r = upload(&emu, vec![csv(EMAIL, "Id,Status\n")]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(message(r).await, messages::NO_ACTIVE_DOWNLOAD);
    let r = amend(&emu, vec![csv(EMAIL, "Id,Status\n")]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(message(r).await, messages::AMEND_STATE);
    // Still 409 while the package is being prepared.
    assert_eq!(download(&emu).await.status(), 202);
    assert_eq!(
        upload(&emu, vec![csv(EMAIL, "Id,Status\n")]).await.status(),
        409
    );
    // The files of a refused request are recorded, not judged.
    let received = emu.received();
    let files = &received.last().unwrap().files;
    assert_eq!(files.len(), 1);
    assert!(!files[0].judged && !files[0].accepted());
}

#[tokio::test]
async fn upload_after_the_batch_completed_is_409() {
    let (emu, email, ndz) = delivered(1).await;
    upload(
        &emu,
        vec![csv(EMAIL, &answer(&email, 5)), csv(NDZ, &answer(&ndz, 5))],
    )
    .await;
    assert!(emu.downloads()[0].complete);
    let r = upload(&emu, vec![csv("20260312_4821_Email_x.csv", "Id,Status\n")]).await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn cancelling_the_last_outstanding_items_completes_the_batch() {
    let (emu, email, ndz) = delivered(2).await;
    upload(&emu, vec![csv(EMAIL, &answer(&email, 5))]).await;
    let items = emu.work_items();
    let ndz_ids: Vec<_> = items
        .iter()
        .filter(|i| ndz.contains(&i.id.to_string()))
        .map(|i| i.id.clone())
        .collect();
    emu.cancel(&ndz_ids).unwrap();
    assert!(emu.downloads()[0].complete);
    assert_eq!(download(&emu).await.status(), 200);
}
