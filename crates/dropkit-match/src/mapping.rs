//! Which columns of the records CSV hold the consumer key and which identifiers.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use dropkit_hash::{Field, ListType};

use crate::Error;

/// What one records column is mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The broker's consumer key, reported in the match report (exactly one column).
    Key,
    /// A raw identifier, standardized and hashed by DROP's rule for the field.
    Field(Field),
    /// A DROP-style hash the broker stores already: for Email, Phone, MAID and CTVID the hash
    /// of the standardized value, for NDZ and NameVIN the final composite hash. 44 characters
    /// of Base64 (as DROP writes them) or 64 hex digits.
    Hashed(ListType),
}

impl Target {
    /// Every name [`FromStr`] accepts, for help texts.
    pub const NAMES: &'static str = "key, email, phone, first_name, last_name, dob, zip, maid, \
         ctvid, vin, email_hash, phone_hash, maid_hash, ctvid_hash, ndz_hash, namevin_hash";
}

impl FromStr for Target {
    type Err = Error;

    /// `key`, a [`Field`] name (`email`, `first_name`, ...) or `<list>_hash` (`email_hash`,
    /// `ndz_hash`, ...), all case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("key") {
            return Ok(Target::Key);
        }
        if let Ok(field) = s.parse::<Field>() {
            return Ok(Target::Field(field));
        }
        if let Some(list) = s
            .len()
            .checked_sub(5)
            .filter(|&n| s.is_char_boundary(n) && s[n..].eq_ignore_ascii_case("_hash"))
            .and_then(|n| s[..n].parse::<ListType>().ok())
        {
            return Ok(Target::Hashed(list));
        }
        Err(Error::Mapping(format!(
            "unknown field {s:?}: expected one of {}",
            Target::NAMES
        )))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Key => f.write_str("key"),
            Target::Field(field) => write!(f, "{field}"),
            Target::Hashed(list) => write!(f, "{}_hash", list.as_str().to_ascii_lowercase()),
        }
    }
}

/// The column mapping: which header columns of the records CSV hold the consumer key and the
/// identifiers.
///
/// Any subset of fields may be mapped; a field may be mapped to several columns (several
/// emails or phones per consumer), each value then matched on its own. NDZ needs first name,
/// last name, date of birth and ZIP; NameVIN first name, last name and VIN; with several
/// columns for one of those fields, every combination is tried.
///
/// ```
/// use dropkit_hash::{Field, ListType};
/// use dropkit_match::{Mapping, Target};
///
/// let by_hand = Mapping::new("customer_id")
///     .column(Field::Email, "email")
///     .column(Field::Email, "work_email")
///     .hashed(ListType::Phone, "phone_sha256");
/// let parsed: Mapping = "key=customer_id,email=email,email=work_email,phone_hash=phone_sha256"
///     .parse()
///     .unwrap();
/// assert_eq!(by_hand, parsed);
/// assert_eq!(parsed.columns().count(), 3); // the key is apart
/// assert!("email=email".parse::<Mapping>().is_err()); // no key
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    key: String,
    columns: Vec<(Target, String)>,
}

impl Mapping {
    /// A mapping with the consumer key in `key_column` and no identifier yet.
    pub fn new(key_column: impl Into<String>) -> Self {
        Mapping {
            key: key_column.into(),
            columns: Vec::new(),
        }
    }

    /// Maps `column` to a raw identifier field.
    pub fn column(mut self, field: Field, column: impl Into<String>) -> Self {
        self.columns.push((Target::Field(field), column.into()));
        self
    }

    /// Maps `column` to pre-hashed values of `list`.
    pub fn hashed(mut self, list: ListType, column: impl Into<String>) -> Self {
        self.columns.push((Target::Hashed(list), column.into()));
        self
    }

    /// Parses `FIELD=COLUMN` pairs from several specs, each a comma-separated list (as given
    /// to repeated `--map` options). Exactly one `key` is required.
    pub fn parse_specs<'a>(specs: impl IntoIterator<Item = &'a str>) -> Result<Self, Error> {
        let mut key = None;
        let mut columns = Vec::new();
        for spec in specs {
            for pair in spec.split(',') {
                let pair = pair.trim();
                if pair.is_empty() {
                    continue;
                }
                let (target, column) = pair
                    .split_once('=')
                    .ok_or_else(|| Error::Mapping(format!("{pair:?} is not FIELD=COLUMN")))?;
                let target: Target = target.trim().parse()?;
                if column.is_empty() {
                    return Err(Error::Mapping(format!("{pair:?} names no column")));
                }
                match target {
                    Target::Key if key.is_some() => {
                        return Err(Error::Mapping("`key` is mapped twice".into()));
                    }
                    Target::Key => key = Some(column.to_owned()),
                    other => columns.push((other, column.to_owned())),
                }
            }
        }
        let key = key.ok_or_else(|| {
            Error::Mapping("`key=COLUMN` is required (the broker's consumer key)".into())
        })?;
        Ok(Mapping { key, columns })
    }

    /// The key column.
    pub fn key_column(&self) -> &str {
        &self.key
    }

    /// Every mapped identifier column with its target, in the order given (the key excluded).
    pub fn columns(&self) -> impl Iterator<Item = (Target, &str)> {
        self.columns.iter().map(|(t, c)| (*t, c.as_str()))
    }

    /// Whether the mapping gives a way to match `list`.
    pub fn can_match(&self, list: ListType) -> bool {
        let has = |f: Field| self.columns().any(|(t, _)| t == Target::Field(f));
        self.columns().any(|(t, _)| t == Target::Hashed(list))
            || required_fields(list).iter().all(|&f| has(f))
    }

    /// Finds every mapped column in the header.
    pub(crate) fn resolve(&self, header: &[&[u8]], file: &str) -> Result<Resolved, Error> {
        let find = |target: Target, column: &str| -> Result<Col, Error> {
            let mut hits = header
                .iter()
                .enumerate()
                .filter(|(_, h)| **h == column.as_bytes());
            match (hits.next(), hits.next()) {
                (Some((index, _)), None) => Ok(Col {
                    index,
                    label: format!("{column:?} ({target})").into(),
                }),
                (None, _) => Err(Error::Mapping(format!(
                    "{file}: no column {column:?} (for {target}) in the header; columns are: {}",
                    header
                        .iter()
                        .map(|h| format!("{:?}", String::from_utf8_lossy(h)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
                (Some(_), Some(_)) => Err(Error::Mapping(format!(
                    "{file}: column {column:?} (for {target}) appears more than once in the header"
                ))),
            }
        };
        let key = find(Target::Key, &self.key)?;
        let mut fields: [Vec<Col>; FIELD_COUNT] = Default::default();
        let mut hashed: [Vec<Col>; LIST_COUNT] = Default::default();
        let mut in_order = Vec::new();
        for (target, column) in self.columns() {
            let col = find(target, column)?;
            match target {
                Target::Field(f) => {
                    in_order.push((f, col.clone()));
                    fields[field_index(f)].push(col);
                }
                Target::Hashed(l) => hashed[list_index(l)].push(col),
                Target::Key => {}
            }
        }
        Ok(Resolved {
            key,
            fields,
            hashed,
            in_order,
            width: header.len(),
        })
    }
}

impl FromStr for Mapping {
    type Err = Error;

    /// Parses `FIELD=COLUMN[,FIELD=COLUMN...]`, as `dropkit match --map` takes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mapping::parse_specs([s])
    }
}

/// The raw fields a list type's hash is built from, in DROP's order.
pub fn required_fields(list: ListType) -> &'static [Field] {
    match list {
        ListType::Email => &[Field::Email],
        ListType::Phone => &[Field::Phone],
        ListType::Maid => &[Field::Maid],
        ListType::Ctvid => &[Field::Ctvid],
        ListType::Ndz => &[Field::FirstName, Field::LastName, Field::Dob, Field::Zip],
        ListType::NameVin => &[Field::FirstName, Field::LastName, Field::Vin],
    }
}

/// How many identifier fields there are: the length of the per-field arrays.
pub(crate) const FIELD_COUNT: usize = Field::ALL.len();
/// How many list types there are: the length of the per-list arrays.
pub(crate) const LIST_COUNT: usize = ListType::ALL.len();

/// The index of `f` in the per-field arrays (its place in [`Field::ALL`]).
pub(crate) const fn field_index(f: Field) -> usize {
    match f {
        Field::Email => 0,
        Field::Phone => 1,
        Field::FirstName => 2,
        Field::LastName => 3,
        Field::Dob => 4,
        Field::Zip => 5,
        Field::Maid => 6,
        Field::Ctvid => 7,
        Field::Vin => 8,
    }
}

/// The index of `l` in the per-list arrays (its place in [`ListType::ALL`]).
pub(crate) const fn list_index(l: ListType) -> usize {
    match l {
        ListType::Ndz => 0,
        ListType::Email => 1,
        ListType::Phone => 2,
        ListType::Maid => 3,
        ListType::NameVin => 4,
        ListType::Ctvid => 5,
    }
}

/// A mapped column found in the header.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub(crate) index: usize,
    /// `"column" (target)`, for problems.
    pub(crate) label: Arc<str>,
}

/// The mapping resolved against a header.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) key: Col,
    /// By [`field_index`].
    pub(crate) fields: [Vec<Col>; FIELD_COUNT],
    /// By [`list_index`].
    pub(crate) hashed: [Vec<Col>; LIST_COUNT],
    /// The raw identifier columns in mapping order (the values a matched record hands back).
    pub(crate) in_order: Vec<(Field, Col)>,
    pub(crate) width: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_print() {
        for name in Target::NAMES.split(", ") {
            let t: Target = name.parse().unwrap();
            assert_eq!(t.to_string(), name);
        }
        assert_eq!(
            "NDZ_HASH".parse::<Target>().unwrap(),
            Target::Hashed(ListType::Ndz)
        );
        assert_eq!(
            "Email".parse::<Target>().unwrap(),
            Target::Field(Field::Email)
        );
        for bad in ["", "_hash", "removed_hash", "mail", "hash", "é_hash"] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[test]
    fn indexes_follow_the_all_arrays() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field_index(f), i);
        }
        for (i, l) in ListType::ALL.into_iter().enumerate() {
            assert_eq!(list_index(l), i);
        }
    }

    #[test]
    fn specs() {
        let m = Mapping::parse_specs(["key=id, email=e1", "email=e2,dob=birth"]).unwrap();
        assert_eq!(m.key_column(), "id");
        assert_eq!(m.columns().count(), 3);
        assert!(m.can_match(ListType::Email));
        assert!(!m.can_match(ListType::Ndz));
        for bad in [
            "email=e",
            "key=a,key=b",
            "key=a,email",
            "key=a,email=",
            "key=a,fax=f",
        ] {
            assert!(
                matches!(bad.parse::<Mapping>(), Err(Error::Mapping(_))),
                "{bad}"
            );
        }
        // a column name may hold '=': only the first one splits
        assert_eq!("key=a=b".parse::<Mapping>().unwrap().key_column(), "a=b");
    }

    #[test]
    fn resolve_finds_columns_or_says_which_are_missing() {
        let m: Mapping = "key=id,email=mail,email=mail2,ndz_hash=h".parse().unwrap();
        let header: Vec<&[u8]> = vec![b"mail", b"id", b"h", b"mail2"];
        let r = m.resolve(&header, "r.csv").unwrap();
        assert_eq!(r.key.index, 1);
        let emails: Vec<usize> = r.fields[field_index(Field::Email)]
            .iter()
            .map(|c| c.index)
            .collect();
        assert_eq!(emails, [0, 3]);
        assert_eq!(r.hashed[list_index(ListType::Ndz)][0].index, 2);
        assert_eq!(&*r.key.label, "\"id\" (key)");
        let e = m
            .resolve(&[b"id", b"mail", b"mail2"], "r.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column \"h\" (for ndz_hash)"), "{e}");
        let e = m
            .resolve(&[b"id", b"id", b"mail", b"mail2", b"h"], "r.csv")
            .unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
    }
}
