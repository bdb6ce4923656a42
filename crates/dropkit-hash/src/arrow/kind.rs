//! What a column holds: one field, or one of DROP's composite lists.

use std::fmt;
use std::str::FromStr;

use crate::Field;

/// A field, or a composite list built from several fields, named as `dropkit hash` and the
/// bindings name them: `email`, `phone`, `first_name`, `last_name`, `dob`, `zip`, `maid`,
/// `ctvid`, `vin`, `ndz`, `namevin` (case-insensitive).
///
/// ```
/// use dropkit_hash::Field;
/// use dropkit_hash::arrow::Kind;
///
/// assert_eq!("Email".parse::<Kind>().unwrap(), Kind::Field(Field::Email));
/// assert_eq!("NameVIN".parse::<Kind>().unwrap(), Kind::NameVin);
/// assert_eq!(Kind::Ndz.fields(), [Field::FirstName, Field::LastName, Field::Dob, Field::Zip]);
/// assert_eq!(Kind::NameVin.to_string(), "namevin");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// One field, hashed on its own (the Email, Phone, MAID and CTVID lists, or one part of a
    /// composite).
    Field(Field),
    /// The NDZ composite: first name, last name, date of birth, ZIP.
    Ndz,
    /// The NameVIN composite: first name, last name, VIN.
    NameVin,
}

impl Kind {
    /// Every kind, the fields first.
    pub const ALL: [Kind; 11] = [
        Kind::Field(Field::Email),
        Kind::Field(Field::Phone),
        Kind::Field(Field::FirstName),
        Kind::Field(Field::LastName),
        Kind::Field(Field::Dob),
        Kind::Field(Field::Zip),
        Kind::Field(Field::Maid),
        Kind::Field(Field::Ctvid),
        Kind::Field(Field::Vin),
        Kind::Ndz,
        Kind::NameVin,
    ];

    /// The fields whose arrays a value of this kind is made of, in DROP's order.
    pub const fn fields(self) -> &'static [Field] {
        match self {
            Kind::Field(Field::Email) => &[Field::Email],
            Kind::Field(Field::Phone) => &[Field::Phone],
            Kind::Field(Field::FirstName) => &[Field::FirstName],
            Kind::Field(Field::LastName) => &[Field::LastName],
            Kind::Field(Field::Dob) => &[Field::Dob],
            Kind::Field(Field::Zip) => &[Field::Zip],
            Kind::Field(Field::Maid) => &[Field::Maid],
            Kind::Field(Field::Ctvid) => &[Field::Ctvid],
            Kind::Field(Field::Vin) => &[Field::Vin],
            Kind::Ndz => &[Field::FirstName, Field::LastName, Field::Dob, Field::Zip],
            Kind::NameVin => &[Field::FirstName, Field::LastName, Field::Vin],
        }
    }

    /// The lowercase name [`FromStr`] reads (`email`, `first_name`, `ndz`, `namevin`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Field(field) => field.as_str(),
            Kind::Ndz => "ndz",
            Kind::NameVin => "namevin",
        }
    }
}

impl From<Field> for Kind {
    fn from(field: Field) -> Self {
        Kind::Field(field)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown kind {0:?}: expected one of email, phone, first_name, last_name, dob, zip, maid, ctvid, vin, ndz, namevin"
)]
pub struct ParseKindError(pub String);

impl FromStr for Kind {
    type Err = ParseKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseKindError(s.to_owned()))
    }
}
