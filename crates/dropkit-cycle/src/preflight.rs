//! Checks made before anything is downloaded: the records file exists and its header holds
//! every mapped column, and the mapping can match every list earlier downloads delivered
//! (from the ledger). A list never seen before is checked on the saved ZIP by the match step:
//! DROP tells the selected lists only in a download.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;

use dropkit_match::Mapping;

use crate::CycleError;

/// The first bytes of every Parquet file.
const PARQUET_MAGIC: &[u8; 4] = b"PAR1";

/// Checks that `records` is a readable file whose columns include every column `mapping`
/// names. CSV headers and Parquet schemas are both read.
pub fn check_records(records: &Path, mapping: &Mapping) -> Result<(), CycleError> {
    let refuse = |reason: String| CycleError::Records {
        path: records.to_owned(),
        reason,
    };
    if records.is_dir() {
        return Err(refuse("is a directory, expected a records file".into()));
    }
    let columns = if is_parquet(records)? {
        parquet_columns(records).map_err(refuse)?
    } else {
        csv_columns(records).map_err(refuse)?
    };
    let missing: Vec<&str> = std::iter::once(mapping.key_column())
        .chain(mapping.columns().map(|(_, column)| column))
        .filter(|column| !columns.contains(*column))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(refuse(format!(
            "no column named {} (the mapping names it; the file has {})",
            missing.join(", "),
            columns.iter().cloned().collect::<Vec<_>>().join(", ")
        )))
    }
}

/// Refuses, before anything is downloaded, the list types that earlier downloads (the
/// ledger) delivered work items in but that no mapped field can match, unless the operator
/// chose to answer them Not found. DROP sends the lists an account selected, so a list seen
/// before comes again; a list never seen before is checked on the saved ZIP by the match
/// step (the first round has no ledger to ask).
pub(crate) fn check_known_lists(
    dir: &crate::state::StateDir,
    mapping: &Mapping,
    allowed: &[dropkit_hash::ListType],
) -> Result<(), CycleError> {
    let path = dir.root().join(crate::state::LEDGER_FILE);
    if !path.is_file() {
        return Ok(());
    }
    let stats = dropkit_ledger::Ledger::open_existing(&path)?.stats()?;
    let refused: Vec<dropkit_hash::ListType> = stats
        .lists
        .iter()
        .filter(|l| l.received > 0)
        .filter_map(|l| l.list_type.and_then(|t| t.parse().ok()))
        .filter(|t| !mapping.can_match(*t) && !allowed.contains(t))
        .collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(CycleError::UnmatchedLists { lists: refused })
    }
}

/// Whether the records file is Parquet (by its first bytes), as the matcher decides.
pub(crate) fn is_parquet(records: &Path) -> Result<bool, CycleError> {
    let mut file = std::fs::File::open(records).map_err(|e| CycleError::io(records, e))?;
    let mut magic = [0u8; 4];
    let named = records
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    Ok(named || (file.read_exact(&mut magic).is_ok() && &magic == PARQUET_MAGIC))
}

fn csv_columns(records: &Path) -> Result<BTreeSet<String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(records)
        .map_err(|e| e.to_string())?;
    let header = reader.headers().map_err(|e| format!("line 1: {e}"))?;
    if header.is_empty() {
        return Err("empty file: a header row is needed".into());
    }
    Ok(header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect())
}

fn parquet_columns(records: &Path) -> Result<BTreeSet<String>, String> {
    use parquet::file::reader::{FileReader as _, SerializedFileReader};
    let file = std::fs::File::open(records).map_err(|e| e.to_string())?;
    let reader =
        SerializedFileReader::new(file).map_err(|e| format!("not readable Parquet: {e}"))?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    Ok(schema
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_is_named_before_anything_is_downloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("customers.csv");
        std::fs::write(&path, "id,email\nc1,a@b.c\n").unwrap();
        let ok: Mapping = "key=id,email=email".parse().unwrap();
        check_records(&path, &ok).unwrap();
        let bad: Mapping = "key=id,email=email,phone=mobile".parse().unwrap();
        let err = check_records(&path, &bad).unwrap_err().to_string();
        assert!(err.contains("customers.csv"), "{err}");
        assert!(err.contains("no column named mobile"), "{err}");
        let err = check_records(&dir.path().join("nope.csv"), &ok)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope.csv"), "{err}");
        let err = check_records(dir.path(), &ok).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }
}
