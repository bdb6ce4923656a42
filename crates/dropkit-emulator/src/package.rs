//! The download ZIP: one `ID,Hash` CSV per selected list, plus `Removed` when needed.

use std::io::{Cursor, Write};

use dropkit_files::{DataType, ZipFileName};
use dropkit_hash::ListType;
use zip::write::SimpleFileOptions;

use crate::Error;
use crate::account::WorkItem;

/// Builds the package: a CSV per list in the given order (header-only when the list has no new
/// item, as the official text says) and, only when `removed` is not empty, the Removed CSV
/// (`ID,Hash,ListType`). Rows end in CRLF (RFC 4180; DROP does not say), Ids and hashes are
/// never quoted.
pub(crate) fn build(
    name: &ZipFileName,
    date: time::Date,
    lists: &[(ListType, Vec<usize>)],
    removed: &[usize],
    items: &[WorkItem],
) -> Result<Vec<u8>, Error> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut options =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    // Entries carry the package date (out of the ZIP range, the format's default 1980-01-01).
    if let Ok(stamp) = zip::DateTime::from_date_and_time(
        u16::try_from(date.year()).unwrap_or(0),
        u8::from(date.month()),
        date.day(),
        0,
        0,
        0,
    ) {
        options = options.last_modified_time(stamp);
    }
    let mut hash = [0u8; 44];
    let mut entry =
        |zip: &mut zip::ZipWriter<_>, data_type: DataType, header: &str, rows: &[usize]| {
            let file = name.list_file(data_type).to_string();
            zip.start_file(file, options)?;
            let mut text = String::with_capacity(header.len() + 2 + rows.len() * 72);
            text.push_str(header);
            text.push_str("\r\n");
            for &i in rows {
                let item = &items[i];
                text.push_str(item.id.as_str());
                text.push(',');
                text.push_str(item.hash.encode_base64(&mut hash));
                if data_type == DataType::Removed {
                    text.push(',');
                    text.push_str(item.list.as_str());
                }
                text.push_str("\r\n");
            }
            zip.write_all(text.as_bytes())?;
            Ok::<(), zip::result::ZipError>(())
        };
    for (list, rows) in lists {
        entry(&mut zip, DataType::List(*list), "ID,Hash", rows).map_err(Error::Zip)?;
    }
    if !removed.is_empty() {
        entry(&mut zip, DataType::Removed, "ID,Hash,ListType", removed).map_err(Error::Zip)?;
    }
    let cursor = zip.finish().map_err(Error::Zip)?;
    Ok(cursor.into_inner())
}
