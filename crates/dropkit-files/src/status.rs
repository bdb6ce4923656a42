//! DROP's response status codes.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The status of one work item in a response file (`StatusCode`: 2, 3, 4 or 5).
///
/// Codes 0 and 1 are "unused" by DROP and rejected like any other value.
///
/// ```
/// use dropkit_files::Status;
///
/// assert_eq!("3".parse::<Status>().unwrap(), Status::Deleted);
/// assert_eq!(Status::NotFound.code(), 5);
/// assert!(Status::try_from(1).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// 2: match found and all personal information is exempt.
    Exempted,
    /// 3: match found and non-exempt personal information was deleted.
    Deleted,
    /// 4: several consumers are linked to the identifier and all were opted out of sale or
    /// sharing.
    OptedOut,
    /// 5: no match found after completing the matching process.
    NotFound,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 4] = [
        Status::Exempted,
        Status::Deleted,
        Status::OptedOut,
        Status::NotFound,
    ];

    /// The numeric code DROP expects in the `Status` column.
    pub const fn code(self) -> u8 {
        match self {
            Status::Exempted => 2,
            Status::Deleted => 3,
            Status::OptedOut => 4,
            Status::NotFound => 5,
        }
    }

    /// DROP's label for this status.
    pub const fn label(self) -> &'static str {
        match self {
            Status::Exempted => "Exempted",
            Status::Deleted => "Deleted",
            Status::OptedOut => "Opted out",
            Status::NotFound => "Not found",
        }
    }

    /// Parses the `Status` column exactly: one ASCII digit 2 to 5, nothing around it.
    pub fn from_field(field: &[u8]) -> Option<Self> {
        match field {
            b"2" => Some(Status::Exempted),
            b"3" => Some(Status::Deleted),
            b"4" => Some(Status::OptedOut),
            b"5" => Some(Status::NotFound),
            _ => None,
        }
    }
}

impl TryFrom<u8> for Status {
    type Error = Error;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Status::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| Error::Status {
                value: code.to_string(),
            })
    }
}

impl From<Status> for u8 {
    fn from(s: Status) -> u8 {
        s.code()
    }
}

impl FromStr for Status {
    type Err = Error;

    /// Strict: `" 3"`, `"03"` and `"3.0"` are errors, as DROP's validator may well reject them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::from_field(s.as_bytes()).ok_or_else(|| Error::Status {
            value: s.to_owned(),
        })
    }
}

impl fmt::Display for Status {
    /// Prints the code (`3`), as written in status files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_others_are_rejected() {
        for s in Status::ALL {
            assert_eq!(Status::try_from(s.code()).unwrap(), s);
            assert_eq!(s.to_string().parse::<Status>().unwrap(), s);
        }
        for bad in [0u8, 1, 6, 7, 255] {
            assert!(matches!(Status::try_from(bad), Err(Error::Status { .. })));
        }
        for bad in ["", "0", "1", "6", " 3", "03", "3.0", "three", "+3"] {
            assert!(bad.parse::<Status>().is_err(), "{bad:?}");
        }
        assert_eq!(Status::OptedOut.label(), "Opted out");
    }
}
