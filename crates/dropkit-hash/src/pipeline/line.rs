//! One input line: what it holds, and how it is standardized and hashed.

use super::memo::Memo;
use super::split::CsvLine;
use crate::hash::BASE64_LEN;
use crate::{Dob, DropHash, Field, Hasher, StandardizeError, standardize};

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
    /// The standardized texts of the two lines of [`LineHasher::hash_pair`].
    pair: [String; 2],
}

/// The standardized text of a composite line, the Base64 texts of its parts (joined, as the
/// composite hash reads them) and the memo of names.
#[derive(Debug, Clone)]
struct Parts {
    text: String,
    joined: [u8; 4 * BASE64_LEN],
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
            joined: [0; 4 * BASE64_LEN],
            names: Memo::new(NAME_MEMO_BITS),
        }
    }

    /// Appends `|` (after the first part) and the standardized field to `text`, and its Base64
    /// hash as part `index` of `joined`.
    fn push(&mut self, index: usize, field: Field, input: &str) -> Result<(), StandardizeError> {
        let start = self.standardize(index, field, input)?;
        let value = self.text.as_bytes().get(start..).unwrap_or_default();
        let base64 = match field {
            Field::FirstName | Field::LastName => self.names.base64(value),
            _ => DropHash::of_bytes(value).base64_bytes(),
        };
        self.put(index, &base64);
        Ok(())
    }

    /// [`Parts::push`] of parts `index` and `index + 1` (neither a name), both digested at
    /// once (SHA-256 rounds interleaved). A failed first part stops before the second, as two
    /// pushes do.
    fn push_pair(
        &mut self,
        index: usize,
        fields: [Field; 2],
        inputs: [&str; 2],
    ) -> Result<(), StandardizeError> {
        let first = self.standardize(index, fields[0], inputs[0])?;
        let first_end = self.text.len();
        let second = self.standardize(index + 1, fields[1], inputs[1])?;
        let text = self.text.as_bytes();
        let [a, b] =
            [first..first_end, second..text.len()].map(|r| text.get(r).unwrap_or_default());
        let [ha, hb] = DropHash::of_bytes_array([a, b]);
        self.put(index, &ha.base64_bytes());
        self.put(index + 1, &hb.base64_bytes());
        Ok(())
    }

    /// Appends `|` (after the first part) and `field`'s standardized `input` to `text`;
    /// returns where the standardized value starts.
    fn standardize(
        &mut self,
        index: usize,
        field: Field,
        input: &str,
    ) -> Result<usize, StandardizeError> {
        if index > 0 {
            self.text.push('|');
        }
        let start = self.text.len();
        let text = &mut self.text;
        // The rule of each field straight away (`field_into` would also undo a failed part,
        // which the caller does not need: a failed line has no text).
        match field {
            Field::FirstName | Field::LastName => standardize::name_into(field, input, text)?,
            Field::Dob => Dob::parse_text(input)?.standardize_into(text),
            Field::Zip => standardize::zip_into(input, text)?,
            Field::Vin => standardize::vin_into(input, text)?,
            _ => standardize::field_into(field, input, text)?,
        }
        Ok(start)
    }

    /// Writes `base64` as part `index` of `joined`.
    fn put(&mut self, index: usize, base64: &[u8; BASE64_LEN]) {
        if let Some(slot) = self
            .joined
            .get_mut(index * BASE64_LEN..(index + 1) * BASE64_LEN)
        {
            slot.copy_from_slice(base64);
        }
    }

    fn ndz(
        &mut self,
        first: &str,
        last: &str,
        dob: &str,
        zip: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.text.clear();
        self.push(0, Field::FirstName, first)?;
        self.push(1, Field::LastName, last)?;
        self.push_pair(2, [Field::Dob, Field::Zip], [dob, zip])?;
        Ok(DropHash::of_bytes(&self.joined))
    }

    fn name_vin(
        &mut self,
        first: &str,
        last: &str,
        vin: &str,
    ) -> Result<DropHash, StandardizeError> {
        self.text.clear();
        self.push(0, Field::FirstName, first)?;
        self.push(1, Field::LastName, last)?;
        self.push(2, Field::Vin, vin)?;
        Ok(DropHash::of_bytes(&self.joined[..3 * BASE64_LEN]))
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
            pair: Default::default(),
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

    /// Standardizes and hashes two single-value lines at once, the answers of
    /// [`LineHasher::hash_line`] for each, in order (their standardized texts in
    /// [`LineHasher::pair_standardized`]). Both digests are computed together, their SHA-256
    /// rounds interleaved where the processor has SHA-NI. `None` for a composite kind (hash
    /// those line by line).
    pub(super) fn hash_pair(
        &mut self,
        lines: [&str; 2],
    ) -> Option<[Result<DropHash, LineError>; 2]> {
        let LineKind::Field(field) = self.kind else {
            return None;
        };
        let [ta, tb] = &mut self.pair;
        ta.clear();
        tb.clear();
        // Plain emails (nearly all) hashed from the lines themselves, lowercased in their
        // padded blocks: the SHA-256 loads then never wait on the stores of the standardized
        // copies, which only the answers read (`dropkit hash email` 2M, issue 16's seventh
        // pass).
        if field == Field::Email
            && let [Some((ra, la)), Some((rb, lb))] = lines.map(standardize::email_ascii_range)
        {
            let (a, b) = (
                lines[0].get(ra).unwrap_or_default(),
                lines[1].get(rb).unwrap_or_default(),
            );
            let digests =
                DropHash::of_ascii_lowercased_array([a.as_bytes(), b.as_bytes()], [la, lb]);
            for (text, (value, lower)) in [ta, tb].into_iter().zip([(a, la), (b, lb)]) {
                text.push_str(value);
                if lower {
                    text.make_ascii_lowercase();
                }
            }
            return Some(digests.map(Ok));
        }
        // Emails by their rule directly (no dispatch on the field for the common case). A
        // failed value's partial text is never written out.
        let rule = |input: &str, out: &mut String| match field {
            Field::Email => standardize::email_into(input, out),
            _ => standardize::field_into(field, input, out),
        };
        let a = rule(lines[0], ta);
        let b = rule(lines[1], tb);
        Some(match (a, b) {
            (Ok(()), Ok(())) => DropHash::of_bytes_array([ta.as_bytes(), tb.as_bytes()]).map(Ok),
            (a, b) => [(a, &*ta), (b, &*tb)].map(|(r, text)| {
                r.map(|()| DropHash::of_bytes(text.as_bytes()))
                    .map_err(LineError::from)
            }),
        })
    }

    /// The standardized text of line `i` (0 or 1) of the last [`LineHasher::hash_pair`].
    pub(super) fn pair_standardized(&self, i: usize) -> &str {
        self.pair.get(i).map_or("", String::as_str)
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
