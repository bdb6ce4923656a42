//! DROP's six consumer deletion list types.

use std::fmt;
use std::str::FromStr;

/// A DROP consumer deletion list type (`ListType` in the official OpenAPI).
///
/// [`Display`](fmt::Display) prints DROP's own spelling (`Email`, `NDZ`, `NameVIN`, ...), the
/// one used in file names and in the `ListType` column of the Removed file.
/// [`FromStr`] accepts that spelling case-insensitively, because third-party sandboxes have been
/// seen writing `EMAIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListType {
    /// Name + date of birth + ZIP, a composite of four field hashes.
    Ndz,
    /// Email address.
    Email,
    /// Phone number.
    Phone,
    /// Mobile advertising identifier.
    Maid,
    /// Name + vehicle identification number, a composite of three field hashes.
    NameVin,
    /// Connected-TV identifier.
    Ctvid,
}

impl ListType {
    /// Every list type, in the order of the official `ListType` enum.
    pub const ALL: [ListType; 6] = [
        ListType::Ndz,
        ListType::Email,
        ListType::Phone,
        ListType::Maid,
        ListType::NameVin,
        ListType::Ctvid,
    ];

    /// DROP's spelling of this list type, as used in file names.
    pub const fn as_str(self) -> &'static str {
        match self {
            ListType::Ndz => "NDZ",
            ListType::Email => "Email",
            ListType::Phone => "Phone",
            ListType::Maid => "MAID",
            ListType::NameVin => "NameVIN",
            ListType::Ctvid => "CTVID",
        }
    }

    /// Whether this list's hash is a composite of several field hashes (NDZ and NameVIN).
    pub const fn is_composite(self) -> bool {
        matches!(self, ListType::Ndz | ListType::NameVin)
    }
}

impl fmt::Display for ListType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is not one of DROP's list type names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown DROP list type {0:?}: expected one of NDZ, Email, Phone, MAID, NameVIN, CTVID")]
pub struct ParseListTypeError(pub String);

impl FromStr for ListType {
    type Err = ParseListTypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ListType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseListTypeError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips_and_parse_ignores_case() {
        for t in ListType::ALL {
            assert_eq!(t.to_string().parse::<ListType>(), Ok(t));
            assert_eq!(t.as_str().to_uppercase().parse::<ListType>(), Ok(t));
        }
        assert_eq!("NameVIN".parse::<ListType>(), Ok(ListType::NameVin));
        assert!("Removed".parse::<ListType>().is_err());
        assert!("".parse::<ListType>().is_err());
    }
}
