//! Feeds arbitrary bytes to the list-CSV and Removed-CSV readers: they must return rows or
//! typed errors, never panic, and every row they return must be well-formed.
#![no_main]

use dropkit_files::{ListReader, RemovedReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = ListReader::new("fuzz.csv", data) {
        let mut last = 1;
        for row in reader.flatten() {
            assert!(row.line > last, "lines must increase");
            last = row.line;
            assert!(!row.id.as_str().is_empty());
        }
    }
    if let Ok(reader) = RemovedReader::new("fuzz.csv", data) {
        reader.for_each(drop);
    }
});
