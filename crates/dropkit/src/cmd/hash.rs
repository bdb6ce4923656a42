//! `dropkit hash KIND`: standardize and hash standard input, one value per line.
//!
//! The work is [`dropkit_hash::pipeline::hash_lines`]; this module parses the arguments.

use std::io;
use std::process::ExitCode;

use dropkit_hash::Field;
use dropkit_hash::pipeline::{LineKind, Options, hash_lines};

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

impl From<Kind> for LineKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Email => LineKind::Field(Field::Email),
            Kind::Phone => LineKind::Field(Field::Phone),
            Kind::Name => LineKind::Field(Field::FirstName),
            Kind::Dob => LineKind::Field(Field::Dob),
            Kind::Zip => LineKind::Field(Field::Zip),
            Kind::Maid => LineKind::Field(Field::Maid),
            Kind::Ctvid => LineKind::Field(Field::Ctvid),
            Kind::Vin => LineKind::Field(Field::Vin),
            Kind::Ndz => LineKind::Ndz,
            Kind::Namevin => LineKind::NameVin,
        }
    }
}

/// Arguments of `dropkit hash`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What each input line holds.
    #[arg(value_enum)]
    kind: Kind,
}

/// Reads standard input and writes `STANDARDIZED<TAB>HASH` or `ERROR<TAB>reason` for each line.
/// `ERROR` lines are data (exit 0); unreadable input, unwritable output or a line that is not
/// UTF-8 stop the run (exit 1).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    hash_lines(
        args.kind.into(),
        io::stdin().lock(),
        io::stdout().lock(),
        &Options::new(),
    )?;
    Ok(ExitCode::SUCCESS)
}
