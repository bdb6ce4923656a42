//! Synthetic consumers: made-up people whose identifiers become the emulator's work items.
//!
//! The generator is deterministic: the same seed and count give the same consumers on every
//! run and machine (it uses `Xoshiro256PlusPlus`, whose output `rand` guarantees stable), so a
//! test can generate broker records from the same consumers the emulator puts in its lists.

use dropkit_hash::{DropHash, Field, Hasher, ListType, StandardizeError};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// One made-up consumer, with every identifier DROP lists can hold, as a broker might store
/// them (mixed case, punctuation in phones, ZIP+4 now and then).
///
/// An empty field means the consumer has no such identifier: the consumer then appears in no
/// list that needs it (no `Phone` work item without a phone, no `NameVIN` without a VIN).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntheticConsumer {
    /// Email address, for example `Anna.Smith.k3x9q0@example.com`.
    pub email: String,
    /// Phone number, for example `(415) 555-0134`.
    pub phone: String,
    /// First (given) name.
    pub first: String,
    /// Last (family) name.
    pub last: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub dob: String,
    /// ZIP code, five digits or ZIP+4 (`91790-3771`).
    pub zip: String,
    /// Mobile advertising identifier, a UUID (`a3f1c2d4-5678-90ab-cdef-1234567890ab`).
    pub maid: String,
    /// Connected-TV identifier, for example `SmartTV_9F8E7D6C01AB`.
    pub ctvid: String,
    /// Vehicle identification number, 17 characters.
    pub vin: String,
}

impl SyntheticConsumer {
    /// The consumer's DROP hash in `list`, or `None` when the consumer lacks a field the list
    /// needs (an empty field).
    ///
    /// ```
    /// use dropkit_emulator::synthetic::SyntheticConsumer;
    /// use dropkit_hash::{Hasher, ListType};
    ///
    /// let anna = SyntheticConsumer {
    ///     email: "Anna.Smith@Domain.com".into(),
    ///     ..SyntheticConsumer::default()
    /// };
    /// let mut hasher = Hasher::new();
    /// let hash = anna.hash(ListType::Email, &mut hasher).unwrap().unwrap();
    /// assert_eq!(hash.to_string(), "KA18MT/ph6IHYjzT9zwETySDQyvSh87YuoSBpOQtkhE=");
    /// assert_eq!(anna.hash(ListType::Phone, &mut hasher).unwrap(), None);
    /// ```
    pub fn hash(
        &self,
        list: ListType,
        hasher: &mut Hasher,
    ) -> Result<Option<DropHash>, StandardizeError> {
        let present = |fields: &[&String]| fields.iter().all(|f| !f.is_empty());
        let hash = match list {
            ListType::Email if present(&[&self.email]) => hasher.hash(Field::Email, &self.email)?,
            ListType::Phone if present(&[&self.phone]) => hasher.hash(Field::Phone, &self.phone)?,
            ListType::Maid if present(&[&self.maid]) => hasher.hash(Field::Maid, &self.maid)?,
            ListType::Ctvid if present(&[&self.ctvid]) => hasher.hash(Field::Ctvid, &self.ctvid)?,
            ListType::Ndz if present(&[&self.first, &self.last, &self.dob, &self.zip]) => {
                hasher.ndz(&self.first, &self.last, &self.dob, &self.zip)?
            }
            ListType::NameVin if present(&[&self.first, &self.last, &self.vin]) => {
                hasher.name_vin(&self.first, &self.last, &self.vin)?
            }
            _ => return Ok(None),
        };
        Ok(Some(hash))
    }
}

impl Default for SyntheticConsumer {
    /// A consumer with no identifier at all (every field empty); fill the fields you need.
    fn default() -> Self {
        SyntheticConsumer {
            email: String::new(),
            phone: String::new(),
            first: String::new(),
            last: String::new(),
            dob: String::new(),
            zip: String::new(),
            maid: String::new(),
            ctvid: String::new(),
            vin: String::new(),
        }
    }
}

const FIRST: &[&str] = &[
    "Anna",
    "Juan Pablo",
    "Danielle",
    "Wei",
    "Fatima",
    "José",
    "Zoë",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofia",
    "Aarav",
    "Mia",
    "Lucas",
    "Chloé",
    "Ethan",
    "Amara",
    "Kenji",
    "Ingrid",
    "Omar",
    "Priya",
    "Björn",
];
const LAST: &[&str] = &[
    "Smith",
    "Martinez",
    "Johnson",
    "Nguyen",
    "García",
    "O'Brien-Smith",
    "Müller",
    "Kim",
    "Patel",
    "Brown",
    "Rossi",
    "Kowalski",
    "Silva",
    "Cohen",
    "Dubois",
    "Tanaka",
    "Okafor",
    "Larsen",
    "Haddad",
    "Ivanova",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example"];
const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";
// VINs never use I, O or Q.
const VIN_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// `n` made-up consumers, the same for the same `seed` on every run.
///
/// Within one call every consumer has a distinct email, phone, MAID, CTVID and VIN (the
/// position is built into the email and phone); across seeds a collision is astronomically
/// unlikely. Raw values vary in case and punctuation so that a matcher must standardize
/// them as DROP does to find them.
///
/// ```
/// use dropkit_emulator::synthetic;
///
/// let a = synthetic::consumers(7, 3);
/// assert_eq!(a, synthetic::consumers(7, 3));
/// assert_ne!(a, synthetic::consumers(8, 3));
/// assert!(a.iter().all(|c| !c.email.is_empty() && c.dob.len() == 10));
/// ```
pub fn consumers(seed: u64, n: usize) -> Vec<SyntheticConsumer> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let phone_offset = rng.random_range(0..10_000_000u64);
    (0..n)
        .map(|i| consumer(&mut rng, i, phone_offset))
        .collect()
}

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn chars(rng: &mut Xoshiro256PlusPlus, alphabet: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

fn consumer(rng: &mut Xoshiro256PlusPlus, i: usize, phone_offset: u64) -> SyntheticConsumer {
    let first = pick(rng, FIRST).to_owned();
    let last = pick(rng, LAST).to_owned();
    let local = |s: &str| -> String { s.chars().filter(char::is_ascii_alphabetic).collect() };
    let token = chars(rng, BASE36, 5);
    let email = format!(
        "{}.{}.{token}{i}@{}",
        local(&first),
        local(&last),
        pick(rng, DOMAINS)
    );
    let email = if rng.random_bool(0.3) {
        email.to_uppercase()
    } else {
        email
    };

    // The line number is a bijection of the position modulo 10^7 (7654321 is coprime with
    // 10^7), so phones never repeat within one call of up to ten million consumers.
    let line7 = ((i as u64 % 10_000_000) * 7_654_321 + phone_offset) % 10_000_000;
    let area = rng.random_range(201..=989u32);
    let phone = match rng.random_range(0..3u8) {
        0 => format!("({area}) {:03}-{:04}", line7 / 10_000, line7 % 10_000),
        1 => format!("+1 {area}-{:03}-{:04}", line7 / 10_000, line7 % 10_000),
        _ => format!("{area}{line7:07}"),
    };

    let dob = format!(
        "{:04}-{:02}-{:02}",
        rng.random_range(1940..=2006u32),
        rng.random_range(1..=12u32),
        rng.random_range(1..=28u32)
    );
    let zip5 = rng.random_range(90001..=96162u32);
    let zip = if rng.random_bool(0.25) {
        format!("{zip5}-{:04}", rng.random_range(0..10_000u32))
    } else {
        zip5.to_string()
    };
    let hex = chars(rng, HEX, 32);
    let maid = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    let maid = if rng.random_bool(0.5) {
        maid.to_uppercase()
    } else {
        maid
    };
    let ctvid = format!("SmartTV_{}", chars(rng, HEX, 12).to_uppercase());
    let vin = chars(rng, VIN_CHARS, 17);
    SyntheticConsumer {
        email,
        phone,
        first,
        last,
        dob,
        zip,
        maid,
        ctvid,
        vin,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_consumer_hashes_in_every_list_and_hashes_are_distinct() {
        let people = consumers(42, 500);
        let mut hasher = Hasher::new();
        for list in ListType::ALL {
            let hashes: HashSet<DropHash> = people
                .iter()
                .map(|c| c.hash(list, &mut hasher).unwrap().unwrap())
                .collect();
            assert_eq!(hashes.len(), people.len(), "{list}");
        }
    }

    #[test]
    fn empty_fields_mean_absent() {
        let mut c = consumers(1, 1).remove(0);
        c.vin.clear();
        let mut hasher = Hasher::new();
        assert_eq!(c.hash(ListType::NameVin, &mut hasher).unwrap(), None);
        assert!(c.hash(ListType::Ndz, &mut hasher).unwrap().is_some());
    }

    #[test]
    fn bad_fields_are_errors_not_hashes() {
        let c = SyntheticConsumer {
            vin: "123".into(),
            first: "A".into(),
            last: "B".into(),
            ..SyntheticConsumer::default()
        };
        assert!(c.hash(ListType::NameVin, &mut Hasher::new()).is_err());
    }
}
