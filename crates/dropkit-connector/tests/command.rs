//! The command connector with good answers and with each kind of bad answer.

mod common;

use std::time::Duration;

use common::target;
use dropkit_connector::{
    Action, AnswerError, CommandConnector, Connector as _, ConnectorError, KeyOutcome, Target,
};
use dropkit_files::WorkItemId;
use dropkit_hash::ListType;

fn batch() -> Vec<Target> {
    vec![
        target("k1", Action::Delete),
        Target {
            key: "k2".to_owned(),
            list_type: ListType::Phone,
            id: WorkItemId::new("Q1w2E3r4T5y6").expect("valid Id"),
            action: Action::OptOut,
        },
        target("k1", Action::OptOut),
        target("k,3", Action::Delete),
    ]
}

/// A command that prints `answer` (with `printf '%b'`, so `\n` makes lines) and exits 0.
fn answering(answer: &str) -> CommandConnector {
    CommandConnector::new(&format!("cat >/dev/null; printf '%b' '{answer}'"))
}

async fn answer_error(answer: &str) -> AnswerError {
    match answering(answer).apply(&batch()).await {
        Err(ConnectorError::Answer(e)) => e,
        other => panic!("{answer:?}: expected an answer error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_batch_goes_in_as_csv_and_the_answer_comes_back_per_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("input.csv");
    let script = dir.path().join("delete.sh");
    // A broker's script: keeps its input, fails k2 with a reason, deletes the others
    // (whitespace around fields is allowed).
    std::fs::write(
        &script,
        "#!/bin/sh\n\
         cat > \"$INPUT\"\n\
         printf 'Key,Result,Reason\\nk1,done,\\nk2 , failed , account locked\\n\"k,3\",done,\\n'\n",
    )
    .expect("script");
    let connector = CommandConnector::new(&format!(
        "INPUT='{}' sh '{}'",
        input.display(),
        script.display()
    ));
    assert_eq!(connector.name(), "command");
    let got = connector.apply(&batch()).await.expect("apply");
    assert_eq!(
        got.results,
        [
            ("k1".to_owned(), KeyOutcome::Done),
            (
                "k2".to_owned(),
                KeyOutcome::Failed {
                    reason: "account locked".to_owned()
                }
            ),
            ("k,3".to_owned(), KeyOutcome::Done),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&input).expect("input"),
        "Key,ListType,Id,Action\n\
         k1,Email,A7kP2xQ9Lm4R,delete\n\
         k2,Phone,Q1w2E3r4T5y6,opt-out\n\
         k1,Email,A7kP2xQ9Lm4R,opt-out\n\
         \"k,3\",Email,A7kP2xQ9Lm4R,delete\n"
    );
}

#[tokio::test]
async fn a_two_column_answer_in_any_order_is_accepted() {
    let got = answering("Key,Result\\n\"k,3\",done\\nk2,failed\\nk1,done\\n")
        .apply(&batch())
        .await
        .expect("apply");
    // Outcomes come back in batch order, whatever the answer's order.
    let keys: Vec<&str> = got.results.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["k1", "k2", "k,3"]);
    assert_eq!(
        got.outcome("k2"),
        Some(&KeyOutcome::Failed {
            reason: "the delete command answered failed".to_owned()
        })
    );
}

#[tokio::test]
async fn a_command_that_does_not_read_its_input_is_judged_by_its_answer() {
    // Far more than a pipe holds, so writing the batch hits a closed pipe.
    let many: Vec<Target> = (0..20_000)
        .map(|i| target(&format!("key-{i:06}"), Action::Delete))
        .collect();
    let connector = CommandConnector::new("printf 'Key,Result\\n'");
    match connector.apply(&many).await {
        Err(ConnectorError::Answer(AnswerError::MissingKeys { keys })) => {
            assert_eq!(keys.len(), 20_000);
        }
        other => panic!("expected missing keys, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_batch_runs_nothing() {
    let got = CommandConnector::new("exit 3")
        .apply(&[])
        .await
        .expect("apply");
    assert!(got.results.is_empty());
}

#[tokio::test]
async fn no_answer_is_an_error() {
    assert_eq!(answer_error("").await, AnswerError::Missing);
}

#[tokio::test]
async fn a_bad_header_is_an_error() {
    assert_eq!(
        answer_error("Key,Outcome\\nk1,done\\n").await,
        AnswerError::Header {
            found: "Key,Outcome".to_owned()
        }
    );
    assert!(matches!(
        answer_error("k1,done\\nk2,done\\n").await,
        AnswerError::Header { .. }
    ));
}

#[tokio::test]
async fn an_unknown_key_is_an_error() {
    assert_eq!(
        answer_error("Key,Result\\nk1,done\\nk9,done\\n").await,
        AnswerError::UnknownKey {
            line: 3,
            key: "k9".to_owned()
        }
    );
}

#[tokio::test]
async fn a_missing_key_is_an_error() {
    let err = answer_error("Key,Result\\nk1,done\\n").await;
    assert_eq!(
        err,
        AnswerError::MissingKeys {
            keys: vec!["k2".to_owned(), "k,3".to_owned()]
        }
    );
    assert!(err.to_string().contains("\"k2\", \"k,3\""), "{err}");
}

#[tokio::test]
async fn a_key_answered_twice_is_an_error() {
    assert_eq!(
        answer_error("Key,Result\\nk1,done\\nk1,failed\\n").await,
        AnswerError::DuplicateKey {
            line: 3,
            key: "k1".to_owned()
        }
    );
}

#[tokio::test]
async fn a_result_other_than_done_or_failed_is_an_error() {
    assert_eq!(
        answer_error("Key,Result\\nk1,deleted\\n").await,
        AnswerError::Result {
            line: 2,
            key: "k1".to_owned(),
            found: "deleted".to_owned()
        }
    );
}

#[tokio::test]
async fn a_line_with_the_wrong_number_of_fields_is_an_error() {
    assert!(matches!(
        answer_error("Key,Result\\nk1\\n").await,
        AnswerError::Malformed { line: 2, .. }
    ));
}

#[tokio::test]
async fn errors_in_crlf_output_name_the_line_an_editor_shows() {
    // The csv crate alone would place these records a line early (rust-csv#395).
    assert_eq!(
        answer_error("Key,Result\\r\\nk1,done\\r\\nk1,failed\\r\\n").await,
        AnswerError::DuplicateKey {
            line: 3,
            key: "k1".to_owned()
        }
    );
    assert!(matches!(
        answer_error("Key,Result\\r\\nk1,done\\r\\nk2\\r\\n").await,
        AnswerError::Malformed { line: 3, .. }
    ));
    // A blank line before the bad one is counted too.
    assert!(matches!(
        answer_error("Key,Result\\r\\nk1,done\\r\\n\\r\\nk2\\r\\n").await,
        AnswerError::Malformed { line: 4, .. }
    ));
}

#[tokio::test]
async fn a_non_zero_exit_fails_the_batch_whatever_it_printed() {
    let connector = CommandConnector::new(
        "cat >/dev/null; printf 'Key,Result\\nk1,done\\nk2,done\\n\"k,3\",done\\n'; \
         echo 'crm unreachable' >&2; exit 4",
    );
    match connector.apply(&batch()).await {
        Err(e @ ConnectorError::CommandFailed { .. }) => {
            let shown = e.to_string();
            assert!(shown.contains("exit status: 4"), "{shown}");
            assert!(shown.contains("crm unreachable"), "{shown}");
        }
        other => panic!("expected CommandFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_command_past_its_timeout_is_killed() {
    let connector = CommandConnector::new("exec sleep 30").with_timeout(Duration::from_millis(200));
    assert_eq!(connector.timeout(), Duration::from_millis(200));
    match connector.apply(&batch()).await {
        Err(ConnectorError::Timeout { after }) => assert_eq!(after, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
}
