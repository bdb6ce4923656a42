//! `GET /data/download`: preparation, the ZIP, 409, NoData, Removed, rounds, auth and 404.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use dropkit_emulator::{Config, KeyCheck, Preparation, UnauthorizedBody, messages, synthetic};
use dropkit_hash::{DropHash, Hasher, ListType};

#[tokio::test]
async fn prepares_with_202_and_retry_after_then_delivers_the_zip() {
    let emu = start(
        config(4)
            .with_preparation(Preparation::Polls(2))
            .with_retry_after(7),
    )
    .await;
    for _ in 0..2 {
        let r = download(&emu).await;
        assert_eq!(r.status(), 202);
        assert_eq!(r.headers()["retry-after"], "7");
        assert_eq!(message(r).await, messages::PREPARING);
    }
    let (name, entries) = download_zip(&emu).await;
    assert_eq!(name, "20260312_4821_DROP.zip");
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(names, ["20260312_4821_Email.csv", "20260312_4821_NDZ.csv"]);
    for text in entries.values() {
        assert!(text.starts_with("ID,Hash\r\n"), "{text}");
        assert_eq!(ids(text).len(), 4);
    }
    assert_eq!(emu.downloads().len(), 1);
    assert_eq!(
        emu.received().iter().map(|r| r.status).collect::<Vec<_>>(),
        [202, 202, 200]
    );
}

#[tokio::test]
async fn zip_entries_carry_the_package_date() {
    let emu = start(config(1)).await;
    let r = download(&emu).await;
    let zip = r.bytes().await.unwrap();
    assert_eq!(entry_dates(&zip), ["2026-03-12", "2026-03-12"]);
}

#[tokio::test]
async fn preparation_by_time_answers_202_until_it_has_passed() {
    let emu = start(config(1).with_preparation(Preparation::For(Duration::from_secs(3600)))).await;
    for _ in 0..3 {
        assert_eq!(download(&emu).await.status(), 202);
    }
    assert!(emu.downloads().is_empty());

    let emu = start(config(1).with_preparation(Preparation::For(Duration::ZERO))).await;
    assert_eq!(download(&emu).await.status(), 200);
}

#[tokio::test]
async fn hashes_are_drop_hashes_of_the_consumers_and_ids_are_unique_base62() {
    let people = synthetic::consumers(11, 5);
    let emu = start(config(5)).await;
    let (_, entries) = download_zip(&emu).await;
    let mut hasher = Hasher::new();
    let mut all_ids = HashSet::new();
    for (file, list) in [
        ("20260312_4821_Email.csv", ListType::Email),
        ("20260312_4821_NDZ.csv", ListType::Ndz),
    ] {
        let expected: HashSet<DropHash> = people
            .iter()
            .map(|c| c.hash(list, &mut hasher).unwrap().unwrap())
            .collect();
        let mut got = HashSet::new();
        for row in entries[file].lines().skip(1) {
            let (id, hash) = row.split_once(',').unwrap();
            assert!(
                id.len() == 12 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{id}"
            );
            assert!(
                all_ids.insert(id.to_owned()),
                "Id {id} repeated across lists"
            );
            got.insert(hash.parse::<DropHash>().unwrap());
        }
        assert_eq!(got, expected, "{file}");
    }
    // The work items the emulator reports are the rows delivered.
    assert_eq!(emu.work_items().len(), 10);
    assert!(emu.work_items().iter().all(|i| i.download == Some(1)));
}

#[tokio::test]
async fn a_selected_list_without_items_is_a_header_only_csv() {
    let people = synthetic::consumers(3, 2);
    let emu = start(
        Config::new()
            .with_lists([ListType::Phone, ListType::Maid])
            .with_consumers_in([ListType::Phone], people)
            .with_preparation(Preparation::Polls(0))
            .with_date(time::macros::date!(2026 - 03 - 12)),
    )
    .await;
    let (_, entries) = download_zip(&emu).await;
    assert_eq!(entries["20260312_4821_MAID.csv"], "ID,Hash\r\n");
    assert_eq!(ids(&entries["20260312_4821_Phone.csv"]).len(), 2);
    assert!(!entries.contains_key("20260312_4821_Removed.csv"));
}

#[tokio::test]
async fn conflict_while_incomplete_then_no_data_after_the_batch_completes() {
    let emu = start(config(3)).await;
    let (_, entries) = download_zip(&emu).await;
    let r = download(&emu).await;
    assert_eq!(r.status(), 409);
    assert_eq!(message(r).await, messages::BATCH_INCOMPLETE);

    let email = ids(&entries["20260312_4821_Email.csv"]);
    let ndz = ids(&entries["20260312_4821_NDZ.csv"]);
    let r = upload(
        &emu,
        vec![csv("20260312_4821_Email.csv", &answer(&email, 3))],
    )
    .await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        download(&emu).await.status(),
        409,
        "NDZ is still outstanding"
    );
    let r = upload(&emu, vec![csv("20260312_4821_NDZ.csv", &answer(&ndz, 5))]).await;
    assert_eq!(r.status(), 202);
    assert!(emu.downloads()[0].complete);
    assert!(emu.outstanding().is_empty());

    let r = download(&emu).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(message(r).await, messages::NO_DATA);
}

#[tokio::test]
async fn next_round_delivers_only_new_items_and_cancellations_as_removed() {
    let emu = start(config(3)).await;
    let (_, first) = download_zip(&emu).await;
    let email = ids(&first["20260312_4821_Email.csv"]);
    let ndz = ids(&first["20260312_4821_NDZ.csv"]);
    upload(
        &emu,
        vec![csv("20260312_4821_Email.csv", &answer(&email, 3))],
    )
    .await;
    upload(&emu, vec![csv("20260312_4821_NDZ.csv", &answer(&ndz, 5))]).await;

    // Between rounds: one delivered item is cancelled, two consumers arrive.
    let cancelled = emu
        .work_items()
        .into_iter()
        .find(|i| i.id.as_str() == email[0])
        .unwrap();
    emu.cancel(std::slice::from_ref(&cancelled.id)).unwrap();
    let new_ids = emu.next_round(synthetic::consumers(99, 2)).unwrap();
    assert_eq!(new_ids.len(), 4);

    let (name, second) = download_zip(&emu).await;
    assert_eq!(
        name, "20260313_4821_DROP.zip",
        "each package is a day later"
    );
    let delivered: HashSet<String> = ids(&second["20260313_4821_Email.csv"])
        .into_iter()
        .chain(ids(&second["20260313_4821_NDZ.csv"]))
        .collect();
    let expected: HashSet<String> = new_ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(delivered, expected);
    assert_eq!(
        second["20260313_4821_Removed.csv"],
        format!(
            "ID,Hash,ListType\r\n{},{},Email\r\n",
            cancelled.id, cancelled.hash
        )
    );
}

#[tokio::test]
async fn a_package_with_only_removed_identifiers_needs_no_answer() {
    let emu = start(config(1)).await;
    let (_, first) = download_zip(&emu).await;
    let email = ids(&first["20260312_4821_Email.csv"]);
    let ndz = ids(&first["20260312_4821_NDZ.csv"]);
    upload(
        &emu,
        vec![csv("20260312_4821_Email.csv", &answer(&email, 2))],
    )
    .await;
    upload(&emu, vec![csv("20260312_4821_NDZ.csv", &answer(&ndz, 2))]).await;
    let id = emu.work_items()[0].id.clone();
    emu.cancel(&[id]).unwrap();

    let (_, second) = download_zip(&emu).await;
    assert_eq!(second["20260313_4821_Email.csv"], "ID,Hash\r\n");
    assert!(second.contains_key("20260313_4821_Removed.csv"));
    assert!(emu.downloads()[1].complete);
    let r = upload(&emu, vec![csv("20260313_4821_Email.csv", "Id,Status\n")]).await;
    assert_eq!(r.status(), 409, "nothing waits for responses");
    assert_eq!(message(download(&emu).await).await, messages::NO_DATA);
}

#[tokio::test]
async fn an_account_without_work_items_has_no_data() {
    let emu = start(Config::new().with_preparation(Preparation::Polls(0))).await;
    let r = download(&emu).await;
    assert_eq!(r.status(), 200);
    assert_eq!(message(r).await, messages::NO_DATA);
}

#[tokio::test]
async fn missing_or_wrong_key_is_401_in_json_or_plain_text() {
    let emu = start(config(1)).await;
    let url = format!("{}/data/download", emu.base_url());
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(message(r).await, messages::UNAUTHORIZED);
    let r = http()
        .get(&url)
        .header("X-API-KEY", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let keys: Vec<KeyCheck> = emu.received().iter().map(|r| r.key).collect();
    assert_eq!(keys, [KeyCheck::Missing, KeyCheck::Invalid]);
    assert!(
        emu.received()
            .iter()
            .all(|r| !r.headers.contains_key("x-api-key"))
    );
    assert!(emu.downloads().is_empty(), "nothing was delivered");
    let shown = format!("{emu:?}");
    assert!(
        !shown.contains(emu.api_key()) && shown.contains("***"),
        "{shown}"
    );
    assert_eq!(emu.broker_id(), "4821");
    assert_eq!(emu.lists(), [ListType::Email, ListType::Ndz]);

    let emu = start(config(1).with_unauthorized_body(UnauthorizedBody::PlainText)).await;
    let url = format!("{}/data/download", emu.base_url());
    let r = http().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.text().await.unwrap(), messages::UNAUTHORIZED);
}

#[tokio::test]
async fn no_selected_list_or_ineligible_account_is_403() {
    let emu = start(config(1).with_lists([])).await;
    let r = download(&emu).await;
    assert_eq!(r.status(), 403);
    assert_eq!(message(r).await, messages::NO_LISTS);
    let r = upload(&emu, vec![csv("20260312_4821_Email.csv", "Id,Status\n")]).await;
    assert_eq!(r.status(), 403);

    let emu = start(config(1)).await;
    emu.set_eligible(false);
    let r = download(&emu).await;
    assert_eq!(r.status(), 403);
    assert_eq!(message(r).await, messages::NOT_ELIGIBLE);
    emu.set_eligible(true);
    assert_eq!(download(&emu).await.status(), 200);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_with_the_spec_body() {
    let emu = start(config(1)).await;
    for path in ["/data/downloads", "/", "/v1/data/download"] {
        let r = get(&emu, path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(message(r).await, messages::NOT_FOUND);
    }
    let r = http()
        .post(format!("{}/data/download", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(emu.received().iter().all(|r| r.endpoint.is_none()));
}

#[tokio::test]
async fn the_sandbox_prefix_serves_the_same_account() {
    let emu = start(config(1)).await;
    let r = get(&emu, "/sandbox/data/download").await;
    assert_eq!(r.status(), 200);
    assert_eq!(download(&emu).await.status(), 409, "same batch");
    assert_eq!(emu.received()[0].path, "/sandbox/data/download");
}

#[tokio::test]
async fn head_checks_the_key_without_delivering() {
    let emu = start(config(1)).await;
    let url = format!("{}/data/download", emu.base_url());
    let r = http()
        .head(&url)
        .header("X-API-KEY", emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(http().head(&url).send().await.unwrap().status(), 401);
    assert!(emu.downloads().is_empty());
    let (_, entries) = download_zip(&emu).await;
    assert_eq!(entries.len(), 2);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emu = start(config(1)).await;
    let url = format!("{}/data/download", emu.base_url());
    emu.shutdown().await;
    assert!(http().get(&url).send().await.is_err());
}
