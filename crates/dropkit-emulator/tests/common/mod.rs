//! Helpers shared by the integration tests: plain `reqwest` calls against a running emulator.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use dropkit_emulator::{Config, Emulator, Preparation, UploadResponse, synthetic};
use dropkit_hash::ListType;
use time::macros::date;

/// The ZIP of a download, each entry's text by name.
pub type Entries = BTreeMap<String, String>;

/// An account with Email and NDZ lists, `n` synthetic consumers, no 202 before the ZIP, and
/// packages dated 2026-03-12.
pub fn config(n: usize) -> Config {
    Config::new()
        .with_lists([ListType::Email, ListType::Ndz])
        .with_consumers(synthetic::consumers(11, n))
        .with_preparation(Preparation::Polls(0))
        .with_date(date!(2026 - 03 - 12))
}

pub async fn start(config: Config) -> Emulator {
    Emulator::start(config).await.unwrap()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn get(emu: &Emulator, path: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path}", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .send()
        .await
        .unwrap()
}

pub async fn download(emu: &Emulator) -> reqwest::Response {
    get(emu, "/data/download").await
}

pub async fn message(r: reqwest::Response) -> String {
    let body: serde_json::Value = r.json().await.unwrap();
    body["message"].as_str().unwrap().to_owned()
}

/// Downloads through any 202s and returns the ZIP's name and entries.
pub async fn download_zip(emu: &Emulator) -> (String, Entries) {
    loop {
        let r = download(emu).await;
        if r.status() == 202 {
            continue;
        }
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/zip");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        let name = disposition
            .strip_prefix("attachment; filename=\"")
            .and_then(|s| s.strip_suffix('"'))
            .unwrap()
            .to_owned();
        let bytes = r.bytes().await.unwrap();
        return (name, entries(&bytes));
    }
}

/// The last-modified dates (`YYYY-MM-DD`) of a ZIP's entries.
pub fn entry_dates(zip: &[u8]) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..archive.len())
        .map(|i| {
            let d = archive.by_index(i).unwrap().last_modified().unwrap();
            format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        })
        .collect()
}

pub fn entries(zip: &[u8]) -> Entries {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        out.insert(file.name().unwrap().into_owned(), text);
    }
    out
}

/// The Ids of a list CSV's rows.
pub fn ids(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

/// `Id,Status` text answering every Id with `status`.
pub fn answer(ids: &[String], status: u8) -> String {
    let mut s = String::from("Id,Status\n");
    for id in ids {
        s.push_str(&format!("{id},{status}\n"));
    }
    s
}

/// A file part: (name, content, content type).
pub type Part<'a> = (&'a str, Vec<u8>, Option<&'a str>);

pub fn csv<'a>(name: &'a str, text: &str) -> Part<'a> {
    (name, text.as_bytes().to_vec(), Some("text/csv"))
}

pub async fn post(emu: &Emulator, path: &str, parts: Vec<Part<'_>>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, content, mime) in parts {
        let mut part = reqwest::multipart::Part::bytes(content).file_name(name.to_owned());
        if let Some(mime) = mime {
            part = part.mime_str(mime).unwrap();
        }
        form = form.part("files", part);
    }
    http()
        .post(format!("{}{path}", emu.base_url()))
        .header("X-API-KEY", emu.api_key())
        .multipart(form)
        .send()
        .await
        .unwrap()
}

pub async fn upload(emu: &Emulator, parts: Vec<Part<'_>>) -> reqwest::Response {
    post(emu, "/data/upload", parts).await
}

pub async fn amend(emu: &Emulator, parts: Vec<Part<'_>>) -> reqwest::Response {
    post(emu, "/data/amend", parts).await
}

pub async fn upload_response(r: reqwest::Response) -> UploadResponse {
    r.json().await.unwrap()
}
