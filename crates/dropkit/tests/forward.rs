//! `dropkit forward` and `forward-status` against wiremock MaestroQA and ID5 servers on
//! 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const MQA_TOKEN: &str = "mqa-cli-t0ken-DO-NOT-PRINT";
const ID5_TOKEN: &str = "id5-cli-t0ken-DO-NOT-PRINT";
const MQA_PATH: &str = "/api/v1/data-deletion";
const ID5_DELETION: &str = "/partners/v1/173/privacy/requests/deletion";

/// Runs `dropkit ARGS` with the provider settings pointing at `base`, feeding `stdin`, off the
/// async runtime; checks no token was printed.
async fn dropkit(base: &str, args: &[&str], stdin: &str) -> Output {
    dropkit_with(base, args, stdin, &[]).await
}

/// [`dropkit`], with some variables changed (`Some`) or removed (`None`).
async fn dropkit_with(
    base: &str,
    args: &[&str],
    stdin: &str,
    changes: &[(&str, Option<&str>)],
) -> Output {
    // A scratch working directory: the commands' audit entries go to its `dropkit-state/`.
    let cwd = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command
        .args(args)
        .current_dir(cwd.path())
        .env("MAESTROQA_API_TOKEN", MQA_TOKEN)
        .env("MAESTROQA_BASE_URL", format!("{base}{MQA_PATH}"))
        .env("ID5_PARTNER_ID", "173")
        .env("ID5_TOKEN", ID5_TOKEN)
        .env("ID5_BASE_URL", base);
    for (name, value) in changes {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = stdin.as_bytes().to_vec();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(&input).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    drop(cwd);
    let all = format!("{}{}", stdout(&output), stderr(&output));
    assert!(
        !all.contains(MQA_TOKEN) && !all.contains(ID5_TOKEN),
        "a token was printed: {all}"
    );
    output
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn id5_error(status: u16, code: &str, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "type": kind, "message": message}}))
}

#[tokio::test]
async fn maestroqa_forward_prints_one_line_per_job() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(MQA_PATH))
        .and(header("apitoken", MQA_TOKEN))
        .and(body_json(json!({
            "emails": ["a@example.com", "b@example.com", "c@example.com"],
            "auditLabel": "DROP 20261120"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"confirmation": true, "id": "123", "status": "pending"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(
        &server.uri(),
        &[
            "forward",
            "--provider",
            "maestroqa",
            "--audit-label",
            "DROP 20261120",
        ],
        "a@example.com\n b@example.com\nc@example.com\n",
    )
    .await;
    assert_eq!(
        stdout(&output),
        "maestroqa\t123\tpending\n",
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test]
async fn id5_forward_goes_on_after_a_failure_and_exits_1() {
    let server = MockServer::start().await;
    for (email, id) in [("a@example.com", "job-a"), ("c@example.com", "job-c")] {
        Mock::given(method("POST"))
            .and(path(ID5_DELETION))
            .and(query_param("token", ID5_TOKEN))
            .and(body_json(json!({"email": email, "jurisdiction": "GDPR"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": id })))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(body_json(
            json!({"email": "b@example.com", "jurisdiction": "GDPR"}),
        ))
        .respond_with(id5_error(
            403,
            "api_rate_limit_error",
            "rate_limit_error",
            "Limit of 1 request daily allowed per email has been reached",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(
        &server.uri(),
        &["forward", "--provider", "id5", "--jurisdiction", "gdpr"],
        "a@example.com\nb@example.com\n\nc@example.com\n",
    )
    .await;
    assert_eq!(
        stdout(&output),
        "id5\tjob-a\tpending\nid5\tjob-c\tpending\n"
    );
    let err = stderr(&output);
    assert!(err.contains("stdin:3: empty line"), "{err}");
    assert!(err.contains("b@example.com: id5:"), "{err}");
    assert!(err.contains("allowed per email"), "{err}");
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn an_echoed_token_is_not_printed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(id5_error(
            403,
            "api_token_not_authorized",
            "authentication_error",
            &format!("Api token {ID5_TOKEN} does not have access to this resource"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // the token check is in `dropkit`; the authentication error stops the second email
    let output = dropkit(
        &server.uri(),
        &["forward", "--provider", "id5"],
        "a@example.com\nb@example.com\n",
    )
    .await;
    let err = stderr(&output);
    assert!(err.contains("Api token *** does not have access"), "{err}");
    assert!(err.contains("b@example.com: id5: not sent"), "{err}");
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn a_bad_jurisdiction_is_a_usage_error() {
    let output = dropkit(
        "http://127.0.0.1:9",
        &["forward", "--provider", "id5", "--jurisdiction", "LGPD"],
        "a@example.com\n",
    )
    .await;
    assert!(
        stderr(&output).contains("CCPA or GDPR"),
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn a_missing_token_names_the_variable() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command
        .args(["forward-status", "--provider", "id5", "job-1"])
        .env("ID5_PARTNER_ID", "173")
        .env_remove("ID5_TOKEN");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(stderr(&output).contains("ID5_TOKEN"), "{}", stderr(&output));
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn forward_status_prints_statuses_and_reports_unknown_jobs() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/partners/v1/173/privacy/requests/job-a"))
        .and(query_param("token", ID5_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "job-a", "jobStatus": "SENT", "processingResult": "DELETE_DELETED",
            "emailSentUnixTimestamp": 1661933465437u64
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/partners/v1/173/privacy/requests/job-x"))
        .respond_with(id5_error(
            404,
            "user_objects_invalid",
            "invalid_request_error",
            "provided job UUID not found",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(
        &server.uri(),
        &["forward-status", "--provider", "id5", "job-a", "job-x"],
        "",
    )
    .await;
    assert_eq!(stdout(&output), "id5\tjob-a\tSENT/DELETE_DELETED\n");
    assert!(
        stderr(&output).contains("job-x: id5:"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("provided job UUID not found"));
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn maestroqa_forward_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{MQA_PATH}/123")))
        .and(header("apitoken", MQA_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "completed"})))
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(
        &server.uri(),
        &["forward-status", "--provider", "maestroqa", "123"],
        "",
    )
    .await;
    assert_eq!(stdout(&output), "maestroqa\t123\tcompleted\n");
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test]
async fn forward_without_provider_sends_to_every_configured_provider() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(MQA_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"confirmation": true, "id": "m-1", "status": "pending"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ID5_DELETION))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "i-1"})))
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(&server.uri(), &["forward"], "a@example.com\n").await;
    assert_eq!(
        stdout(&output),
        "maestroqa\tm-1\tpending\nid5\ti-1\tpending\n",
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(0));

    // MaestroQA alone when ID5 has no token
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"confirmation": true, "id": "m-2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let output = dropkit_with(
        &server.uri(),
        &["forward"],
        "a@example.com\n",
        &[("ID5_TOKEN", Some(" "))],
    )
    .await;
    assert_eq!(stdout(&output), "maestroqa\tm-2\tpending\n");
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test]
async fn every_failing_provider_is_printed() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(400).set_body_string("emails must be valid"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(id5_error(
            401,
            "api_token_invalid",
            "authentication_error",
            "No API token provided",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let output = dropkit(
        &server.uri(),
        &["forward", "--provider", "maestroqa", "--provider", "id5"],
        "a@example.com\n",
    )
    .await;
    let err = stderr(&output);
    assert!(err.contains("a@example.com: maestroqa:"), "{err}");
    assert!(err.contains("emails must be valid"), "{err}");
    assert!(err.contains("a@example.com: id5:"), "{err}");
    assert!(err.contains("No API token provided"), "{err}");
    assert_eq!(stdout(&output), "");
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn plain_http_base_urls_are_refused_naming_every_variable() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let output = dropkit_with(
        &server.uri(),
        &["forward"],
        "a@example.com\n",
        &[
            (
                "MAESTROQA_BASE_URL",
                Some("http://maestroqa.example/api/v1/data-deletion"),
            ),
            ("ID5_BASE_URL", Some("http://api.id5-sync.com")),
        ],
    )
    .await;
    let err = stderr(&output);
    assert!(
        err.contains("MAESTROQA_BASE_URL: http://maestroqa.example is refused"),
        "{err}"
    );
    assert!(
        err.contains("ID5_BASE_URL: http://api.id5-sync.com is refused"),
        "{err}"
    );
    assert!(err.contains("only https://"), "{err}");
    assert_eq!(output.status.code(), Some(1));

    // forward-status too, before any request
    let output = dropkit_with(
        &server.uri(),
        &["forward-status", "--provider", "id5", "job-1"],
        "",
        &[("ID5_BASE_URL", Some("http://10.1.2.3:8080"))],
    )
    .await;
    assert!(
        stderr(&output).contains("ID5_BASE_URL: http://10.1.2.3 is refused"),
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(1));
}

#[tokio::test]
async fn no_configured_provider_names_the_variables() {
    let output = dropkit_with(
        "http://127.0.0.1:9",
        &["forward"],
        "a@example.com\n",
        &[("MAESTROQA_API_TOKEN", None), ("ID5_TOKEN", Some(""))],
    )
    .await;
    let err = stderr(&output);
    assert!(err.contains("no service provider is configured"), "{err}");
    assert!(
        err.contains("MAESTROQA_API_TOKEN") && err.contains("ID5_TOKEN"),
        "{err}"
    );
    assert_eq!(output.status.code(), Some(1));
}

/// A closed standard output (`dropkit forward | head -0`) after the requests went out: the
/// audit entry is still written, and the failed print is an error naming itself.
#[tokio::test]
async fn a_closed_standard_output_still_leaves_the_audit_entry() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(MQA_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"confirmation": true, "id": "77", "status": "pending"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let cwd = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    // Nobody reads: every write to standard output fails (Rust programs ignore SIGPIPE).
    drop(reader);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dropkit"));
    command
        .args(["forward", "--provider", "maestroqa"])
        .current_dir(cwd.path())
        .env("MAESTROQA_API_TOKEN", MQA_TOKEN)
        .env("MAESTROQA_BASE_URL", format!("{}{MQA_PATH}", server.uri()))
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a@example.com\n")
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("could not print the providers' jobs"),
        "{}",
        stderr(&output)
    );
    let chain = std::fs::read_to_string(cwd.path().join("dropkit-state/audit.jsonl")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(chain.lines().last().unwrap()).unwrap();
    assert_eq!(entry["command"], "forward");
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["counts"]["maestroqa.jobs"], 1);
}
