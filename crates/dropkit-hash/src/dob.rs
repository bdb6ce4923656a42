//! Dates of birth.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

use crate::StandardizeError;

/// A date of birth: a real calendar date with a four-digit year (0001 to 9999).
///
/// DROP standardizes dates of birth as `YYYYMMDD`. Broker data comes in many shapes, so this
/// type accepts exactly two texts, `YYYY-MM-DD` and `YYYYMMDD` (surrounding whitespace is
/// ignored), and converts from [`time::Date`] for everything else: parse your own format with
/// the `time` crate and hand the date over. Impossible dates (`2023-02-29`, month 13) are
/// rejected rather than rolled over.
///
/// ```
/// use dropkit_hash::Dob;
/// use time::macros::date;
///
/// let a: Dob = "1985-07-04".parse().unwrap();
/// let b: Dob = "19850704".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(Dob::try_from(date!(1776 - 07 - 04)).unwrap().to_string(), "17760704");
/// assert!("2023-02-29".parse::<Dob>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dob(Date);

impl Dob {
    /// The calendar date.
    pub const fn date(self) -> Date {
        self.0
    }

    /// Writes the standardized `YYYYMMDD` form into `out` (appending).
    pub fn standardize_into(self, out: &mut String) {
        let (y, m, d) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        // Years are 1..=9999 by construction, so four digits always suffice.
        let digits = [
            (y / 1000) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            m / 10,
            m % 10,
            d / 10,
            d % 10,
        ];
        out.extend(digits.iter().map(|d| char::from(b'0' + d)));
    }

    /// Parses `YYYY-MM-DD` or `YYYYMMDD`; [`FromStr`] does the same.
    pub fn parse_text(text: &str) -> Result<Self, StandardizeError> {
        let t = text.trim();
        let err = |reason| StandardizeError::Date {
            input: t.to_owned(),
            reason,
        };
        let b = t.as_bytes();
        let (y, m, d) = match b.len() {
            10 if b[4] == b'-' && b[7] == b'-' => (&b[0..4], &b[5..7], &b[8..10]),
            8 => (&b[0..4], &b[4..6], &b[6..8]),
            _ => return Err(err("is not YYYY-MM-DD or YYYYMMDD")),
        };
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(y), Some(m), Some(d)) = (num(y), num(m), num(d)) else {
            return Err(err("is not YYYY-MM-DD or YYYYMMDD"));
        };
        if y == 0 {
            return Err(err("has year 0000"));
        }
        let month = u8::try_from(m)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or_else(|| err("has no such month"))?;
        let day = u8::try_from(d).map_err(|_| err("has no such day"))?;
        let year = i32::try_from(y).map_err(|_| err("has no such year"))?;
        Date::from_calendar_date(year, month, day)
            .map(Dob)
            .map_err(|_| err("is not a calendar date"))
    }
}

impl TryFrom<Date> for Dob {
    type Error = StandardizeError;

    /// Fails for years outside 1 to 9999, which have no four-digit `YYYY` form.
    fn try_from(date: Date) -> Result<Self, Self::Error> {
        if (1..=9999).contains(&date.year()) {
            Ok(Dob(date))
        } else {
            Err(StandardizeError::Date {
                input: date.to_string(),
                reason: "has a year outside 0001 to 9999",
            })
        }
    }
}

impl FromStr for Dob {
    type Err = StandardizeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dob::parse_text(s)
    }
}

impl fmt::Display for Dob {
    /// The standardized `YYYYMMDD` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(8);
        self.standardize_into(&mut s);
        f.write_str(&s)
    }
}
