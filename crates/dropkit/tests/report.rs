//! `dropkit report`: after three rounds against the DROP emulator, the report's counts equal
//! what the status files uploaded say (read here independently of dropkit), a status file
//! changed after its upload fails the report, and the HTML page renders in headless Chromium
//! with its charts and numbers.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use support::{World, WorldOptions, bare_command, cycle_json, runtime, spawn};

const LIMIT: Duration = Duration::from_secs(120);

fn logs(world: &World) -> PathBuf {
    world.root.join("logs")
}

/// Per list type, per status code: the work items the uploaded status files answer, read
/// from every round directory's `state.json` and `responses/` (the last file to answer an Id
/// wins). Also the number of status files read.
fn uploaded_counts(state: &Path) -> (BTreeMap<String, BTreeMap<String, u64>>, usize) {
    let mut dirs = vec![state.to_owned()];
    if let Ok(entries) = std::fs::read_dir(state.join("rounds")) {
        dirs.extend(entries.map(|e| e.unwrap().path()));
    }
    let mut answers: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut files = 0;
    for dir in dirs {
        let Ok(text) = std::fs::read_to_string(dir.join("state.json")) else {
            continue;
        };
        let st: Value = serde_json::from_str(&text).unwrap();
        let Some(uploads) = st["uploads"].as_object() else {
            continue;
        };
        let mut names: Vec<(&str, &String)> = uploads
            .iter()
            .map(|(name, u)| (u["at"].as_str().unwrap_or(""), name))
            .collect();
        names.sort();
        for (_, name) in names {
            files += 1;
            // 20261130_4821_Email.csv (or with a suffix): the list is the third part.
            let list = name.trim_end_matches(".csv").split('_').nth(2).unwrap();
            let body = std::fs::read_to_string(dir.join("responses").join(name)).unwrap();
            let mut lines = body.lines();
            assert_eq!(lines.next(), Some("Id,Status"), "{name}");
            for line in lines.filter(|l| !l.is_empty()) {
                let (id, status) = line.split_once(',').unwrap();
                answers.insert((list.to_owned(), id.to_owned()), status.to_owned());
            }
        }
    }
    let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for ((list, _), status) in answers {
        *counts.entry(list).or_default().entry(status).or_default() += 1;
    }
    (counts, files)
}

/// `dropkit report ARGS` run in `cwd`.
fn report(cwd: &Path, args: &[&str]) -> support::Run {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    spawn(bare_command(cwd, &all), &cwd.join("logs"), "report").finish(LIMIT)
}

/// Debian's Chromium, as `chromium` or `chromium-browser` on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        ["chromium", "chromium-browser"]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The page as Chromium renders it (`--dump-dom`), or `None` (with a notice) when Chromium
/// is missing outside CI. In CI a missing Chromium fails the test.
fn render(page: &Path, logs: &Path) -> Option<String> {
    let Some(chromium) = chromium() else {
        assert!(
            !ci(),
            "CI is set but Chromium is not installed (chromium or chromium-browser on the PATH); \
             .ci/run installs Debian's chromium package"
        );
        eprintln!(
            "notice: Chromium not found (chromium, chromium-browser): the render check is skipped"
        );
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()));
    let run = spawn(command, logs, "chromium").finish(LIMIT);
    assert_eq!(run.code(), Some(0), "chromium failed\n{}", run.output());
    Some(run.stdout)
}

#[test]
fn the_report_agrees_with_three_rounds_of_uploaded_status_files() {
    let rt = runtime();
    let tmp = tempfile::tempdir().unwrap();
    let mut world = World::start(
        &rt,
        tmp.path(),
        &WorldOptions {
            batches: 3,
            ..WorldOptions::default()
        },
    );
    let year = time::OffsetDateTime::now_utc().year();
    let mut forwarded_any = false;
    for round in 0..3 {
        if round > 0 {
            assert!(world.next_batch(), "no batch for round {round}");
        }
        let (run, json) = cycle_json(
            world.cycle(&["--json"]),
            &logs(&world),
            &format!("round-{round}"),
            LIMIT,
        );
        assert_eq!(run.code(), Some(0), "round {round}\n{}", run.output());
        assert_eq!(json["report"]["outcome"]["kind"], "finished", "{json:#}");
        forwarded_any |= json["report"]["forwarded"]
            .as_object()
            .is_some_and(|f| !f.is_empty());
    }
    let state = world.state.to_str().unwrap().to_owned();
    let year_arg = year.to_string();

    // JSON: every count equals what the uploaded files say.
    let run = report(
        &world.root,
        &["--state-dir", &state, "--year", &year_arg, "--json"],
    );
    assert_eq!(run.code(), Some(0), "{}", run.output());
    let json = run.json();
    let (files, file_count) = uploaded_counts(&world.state);
    assert!(
        file_count >= 3,
        "only {file_count} status files were uploaded"
    );
    assert_eq!(json["year"], year);
    assert_eq!(json["rounds"].as_array().unwrap().len(), 3, "{json:#}");
    assert_eq!(json["checked"]["rounds"], 3, "{json:#}");
    assert_eq!(json["checked"]["status_files"], file_count, "{json:#}");
    let field = |status: &str| match status {
        "2" => "exempted",
        "3" => "deleted",
        "4" => "opted_out",
        "5" => "not_found",
        other => panic!("status {other} in an uploaded file"),
    };
    let lists = json["lists"].as_array().unwrap();
    let mut total: BTreeMap<&str, u64> = BTreeMap::new();
    for (list, by_status) in &files {
        let row = lists
            .iter()
            .find(|l| l["list_type"] == list.as_str())
            .unwrap_or_else(|| panic!("no row for {list} in {json:#}"));
        let mut answered = 0;
        for name in ["exempted", "deleted", "opted_out", "not_found"] {
            let expected: u64 = by_status
                .iter()
                .filter(|(s, _)| field(s) == name)
                .map(|(_, n)| n)
                .sum();
            assert_eq!(row[name], expected, "{list} {name}: {row:#}");
            answered += expected;
            *total.entry(name).or_default() += expected;
        }
        assert_eq!(row["answered"], answered, "{row:#}");
        assert_eq!(
            row["received"], answered,
            "every work item is answered: {row:#}"
        );
        assert_eq!(row["unanswered"], 0, "{row:#}");
    }
    assert_eq!(lists.len(), files.len(), "{json:#}");
    for (name, n) in &total {
        assert_eq!(json["total"][*name], *n, "total {name}: {json:#}");
    }
    let received: u64 = total.values().sum();
    assert_eq!(json["total"]["received"], received);
    for r in json["rounds"].as_array().unwrap() {
        assert!(r["days_to_answer"].as_i64().is_some(), "{r:#}");
    }
    assert_eq!(json["days_to_answer"]["rounds"], 3, "{json:#}");
    assert!(json["days_to_answer"]["median"].is_number(), "{json:#}");
    assert!(json["days_to_answer"]["maximum"].is_number(), "{json:#}");
    if forwarded_any {
        let providers = json["providers"].as_array().unwrap();
        assert!(
            providers
                .iter()
                .any(|p| p["provider"] == "id5" && p["forwarded"].as_u64() > Some(0)),
            "{json:#}"
        );
    }

    // Text and CSV say the same.
    let run = report(&world.root, &["--state-dir", &state, "--year", &year_arg]);
    assert_eq!(run.code(), Some(0), "{}", run.output());
    assert!(run.stdout.contains("Work items by list"), "{}", run.stdout);
    assert!(run.stdout.contains("the ledger agrees"), "{}", run.stdout);
    let run = report(
        &world.root,
        &["--state-dir", &state, "--year", &year_arg, "--csv"],
    );
    assert_eq!(run.code(), Some(0), "{}", run.output());
    assert!(
        run.stdout
            .starts_with("year,section,subject,measure,value\n")
    );
    assert!(
        run.stdout
            .contains(&format!("{year},list,total,received,{received}\n")),
        "{}",
        run.stdout
    );

    // HTML, rendered by Chromium: both charts and the numbers are in the page.
    let page = world.root.join("out/report.html");
    let page_arg = page.to_str().unwrap().to_owned();
    let run = report(
        &world.root,
        &[
            "--state-dir",
            &state,
            "--year",
            &year_arg,
            "--html",
            &page_arg,
        ],
    );
    assert_eq!(run.code(), Some(0), "{}", run.output());
    let html = std::fs::read_to_string(&page).unwrap();
    for forbidden in ["<script", "http://", "https://", "@import", "url("] {
        let outside_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_svg_ns.contains(forbidden),
            "the page is not self-contained: {forbidden}"
        );
    }
    if let Some(dom) = render(&page, &logs(&world)) {
        assert!(dom.contains("<svg id=\"status-mix\""), "{dom}");
        assert!(dom.contains("<svg id=\"days-to-answer\""), "{dom}");
        assert!(dom.matches("class=\"segment\"").count() >= 3, "{dom}");
        assert_eq!(dom.matches("class=\"days\"").count(), 3, "{dom}");
        assert!(
            dom.contains(&format!("id=\"received\">{received}</strong>")),
            "{dom}"
        );
        assert!(dom.contains("<table id=\"lists\""), "{dom}");
        for list in files.keys() {
            assert!(dom.contains(&format!("<td>{list}</td>")), "{list}: {dom}");
        }
        let deleted = total["deleted"];
        assert!(
            dom.contains(&format!("data-count=\"{deleted}\""))
                || dom.contains(&format!("<td class=\"n\">{deleted}</td>")),
            "{dom}"
        );
    }

    // A status file changed after its upload: the report fails, naming the list.
    let (dir, name, list) = first_uploaded(&world.state);
    let path = dir.join("responses").join(&name);
    let body = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    let (id, status) = lines[1].split_once(',').unwrap();
    let changed = if status == "5" { "3" } else { "5" };
    lines[1] = format!("{id},{changed}");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let run = report(
        &world.root,
        &["--state-dir", &state, "--year", &year_arg, "--json"],
    );
    assert_eq!(run.code(), Some(1), "{}", run.output());
    assert!(run.stdout.is_empty(), "{}", run.output());
    assert!(run.stderr.contains("disagrees"), "{}", run.output());
    assert!(
        run.stderr.contains(&format!("{list}: status {changed}")),
        "{}",
        run.output()
    );
    // Nothing is written when the report fails.
    std::fs::remove_file(&page).unwrap();
    let run = report(
        &world.root,
        &[
            "--state-dir",
            &state,
            "--year",
            &year_arg,
            "--html",
            &page_arg,
        ],
    );
    assert_eq!(run.code(), Some(1), "{}", run.output());
    assert!(!page.exists());
}

/// The first uploaded status file of the archived rounds: its round directory, name and list.
fn first_uploaded(state: &Path) -> (PathBuf, String, String) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(state.join("rounds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let st: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap())
                .unwrap();
        if let Some((name, _)) = st["uploads"].as_object().and_then(|u| u.iter().next()) {
            let body = std::fs::read_to_string(dir.join("responses").join(name)).unwrap();
            if body.lines().nth(1).is_some() {
                let list = name.trim_end_matches(".csv").split('_').nth(2).unwrap();
                return (dir.clone(), name.clone(), list.to_owned());
            }
        }
    }
    panic!("no archived round uploaded a status file with a row");
}

#[test]
fn bad_input_exits_1_and_bad_usage_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere");
    let run = report(
        tmp.path(),
        &["--state-dir", missing.to_str().unwrap(), "--year", "2026"],
    );
    assert_eq!(run.code(), Some(1), "{}", run.output());
    assert!(
        run.stderr.contains("no such state directory"),
        "{}",
        run.output()
    );

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = report(
        tmp.path(),
        &["--state-dir", empty.to_str().unwrap(), "--year", "2026"],
    );
    assert_eq!(run.code(), Some(1), "{}", run.output());
    assert!(run.stderr.contains("no ledger"), "{}", run.output());
    assert!(
        !empty.join("ledger.sqlite").exists(),
        "a report created a ledger"
    );

    for args in [
        vec!["--state-dir", "x"],
        vec!["--year", "26x"],
        vec!["--year", "1800"],
        vec!["--year", "2026", "--json", "--csv"],
        vec!["--year", "2026", "--json", "--html", "x.html"],
    ] {
        let run = report(tmp.path(), &args);
        assert_eq!(run.code(), Some(2), "{args:?}\n{}", run.output());
    }
}
