//! `dropkit download`, `upload` and `amend` against a wiremock DROP on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "cli-test-key-8d2f-DO-NOT-PRINT";
const EMAIL: &str = "20260312_4821_Email.csv";

/// Runs `dropkit ARGS` against `base` with the test key, off the async runtime.
async fn dropkit(base: Option<&str>, args: &[&str], cwd: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("DROP_BASE_URL");
    match base {
        Some(base) => command.env("DROP_API_KEY", KEY).env("DROP_BASE_URL", base),
        None => command.env_remove("DROP_API_KEY"),
    };
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(KEY), "the key was printed: {all}");
    output
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn upload_response(status: u16, accepted: &[&str], rejected: &[(&str, &str)]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "message": "Upload received.",
        "acceptedCount": accepted.len(),
        "rejectedCount": rejected.len(),
        "accepted": accepted.iter().map(|n| json!({"fileName": n, "fileSizeBytes": 26})).collect::<Vec<_>>(),
        "rejected": rejected.iter().map(|(n, m)| json!({"fileName": n, "message": m})).collect::<Vec<_>>(),
    }))
}

fn status_file(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, "Id,Status\nA7kP2xQ9Lm4R,5\n").unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn download_waits_through_preparing_and_saves_under_the_server_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"message": "No download package is available yet."})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/data/download"))
        .and(header("X-API-KEY", KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "Content-Disposition",
                    r#"attachment; filename="20260312_4821_DROP.zip""#,
                )
                .set_body_raw(b"PK\x03\x04 zip bytes".to_vec(), "application/zip"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("not/yet/there");
    let output = dropkit(
        Some(&server.uri()),
        &["download", "--out", out.to_str().unwrap()],
        dir.path(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let saved = out.join("20260312_4821_DROP.zip");
    assert_eq!(std::fs::read(&saved).unwrap(), b"PK\x03\x04 zip bytes");
    assert!(stdout(&output).contains("20260312_4821_DROP.zip"));
}

#[tokio::test(flavor = "multi_thread")]
async fn download_with_no_new_data_succeeds_and_says_so() {
    let server = MockServer::start().await;
    let text = "No new consumer request data or removed identifiers are available since your last completed download.";
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "message": text })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = dropkit(
        Some(&server.uri()),
        &["download", "--out", "out"],
        dir.path(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(text));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_exits_1_with_drop_message_even_as_text_plain() {
    let server = MockServer::start().await;
    let text = "API key is missing or invalid. Fix or regenerate the API key and try again.";
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string(text))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = dropkit(
        Some(&server.uri()),
        &["download", "--out", "out"],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains(text), "{}", stderr(&output));
    assert!(
        !dir.path()
            .join("out")
            .join("20260312_4821_DROP.zip")
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_exits_1_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let output = dropkit(None, &["download", "--out", "out"], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("DROP_API_KEY"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_of_accepted_files_exits_0_and_lists_them() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/data/upload"))
        .and(header("X-API-KEY", KEY))
        .respond_with(upload_response(
            202,
            &[EMAIL, "20260312_4821_Phone.csv"],
            &[],
        ))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let phone = status_file(dir.path(), "20260312_4821_Phone.csv");
    let output = dropkit(Some(&server.uri()), &["upload", &email, &phone], dir.path()).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("accepted {EMAIL}")));
    let body = &server.received_requests().await.unwrap()[0].body;
    let body = String::from_utf8_lossy(body);
    assert_eq!(body.matches(r#"name="files""#).count(), 2, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_202_with_a_rejected_file_exits_1_naming_it_and_why() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(upload_response(
            202,
            &[EMAIL],
            &[("notes.txt", "Only CSV files are accepted.")],
        ))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let notes = status_file(dir.path(), "notes.txt");
    let output = dropkit(Some(&server.uri()), &["upload", &email, &notes], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("rejected notes.txt: Only CSV files are accepted."),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_rejection_exits_1_with_the_reason() {
    let server = MockServer::start().await;
    let reason = "Invalid CSV header. Expected: Id,Status.";
    Mock::given(method("POST"))
        .respond_with(upload_response(400, &[], &[(EMAIL, reason)]))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let output = dropkit(Some(&server.uri()), &["upload", &email], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains(&format!("rejected {EMAIL}: {reason}")));
}

#[tokio::test(flavor = "multi_thread")]
async fn amend_posts_to_amend_and_reports_a_conflict() {
    let server = MockServer::start().await;
    let text = "The amend request cannot be processed in the current state.";
    Mock::given(method("POST"))
        .and(path("/data/amend"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({ "message": text })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let output = dropkit(Some(&server.uri()), &["amend", &email], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains(text), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_file_exits_1_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(upload_response(202, &[EMAIL], &[]))
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = dropkit(
        Some(&server.uri()),
        &["upload", "missing/20260312_4821_Email.csv"],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("20260312_4821_Email.csv"));
}
