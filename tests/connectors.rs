//! The delete step: a round deletes the matched records through the broker's connector
//! before DROP is told, holds back the lists of keys it could not delete, and resumes after a
//! crash inside the step with no batch lost.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use dropkit_connector::{CommandConnector, SqlConnector};
use dropkit_cycle::demo::{Demo, DemoOptions};
use dropkit_cycle::{CycleError, Exemptions, Outcome};
use dropkit_provider::testing::RecordingProvider;
use sqlx::{Connection as _, Executor as _, Row as _};

const DELETE: &str = "DELETE FROM customers WHERE id = $1";
const OPT_OUT: &str = "UPDATE customers SET do_not_sell = 1 WHERE id = $1";

fn options() -> DemoOptions {
    DemoOptions {
        listed: 40,
        recorded: 40,
        ..DemoOptions::default()
    }
}

/// The keys of the demo's records file.
fn record_keys(records: &Path) -> Vec<String> {
    std::fs::read_to_string(records)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

/// Per key, the statuses `matches.csv` gives it.
fn statuses_by_key(state: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(state.join("matches.csv"))
        .unwrap()
        .lines()
        .skip(1)
    {
        let f: Vec<&str> = line.split(',').collect();
        out.entry(f[2].to_owned())
            .or_default()
            .insert(f[3].to_owned());
    }
    out
}

/// Checks the database after a round: records matched with status 3 are gone, those matched
/// only with status 4 are opted out, the others untouched.
fn check_rows(rows: &BTreeMap<String, i64>, keys: &[String], state: &Path) {
    let by_key = statuses_by_key(state);
    assert!(by_key.values().any(|s| s.contains("3")));
    assert!(by_key.values().any(|s| s.len() == 1 && s.contains("4")));
    for key in keys {
        match by_key.get(key) {
            Some(s) if s.contains("3") => assert!(!rows.contains_key(key), "{key} not deleted"),
            Some(s) if s.contains("4") => {
                assert_eq!(rows.get(key), Some(&1), "{key} not opted out")
            }
            _ => assert_eq!(rows.get(key), Some(&0), "{key} touched"),
        }
    }
}

async fn sqlite_crm(path: &Path, keys: &[String]) -> String {
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    db.execute(
        "CREATE TABLE customers (id TEXT PRIMARY KEY, do_not_sell INTEGER NOT NULL DEFAULT 0)",
    )
    .await
    .unwrap();
    for key in keys {
        sqlx::query("INSERT INTO customers (id) VALUES ($1)")
            .bind(key)
            .execute(&mut db)
            .await
            .unwrap();
    }
    format!("sqlite://{}", path.display())
}

async fn sqlite_rows(url: &str) -> BTreeMap<String, i64> {
    let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("SELECT id, do_not_sell FROM customers")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_deletes_the_matched_rows_of_a_sqlite_database_before_answering() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(&state, options()).await.unwrap();
    let keys = record_keys(demo.records());
    let url = sqlite_crm(&dir.path().join("crm.db"), &keys).await;
    let connector = SqlConnector::connect(&url, DELETE, Some(OPT_OUT))
        .await
        .unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_connector(Arc::new(connector))
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    assert!(demo.check().passed(), "{:#?}", demo.check());
    check_rows(&sqlite_rows(&url).await, &keys, &state);
    // The connector deleted them: nothing left to delete by hand.
    assert!(
        !report.to_do.iter().any(|l| l.contains("matches.csv")),
        "{:?}",
        report.to_do
    );
}

/// An exempt record is kept even where the work item it matched is answered 3 or 4 for the
/// other records that matched it: never handed to the connector nor to a service provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exempt_record_is_kept_where_other_records_decide_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(
        &state,
        DemoOptions {
            listed: 60,
            recorded: 60,
            ..DemoOptions::default()
        },
    )
    .await
    .unwrap();
    let keys = record_keys(demo.records());
    let url = sqlite_crm(&dir.path().join("crm.db"), &keys).await;
    let connector = SqlConnector::connect(&url, DELETE, Some(OPT_OUT))
        .await
        .unwrap();
    let provider = Arc::new(RecordingProvider::new("maestroqa"));
    // CUST000030 shares its phone with HOUSEHOLD1, who is not exempt: that Phone work item
    // is answered 3 for HOUSEHOLD1, on CUST000030's row of matches.csv too.
    let exempt = "CUST000030";
    let report = demo
        .round()
        .unwrap()
        .with_connector(Arc::new(connector))
        .with_provider(provider.clone())
        .with_exemptions(Exemptions::from_pairs([(exempt, "litigation hold")]))
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    let by_key = statuses_by_key(&state);
    assert!(
        by_key[exempt].contains("3") || by_key[exempt].contains("4"),
        "{by_key:?}"
    );
    let rows = sqlite_rows(&url).await;
    assert_eq!(rows.get(exempt), Some(&0), "the exempt record was touched");
    assert!(
        !rows.contains_key("HOUSEHOLD1"),
        "HOUSEHOLD1 was not deleted"
    );
    let forwarded = std::fs::read_to_string(state.join("forward.json")).unwrap();
    assert!(!forwarded.contains(exempt), "{forwarded}");
    assert!(!provider.requests().is_empty());
    let exempt_emails: Vec<String> = std::fs::read_to_string(demo.records())
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&format!("{exempt},")))
        .flat_map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
        .filter(|f| f.contains('@'))
        // As standardized (the requests carry DROP's form: no whitespace, lowercase).
        .map(|f| f.split_whitespace().collect::<String>().to_lowercase())
        .collect();
    assert!(!exempt_emails.is_empty());
    for request in provider.requests() {
        for email in &exempt_emails {
            assert!(!request.emails.contains(email), "{email} was forwarded");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_deletes_the_matched_rows_of_a_real_postgresql_server() {
    let Ok(base) = std::env::var("DROPKIT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide DROPKIT_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: DROPKIT_TEST_POSTGRES_URL is not set (.ci/run starts a server)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(&state, options()).await.unwrap();
    let keys = record_keys(demo.records());
    let table = format!("customers_round_{}", std::process::id());
    let mut db = sqlx::PgConnection::connect(&base).await.unwrap();
    db.execute(
        format!(
            "CREATE TABLE {table} (id TEXT PRIMARY KEY, do_not_sell INTEGER NOT NULL DEFAULT 0)"
        )
        .as_str(),
    )
    .await
    .unwrap();
    for key in &keys {
        sqlx::query(&format!("INSERT INTO {table} (id) VALUES ($1)"))
            .bind(key)
            .execute(&mut db)
            .await
            .unwrap();
    }
    let connector = SqlConnector::connect(
        &base,
        &DELETE.replace("customers", &table),
        Some(&OPT_OUT.replace("customers", &table)),
    )
    .await
    .unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_connector(Arc::new(connector))
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    assert!(demo.check().passed());
    let rows: BTreeMap<String, i64> = sqlx::query(&format!("SELECT id, do_not_sell FROM {table}"))
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<String, _>(0), i64::from(r.get::<i32, _>(1))))
        .collect();
    db.execute(format!("DROP TABLE {table}").as_str())
        .await
        .unwrap();
    check_rows(&rows, &keys, &state);
}

/// A command connector that appends each key it is sent to `log`, and fails `bad` while the
/// file `fail-flag` exists.
fn command(dir: &Path, bad: &str) -> String {
    let script = dir.join("connector.sh");
    // One answer per key, though a key matched in several lists comes once per list.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nawk -F, -v sent={log} -v flag={flag} -v bad={bad} '\n\
             BEGIN {{ print \"Key,Result\"; failing = (system(\"test -e \" flag) == 0) }}\n\
             NR > 1 && !seen[$1]++ {{ print $1 >> sent; \
             print $1 \",\" (($1 == bad && failing) ? \"failed\" : \"done\") }}'\n",
            log = dir.join("sent.log").display(),
            flag = dir.join("fail-flag").display(),
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_the_connector_cannot_delete_holds_its_lists_and_the_rerun_completes_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(&state, options()).await.unwrap();
    // HOUSEHOLD1 shares a listed consumer's phone: it is claimed (4) in the Phone list only.
    let bad = "HOUSEHOLD1";
    std::fs::write(dir.path().join("fail-flag"), "").unwrap();
    let connector = Arc::new(CommandConnector::new(&command(dir.path(), bad)));
    let first = demo
        .round()
        .unwrap()
        .with_connector(connector.clone())
        .run()
        .await;
    let Err(CycleError::Connector { failed, held, .. }) = &first else {
        panic!("{first:?}");
    };
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, bad);
    // The lists that claim the key were not uploaded; the others were.
    let uploaded: BTreeSet<String> = demo
        .emulator()
        .received()
        .iter()
        .flat_map(|r| {
            r.files
                .iter()
                .filter(|f| f.accepted())
                .map(|f| f.name.clone())
        })
        .collect();
    assert!(!held.is_empty());
    for list in held {
        assert!(
            !uploaded
                .iter()
                .any(|f| f.ends_with(&format!("_{list}.csv"))),
            "{list} uploaded"
        );
    }
    assert_eq!(held, &["Phone".to_owned()]);
    assert!(
        uploaded.iter().any(|f| f.ends_with("_Email.csv")),
        "{uploaded:?}"
    );
    let sent_first = std::fs::read_to_string(dir.path().join("sent.log")).unwrap();

    // Run without the connector: the failed key is never claimed by default.
    let without = demo.round().unwrap().run().await;
    assert!(
        matches!(&without, Err(CycleError::Connector { .. })),
        "{without:?}"
    );
    let uploaded_after: usize = demo
        .emulator()
        .received()
        .iter()
        .flat_map(|r| r.files.iter().filter(|f| f.accepted()))
        .count();
    assert_eq!(uploaded_after, uploaded.len(), "nothing more uploaded");

    // The key can be deleted now: the rerun sends only it, and the round completes.
    std::fs::remove_file(dir.path().join("fail-flag")).unwrap();
    let second = demo
        .round()
        .unwrap()
        .with_connector(connector)
        .run()
        .await
        .unwrap();
    assert_eq!(second.outcome, Outcome::Finished);
    let sent_all = std::fs::read_to_string(dir.path().join("sent.log")).unwrap();
    let resent: Vec<&str> = sent_all[sent_first.len()..].lines().collect();
    assert!(resent.iter().all(|k| *k == bad), "{resent:?}");
    assert!(!resent.is_empty());
    assert!(demo.check().passed(), "{:#?}", demo.check());
}

/// With `DROPKIT_TEST_DELETE_CHILD` set, this test binary is the round that crashes: its
/// connector kills it (SIGKILL) after applying the first batch, before the answer is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_round_killed_inside_the_delete_step() {
    let Ok(spec) = std::env::var("DROPKIT_TEST_DELETE_CHILD") else {
        return;
    };
    let [base, key, state, records, cmd]: [&str; 5] =
        spec.split('|').collect::<Vec<_>>().try_into().unwrap();
    let client = dropkit_client::Client::builder()
        .environment(dropkit_client::Environment::Custom(base.to_owned()))
        .api_key(key.to_owned())
        .build()
        .unwrap();
    let mapping = "key=key,email=email,phone=phone,first_name=first_name,last_name=last_name,\
                   dob=dob,zip=zip,maid=maid,ctvid=ctvid,vin=vin";
    let round = dropkit_cycle::Round::new(client, state, records, mapping.parse().unwrap())
        .with_connector(Arc::new(CommandConnector::new(cmd)));
    let _ = round.run().await;
    panic!("the connector should have killed this process");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_inside_the_delete_step_resumes_with_no_batch_lost() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let demo = Demo::start(&state, options()).await.unwrap();
    let keys = record_keys(demo.records());
    let url = sqlite_crm(&dir.path().join("crm.db"), &keys).await;
    // Deletes each key it is sent, then kills the round that ran it (its parent) before
    // answering: the batch is applied, its answer never recorded.
    let killer = dir.path().join("killer.sh");
    std::fs::write(
        &killer,
        format!(
            "#!/bin/sh\nread header\nwhile IFS=, read key list id action; do\n  \
             if [ \"$action\" = opt-out ]; then sql=\"UPDATE customers SET do_not_sell = 1 WHERE id = '$key'\"; \
             else sql=\"DELETE FROM customers WHERE id = '$key'\"; fi\n\
             sqlite3 {db} \"$sql\" 2>/dev/null || true\n\
             echo \"$key\" >> {log}\ndone\n\
             kill -9 \"$(ps -o ppid= -p $PPID | tr -d ' ')\"\n",
            db = dir.path().join("crm.db").display(),
            log = dir.path().join("killed.log").display(),
        ),
    )
    .unwrap();
    let spec = format!(
        "{}|{}|{}|{}|sh {}",
        demo.emulator().base_url(),
        demo.emulator().api_key(),
        state.display(),
        demo.records().display(),
        killer.display()
    );
    // The demo's state directory is marked as a demo's; the child runs a plain round on it.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_round_killed_inside_the_delete_step",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DROPKIT_TEST_DELETE_CHILD", spec)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
    assert!(dir.path().join("killed.log").exists(), "the connector ran");
    let journal = std::fs::read_to_string(state.join("delete-journal.jsonl")).unwrap();
    assert!(
        journal.contains("\"sending\"") && !journal.contains("\"answered\""),
        "{journal}"
    );
    // Nothing was claimed to DROP.
    assert!(
        demo.emulator()
            .received()
            .iter()
            .all(|r| r.files.is_empty())
    );

    // Resumed with the real connector: the unanswered batch is sent again (deleting what is
    // gone is done), nothing is skipped, and DROP gets every answer.
    let connector = SqlConnector::connect(&url, DELETE, Some(OPT_OUT))
        .await
        .unwrap();
    let report = demo
        .round()
        .unwrap()
        .with_connector(Arc::new(connector))
        .run()
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Finished);
    assert!(demo.check().passed(), "{:#?}", demo.check());
    check_rows(&sqlite_rows(&url).await, &keys, &state);
}
