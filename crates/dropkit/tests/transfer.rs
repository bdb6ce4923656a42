//! `dropkit download`, `upload` and `amend` against a wiremock DROP on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "cli-test-key-8d2f-DO-NOT-PRINT";
const EMAIL: &str = "20260312_4821_Email.csv";
const PHONE: &str = "20260312_4821_Phone.csv";

/// Runs `dropkit ARGS` against `base` with the test key, off the async runtime.
async fn dropkit(base: Option<&str>, args: &[&str], cwd: &Path) -> Output {
    dropkit_with(base, KEY, args, cwd).await
}

/// Runs `dropkit ARGS` against `base` with `key`, off the async runtime; asserts the key is
/// never printed.
async fn dropkit_with(base: Option<&str>, key: &str, args: &[&str], cwd: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("DROP_BASE_URL");
    match base {
        Some(base) => command.env("DROP_API_KEY", key).env("DROP_BASE_URL", base),
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
    assert!(!all.contains(key), "the key was printed: {all}");
    output
}

/// A DROP stand-in that answers every `verb` request with `answer`, and checks on drop that
/// it was asked `times` times, where given.
async fn drop_answering(verb: &str, answer: ResponseTemplate, times: Option<u64>) -> MockServer {
    let server = MockServer::start().await;
    let mock = Mock::given(method(verb)).respond_with(answer);
    match times {
        Some(times) => mock.expect(times),
        None => mock,
    }
    .mount(&server)
    .await;
    server
}

/// `dropkit download --out out` against `server`, in a fresh directory (kept alive by the
/// caller).
async fn download(server: &MockServer) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let output = dropkit(
        Some(&server.uri()),
        &["download", "--out", "out"],
        dir.path(),
    )
    .await;
    (dir, output)
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
    let text = "No new consumer request data or removed identifiers are available since your last completed download.";
    let server = drop_answering(
        "GET",
        ResponseTemplate::new(200).set_body_json(json!({ "message": text })),
        None,
    )
    .await;
    let (_dir, output) = download(&server).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(text));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_exits_1_with_drop_message_even_as_text_plain() {
    let text = "API key is missing or invalid. Fix or regenerate the API key and try again.";
    let server = drop_answering(
        "GET",
        ResponseTemplate::new(401).set_body_string(text),
        Some(1),
    )
    .await;
    let (dir, output) = download(&server).await;
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
    let server = drop_answering(
        "POST",
        upload_response(202, &[EMAIL], &[(PHONE, "Only CSV files are accepted.")]),
        None,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let phone = status_file(dir.path(), PHONE);
    let output = dropkit(Some(&server.uri()), &["upload", &email, &phone], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(&format!("rejected {PHONE}: Only CSV files are accepted.")),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_rejection_exits_1_with_the_reason() {
    let reason = "Invalid CSV header. Expected: Id,Status.";
    let server = drop_answering(
        "POST",
        upload_response(400, &[], &[(EMAIL, reason)]),
        Some(1),
    )
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
    let server = drop_answering("POST", upload_response(202, &[EMAIL], &[]), Some(0)).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn only_status_files_are_sent_matches_csv_never() {
    let server = drop_answering("POST", upload_response(202, &[EMAIL], &[]), Some(0)).await;
    let dir = tempfile::tempdir().unwrap();
    let email = status_file(dir.path(), EMAIL);
    let matches = status_file(dir.path(), "matches.csv");
    for command in ["upload", "amend"] {
        let output = dropkit(
            Some(&server.uri()),
            &[command, &email, &matches],
            dir.path(),
        )
        .await;
        assert_eq!(output.status.code(), Some(1), "{command}");
        assert!(
            stderr(&output).contains("\"matches.csv\": not a DROP status file name"),
            "{}",
            stderr(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_http_base_url_is_refused_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    // TEST-NET-1: nothing listens there, and nothing is sent anyway.
    let output = dropkit(
        Some("http://192.0.2.1:8080"),
        &["download", "--out", "out"],
        dir.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("DROP_BASE_URL: http://192.0.2.1 is refused"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_409_on_download_exits_1_naming_the_way_out() {
    let text = "Complete the current batch or contact DROP support if a re-download is needed.";
    let server = drop_answering(
        "GET",
        ResponseTemplate::new(409).set_body_json(json!({ "message": text })),
        Some(1),
    )
    .await;
    let (_dir, output) = download(&server).await;
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains(text), "{err}");
    assert!(err.contains("DROP portal"), "{err}");
    assert!(err.contains("dropkit cycle --zip FILE"), "{err}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn the_saved_zip_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let server = drop_answering(
        "GET",
        ResponseTemplate::new(200)
            .insert_header(
                "Content-Disposition",
                r#"attachment; filename="20260312_4821_DROP.zip""#,
            )
            .set_body_raw(b"PK\x03\x04 zip bytes".to_vec(), "application/zip"),
        None,
    )
    .await;
    let (dir, output) = download(&server).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let saved = dir.path().join("out/20260312_4821_DROP.zip");
    let mode = std::fs::metadata(saved).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

/// `dropkit emulator` running as its own process, killed on drop.
struct EmulatorProcess {
    child: std::process::Child,
    base: String,
    key: String,
    /// The rest of its stdout, kept open while it runs.
    _stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl EmulatorProcess {
    /// Starts `dropkit emulator --port 0 ARGS` and reads the URL and key it prints.
    fn start(args: &[&str]) -> Self {
        use std::io::BufRead as _;

        let mut child = Command::new(env!("CARGO_BIN_EXE_dropkit"))
            .args(["emulator", "--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next = || lines.next().unwrap().unwrap();
        let base = next().strip_prefix("listening on ").unwrap().to_owned();
        let key = next().strip_prefix("api key: ").unwrap().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        EmulatorProcess {
            child,
            base,
            key,
            _stdout: lines,
        }
    }

    /// `GET /_emulator/record`, over a plain socket.
    async fn record(&self) -> dropkit_emulator::Record {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        let addr = self.base.strip_prefix("http://").unwrap();
        let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nX-API-KEY: {}\r\nConnection: close\r\n\r\n",
            dropkit_emulator::RECORD_PATH,
            self.key
        );
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a status file answering every work item of every list of `zip` "not found";
/// returns their paths.
fn answer_all(zip: &Path, out: &Path) -> Vec<String> {
    use std::io::Read as _;

    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut paths = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if name.contains("_Removed") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        let mut answer = String::from("Id,Status\n");
        for row in text.lines().skip(1) {
            let id = row.split(',').next().unwrap();
            answer.push_str(&format!("{id},5\n"));
        }
        let path = out.join(&name);
        std::fs::write(&path, answer).unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    paths
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_day_against_the_emulator_process_loses_and_doubles_nothing() {
    let emulator = EmulatorProcess::start(&[
        "--consumers",
        "3",
        "--fault-429",
        "2@download",
        "--fault-503",
        "1@upload",
        "--lose-responses",
        "1@upload",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let base = Some(emulator.base.as_str());

    // A bounded retry deadline, so a broken emulator fails the test instead of hanging it.
    let output = dropkit_with(
        base,
        &emulator.key,
        &["download", "--out", "zip", "--max-wait", "120"],
        dir.path(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let zips: Vec<_> = std::fs::read_dir(dir.path().join("zip"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(zips.len(), 1, "only the ZIP, no temporary file: {zips:?}");

    let answers = dir.path().join("answers");
    std::fs::create_dir(&answers).unwrap();
    let files = answer_all(&zips[0], &answers);
    let (last, first) = files.split_last().unwrap();
    let mut args = vec!["upload", "--max-wait", "120"];
    args.extend(first.iter().map(String::as_str));
    let output = dropkit_with(base, &emulator.key, &args, dir.path()).await;
    // A 503, then an answer lost after DROP took the files, then the retry meets its own
    // first copy: every file reported as already received, exit 0.
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).matches("already received").count(),
        first.len(),
        "{}",
        stdout(&output)
    );
    let output = dropkit_with(
        base,
        &emulator.key,
        &["upload", "--max-wait", "120", last],
        dir.path(),
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("accepted"), "{}", stdout(&output));

    let record = emulator.record().await;
    assert_eq!(record.downloads.len(), 1);
    assert!(record.downloads[0].complete);
    let accepted: Vec<_> = record.files.iter().filter(|f| f.accepted).collect();
    assert_eq!(
        accepted.len(),
        files.len(),
        "each status file accepted once"
    );
    assert_eq!(
        accepted.iter().filter(|f| f.answer_lost).count(),
        first.len(),
        "the first request's answer was lost, its files taken all the same"
    );
    assert_eq!(record.statuses.len(), record.downloads[0].work_items);
    assert!(record.statuses.values().all(|s| *s == 5));
    assert!(
        record.record_errors.is_empty(),
        "no work item answered twice: {:?}",
        record.record_errors
    );
}
