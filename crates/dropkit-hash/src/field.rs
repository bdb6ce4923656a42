//! The identifier fields DROP standardizes.

use std::fmt;
use std::str::FromStr;

/// One identifier field with its own DROP standardization rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Email address: remove all whitespace, lowercase.
    Email,
    /// Phone number: digits only, the last 10.
    Phone,
    /// First (given) name, standardized as a name.
    FirstName,
    /// Last (family) name, standardized as a name.
    LastName,
    /// Date of birth: `YYYYMMDD`.
    Dob,
    /// ZIP or postal code: drop a `+4`, alphanumerics, lowercase, no leading zeros, first 5.
    Zip,
    /// Mobile advertising identifier: 32 hex digits, lowercase.
    Maid,
    /// Connected-TV identifier: 8 to 32 alphanumerics, lowercase.
    Ctvid,
    /// Vehicle identification number: 17 alphanumerics, lowercase.
    Vin,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 9] = [
        Field::Email,
        Field::Phone,
        Field::FirstName,
        Field::LastName,
        Field::Dob,
        Field::Zip,
        Field::Maid,
        Field::Ctvid,
        Field::Vin,
    ];

    /// The snake-case name used by the `dropkit` command and column mappings
    /// (`email`, `first_name`, `dob`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::Phone => "phone",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Dob => "dob",
            Field::Zip => "zip",
            Field::Maid => "maid",
            Field::Ctvid => "ctvid",
            Field::Vin => "vin",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`Field`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown field {0:?}: expected one of email, phone, first_name, last_name, dob, zip, maid, ctvid, vin"
)]
pub struct ParseFieldError(pub String);

impl FromStr for Field {
    type Err = ParseFieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseFieldError(s.to_owned()))
    }
}
