//! One `dropkit` command run to its end, for the tests of single commands.

use std::path::Path;
use std::process::{Command, Output};

/// `dropkit ARGS`, run to its end (in the test's environment as it is).
pub fn dropkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dropkit"))
        .args(args)
        .output()
        .unwrap()
}

/// What `o` printed: its standard output, then its standard error.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `dropkit LEAD... --records RECORDS [--map MAP]... --out OUT EXTRA...`, run to its end: the
/// shape of `dropkit match` (LEAD `match --download ZIP`) and `dropkit screen` (LEAD
/// `screen --state-dir DIR`).
pub fn over_records(
    lead: &[&str],
    records: &Path,
    maps: &[&str],
    out: &Path,
    extra: &[&str],
) -> Output {
    let mut args = lead.to_vec();
    args.extend(["--records", records.to_str().unwrap()]);
    for map in maps {
        args.extend(["--map", map]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    dropkit(&args)
}
