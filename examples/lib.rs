//! Examples composing the dropkit crates: see `hash_records.rs` and `cycle.rs`.
