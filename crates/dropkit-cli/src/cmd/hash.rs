//! `dropkit hash KIND`: standardize and hash standard input, one value per line.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use drop_hash::{BASE64_LEN, DropHash, Field, Hasher, StandardizeError};
use rayon::prelude::*;

/// What each input line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Kind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A first or last name.
    Name,
    /// A date of birth, `YYYY-MM-DD` or `YYYYMMDD`.
    Dob,
    /// A ZIP or postal code.
    Zip,
    /// A mobile advertising identifier.
    Maid,
    /// A connected-TV identifier.
    Ctvid,
    /// A vehicle identification number.
    Vin,
    /// `first,last,dob,zip` (CSV, no header): the NDZ composite hash.
    Ndz,
    /// `first,last,vin` (CSV, no header): the NameVIN composite hash.
    Namevin,
}

/// Arguments of `dropkit hash`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What each input line holds.
    #[arg(value_enum)]
    kind: Kind,
}

/// Reads standard input and writes `STANDARDIZED<TAB>HASH` or `ERROR<TAB>reason` for each line.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    hash_lines(args.kind, io::stdin().lock(), io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

/// Input is cut into blocks of about this many bytes, on line boundaries.
const BLOCK_BYTES: usize = 1 << 20;

/// Streams `input` to `output` in constant memory: a round of blocks (one per core) is read,
/// hashed in parallel, and written in input order before the next round is read.
fn hash_lines(kind: Kind, mut input: impl Read, mut output: impl Write) -> anyhow::Result<()> {
    let per_round = rayon::current_num_threads().max(1);
    let mut carry = Vec::new();
    let mut next_line = 1u64;
    let mut eof = false;
    while !eof {
        let mut blocks = Vec::with_capacity(per_round);
        while blocks.len() < per_round && !eof {
            let mut block = std::mem::take(&mut carry);
            eof = fill(&mut input, &mut block)?;
            if !eof {
                // Keep the partial last line for the next block.
                let cut = memchr::memrchr(b'\n', &block).map_or(0, |i| i + 1);
                carry = block.split_off(cut);
            }
            if block.is_empty() {
                continue;
            }
            let lines = memchr::memchr_iter(b'\n', &block).count() as u64
                + u64::from(!block.ends_with(b"\n"));
            blocks.push((next_line, block));
            next_line += lines;
        }
        let done: Vec<Block> = blocks
            .par_iter()
            .map(|(first_line, data)| hash_block(kind, *first_line, data))
            .collect();
        for block in done {
            output
                .write_all(&block.out)
                .context("writing standard output")?;
            if let Some(err) = block.error {
                output.flush().context("writing standard output")?;
                return Err(err);
            }
        }
    }
    output.flush().context("writing standard output")?;
    Ok(())
}

/// Reads at least once, then until `buf` holds [`BLOCK_BYTES`] or the input ends; returns
/// whether it ended. Reading at least once lets a line longer than a block grow its buffer.
fn fill(input: &mut impl Read, buf: &mut Vec<u8>) -> anyhow::Result<bool> {
    loop {
        let start = buf.len();
        buf.resize(start + BLOCK_BYTES / 4, 0);
        let n = loop {
            match input.read(&mut buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(anyhow::Error::new(e).context("reading standard input")),
            }
        };
        buf.truncate(start + n);
        if n == 0 {
            return Ok(true);
        }
        if buf.len() >= BLOCK_BYTES {
            return Ok(false);
        }
    }
}

/// The output of one block, and the error that stopped it (lines before it are in `out`).
struct Block {
    out: Vec<u8>,
    error: Option<anyhow::Error>,
}

fn hash_block(kind: Kind, first_line: u64, data: &[u8]) -> Block {
    let mut out = Vec::with_capacity(data.len() * 3);
    let mut hasher = Hasher::new();
    let mut b64 = [0u8; BASE64_LEN];
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    // A UTF-8 byte-order mark (files saved by Excel or on Windows) is not part of the value.
    let data = match first_line {
        1 => data.strip_prefix("\u{feff}".as_bytes()).unwrap_or(data),
        _ => data,
    };
    for (number, line) in (first_line..).zip(data.split(|&b| b == b'\n')) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(e) => {
                let error = anyhow::anyhow!("standard input:{number}: not valid UTF-8 ({e})");
                return Block {
                    out,
                    error: Some(error),
                };
            }
        };
        match hash_one(kind, text, &mut hasher) {
            Ok(hash) => {
                out.extend_from_slice(hasher.standardized().as_bytes());
                out.push(b'\t');
                out.extend_from_slice(hash.encode_base64(&mut b64).as_bytes());
                out.push(b'\n');
            }
            Err(reason) => {
                // Writing into a Vec cannot fail.
                let _ = writeln!(out, "ERROR\t{reason}");
            }
        }
    }
    Block { out, error: None }
}

/// Why a line gave no hash: the value itself, or a composite line of the wrong shape.
#[derive(Debug, thiserror::Error)]
enum LineError {
    #[error(transparent)]
    Value(#[from] StandardizeError),
    #[error("expected {expected} comma-separated fields ({names}), got {got}")]
    Shape {
        expected: usize,
        names: &'static str,
        got: usize,
    },
    #[error("not a CSV line: {0}")]
    Csv(String),
}

fn hash_one(kind: Kind, text: &str, hasher: &mut Hasher) -> Result<DropHash, LineError> {
    let field = match kind {
        Kind::Email => Field::Email,
        Kind::Phone => Field::Phone,
        Kind::Name => Field::FirstName,
        Kind::Dob => Field::Dob,
        Kind::Zip => Field::Zip,
        Kind::Maid => Field::Maid,
        Kind::Ctvid => Field::Ctvid,
        Kind::Vin => Field::Vin,
        Kind::Ndz => {
            let [first, last, dob, zip] = csv_fields(text, "first,last,dob,zip")?;
            return Ok(hasher.ndz(&first, &last, &dob, &zip)?);
        }
        Kind::Namevin => {
            let [first, last, vin] = csv_fields(text, "first,last,vin")?;
            return Ok(hasher.name_vin(&first, &last, &vin)?);
        }
    };
    Ok(hasher.hash(field, text)?)
}

/// Splits one CSV line (quotes allowed) into exactly `N` fields.
fn csv_fields<const N: usize>(text: &str, names: &'static str) -> Result<[String; N], LineError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let got = match reader.read_record(&mut record) {
        Ok(true) => record.len(),
        Ok(false) => 0,
        Err(e) => return Err(LineError::Csv(e.to_string())),
    };
    if got != N {
        return Err(LineError::Shape {
            expected: N,
            names,
            got,
        });
    }
    Ok(std::array::from_fn(|i| record[i].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(kind: Kind, input: &str) -> String {
        let mut out = Vec::new();
        hash_lines(kind, input.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_line_out_per_line_in_with_errors_as_data() {
        let out = run_on(Kind::Email, " Anna.Smith@Domain.com\r\n  \nalice@co.com");
        assert_eq!(
            out,
            "anna.smith@domain.com\tKA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=\n\
             ERROR\temail standardizes to nothing\n\
             alice@co.com\tVq+cMxlYylNez5+9kgWt1TcL1sYzvRDfj3wPgyhusHM=\n"
        );
    }

    #[test]
    fn composites_join_standardized_fields_with_bars() {
        let out = run_on(
            Kind::Ndz,
            "Danielle,Johnson,1985-07-04,91790\n\"O'Neil, Jr\",x\n",
        );
        let mut lines = out.lines();
        assert_eq!(
            lines.next(),
            Some("danielle|johnson|19850704|91790\tPQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=")
        );
        assert_eq!(
            lines.next(),
            Some("ERROR\texpected 4 comma-separated fields (first,last,dob,zip), got 2")
        );
        let out = run_on(Kind::Namevin, "Eve,Genesis,1HGCM82633A004352\n");
        assert_eq!(
            out,
            "eve|genesis|1hgcm82633a004352\trtnDuXIe63jXYQQXW5r07GJ7lSsrib8+46QuKFwkOmk=\n"
        );
    }

    #[test]
    fn lines_across_many_blocks_keep_order_and_numbers() {
        let input: String = (0..200_000).map(|i| format!("U{i}@X.com\n")).collect();
        assert!(input.len() > 2 * BLOCK_BYTES);
        let out = run_on(Kind::Email, &input);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 200_000);
        for (i, line) in lines.iter().enumerate() {
            let (std, hash) = line.split_once('\t').unwrap();
            assert_eq!(std, format!("u{i}@x.com"));
            assert_eq!(hash, DropHash::of_standardized(std).to_string());
        }
        let mut bad = input.into_bytes();
        bad.extend_from_slice(b"ok@x.com\n\xfe\n");
        let mut out = Vec::new();
        let err = hash_lines(Kind::Email, &bad[..], &mut out).unwrap_err();
        assert!(err.to_string().contains("standard input:200002:"), "{err}");
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 200_001);
    }

    #[test]
    fn a_line_longer_than_a_block_is_hashed_whole() {
        let long = "a".repeat(3 * BLOCK_BYTES) + "@x.com";
        let out = run_on(Kind::Email, &format!("{long}\nb@x.com"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with(&long));
        assert!(lines[1].starts_with("b@x.com\t"));
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_not_hashed() {
        let out = run_on(
            Kind::Email,
            "\u{feff}Anna.Smith@Domain.com\n\u{feff}x@y.z\n",
        );
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
    fn invalid_utf8_is_an_error_naming_the_line() {
        let mut out = Vec::new();
        let err = hash_lines(Kind::Email, &b"a@b.c\n\xff\n"[..], &mut out).unwrap_err();
        assert!(err.to_string().contains("standard input:2"), "{err}");
    }
}
