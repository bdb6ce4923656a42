//! `dropkit_hash::pipeline::hash_lines`: one answer line per input line, in order, whatever the
//! block size; errors that name the input and line.
#![allow(clippy::unwrap_used)]

use std::io::{self, Read, Write};

use dropkit_hash::pipeline::{
    DEFAULT_BLOCK_BYTES, HashStats, LineHasher, LineKind, Options, PipelineError, hash_lines,
};
use dropkit_hash::{DropHash, Field};
use proptest::prelude::*;

const EMAIL: LineKind = LineKind::Field(Field::Email);

fn run_with(kind: LineKind, input: &[u8], options: &Options) -> (String, HashStats) {
    let mut out = Vec::new();
    let stats = hash_lines(kind, input, &mut out, options).unwrap();
    (String::from_utf8(out).unwrap(), stats)
}

fn run_on(kind: LineKind, input: &str) -> String {
    run_with(kind, input.as_bytes(), &Options::new()).0
}

#[test]
fn one_line_out_per_line_in_with_errors_as_data() {
    let (out, stats) = run_with(
        EMAIL,
        b" Anna.Smith@Domain.com\r\n  \nalice@co.com",
        &Options::new(),
    );
    assert_eq!(
        out,
        "anna.smith@domain.com\tKA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\n\
         ERROR\temail standardizes to nothing\n\
         alice@co.com\tVq+cMxlYylNez5+9kgWt1TcL1sYzvRDfj3wPgyhusHM=\n"
    );
    assert_eq!((stats.lines, stats.hashed, stats.rejected), (3, 2, 1));
    assert_eq!(run_on(EMAIL, ""), "");
}

#[test]
fn composites_join_standardized_fields_with_bars() {
    let out = run_on(
        LineKind::Ndz,
        "Danielle,Johnson,1985-07-04,91790\n\"O'Neil, Jr\",x\n\n\"Danielle\",\"Johnson\",\"19850704\",\"91790\"\n",
    );
    let ndz = "danielle|johnson|19850704|91790\tPQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=";
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            ndz,
            "ERROR\texpected 4 comma-separated fields (first,last,dob,zip), got 2",
            "ERROR\texpected 4 comma-separated fields (first,last,dob,zip), got 0",
            ndz,
        ]
    );
    let out = run_on(
        LineKind::NameVin,
        "Eve,Genesis,1HGCM82633A004352\n\"Eve\",x\n",
    );
    assert_eq!(
        out,
        "eve|genesis|1hgcm82633a004352\trtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=\n\
         ERROR\texpected 3 comma-separated fields (first,last,vin), got 2\n"
    );
}

#[test]
fn a_quoted_comma_stays_in_its_field() {
    let mut h = LineHasher::new(LineKind::Ndz);
    let quoted = h
        .hash_line("\"Smith, Anna\",Jones,1985-07-04,91790")
        .unwrap();
    assert_eq!(h.standardized(), "smithanna|jones|19850704|91790");
    let plain = h.hash_line("SmithAnna,Jones,19850704,91790").unwrap();
    assert_eq!(quoted, plain);
}

#[test]
fn lines_across_many_blocks_keep_order_and_numbers() {
    let input: String = (0..200_000).map(|i| format!("U{i}@X.com\n")).collect();
    assert!(input.len() > 2 * DEFAULT_BLOCK_BYTES);
    let out = run_on(EMAIL, &input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 200_000);
    for (i, line) in lines.iter().enumerate() {
        let (std, hash) = line.split_once('\t').unwrap();
        assert_eq!(std, format!("u{i}@x.com"));
        assert_eq!(hash, DropHash::of_standardized(std).to_string());
    }
    let mut bad = input.into_bytes();
    bad.extend_from_slice(b"ok@x.com\n\xfe\nnever@read.com\n");
    let mut out = Vec::new();
    let err = hash_lines(EMAIL, &bad[..], &mut out, &Options::new()).unwrap_err();
    assert!(
        matches!(err, PipelineError::NotUtf8 { line: 200_002, .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "standard input:200002: not valid UTF-8");
    // Every line before the bad one was answered, and nothing after it.
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 200_001);
}

#[test]
fn a_line_longer_than_a_block_is_hashed_whole() {
    let long = "a".repeat(3 * DEFAULT_BLOCK_BYTES) + "@x.com";
    let out = run_on(EMAIL, &format!("{long}\nb@x.com"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(&long));
    assert!(lines[1].starts_with("b@x.com\t"));
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_not_hashed() {
    let out = run_on(EMAIL, "\u{feff}Anna.Smith@Domain.com\n\u{feff}x@y.z\n");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("anna.smith@domain.com\tKA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=")
    );
    // Only the first line can start with a BOM; elsewhere U+FEFF is data (and not
    // whitespace, so the email keeps it).
    assert!(lines.next().unwrap().starts_with("\u{feff}x@y.z\t"));
}

#[test]
fn errors_name_the_input_and_output_given() {
    let options = Options::new()
        .input_name("emails.txt")
        .output_name("hashes.txt");
    let err = hash_lines(EMAIL, &b"a@b.c\n\xff\n"[..], Vec::new(), &options).unwrap_err();
    assert_eq!(err.to_string(), "emails.txt:2: not valid UTF-8");
    assert!(std::error::Error::source(&err).is_some());

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk gone"))
        }
    }
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let err = hash_lines(EMAIL, Failing, Vec::new(), &options).unwrap_err();
    assert!(matches!(&err, PipelineError::Read { input, .. } if input == "emails.txt"));
    assert_eq!(err.to_string(), "reading emails.txt");
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "disk gone"
    );
    let err = hash_lines(EMAIL, &b"a@b.c\n"[..], Failing, &options).unwrap_err();
    assert!(matches!(&err, PipelineError::Write { output, source }
        if output == "hashes.txt" && source.kind() == io::ErrorKind::BrokenPipe));
}

/// The answer to each line alone, by `LineHasher`: what the pipeline must write, in order.
fn line_by_line(kind: LineKind, input: &str) -> String {
    let mut h = LineHasher::new(kind);
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    if input.is_empty() {
        return String::new();
    }
    // An empty line is a line: "\n" is one empty line, "" none.
    let input = input.strip_suffix('\n').unwrap_or(input);
    input
        .split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            match h.hash_line(line) {
                Ok(hash) => format!("{}\t{hash}\n", h.standardized()),
                Err(e) => format!("ERROR\t{e}\n"),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    // (A lone byte-order mark once made the pipeline answer one empty line where there is
    // none: `["\u{feff}"]`, block 1.)

    /// Blocks of any size, even one byte, give the same lines as hashing each line alone.
    #[test]
    fn any_block_size_gives_the_same_answers(
        lines in prop::collection::vec(r#"[a-c ,"\r\u{feff}é0-9-]{0,14}"#, 0..40),
        block in 1usize..64,
        ndz in any::<bool>(),
    ) {
        let kind = if ndz { LineKind::Ndz } else { EMAIL };
        let input = lines.join("\n");
        let (out, stats) = run_with(kind, input.as_bytes(), &Options::new().block_bytes(block));
        prop_assert_eq!(&out, &line_by_line(kind, &input));
        prop_assert_eq!(stats.lines, out.lines().count() as u64);
        prop_assert_eq!(stats.hashed + stats.rejected, stats.lines);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Single values are hashed two lines at a time: every mix of answers (errors among
    /// them), of capitals (plain emails are hashed from the line, lowercased as hashed), of
    /// lengths (one to three SHA-256 blocks) and an odd last line give the answers
    /// of each line alone, in order.
    #[test]
    fn single_values_hashed_in_pairs_answer_as_line_by_line(
        lines in prop::collection::vec(
            prop_oneof![
                r#"[a-cA-C @.0-9\t]{0,150}"#,
                // Plain emails (hashed from the line, lowercased as hashed), around the one
                // block a value fits (55 bytes) and past it.
                r#"[ \t]?[a-cA-C@.0-9]{1,70}[ \t]?"#,
            ],
            0..30,
        ),
        phone in any::<bool>(),
    ) {
        let kind = if phone { LineKind::Field(dropkit_hash::Field::Phone) } else { EMAIL };
        let input = lines.join("\n");
        let (out, stats) = run_with(kind, input.as_bytes(), &Options::new());
        prop_assert_eq!(&out, &line_by_line(kind, &input));
        prop_assert_eq!(stats.hashed + stats.rejected, stats.lines);
    }
}

#[test]
fn a_byte_order_mark_alone_is_no_line_and_an_empty_line_is_one() {
    for block in [1, 2, 3, 64] {
        let opts = Options::new().block_bytes(block);
        let (out, stats) = run_with(EMAIL, "\u{feff}".as_bytes(), &opts);
        assert_eq!((out.as_str(), stats.lines), ("", 0), "block {block}");
        let (out, stats) = run_with(EMAIL, "\u{feff}\n".as_bytes(), &opts);
        assert_eq!(stats.lines, 1, "block {block}: {out:?}");
        let (out, stats) = run_with(EMAIL, "\n".as_bytes(), &opts);
        assert_eq!(stats.lines, 1, "block {block}: {out:?}");
        assert!(out.starts_with("ERROR\t"), "{out:?}");
    }
}

/// Field values for composite lines, few enough that they repeat (the name memo's hits), with
/// names whose standardized text is longer than the memo keeps and names that are not ASCII.
fn composite_values() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        r"[A-Za-z0-9 '-]{0,12}|[a-z]{15,22}|[A-Za-zéßИ]{1,8}|19[0-9]{2}-0[1-9]-1[0-9]|[0-9]{5}-[0-9]{4}|[A-HJ-NPR-Z0-9]{17}",
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A `LineHasher` (with its memo of names, over many lines) answers each composite line as
    /// `Hasher::ndz` / `Hasher::name_vin` answer it alone: same hash or error, same text.
    #[test]
    fn composite_lines_answer_as_the_plain_hasher(
        values in composite_values(),
        rows in prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 4), 1..80),
        ndz in any::<bool>(),
    ) {
        let kind = if ndz { LineKind::Ndz } else { LineKind::NameVin };
        let mut memoized = LineHasher::new(kind);
        for row in rows {
            let f: Vec<&str> = row.iter().map(|i| values[i.index(values.len())].as_str()).collect();
            let mut plain = dropkit_hash::Hasher::new();
            let (line, want) = if ndz {
                (f.join(","), plain.ndz(f[0], f[1], f[2], f[3]))
            } else {
                (f[..3].join(","), plain.name_vin(f[0], f[1], f[2]))
            };
            match (memoized.hash_line(&line), want) {
                (Ok(got), Ok(want)) => {
                    prop_assert_eq!(got, want, "{:?}", line);
                    prop_assert_eq!(memoized.standardized(), plain.standardized(), "{:?}", line);
                }
                (Err(got), Err(want)) => prop_assert_eq!(got.to_string(), want.to_string()),
                (got, want) => prop_assert!(false, "{:?}: {:?} against {:?}", line, got, want),
            }
        }
    }
}
