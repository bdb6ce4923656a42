//! One input line: what it holds, and how it is standardized and hashed.

use super::memo::Memo;
use super::split::CsvLine;
use crate::hash::BASE64_LEN;
use crate::{DropHash, Field, Hasher, StandardizeError, standardize};

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
/// The first and last names of a composite go through a bounded memo of standardized name ->
/// Base64 hash (256 KiB per hasher, allocated only for composite kinds): a repeated name is
/// standardized but not hashed again. Real data repeats names heavily (a few thousand cover
/// most people); data where every name is unique pays a lookup per name for nothing (figures
/// in `docs/performance.md`, issue 16).
/// The answers are those of [`Hasher::ndz`] and [`Hasher::name_vin`], byte for byte.
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
    parts: Option<Box<Parts>>,
}

/// The standardized text of a composite line and the memos of its parts.
#[derive(Debug, Clone)]
struct Parts {
    text: String,
    names: Memo,
}

/// The name memo's size: 4,096 slots, 256 KiB, well inside a core's L2 cache. Memos of dates of
/// birth (2^13 to 2^15 slots) and ZIPs (2^12 to 2^15) were measured too and cost more than
/// they saved on the 2-core test machine (+0.14 s of CPU per million rows for dates at 2^13):
/// their values are too many (23,520 dates, 99,000 ZIPs in `bench/gen_lines.py` data; about
/// 30,000 dates in real data) for a table that stays in cache, and a lookup that misses the
/// cache costs more than the SHA-256 block it saves.
const NAME_MEMO_BITS: u32 = 12;

impl Parts {
    fn new() -> Self {
        Self {
            text: String::new(),
            names: Memo::new(NAME_MEMO_BITS),
        }
    }

    /// Appends `|` (after the first part) and the standardized field; its Base64 hash.
    fn push(&mut self, field: Field, input: &str) -> Result<[u8; BASE64_LEN], StandardizeError> {
        if !self.text.is_empty() {
            self.text.push('|');
        }
        let start = self.text.len();
        standardize::field_into(field, input, &mut self.text)?;
        let value = self.text.as_bytes().get(start..).unwrap_or_default();
        Ok(match field {
            Field::FirstName | Field::LastName => self.names.base64(value),
            _ => DropHash::of_bytes(value).base64_bytes(),
        })
    }

    fn ndz(
        &mut self,
        first: &str,
        last: &str,
        dob: &str,
        zip: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.text.clear();
        let parts = [
            self.push(Field::FirstName, first)?,
            self.push(Field::LastName, last)?,
            self.push(Field::Dob, dob)?,
            self.push(Field::Zip, zip)?,
        ];
        Ok(crate::hasher::composite_of_base64(&parts))
    }

    fn name_vin(
        &mut self,
        first: &str,
        last: &str,
        vin: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.text.clear();
        let parts = [
            self.push(Field::FirstName, first)?,
            self.push(Field::LastName, last)?,
            self.push(Field::Vin, vin)?,
        ];
        Ok(crate::hasher::composite_of_base64(&parts))
    }
}

impl LineHasher {
    /// A hasher for lines holding `kind`.
    pub fn new(kind: LineKind) -> Self {
        Self {
            kind,
            hasher: Hasher::new(),
            split: CsvLine::default(),
            parts: match kind {
                LineKind::Field(_) => None,
                LineKind::Ndz | LineKind::NameVin => Some(Box::new(Parts::new())),
            },
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
        let parts = match (self.kind, self.parts.as_deref_mut()) {
            (LineKind::Field(field), _) => return Ok(self.hasher.hash(field, line)?),
            (_, Some(parts)) => parts,
            (_, None) => self.parts.insert(Box::new(Parts::new())),
        };
        match self.kind {
            LineKind::Ndz => {
                let [first, last, dob, zip] = self.split.fields(line).map_err(|n| shape(4, n))?;
                Ok(parts.ndz(first, last, dob, zip)?)
            }
            _ => {
                let [first, last, vin] = self.split.fields(line).map_err(|n| shape(3, n))?;
                Ok(parts.name_vin(first, last, vin)?)
            }
        }
    }

    /// The standardized text of the last line hashed: the value, or for a composite the
    /// standardized fields joined by `|` (`danielle|johnson|19850704|91790`).
    pub fn standardized(&self) -> &str {
        match (self.kind, &self.parts) {
            (LineKind::Field(_), _) | (_, None) => self.hasher.standardized(),
            (_, Some(parts)) => &parts.text,
        }
    }
}
