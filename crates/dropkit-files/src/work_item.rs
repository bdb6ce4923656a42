//! The work item Id: DROP's key for one consumer identifier in one list.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::Error;

/// Length of a canonical work item Id.
pub const WORK_ITEM_ID_LEN: usize = 12;

const INLINE: usize = 22;

#[derive(Clone)]
enum Repr {
    // Ids up to 22 bytes (every canonical one) live inline: no allocation per row.
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<str>),
}

/// A work item Id, kept byte for byte as DROP wrote it.
///
/// DROP's schema says 12 Base62 characters (`^[A-Za-z0-9]{12}$`, case-sensitive), but its own
/// upload example answers the Id `680`. So any non-empty UTF-8 text without a comma, quote,
/// line break or NUL is accepted, and [`is_canonical`](Self::is_canonical) tells whether it
/// follows the schema; the readers log a warning for the others. Ids of up to 22 bytes are stored inline.
///
/// ```
/// use dropkit_files::WorkItemId;
///
/// let id: WorkItemId = "A7kP2xQ9Lm4R".parse().unwrap();
/// assert!(id.is_canonical());
/// assert_eq!(id.as_str(), "A7kP2xQ9Lm4R");
/// assert!(!"680".parse::<WorkItemId>().unwrap().is_canonical());
/// assert!("".parse::<WorkItemId>().is_err());
/// ```
#[derive(Clone)]
pub struct WorkItemId(Repr);

impl WorkItemId {
    /// Wraps `id` as is. `None` when it is empty or holds a character that cannot be written
    /// back into a CSV field unquoted (comma, double quote, CR, LF) or a NUL (never in a DROP
    /// Id, and invisible when printed).
    pub fn new(id: &str) -> Option<Self> {
        if id.is_empty()
            || id
                .bytes()
                .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n' | b'\0'))
        {
            return None;
        }
        Some(Self::new_unchecked(id))
    }

    pub(crate) fn new_unchecked(id: &str) -> Self {
        if id.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..id.len()].copy_from_slice(id.as_bytes());
            WorkItemId(Repr::Inline {
                len: id.len() as u8,
                buf,
            })
        } else {
            WorkItemId(Repr::Heap(id.into()))
        }
    }

    /// The Id as DROP wrote it.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Built from a &str, cut at its length: always UTF-8.
            Repr::Inline { len, buf } => {
                std::str::from_utf8(&buf[..usize::from(*len)]).unwrap_or("")
            }
            Repr::Heap(s) => s,
        }
    }

    /// Whether the Id is 12 Base62 characters, as DROP's schema requires.
    pub fn is_canonical(&self) -> bool {
        is_canonical(self.as_str().as_bytes())
    }

    /// The Id of 12 Base62 bytes `id` (as kept by [`canonical_bytes`](Self::canonical_bytes)),
    /// without a UTF-8 check or a scan for forbidden characters: `None` unless `id` is
    /// canonical (a check of its 12 bytes side by side).
    ///
    /// ```
    /// use dropkit_files::WorkItemId;
    ///
    /// let id = WorkItemId::from_canonical(b"A7kP2xQ9Lm4R").unwrap();
    /// assert_eq!(id.as_str(), "A7kP2xQ9Lm4R");
    /// assert!(WorkItemId::from_canonical(b"A7kP2xQ9Lm4,").is_none());
    /// ```
    pub fn from_canonical(id: &[u8; WORK_ITEM_ID_LEN]) -> Option<Self> {
        if !is_canonical_id(id) {
            return None;
        }
        let mut buf = [0u8; INLINE];
        buf[..WORK_ITEM_ID_LEN].copy_from_slice(id);
        Some(WorkItemId(Repr::Inline {
            len: WORK_ITEM_ID_LEN as u8,
            buf,
        }))
    }

    /// The 12 bytes of a canonical Id, for compact storage.
    pub fn canonical_bytes(&self) -> Option<[u8; WORK_ITEM_ID_LEN]> {
        let b = self.as_str().as_bytes();
        if is_canonical(b) {
            let mut out = [0u8; WORK_ITEM_ID_LEN];
            out.copy_from_slice(b);
            Some(out)
        } else {
            None
        }
    }
}

/// [`is_canonical`] for exactly 12 bytes: the bytes padded to 16 and checked side by side
/// (one vector compare), for rows written by the million.
#[inline]
pub(crate) fn is_canonical_id(id: &[u8; WORK_ITEM_ID_LEN]) -> bool {
    let mut b = [b'0'; 16];
    b[..WORK_ITEM_ID_LEN].copy_from_slice(id);
    // A digit, or a letter of either case (`| 0x20` lowers exactly the upper-case letters
    // onto the lower-case ones, and no other byte onto them).
    b.iter().fold(true, |ok, &c| {
        ok & ((c.wrapping_sub(b'0') < 10) | ((c | 0x20).wrapping_sub(b'a') < 26))
    })
}

pub(crate) fn is_canonical(b: &[u8]) -> bool {
    // Without an early exit: the twelve checks run side by side.
    b.len() == WORK_ITEM_ID_LEN && b.iter().fold(true, |ok, c| ok & c.is_ascii_alphanumeric())
}

impl FromStr for WorkItemId {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkItemId::new(s).ok_or_else(|| Error::WorkItemId {
            value: s.to_owned(),
        })
    }
}

impl AsRef<str> for WorkItemId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for WorkItemId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for WorkItemId {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for WorkItemId {}

impl PartialOrd for WorkItemId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WorkItemId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for WorkItemId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for WorkItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for WorkItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WorkItemId({:?})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bytes_and_checks_shape() {
        let long = "x".repeat(40);
        for s in [
            "A7kP2xQ9Lm4R",
            "680",
            "ü-ä",
            long.as_str(),
            "a".repeat(22).as_str(),
        ] {
            let id = WorkItemId::new(s).unwrap();
            assert_eq!(id.as_str(), s);
            assert_eq!(id, WorkItemId::new(s).unwrap());
        }
        assert!(WorkItemId::new("A7kP2xQ9Lm4R").unwrap().is_canonical());
        assert_eq!(
            WorkItemId::new("A7kP2xQ9Lm4R").unwrap().canonical_bytes(),
            Some(*b"A7kP2xQ9Lm4R")
        );
        for s in [
            "A7kP2xQ9Lm4",
            "A7kP2xQ9Lm4RR",
            "A7kP2xQ9Lm4-",
            "a7kp2xq9lm4ü",
        ] {
            assert!(!WorkItemId::new(s).unwrap().is_canonical(), "{s}");
        }
        for s in ["", "a,b", "a\"", "a\nb", "a\r"] {
            assert!(WorkItemId::new(s).is_none(), "{s:?}");
        }
        assert_eq!(std::mem::size_of::<WorkItemId>(), 24);
    }

    #[test]
    fn is_canonical_id_is_is_canonical() {
        for c in 0..=255u8 {
            for at in 0..WORK_ITEM_ID_LEN {
                let mut id = *b"A7kP2xQ9Lm4R";
                id[at] = c;
                assert_eq!(is_canonical_id(&id), is_canonical(&id), "{c} at {at}");
                assert_eq!(is_canonical_id(&id), c.is_ascii_alphanumeric());
            }
        }
    }

    #[test]
    fn from_canonical_is_new_for_canonical_ids_only() {
        for s in ["A7kP2xQ9Lm4R", "000000000000", "zzzzzzzzzzzz"] {
            let bytes: [u8; WORK_ITEM_ID_LEN] = s.as_bytes().try_into().unwrap();
            let id = WorkItemId::from_canonical(&bytes).unwrap();
            assert_eq!(id, WorkItemId::new(s).unwrap());
            assert_eq!(id.as_str(), s);
            assert_eq!(id.canonical_bytes(), Some(bytes));
        }
        for bytes in [
            *b"A7kP2xQ9Lm4-",
            *b"A7kP2xQ9Lm4,",
            *b"A7kP2xQ9Lm4\0",
            [0xc3; 12],
        ] {
            assert!(WorkItemId::from_canonical(&bytes).is_none(), "{bytes:?}");
        }
    }
}
