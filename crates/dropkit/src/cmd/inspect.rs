//! `dropkit inspect`: list the files of a DROP ZIP, their row counts and any malformed rows.

use std::io::{Read, Seek, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use dropkit_files::{DataType, DownloadArchive, Error};

/// Arguments of `dropkit inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The downloaded DROP ZIP.
    #[arg(value_name = "ZIP")]
    pub(crate) zip: std::path::PathBuf,
}

/// Malformed rows printed per file; the rest are counted.
const MAX_SHOWN: u64 = 1000;

/// Runs `dropkit inspect`: one line per file (name, data type, rows, sizes), then each
/// malformed row as `file:line: ...`. Exits 1 when a row is malformed. Reads only.
///
/// A row is malformed exactly when `dropkit validate` reports it as an error of the download:
/// both use dropkit-files' readers (a row not UTF-8 or holding a NUL byte is one error).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // dropkit-files errors name the path or archive themselves: the context only says what failed.
    let mut archive = DownloadArchive::open(&args.zip).context("cannot open the download")?;
    let mut out = std::io::stdout().lock();
    let malformed = inspect(&mut archive, &mut out)?;
    out.flush()?;
    Ok(if malformed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Counts per file, as gathered before printing the file's line.
struct Counts {
    rows: u64,
    malformed: u64,
    non_canonical: u64,
}

/// Prints the inspection; returns the number of malformed rows.
fn inspect<R: Read + Seek>(
    archive: &mut DownloadArchive<R>,
    out: &mut impl Write,
) -> anyhow::Result<u64> {
    let entries = archive.entries().to_vec();
    writeln!(out, "{}: {} file(s)", archive.name(), entries.len())?;
    let mut total_malformed = 0;
    let mut problems: Vec<String> = Vec::new();
    for entry in &entries {
        let file = entry.name().to_string();
        let counts = match entry.data_type() {
            DataType::List(list) => match archive.open_list(list)? {
                Some(reader) => {
                    let mut reader = reader;
                    let mut c = count(&file, reader.by_ref(), &mut problems)?;
                    c.non_canonical = reader.non_canonical_ids();
                    c
                }
                None => continue,
            },
            DataType::Removed => match archive.open_removed()? {
                Some(reader) => count(&file, reader, &mut problems)?,
                None => continue,
            },
        };
        total_malformed += counts.malformed;
        write!(
            out,
            "{:<32} {:<8} {:>10} row(s) {:>12} bytes ({} compressed)",
            file,
            entry.data_type().as_str(),
            counts.rows,
            entry.size(),
            entry.compressed_size()
        )?;
        if counts.malformed > 0 {
            write!(out, ", {} malformed", counts.malformed)?;
        }
        if counts.non_canonical > 0 {
            write!(
                out,
                ", {} Id(s) not 12 Base62 characters",
                counts.non_canonical
            )?;
        }
        writeln!(out)?;
    }
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    Ok(total_malformed)
}

/// Counts the rows of one file, collecting the first malformed ones. A read error (corrupt
/// entry) ends the command.
fn count<T>(
    file: &str,
    rows: impl Iterator<Item = Result<T, Error>>,
    problems: &mut Vec<String>,
) -> anyhow::Result<Counts> {
    let mut c = Counts {
        rows: 0,
        malformed: 0,
        non_canonical: 0,
    };
    for row in rows {
        match row {
            Ok(_) => c.rows += 1,
            Err(e @ Error::Io { .. }) => return Err(e.into()),
            Err(e) => {
                c.rows += 1;
                c.malformed += 1;
                if c.malformed <= MAX_SHOWN {
                    problems.push(e.to_string());
                }
            }
        }
    }
    if c.malformed > MAX_SHOWN {
        problems.push(format!(
            "{file}: {} more malformed row(s) not shown",
            c.malformed - MAX_SHOWN
        ));
    }
    Ok(c)
}
