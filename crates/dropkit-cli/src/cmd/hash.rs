//! `dropkit hash KIND`: standardize and hash standard input, one value per line.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use drop_hash::{BASE64_LEN, DropHash, Field, Hasher, StandardizeError};

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

/// Reads standard input line by line and writes `STANDARDIZED<TAB>HASH` or `ERROR<TAB>reason`
/// for each line. Constant memory: one line buffer, one output buffer.
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    hash_lines(args.kind, stdin, stdout)?;
    Ok(ExitCode::SUCCESS)
}

fn hash_lines(kind: Kind, mut input: impl BufRead, output: impl Write) -> anyhow::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, output);
    let mut line = Vec::with_capacity(256);
    let mut hasher = Hasher::new();
    let mut b64 = [0u8; BASE64_LEN];
    let mut number = 0u64;
    loop {
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("reading standard input")?
            == 0
        {
            break;
        }
        number += 1;
        let text = std::str::from_utf8(&line)
            .map_err(|e| anyhow::anyhow!("standard input:{number}: not valid UTF-8 ({e})"))?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        match hash_one(kind, text, &mut hasher) {
            Ok(hash) => {
                out.write_all(hasher.standardized().as_bytes())?;
                out.write_all(b"\t")?;
                out.write_all(hash.encode_base64(&mut b64).as_bytes())?;
                out.write_all(b"\n")?;
            }
            Err(reason) => writeln!(out, "ERROR\t{reason}")?,
        }
    }
    out.flush().context("writing standard output")?;
    Ok(())
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
    fn invalid_utf8_is_an_error_naming_the_line() {
        let mut out = Vec::new();
        let err = hash_lines(Kind::Email, &b"a@b.c\n\xff\n"[..], &mut out).unwrap_err();
        assert!(err.to_string().contains("standard input:2"), "{err}");
    }
}
