//! No database password in errors or `Debug` output.

use dropkit_connector::{CommandConnector, ConnectorError, SqlConnector};

const PASSWORD: &str = "Sup3rS3cret";

#[tokio::test]
async fn a_failed_connection_does_not_show_the_password() {
    // Nothing listens on port 1 of the loopback: the connection is refused at once.
    let url = format!("postgres://broker:{PASSWORD}@127.0.0.1:1/crm?sslmode=disable");
    let err = SqlConnector::connect(&url, "DELETE FROM customers WHERE id = $1", None)
        .await
        .expect_err("nothing listens there");
    assert!(matches!(err, ConnectorError::Connect { .. }), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(
            shown.contains("postgres://broker:***@127.0.0.1:1/crm"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_password_parameter_is_masked_too() {
    let url = format!("postgres://127.0.0.1:1/crm?user=broker&password={PASSWORD}");
    let err = SqlConnector::connect(&url, "DELETE FROM customers WHERE id = $1", None)
        .await
        .expect_err("nothing listens there");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("password=***"), "{shown}");
    }
}

#[tokio::test]
async fn an_unsupported_scheme_is_named_without_the_password() {
    let err = SqlConnector::connect(
        &format!("mysql://broker:{PASSWORD}@db/crm"),
        "DELETE FROM customers WHERE id = ?",
        None,
    )
    .await
    .expect_err("unsupported");
    match &err {
        ConnectorError::UnsupportedScheme { scheme, url } => {
            assert_eq!(scheme, "mysql");
            assert_eq!(url, "mysql://broker:***@db/crm");
        }
        other => panic!("expected UnsupportedScheme, got {other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(PASSWORD));
}

#[test]
fn a_command_line_url_password_is_masked_in_debug() {
    let c = CommandConnector::new(&format!(
        "psql postgres://broker:{PASSWORD}@db/crm -f delete.sql"
    ));
    let shown = format!("{c:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(shown.contains("postgres://broker:***@db/crm"), "{shown}");
}
