//! `dropkit cycle` deleting through a connector, end to end: the `dropkit` binary against the
//! DROP emulator (in this process, on 127.0.0.1) and a SQLite database (a real PostgreSQL
//! server when `DROPKIT_TEST_POSTGRES_URL` is set; CI must set it), a command connector that
//! fails one key until the rerun, exemptions answered 2, and the same settings through
//! `--config dropkit.toml`.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use sqlx::{Connection as _, Executor as _, Row as _};
use support::{World, WorldOptions, runtime, server_problems, spawn};

const DELETE: &str = "DELETE FROM customers WHERE id = $1";
const OPT_OUT: &str = "UPDATE customers SET do_not_sell = 1 WHERE id = $1";
const LIMIT: Duration = Duration::from_secs(120);

fn options() -> WorldOptions {
    WorldOptions {
        listed: 20,
        id5_delay: None,
        ..WorldOptions::default()
    }
}

/// The keys of the records file (its first column).
fn record_keys(records: &Path) -> Vec<String> {
    std::fs::read_to_string(records)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

/// `matches.csv` (`Id,ListType,Key,Status`) as (work item, key, status) rows.
fn matches(state: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(state.join("matches.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[2].to_owned(), f[3].to_owned())
        })
        .collect()
}

/// Checks the database after a round: a record matched with status 3 is gone, one matched
/// only with status 4 is opted out, every other one (unmatched, exempt) untouched.
fn check_rows(rows: &BTreeMap<String, i64>, keys: &[String], state: &Path) {
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, key, status) in matches(state) {
        by_key.entry(key).or_default().insert(status);
    }
    assert!(by_key.values().any(|s| s.contains("3")), "{by_key:?}");
    assert!(
        by_key.values().any(|s| s.len() == 1 && s.contains("4")),
        "{by_key:?}"
    );
    let mut untouched = 0;
    for key in keys {
        match by_key.get(key) {
            Some(s) if s.contains("3") => assert!(!rows.contains_key(key), "{key} not deleted"),
            Some(s) if s.contains("4") => {
                assert_eq!(rows.get(key), Some(&1), "{key} not opted out")
            }
            _ => {
                assert_eq!(rows.get(key), Some(&0), "{key} touched");
                untouched += 1;
            }
        }
    }
    assert!(
        untouched > 0,
        "every record matched: the test proves nothing"
    );
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

/// Runs `command` to its end; asserts its exit code, printing its output otherwise.
fn run(world: &World, command: std::process::Command, label: &str, code: i32) -> support::Run {
    let run = spawn(command, &world.root.join("logs"), label).finish(LIMIT);
    assert_eq!(run.code(), Some(code), "{label}\n{}", run.output());
    run.assert_sane();
    run
}

#[test]
fn cycle_deletes_the_matched_rows_of_a_sqlite_database_and_answers_only_for_them() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &options());
    let keys = record_keys(&world.records);
    let url = rt.block_on(sqlite_crm(&world.root.join("crm.db"), &keys));
    run(
        &world,
        world.cycle(&[
            "--database-url",
            &url,
            "--delete-sql",
            DELETE,
            "--opt-out-sql",
            OPT_OUT,
        ]),
        "sqlite",
        0,
    );
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(problems.is_empty(), "{problems:#?}");
    check_rows(&rt.block_on(sqlite_rows(&url)), &keys, &world.state);
}

/// A command connector (`Key,ListType,Id,Action` in, `Key,Result` out) that appends every
/// key it is sent to `sent.log` and answers `failed` for the first key while the file
/// `fail-flag` exists (`failed.log` names it).
fn command_connector(dir: &Path) -> String {
    let script = dir.join("connector.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nawk -F, -v sent={sent} -v flag={flag} -v failed={failed} '\n\
             BEGIN {{ print \"Key,Result\"; failing = (system(\"test -e \" flag) == 0) }}\n\
             NR > 1 && !seen[$1]++ {{ print $1 >> sent; \
             if (failing && !bad) {{ bad = $1; print $1 > failed; print $1 \",failed\" }} \
             else print $1 \",done\" }}'\n",
            sent = dir.join("sent.log").display(),
            flag = dir.join("fail-flag").display(),
            failed = dir.join("failed.log").display(),
        ),
    )
    .unwrap();
    format!("sh {}", script.display())
}

#[test]
fn a_key_the_command_connector_fails_is_held_back_and_the_rerun_completes_it() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &options());
    let command = command_connector(&world.root);
    std::fs::write(world.root.join("fail-flag"), "").unwrap();
    let first = run(
        &world,
        world.cycle(&["--delete-command", &command]),
        "command-first",
        1,
    );
    let bad = std::fs::read_to_string(world.root.join("failed.log")).unwrap();
    let bad = bad.trim();
    assert!(!bad.is_empty());
    assert!(first.stderr.contains(bad), "{}", first.output());
    // The lists claiming the failed key were not uploaded: DROP is missing their answers.
    let held: BTreeSet<String> = matches(&world.state)
        .into_iter()
        .filter(|(_, key, _)| key == bad)
        .map(|(id, _, _)| id)
        .collect();
    assert!(!held.is_empty());
    let answered = world.emulator.statuses();
    for id in &held {
        assert!(
            !answered.contains_key(id.as_str()),
            "{id} answered before {bad} was deleted"
        );
    }
    let sent_first = std::fs::read_to_string(world.root.join("sent.log")).unwrap();

    // The rerun sends only the key that failed, and completes the round.
    std::fs::remove_file(world.root.join("fail-flag")).unwrap();
    run(
        &world,
        world.cycle(&["--delete-command", &command]),
        "command-rerun",
        0,
    );
    let sent = std::fs::read_to_string(world.root.join("sent.log")).unwrap();
    assert_eq!(&sent[sent_first.len()..], format!("{bad}\n"));
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_settings_of_a_config_file_delete_and_exempt_as_the_flags_do() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &options());
    let keys = record_keys(&world.records);
    let url = rt.block_on(sqlite_crm(&world.root.join("crm.db"), &keys));
    // CUST000001 is listed, in no household: its work items match it alone.
    let exempt = "CUST000001";
    std::fs::write(
        world.root.join("holds.csv"),
        format!("Key,Reason\n{exempt},Legal hold\n"),
    )
    .unwrap();
    std::fs::write(
        world.root.join("dropkit.toml"),
        format!(
            "records = {records:?}\nmap = {map:?}\nexempt = \"holds.csv\"\n\n\
             [connector]\ndatabase_url = {url:?}\ndelete_sql = {DELETE:?}\nopt_out_sql = {OPT_OUT:?}\n",
            records = world.records.display().to_string(),
            map = support::FULL_MAP,
        ),
    )
    .unwrap();
    let state = world.state.to_str().unwrap().to_owned();
    run(
        &world,
        world.command(&["cycle", "--state-dir", &state, "--config", "dropkit.toml"]),
        "config",
        0,
    );
    let rows = rt.block_on(sqlite_rows(&url));
    check_rows(&rows, &keys, &world.state);
    assert_eq!(rows.get(exempt), Some(&0), "the exempt record is kept");
    // The exempt consumer's work items are answered 2; every other work item as the data
    // implies.
    let exempted: BTreeSet<String> = matches(&world.state)
        .into_iter()
        .filter(|(_, key, status)| key == exempt && status == "2")
        .map(|(id, _, _)| id)
        .collect();
    assert!(!exempted.is_empty());
    let statuses = world.emulator.statuses();
    for id in &exempted {
        assert_eq!(
            statuses[&id.parse::<dropkit_files::WorkItemId>().unwrap()],
            dropkit_files::Status::Exempted
        );
    }
    let problems: Vec<String> = server_problems(&world.emulator, &world.truth)
        .into_iter()
        .filter(|p| !exempted.iter().any(|id| p.contains(id.as_str())))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The reason reached the audit chain as a count, the key did not.
    let chain = std::fs::read_to_string(world.state.join("audit.jsonl")).unwrap();
    assert!(
        chain.contains(&format!("\"exempt.legal-hold\":{}", exempted.len())),
        "{chain}"
    );
    assert!(!chain.contains(exempt), "{chain}");
}

#[test]
fn cycle_deletes_the_matched_rows_of_a_real_postgresql_server() {
    let Ok(base) = std::env::var("DROPKIT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide DROPKIT_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: DROPKIT_TEST_POSTGRES_URL is not set (.ci/run starts a server)");
        return;
    };
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let world = World::start(&rt, tmp.path(), &options());
    let keys = record_keys(&world.records);
    let table = format!("customers_cli_{}", std::process::id());
    rt.block_on(async {
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
    });
    let delete = DELETE.replace("customers", &table);
    let opt_out = OPT_OUT.replace("customers", &table);
    let ran = spawn(
        world.cycle(&[
            "--database-url",
            &base,
            "--delete-sql",
            &delete,
            "--opt-out-sql",
            &opt_out,
        ]),
        &world.root.join("logs"),
        "postgres",
    )
    .finish(LIMIT);
    let rows: BTreeMap<String, i64> = rt.block_on(async {
        let mut db = sqlx::PgConnection::connect(&base).await.unwrap();
        let rows = sqlx::query(&format!("SELECT id, do_not_sell FROM {table}"))
            .fetch_all(&mut db)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get::<String, _>(0), i64::from(r.get::<i32, _>(1))))
            .collect();
        db.execute(format!("DROP TABLE {table}").as_str())
            .await
            .unwrap();
        rows
    });
    assert_eq!(ran.code(), Some(0), "{}", ran.output());
    // The database password (if the URL has one) is never printed.
    if let Some(password) = url::Url::parse(&base)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        assert!(!ran.output().contains(&password));
    }
    let problems = server_problems(&world.emulator, &world.truth);
    assert!(problems.is_empty(), "{problems:#?}");
    check_rows(&rows, &keys, &world.state);
}
