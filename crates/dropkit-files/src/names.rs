//! DROP file names: `<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv` and
//! `<YYYYMMDD>_<DataBrokerId>_DROP.zip`.

use std::fmt;
use std::str::FromStr;

use dropkit_hash::ListType;

use crate::Error;

/// The `DataType` part of a CSV name: a consumer deletion [`ListType`] or `Removed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    /// A consumer deletion list.
    List(ListType),
    /// The file of identifiers removed since an earlier download (not a list type).
    Removed,
}

impl DataType {
    /// DROP's spelling (`Email`, `NDZ`, ..., `Removed`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DataType::List(t) => t.as_str(),
            DataType::Removed => "Removed",
        }
    }

    /// The list type, or `None` for `Removed`.
    pub const fn list_type(self) -> Option<ListType> {
        match self {
            DataType::List(t) => Some(t),
            DataType::Removed => None,
        }
    }
}

impl From<ListType> for DataType {
    fn from(t: ListType) -> Self {
        DataType::List(t)
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataType {
    type Err = Error;

    /// Parses case-insensitively: third-party sandboxes have been seen writing `EMAIL`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("Removed") {
            return Ok(DataType::Removed);
        }
        s.parse::<ListType>()
            .map(DataType::List)
            .map_err(|_| Error::DataType {
                value: s.to_owned(),
            })
    }
}

/// The longest suffix DROP accepts.
pub const MAX_SUFFIX_LEN: usize = 10;

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn check_suffix(suffix: &str) -> Result<(), Error> {
    if (1..=MAX_SUFFIX_LEN).contains(&suffix.len())
        && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err(Error::Suffix {
            suffix: suffix.to_owned(),
        })
    }
}

/// A DROP CSV name: `<YYYYMMDD>_<DataBrokerId>_<DataType>[_<suffix>].csv`.
///
/// Downloads use it without a suffix (`20260312_4821_Email.csv`); response files use the name of
/// the list they answer, optionally with a suffix to split a list across several files
/// (`20260312_4821_Email_part01.csv`).
///
/// Parsing accepts the data type in any case and a broker id of one or more digits (DROP says
/// "currently 4 digits"). The data type is kept as written, so that a response named after a
/// download repeats the download's spelling byte for byte; [`same_list`](Self::same_list)
/// compares the parsed type.
///
/// ```
/// use dropkit_files::{DataType, ListFileName};
/// use dropkit_hash::ListType;
///
/// let name: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
/// assert_eq!(name.data_type(), DataType::List(ListType::Email));
/// let part = name.with_suffix("part01").unwrap();
/// assert_eq!(part.to_string(), "20260312_4821_Email_part01.csv");
/// assert_eq!(part.base(), name);
/// assert!(name.with_suffix("part-01").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListFileName {
    date: String,
    broker: String,
    data_type: DataType,
    data_type_text: String,
    suffix: Option<String>,
}

impl ListFileName {
    /// Builds a name without suffix, in DROP's spelling of the data type.
    ///
    /// `date` must be 8 ASCII digits and `broker` one or more ASCII digits.
    pub fn new(date: &str, broker: &str, data_type: DataType) -> Result<Self, Error> {
        let name = format!("{date}_{broker}_{data_type}.csv");
        if date.len() != 8 || !is_digits(date) {
            return Err(Error::FileName {
                name,
                reason: "the date must be 8 digits (YYYYMMDD)",
            });
        }
        if !is_digits(broker) {
            return Err(Error::FileName {
                name,
                reason: "the data broker id must be digits",
            });
        }
        Ok(ListFileName {
            date: date.to_owned(),
            broker: broker.to_owned(),
            data_type,
            data_type_text: data_type.as_str().to_owned(),
            suffix: None,
        })
    }

    /// Parses the name of a status (response) file, the only kind of file DROP takes:
    /// `<YYYYMMDD>_<DataBrokerId>_<ListType>[_<suffix>].csv` for a consumer deletion list.
    /// Anything else is an [`Error::FileName`]: another name (`matches.csv`, a path), and the
    /// Removed file's name, which takes no responses.
    ///
    /// Use it to refuse, before any network call, a file that must never leave the machine.
    /// It checks the name only; whether the list is in the current download is DROP's check
    /// (or [`Validator`](crate::Validator)'s).
    ///
    /// ```
    /// use dropkit_files::ListFileName;
    ///
    /// assert!(ListFileName::parse_status_file("20260312_4821_Email_part01.csv").is_ok());
    /// for refused in ["matches.csv", "20260312_4821_Removed.csv", "out/20260312_4821_Email.csv"] {
    ///     assert!(ListFileName::parse_status_file(refused).is_err(), "{refused}");
    /// }
    /// ```
    pub fn parse_status_file(name: &str) -> Result<Self, Error> {
        let parsed: ListFileName = name.parse()?;
        if parsed.data_type == DataType::Removed {
            return Err(Error::FileName {
                name: name.to_owned(),
                reason: "the Removed file takes no responses: a status file answers a list",
            });
        }
        Ok(parsed)
    }

    /// The file date, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The data broker id (digits).
    pub fn broker_id(&self) -> &str {
        &self.broker
    }

    /// The data type.
    pub fn data_type(&self) -> DataType {
        self.data_type
    }

    /// The list type, or `None` for the Removed file.
    pub fn list_type(&self) -> Option<ListType> {
        self.data_type.list_type()
    }

    /// The suffix, if any.
    pub fn suffix(&self) -> Option<&str> {
        self.suffix.as_deref()
    }

    /// This name with `suffix` (1 to 10 ASCII letters or digits), replacing any suffix.
    pub fn with_suffix(&self, suffix: &str) -> Result<Self, Error> {
        check_suffix(suffix)?;
        Ok(ListFileName {
            suffix: Some(suffix.to_owned()),
            ..self.clone()
        })
    }

    /// This name without its suffix: the name of the downloaded list it belongs to.
    pub fn base(&self) -> Self {
        ListFileName {
            suffix: None,
            ..self.clone()
        }
    }

    /// Whether both names are of the same downloaded list: same date, broker and data type
    /// (whatever the case of the data type and the suffixes).
    pub fn same_list(&self, other: &ListFileName) -> bool {
        self.date == other.date && self.broker == other.broker && self.data_type == other.data_type
    }

    /// Whether both names would be the same upload: same list and same suffix, the suffix
    /// compared case-insensitively (DROP does not say whether it does, so assume it might).
    pub fn same_upload(&self, other: &ListFileName) -> bool {
        self.same_list(other)
            && match (&self.suffix, &other.suffix) {
                (None, None) => true,
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            }
    }

    /// The first name for this list that is not among `used`: the list's own name if that is
    /// free, else `_part02`, `_part03`, ... (the first `partNN` not taken).
    ///
    /// Use it with every name already uploaded or written for the current download, so that an
    /// upload never collides with DROP's "already uploaded" rule.
    ///
    /// ```
    /// use dropkit_files::ListFileName;
    ///
    /// let base: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
    /// let used = [base.clone(), base.with_suffix("part02").unwrap()];
    /// assert_eq!(base.next_unused(&used).to_string(), "20260312_4821_Email_part03.csv");
    /// assert_eq!(base.next_unused(&[]).to_string(), "20260312_4821_Email.csv");
    /// ```
    pub fn next_unused<'a>(&self, used: impl IntoIterator<Item = &'a ListFileName>) -> Self {
        let used: Vec<&ListFileName> = used.into_iter().filter(|u| u.same_list(self)).collect();
        let base = self.base();
        if !used.iter().any(|u| u.same_upload(&base)) {
            return base;
        }
        // part02 onwards: the unsuffixed name counts as part 1. 10 characters allow
        // `part999999`, far more than any download needs; past it the name would be invalid,
        // so fall back to a plain number (still at most 10 digits for any u32).
        (2u32..)
            .map(|n| {
                let suffix = if n <= 999_999 {
                    format!("part{n:02}")
                } else {
                    n.to_string()
                };
                ListFileName {
                    suffix: Some(suffix),
                    ..base.clone()
                }
            })
            .find(|candidate| !used.iter().any(|u| u.same_upload(candidate)))
            .unwrap_or(base)
    }
}

impl FromStr for ListFileName {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let err = |reason| Error::FileName {
            name: name.to_owned(),
            reason,
        };
        let stem = name
            .strip_suffix(".csv")
            .ok_or_else(|| err("it must end in .csv"))?;
        let mut parts = stem.split('_');
        let (Some(date), Some(broker), Some(data_type)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(err(
                "it needs date, data broker id and data type, separated by _",
            ));
        };
        let suffix = parts.next();
        if parts.next().is_some() {
            return Err(err("too many _-separated parts"));
        }
        if date.len() != 8 || !is_digits(date) {
            return Err(err("the date must be 8 digits (YYYYMMDD)"));
        }
        if !is_digits(broker) {
            return Err(err("the data broker id must be digits"));
        }
        let parsed: DataType = data_type.parse().map_err(|_| {
            err("unknown data type (NDZ, Email, Phone, MAID, NameVIN, CTVID, Removed)")
        })?;
        if let Some(s) = suffix {
            check_suffix(s)
                .map_err(|_| err("the suffix must be 1 to 10 ASCII letters or digits"))?;
        }
        Ok(ListFileName {
            date: date.to_owned(),
            broker: broker.to_owned(),
            data_type: parsed,
            data_type_text: data_type.to_owned(),
            suffix: suffix.map(str::to_owned),
        })
    }
}

impl fmt::Display for ListFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_{}", self.date, self.broker, self.data_type_text)?;
        if let Some(s) = &self.suffix {
            write!(f, "_{s}")?;
        }
        f.write_str(".csv")
    }
}

/// A DROP download name: `<YYYYMMDD>_<DataBrokerId>_DROP.zip`.
///
/// ```
/// use dropkit_files::ZipFileName;
///
/// let zip: ZipFileName = "20260312_4821_DROP.zip".parse().unwrap();
/// assert_eq!((zip.date(), zip.broker_id()), ("20260312", "4821"));
/// assert_eq!(zip.to_string(), "20260312_4821_DROP.zip");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZipFileName {
    date: String,
    broker: String,
}

impl ZipFileName {
    /// Builds a download name; `date` must be 8 ASCII digits and `broker` one or more digits.
    pub fn new(date: &str, broker: &str) -> Result<Self, Error> {
        format!("{date}_{broker}_DROP.zip").parse()
    }

    /// The file date, `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The data broker id (digits).
    pub fn broker_id(&self) -> &str {
        &self.broker
    }

    /// The name of one of this download's list files.
    pub fn list_file(&self, data_type: DataType) -> ListFileName {
        ListFileName {
            date: self.date.clone(),
            broker: self.broker.clone(),
            data_type,
            data_type_text: data_type.as_str().to_owned(),
            suffix: None,
        }
    }
}

impl FromStr for ZipFileName {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let err = |reason| Error::ZipName {
            name: name.to_owned(),
            reason,
        };
        let stem = name
            .strip_suffix(".zip")
            .ok_or_else(|| err("it must end in .zip"))?;
        let mut parts = stem.split('_');
        let (Some(date), Some(broker), Some(drop), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err(
                "it must be date, data broker id and DROP, separated by _",
            ));
        };
        if date.len() != 8 || !is_digits(date) {
            return Err(err("the date must be 8 digits (YYYYMMDD)"));
        }
        if !is_digits(broker) {
            return Err(err("the data broker id must be digits"));
        }
        if !drop.eq_ignore_ascii_case("DROP") {
            return Err(err("the third part must be DROP"));
        }
        Ok(ZipFileName {
            date: date.to_owned(),
            broker: broker.to_owned(),
        })
    }
}

impl fmt::Display for ZipFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}_DROP.zip", self.date, self.broker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_list_status_file_names_are_status_files() {
        for ok in [
            "20260312_4821_Email.csv",
            "20260312_4821_NDZ_01.csv",
            "20260312_4821_EMAIL_retry01.csv",
            "20260312_48210_CTVID.csv",
        ] {
            let name = ListFileName::parse_status_file(ok).unwrap();
            assert!(name.list_type().is_some(), "{ok}");
        }
        for refused in [
            "matches.csv",
            "20260312_4821_Removed.csv",
            "20260312_4821_removed_x.csv",
            "20260312_4821_Email.CSV",
            "20260312_4821_Email.csv.gz",
            "20260312_4821_DROP.zip",
            "./20260312_4821_Email.csv",
            "20260312_4821_Email_part-1.csv",
            "",
        ] {
            assert!(
                matches!(
                    ListFileName::parse_status_file(refused),
                    Err(Error::FileName { .. })
                ),
                "{refused}"
            );
        }
        let removed = ListFileName::parse_status_file("20260312_4821_Removed.csv").unwrap_err();
        assert!(
            removed.to_string().contains("takes no responses"),
            "{removed}"
        );
    }

    #[test]
    fn parses_every_official_example() {
        for (name, dt, suffix) in [
            ("20260312_4821_NDZ.csv", DataType::List(ListType::Ndz), None),
            (
                "20260312_4821_Email.csv",
                DataType::List(ListType::Email),
                None,
            ),
            (
                "20260312_4821_Email_part01.csv",
                DataType::List(ListType::Email),
                Some("part01"),
            ),
            ("20260312_4821_Removed.csv", DataType::Removed, None),
            (
                "20260312_4821_NameVIN.csv",
                DataType::List(ListType::NameVin),
                None,
            ),
        ] {
            let n: ListFileName = name.parse().unwrap();
            assert_eq!(n.data_type(), dt, "{name}");
            assert_eq!(n.suffix(), suffix);
            assert_eq!(n.to_string(), name);
            assert_eq!((n.date(), n.broker_id()), ("20260312", "4821"));
        }
    }

    #[test]
    fn data_type_is_case_insensitive_and_kept_as_written() {
        let n: ListFileName = "20260312_4821_EMAIL.csv".parse().unwrap();
        assert_eq!(n.list_type(), Some(ListType::Email));
        assert_eq!(n.to_string(), "20260312_4821_EMAIL.csv");
        let m: ListFileName = "20260312_4821_Email_a1.csv".parse().unwrap();
        assert!(n.same_list(&m));
        assert_ne!(n, m.base());
    }

    #[test]
    fn broker_id_may_grow() {
        let n: ListFileName = "20260312_48210_Phone.csv".parse().unwrap();
        assert_eq!(n.broker_id(), "48210");
        assert!("20260312_1_Phone.csv".parse::<ListFileName>().is_ok());
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "20260312_4821_Email.CSV.zip",
            "20260312_4821_Email",
            "2026031_4821_Email.csv",
            "2026031a_4821_Email.csv",
            "20260312__Email.csv",
            "20260312_48x1_Email.csv",
            "20260312_4821_Mail.csv",
            "20260312_4821_Email_.csv",
            "20260312_4821_Email_part-1.csv",
            "20260312_4821_Email_12345678901.csv",
            "20260312_4821_Email_a_b.csv",
            "20260312_4821.csv",
            "notes.txt",
            "",
        ] {
            assert!(
                matches!(bad.parse::<ListFileName>(), Err(Error::FileName { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn with_suffix_checks_the_suffix() {
        let n = ListFileName::new("20260312", "4821", ListType::Email.into()).unwrap();
        assert_eq!(
            n.with_suffix("1234567890").unwrap().to_string(),
            "20260312_4821_Email_1234567890.csv"
        );
        for bad in ["", "12345678901", "a_b", "ä", "a b", "a.b"] {
            assert!(
                matches!(n.with_suffix(bad), Err(Error::Suffix { .. })),
                "{bad:?}"
            );
        }
        assert!(ListFileName::new("2026", "4821", DataType::Removed).is_err());
        assert!(ListFileName::new("20260312", "", DataType::Removed).is_err());
    }

    #[test]
    fn next_unused_skips_taken_names_case_insensitively() {
        let base: ListFileName = "20260312_4821_Email.csv".parse().unwrap();
        let other: ListFileName = "20260312_4821_Phone.csv".parse().unwrap();
        assert_eq!(base.next_unused([&other]), base);
        let used: Vec<ListFileName> = vec![
            base.clone(),
            base.with_suffix("PART02").unwrap(),
            base.with_suffix("part03").unwrap(),
        ];
        assert_eq!(base.next_unused(&used).suffix(), Some("part04"));
        // from a suffixed name too
        assert_eq!(used[1].next_unused(&used).suffix(), Some("part04"));
    }

    #[test]
    fn zip_names() {
        let z: ZipFileName = "20260312_4821_DROP.zip".parse().unwrap();
        assert_eq!(
            z.list_file(DataType::Removed).to_string(),
            "20260312_4821_Removed.csv"
        );
        for bad in [
            "20260312_4821_DROP.csv",
            "20260312_4821.zip",
            "20260312_4821_DRIP.zip",
            "x_4821_DROP.zip",
            "20260312_4821_DROP_1.zip",
        ] {
            assert!(bad.parse::<ZipFileName>().is_err(), "{bad}");
        }
        assert!(ZipFileName::new("20260312", "4821").is_ok());
    }
}
