//! Feeds arbitrary bytes to the status-file reader; every row it accepts must write back to
//! the same bytes of that row through the status writer.
#![no_main]

use dropkit_files::{StatusReader, StatusWriter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = StatusReader::new("fuzz.csv", data) else {
        return;
    };
    let rows: Vec<_> = reader.flatten().collect();
    let Ok(mut writer) = StatusWriter::new(Vec::new()) else {
        return;
    };
    for row in &rows {
        let _ = writer.write(&row.id, row.status);
    }
    let Ok(bytes) = writer.finish() else { return };
    let again: Vec<_> = StatusReader::new("again.csv", &bytes[..])
        .map(|r| r.flatten().collect())
        .unwrap_or_default();
    assert_eq!(rows.len(), again.len());
    for (a, b) in rows.iter().zip(&again) {
        assert_eq!((&a.id, a.status), (&b.id, b.status));
    }
});
