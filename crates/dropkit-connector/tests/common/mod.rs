//! Helpers shared by the connector tests.
#![allow(dead_code, unreachable_pub)]

use dropkit_connector::{Action, Target};
use dropkit_files::WorkItemId;
use dropkit_hash::ListType;

/// A target for `key` from an Email work item.
pub fn target(key: &str, action: Action) -> Target {
    Target {
        key: key.to_owned(),
        list_type: ListType::Email,
        id: WorkItemId::new("A7kP2xQ9Lm4R").expect("valid Id"),
        action,
    }
}

/// The URL of the real PostgreSQL server the tests use (`DROPKIT_TEST_POSTGRES_URL`, which
/// `.ci/run` sets). `None` when it is unset outside CI, after printing a notice; in CI (the
/// `CI` variable set) a missing server is a failure, never a silent skip.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("DROPKIT_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: DROPKIT_TEST_POSTGRES_URL is not set but CI is: the PostgreSQL tests \
                 must run in CI (.ci/run starts a server on 127.0.0.1:54329)"
            );
            eprintln!(
                "SKIPPED {test}: set DROPKIT_TEST_POSTGRES_URL=postgres://… to run it against a \
                 real PostgreSQL server (.ci/run starts one)"
            );
            None
        }
    }
}
