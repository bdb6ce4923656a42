//! Standardize and hash a broker's identifiers from Rust, as DROP does.
//!
//! `cargo run -p dropkit-examples --example hash_records`

use dropkit_hash::{Field, Hasher, StandardizeError};

fn main() -> Result<(), StandardizeError> {
    // One Hasher per thread, reused for every value: no allocation per value.
    let mut hasher = Hasher::new();
    for (field, raw) in [
        (Field::Email, " Anna.Smith@Domain.com"),
        (Field::Phone, "+1 (415) 555-9317"),
        (Field::Zip, "91790-3771"),
        (Field::FirstName, "Иван"),
        (Field::Maid, "A3F1C2D4-5678-90AB-CDEF-1234567890AB"),
    ] {
        let hash = hasher.hash(field, raw)?;
        println!(
            "{field:>10}  {raw:<40} {:<35} {hash}",
            hasher.standardized()
        );
    }
    let ndz = hasher.ndz("Danielle", "Johnson", "1985-07-04", "91790")?;
    println!("{:>10}  {:<76} {ndz}", "NDZ", hasher.standardized());

    // Values DROP would not hash are errors, never a hash of something wrong.
    match hasher.hash(Field::Vin, "1HGCM8263") {
        Err(e) => println!("{:>10}  rejected: {e}", "vin"),
        Ok(h) => println!("unexpected hash {h}"),
    }
    Ok(())
}
