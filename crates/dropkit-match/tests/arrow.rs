//! The same records as Arrow record batches, as Parquet and as CSV give the same status
//! files, match report, matched records, figures and problems (features `arrow`, `parquet`).
#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, DictionaryArray, LargeStringArray, RecordBatch, StringArray, StringViewArray,
    types::Int32Type,
};
use arrow_schema::ArrowError;
use dropkit_hash::{DropHash, Hasher};
use dropkit_match::{
    DefaultRules, DirOptions, DirReport, Mapping, Position, Problem, match_batches_into_dir,
    match_into_dir,
};
use parquet::arrow::ArrowWriter;

const COLUMNS: [&str; 10] = [
    "id", "mail", "mail2", "first", "last", "dob", "zip", "vin", "tel", "mail_sha",
];

fn mapping() -> Mapping {
    "key=id,email=mail,email=mail2,first_name=first,last_name=last,dob=dob,zip=zip,vin=vin,\
     phone=tel,email_hash=mail_sha"
        .parse()
        .unwrap()
}

/// SplitMix64.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn email(i: u64) -> String {
    format!("consumer.{i}@example.com")
}

/// `n` records, deterministic, with everything the matcher meets: matches on every list, a
/// consumer on several rows, shared identifiers, nulls, blank and missing keys, values that
/// do not standardize, bad pre-hashed values, quotes, commas and line breaks in values.
fn rows(n: u64) -> Vec<[Option<String>; 10]> {
    (0..n)
        .map(|r| {
            let x = mix(r);
            let pick = |k: u32, m: u64| (x >> k) % m;
            let id = match pick(0, 50) {
                0 => None,
                1 => Some("  ".to_string()),
                2 => Some(format!("c{}", r / 2)),
                3 => Some(format!("c\"{r}\",\nx")),
                _ => Some(format!("c{r}")),
            };
            let mail = match pick(6, 6) {
                0 => None,
                1 => Some(format!(" {} ", email(pick(9, 300)).to_uppercase())),
                2 => Some(String::new()),
                3 => Some("   ".into()),
                _ => Some(format!("user.{r}@mail.com")),
            };
            let mail2 = (pick(12, 5) == 0).then(|| email(pick(15, 300)));
            let first =
                Some(["Danielle", "Eve", "Ann, Jr", "Zoë", "--"][pick(18, 5) as usize].into());
            let last = Some(["Johnson", "Genesis", "O'Brien"][pick(21, 3) as usize].into());
            let dob = match pick(24, 4) {
                0 => Some("1985-07-04".into()),
                1 => Some("19850704".into()),
                2 => Some("1985-02-30".into()),
                _ => None,
            };
            let zip =
                Some(["91790", "91790-3771", "00000", "\"M1B 1A1\""][pick(27, 4) as usize].into());
            let vin = match pick(30, 3) {
                0 => Some("1HGCM82633A004352".into()),
                1 => Some("1HGCM8263".into()),
                _ => None,
            };
            let tel = match pick(33, 3) {
                0 => Some(format!("+1 (415) 555-{:04}", pick(36, 200))),
                1 => Some("n/a".into()),
                _ => None,
            };
            let mail_sha = match pick(44, 10) {
                0 => Some(DropHash::of_standardized(&email(pick(48, 300))).to_string()),
                1 => Some("not a hash".into()),
                _ => None,
            };
            [id, mail, mail2, first, last, dob, zip, vin, tel, mail_sha]
        })
        .collect()
}

fn download(dir: &Path) -> PathBuf {
    let mut h = Hasher::new();
    let mut email_list = String::from("ID,Hash\n");
    for i in 0..200u64 {
        writeln!(
            email_list,
            "EMAIL{i:07},{}",
            DropHash::of_standardized(&email(i))
        )
        .unwrap();
    }
    // An Id listed twice, and one work item per phone.
    writeln!(
        email_list,
        "EMAIL{:07},{}",
        5,
        DropHash::of_standardized(&email(5))
    )
    .unwrap();
    let mut phone = String::from("ID,Hash\n");
    for i in 0..100u64 {
        let hash = h
            .hash(dropkit_hash::Field::Phone, &format!("415555{i:04}"))
            .unwrap();
        writeln!(phone, "PHONE{i:07},{hash}").unwrap();
    }
    let ndz = h.ndz("Danielle", "Johnson", "1985-07-04", "91790").unwrap();
    let ndz2 = h.ndz("Eve", "Genesis", "19850704", "m1b1a").unwrap();
    let nv = h.name_vin("Eve", "Genesis", "1HGCM82633A004352").unwrap();
    let files = [
        ("20260312_4821_Email.csv", email_list),
        ("20260312_4821_Phone.csv", phone),
        (
            "20260312_4821_NDZ.csv",
            format!("ID,Hash\nNDZ000000001,{ndz}\nNDZ000000002,{ndz2}\n"),
        ),
        (
            "20260312_4821_NameVIN.csv",
            format!("ID,Hash\nNVIN00000001,{nv}\n"),
        ),
    ];
    let path = dir.join("20260312_4821_DROP.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn csv_field(v: &Option<String>) -> String {
    match v {
        None => String::new(),
        Some(v) if v.contains([',', '"', '\n', '\r']) => format!("\"{}\"", v.replace('"', "\"\"")),
        Some(v) => v.clone(),
    }
}

fn write_csv(path: &Path, rows: &[[Option<String>; 10]]) {
    let mut text = COLUMNS.join(",") + "\n";
    for row in rows {
        text += &row.iter().map(csv_field).collect::<Vec<_>>().join(",");
        text += "\n";
    }
    std::fs::write(path, text).unwrap();
}

/// Column `c` of `rows` as the `form`-th string type (Utf8, LargeUtf8, Utf8View, dictionary).
fn column(rows: &[[Option<String>; 10]], c: usize, form: usize) -> ArrayRef {
    let values: Vec<Option<&str>> = rows.iter().map(|r| r[c].as_deref()).collect();
    match form % 4 {
        0 => Arc::new(StringArray::from(values)),
        1 => Arc::new(LargeStringArray::from(values)),
        2 => Arc::new(StringViewArray::from(values)),
        _ => Arc::new(values.into_iter().collect::<DictionaryArray<Int32Type>>()),
    }
}

/// The rows as record batches of uneven sizes, each column of another string type; the last
/// batch is a slice of a larger one (offset != 0).
fn batches(rows: &[[Option<String>; 10]]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut k = 0;
    while start < rows.len() {
        let len = [1, 700, 9000, 20_000, 3][k % 5].min(rows.len() - start);
        let chunk = &rows[start..start + len];
        let batch = if start + len == rows.len() {
            // Padded each side, then sliced back.
            let mut padded = rows[..2.min(start)].to_vec();
            let pad = padded.len();
            padded.extend_from_slice(chunk);
            padded.extend_from_slice(&rows[..1]);
            let cols = (0..10).map(|c| (COLUMNS[c], column(&padded, c, c + k)));
            RecordBatch::try_from_iter(cols).unwrap().slice(pad, len)
        } else {
            let cols = (0..10).map(|c| (COLUMNS[c], column(chunk, c, c + k)));
            RecordBatch::try_from_iter(cols).unwrap()
        };
        out.push(batch);
        start += len;
        k += 1;
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// What two runs must agree on. Problems are compared with the CSV lines turned into rows:
/// the CSV's records are one line each but for the keys holding a line break, so lines are
/// mapped through `line_of_row`.
fn assert_same(csv: &DirReport, other: &DirReport, line_of_row: &[u64]) {
    let files = |r: &DirReport| -> Vec<(String, String)> {
        r.status_files
            .iter()
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    read(p),
                )
            })
            .collect()
    };
    assert_eq!(files(csv), files(other));
    assert_eq!(read(&csv.matches_file), read(&other.matches_file));
    assert_eq!(csv.matched, other.matched);
    assert_eq!(csv.warnings, other.warnings);
    let (a, b) = (&csv.summary, &other.summary);
    assert_eq!(
        (
            a.records_read,
            a.bad_rows,
            a.problems,
            &a.lists,
            &a.unmatchable
        ),
        (
            b.records_read,
            b.bad_rows,
            b.problems,
            &b.lists,
            &b.unmatchable
        )
    );
    assert_eq!(csv.problems.len(), other.problems.len());
    for (p, q) in csv.problems.iter().zip(&other.problems) {
        assert_eq!(p.position, Position::Line);
        assert_eq!(q.position, Position::Row);
        let row = q.line as usize;
        assert_eq!(p.line, line_of_row[row - 1], "{p} / {q}");
        assert_eq!((&p.column, &p.kind), (&q.column, &q.kind), "{p} / {q}");
    }
}

fn line_of_row(rows: &[[Option<String>; 10]]) -> Vec<u64> {
    let mut line = 2;
    rows.iter()
        .map(|r| {
            let this = line;
            line += 1 + r
                .iter()
                .flatten()
                .map(|v| v.matches('\n').count() as u64)
                .sum::<u64>();
            this
        })
        .collect()
}

#[test]
fn batches_parquet_and_csv_give_the_same_files_matches_and_problems() {
    let dir = tempfile::tempdir().unwrap();
    let zip = download(dir.path());
    let rows = rows(40_000);
    let csv_path = dir.path().join("customers.csv");
    write_csv(&csv_path, &rows);
    let options = DirOptions::default()
        .max_problems(100_000)
        .max_rows_per_file(50);

    let csv = match_into_dir(
        &zip,
        &csv_path,
        &mapping(),
        &DefaultRules,
        &dir.path().join("csv"),
        &options,
    )
    .unwrap();
    assert!(
        csv.summary.lists.iter().all(|l| l.matched() > 0),
        "{:?}",
        csv.summary.lists
    );
    assert!(csv.problems.len() > 1000);

    // Record batches handed over directly.
    let batches = batches(&rows);
    assert!(batches.len() > 3);
    let schema = batches[0].schema();
    let arrow = match_batches_into_dir(
        &zip,
        &schema,
        batches.iter().cloned().map(Ok::<_, ArrowError>),
        &mapping(),
        &DefaultRules,
        &dir.path().join("arrow"),
        &options.clone().records_name("customers"),
    )
    .unwrap();
    let lines = line_of_row(&rows);
    assert_same(&csv, &arrow, &lines);
    assert!(arrow.problems.iter().all(|p| &*p.file == "customers"));

    // The same rows in a Parquet file, through match_into_dir.
    let parquet_path = dir.path().join("customers.parquet");
    // Parquet keeps one type per column: every column as nullable Utf8.
    let utf8 = Arc::new(arrow_schema::Schema::new(
        COLUMNS
            .iter()
            .map(|n| arrow_schema::Field::new(*n, arrow_schema::DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let file = std::fs::File::create(&parquet_path).unwrap();
    let mut writer = ArrowWriter::try_new(file, utf8.clone(), None).unwrap();
    for b in &batches {
        let cols: Vec<ArrayRef> = b
            .columns()
            .iter()
            .map(|c| arrow_cast::cast(c, &arrow_schema::DataType::Utf8).unwrap())
            .collect();
        writer
            .write(&RecordBatch::try_new(utf8.clone(), cols).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    let parquet = match_into_dir(
        &zip,
        &parquet_path,
        &mapping(),
        &DefaultRules,
        &dir.path().join("parquet"),
        &options,
    )
    .unwrap();
    assert_same(&csv, &parquet, &lines);
    let shown = parquet.problems[0].to_string();
    assert!(shown.contains("customers.parquet: row "), "{shown}");
}

#[test]
fn a_failing_batch_or_a_missing_column_stops_the_run_with_the_records_named() {
    let dir = tempfile::tempdir().unwrap();
    let zip = download(dir.path());
    let batches = batches(&rows(10));
    let schema = batches[0].schema();
    let failing = [
        Ok(batches[0].clone()),
        Err(ArrowError::IoError(
            "disk gone".into(),
            std::io::Error::other("x"),
        )),
    ];
    let err = match_batches_into_dir(
        &zip,
        &schema,
        failing,
        &mapping(),
        &DefaultRules,
        &dir.path().join("a"),
        &DirOptions::default().records_name("customers"),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("customers: "), "{err}");
    assert!(err.to_string().contains("disk gone"), "{err}");

    let err = match_batches_into_dir(
        &zip,
        &schema,
        Vec::<Result<RecordBatch, ArrowError>>::new(),
        &"key=id,email=nope".parse().unwrap(),
        &DefaultRules,
        &dir.path().join("b"),
        &DirOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");

    // No batch at all: every work item is Not found.
    let report = match_batches_into_dir(
        &zip,
        &schema,
        Vec::<Result<RecordBatch, ArrowError>>::new(),
        &mapping(),
        &DefaultRules,
        &dir.path().join("c"),
        &DirOptions::default(),
    )
    .unwrap();
    assert_eq!(report.summary.records_read, 0);
    assert!(report.summary.lists.iter().all(|l| l.matched() == 0));
}

#[test]
fn strict_mode_stops_at_the_first_problem_naming_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let zip = download(dir.path());
    let rows = rows(500);
    let first_bad = {
        let csv_path = dir.path().join("r.csv");
        write_csv(&csv_path, &rows);
        let report = match_into_dir(
            &zip,
            &csv_path,
            &mapping(),
            &DefaultRules,
            &dir.path().join("csv"),
            &DirOptions::default(),
        )
        .unwrap();
        report.problems[0].clone()
    };
    let batches = batches(&rows);
    let err = match_batches_into_dir(
        &zip,
        &batches[0].schema(),
        batches.into_iter().map(Ok),
        &mapping(),
        &DefaultRules,
        &dir.path().join("strict"),
        &DirOptions::default()
            .strict(true)
            .records_name(first_bad.file.to_string()),
    )
    .unwrap_err();
    let row = line_of_row(&rows)
        .iter()
        .position(|&l| l == first_bad.line)
        .unwrap()
        + 1;
    let want = Problem {
        line: row as u64,
        position: Position::Row,
        ..first_bad
    };
    assert_eq!(err.to_string(), format!("strict mode: {want}"));
}
