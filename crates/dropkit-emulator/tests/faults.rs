//! Injected faults: 429 bursts, 500, 503, slow answers and lost responses.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use dropkit_emulator::{Endpoint, Fault, FaultKind, messages};

#[tokio::test]
async fn a_429_burst_with_and_without_retry_after_then_normal_service() {
    let emu = start(config(1)).await;
    emu.inject(Fault::too_many_requests(2).with_retry_after(Some(30)));
    emu.inject(Fault::too_many_requests(1).with_retry_after(None));
    for expected in [Some("30"), Some("30"), None] {
        let r = download(&emu).await;
        assert_eq!(r.status(), 429);
        assert_eq!(
            r.headers().get("retry-after").map(|v| v.to_str().unwrap()),
            expected
        );
        assert_eq!(message(r).await, messages::TOO_MANY_REQUESTS);
    }
    assert!(emu.pending_faults().is_empty());
    assert!(
        emu.downloads().is_empty(),
        "throttled requests are not processed"
    );
    assert_eq!(download(&emu).await.status(), 200);
    let faults: Vec<Option<FaultKind>> = emu.received().iter().map(|r| r.fault).collect();
    assert_eq!(faults[3], None);
    assert_eq!(
        faults[2],
        Some(FaultKind::TooManyRequests { retry_after: None })
    );
}

#[tokio::test]
async fn server_errors_are_500_and_503_and_change_nothing() {
    let emu = start(config(1)).await;
    emu.inject(Fault::server_error(1));
    emu.inject(Fault::unavailable(1));
    let r = download(&emu).await;
    assert_eq!(r.status(), 500);
    assert_eq!(message(r).await, messages::SERVER_ERROR);
    assert_eq!(download(&emu).await.status(), 503);
    assert!(emu.downloads().is_empty());
    assert_eq!(download(&emu).await.status(), 200);
}

#[tokio::test]
async fn faults_can_target_one_endpoint() {
    let emu = start(config(1)).await;
    emu.inject(Fault::unavailable(1).on(Endpoint::Upload));
    let (_, entries) = download_zip(&emu).await;
    let email = ids(&entries["20260312_4821_Email.csv"]);
    let text = answer(&email, 5);
    let r = upload(&emu, vec![csv("20260312_4821_Email.csv", &text)]).await;
    assert_eq!(r.status(), 503);
    assert!(emu.statuses().is_empty(), "a 503 upload is not processed");
    let r = upload(&emu, vec![csv("20260312_4821_Email.csv", &text)]).await;
    assert_eq!(
        r.status(),
        202,
        "the name was not used by the failed attempt"
    );
}

#[tokio::test]
async fn a_slow_answer_is_still_a_normal_answer() {
    let emu = start(config(1)).await;
    let delay = Duration::from_millis(200);
    emu.inject(Fault::slow(delay, 1));
    let started = Instant::now();
    let r = download(&emu).await;
    // A lower bound only: the sleep guarantees it, whatever the machine's load.
    assert!(started.elapsed() >= delay);
    assert_eq!(r.status(), 200);
    assert_eq!(emu.received()[0].fault, Some(FaultKind::Slow(delay)));
}

#[tokio::test]
async fn a_slow_answer_makes_a_client_timeout_fire() {
    let emu = start(config(1)).await;
    emu.inject(Fault::slow(Duration::from_secs(3600), 1));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client
        .get(format!("{}/data/download", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn a_lost_upload_response_is_processed_and_its_retry_meets_the_duplicate_name() {
    let emu = start(config(2)).await;
    let (_, entries) = download_zip(&emu).await;
    let email = ids(&entries["20260312_4821_Email.csv"]);
    let text = answer(&email, 3);
    emu.inject(Fault::drop_response(1).on(Endpoint::Upload));

    let mut form = reqwest::multipart::Form::new();
    form = form.part(
        "files",
        reqwest::multipart::Part::text(text.clone())
            .file_name("20260312_4821_Email.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let err = http()
        .post(format!("{}/data/upload", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .multipart(form)
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status() && !err.is_timeout(), "{err}");
    // DROP got it: the statuses are recorded and the request logged as dropped.
    assert_eq!(emu.statuses().len(), 2);
    let last = emu.received().last().unwrap().clone();
    assert!(last.dropped);
    assert_eq!(last.status, 202);
    assert!(last.files[0].accepted());

    // The client's retry of the same file meets the duplicate-name rejection.
    let r = upload(&emu, vec![csv("20260312_4821_Email.csv", &text)]).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        upload_response(r).await.rejected[0].message,
        messages::DUPLICATE_NAME
    );
}

#[tokio::test]
async fn a_lost_download_response_still_delivers_the_package() {
    let emu = start(config(1)).await;
    emu.inject(Fault::drop_response(1).on(Endpoint::Download));
    let err = http()
        .get(format!("{}/data/download", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(emu.downloads().len(), 1);
    assert_eq!(
        download(&emu).await.status(),
        409,
        "as with DROP, the batch is open"
    );
}

#[tokio::test]
async fn cleared_faults_do_not_apply() {
    let emu = start(config(1)).await;
    emu.inject(Fault::server_error(5));
    assert_eq!(emu.pending_faults()[0].times(), 5);
    emu.clear_faults();
    assert_eq!(download(&emu).await.status(), 200);
}
