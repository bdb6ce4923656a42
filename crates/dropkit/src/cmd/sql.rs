//! `dropkit sql KIND --dialect D --column NAME…`: print one SQL expression that standardizes
//! and hashes a column exactly as `dropkit hash KIND` does.
//!
//! The expressions are [`dropkit_hash::sql`]'s; this module parses the arguments. A kind SQL
//! cannot express (names, unless `--ascii-names`) and a wrong number of columns are usage
//! errors: exit 2 with the reason on standard error, nothing on standard output.

use std::process::ExitCode;

use dropkit_hash::sql::{Dialect, Sql};
use dropkit_hash::{Field, ListType};

use super::hash::Kind;

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DialectArg {
    /// DuckDB.
    Duckdb,
    /// Spark SQL (3.4 or later).
    Spark,
    /// PostgreSQL (11 or later; a UTF-8 database with ICU).
    Postgres,
    /// Google BigQuery (GoogleSQL). Not run in dropkit's CI.
    Bigquery,
    /// Snowflake. Not run in dropkit's CI.
    Snowflake,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Duckdb => Dialect::DuckDb,
            DialectArg::Spark => Dialect::Spark,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Bigquery => Dialect::BigQuery,
            DialectArg::Snowflake => Dialect::Snowflake,
        }
    }
}

/// Arguments of `dropkit sql`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What the column holds (the kinds of `dropkit hash`). `name`, `ndz` and `namevin` need
    /// `--ascii-names`.
    #[arg(value_enum)]
    kind: Kind,
    /// The SQL dialect to write.
    #[arg(long, value_enum)]
    dialect: DialectArg,
    /// The column, by its name as the database stores it (quoted in the output, so any name
    /// works; case-sensitive in PostgreSQL and Snowflake). Repeat it for a composite, in
    /// order: `ndz` takes first name, last name, date of birth, ZIP; `namevin` first name,
    /// last name, VIN.
    #[arg(long = "column", value_name = "NAME", required = true)]
    columns: Vec<String>,
    /// Print the standardization only (the text that is hashed; for a composite the fields
    /// joined by `|`), not the hash.
    #[arg(long)]
    standardize: bool,
    /// Write names too, for ASCII-only names: their letters and digits, lowercased. A name
    /// with any other character gives NULL: hash those rows with the dropkit functions for
    /// DuckDB or Spark, or with `dropkit hash`.
    #[arg(long)]
    ascii_names: bool,
}

/// Prints the expression and a newline (exit 0), or the reason it cannot be written (exit 2).
pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sql = Sql::new(args.dialect.into()).ascii_names(args.ascii_names);
    let columns: Vec<&str> = args.columns.iter().map(String::as_str).collect();
    let written = match target(args.kind) {
        Target::Field(field) => match columns.as_slice() {
            [column] if args.standardize => sql.standardize(field, column),
            [column] => sql.hash(field, column),
            _ => {
                eprintln!(
                    "dropkit: {} takes one --column, got {}",
                    field.as_str(),
                    columns.len()
                );
                return Ok(ExitCode::from(2));
            }
        },
        Target::List(list) if args.standardize => sql.list_standardize(list, &columns),
        Target::List(list) => sql.list_hash(list, &columns),
    };
    match written {
        Ok(expr) => {
            say!("{expr}")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("dropkit: {err}");
            Ok(ExitCode::from(2))
        }
    }
}

/// A single field, or a composite list type.
enum Target {
    Field(Field),
    List(ListType),
}

fn target(kind: Kind) -> Target {
    match kind {
        Kind::Email => Target::Field(Field::Email),
        Kind::Phone => Target::Field(Field::Phone),
        Kind::Name => Target::Field(Field::FirstName),
        Kind::Dob => Target::Field(Field::Dob),
        Kind::Zip => Target::Field(Field::Zip),
        Kind::Maid => Target::Field(Field::Maid),
        Kind::Ctvid => Target::Field(Field::Ctvid),
        Kind::Vin => Target::Field(Field::Vin),
        Kind::Ndz => Target::List(ListType::Ndz),
        Kind::Namevin => Target::List(ListType::NameVin),
    }
}
