//! One input line: what it holds, and how it is standardized and hashed.

use super::split::CsvLine;
use crate::{DropHash, Field, Hasher, StandardizeError};

/// What each input line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LineKind {
    /// One value of this field per line. (A name is a name: [`Field::FirstName`] and
    /// [`Field::LastName`] standardize alike and differ only in error messages.)
    Field(Field),
    /// `first,last,dob,zip`, one CSV record with no header: the NDZ composite hash.
    Ndz,
    /// `first,last,vin`, one CSV record with no header: the NameVIN composite hash.
    NameVin,
}

impl LineKind {
    /// The fields of a composite line, in order, as error messages name them
    /// (`first,last,dob,zip`); `None` for a single value.
    pub const fn composite_fields(self) -> Option<&'static str> {
        match self {
            LineKind::Field(_) => None,
            LineKind::Ndz => Some("first,last,dob,zip"),
            LineKind::NameVin => Some("first,last,vin"),
        }
    }
}

/// Why a line gave no hash. The pipeline writes it as an `ERROR<TAB>reason` line: it is data,
/// not a failure of the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LineError {
    /// The value (or one field of a composite) cannot be standardized.
    #[error(transparent)]
    Value(#[from] StandardizeError),
    /// A composite line without the right number of fields.
    #[error("expected {expected} comma-separated fields ({names}), got {got}")]
    Shape {
        /// How many fields the composite has.
        expected: usize,
        /// Their names, `first,last,dob,zip`.
        names: &'static str,
        /// How many the line has (0 for an empty line).
        got: usize,
    },
}

/// Standardizes and hashes lines of one [`LineKind`], reusing its buffers: keep one per thread.
///
/// A composite line is read as one CSV record (`,` between fields, `"` quotes, `""` for a
/// quote inside quotes), exactly as the `csv` crate reads it, but without building a reader per
/// line: a line without quotes is split in place.
///
/// ```
/// use dropkit_hash::pipeline::{LineHasher, LineKind};
///
/// let mut h = LineHasher::new(LineKind::Ndz);
/// let hash = h.hash_line("Danielle,Johnson,1985-07-04,91790").unwrap();
/// assert_eq!(h.standardized(), "danielle|johnson|19850704|91790");
/// assert_eq!(hash.to_string(), "PQOfn1RffEKmqMmNAzDKKaoZCwxWbQZkQzPWmQo9REA=");
///
/// let err = h.hash_line("\"O'Neil, Jr\",x").unwrap_err();
/// assert_eq!(err.to_string(), "expected 4 comma-separated fields (first,last,dob,zip), got 2");
/// ```
#[derive(Debug, Clone)]
pub struct LineHasher {
    kind: LineKind,
    hasher: Hasher,
    split: CsvLine,
}

impl LineHasher {
    /// A hasher for lines holding `kind`.
    pub fn new(kind: LineKind) -> Self {
        Self {
            kind,
            hasher: Hasher::new(),
            split: CsvLine::default(),
        }
    }

    /// What the lines hold.
    pub fn kind(&self) -> LineKind {
        self.kind
    }

    /// Standardizes and hashes one line, given without its line end.
    pub fn hash_line(&mut self, line: &str) -> Result<DropHash, LineError> {
        let names = self.kind.composite_fields().unwrap_or_default();
        let shape = |expected, got| LineError::Shape {
            expected,
            names,
            got,
        };
        match self.kind {
            LineKind::Field(field) => Ok(self.hasher.hash(field, line)?),
            LineKind::Ndz => {
                let [first, last, dob, zip] = self.split.fields(line).map_err(|n| shape(4, n))?;
                Ok(self.hasher.ndz(first, last, dob, zip)?)
            }
            LineKind::NameVin => {
                let [first, last, vin] = self.split.fields(line).map_err(|n| shape(3, n))?;
                Ok(self.hasher.name_vin(first, last, vin)?)
            }
        }
    }

    /// The standardized text of the last line hashed: the value, or for a composite the
    /// standardized fields joined by `|` (`danielle|johnson|19850704|91790`).
    pub fn standardized(&self) -> &str {
        self.hasher.standardized()
    }
}
