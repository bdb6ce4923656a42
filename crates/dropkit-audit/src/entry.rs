//! What one audit line says, typed so that a consumer's identifier or a secret is hard to put
//! in it.
//!
//! The rule: an audit entry holds no secret (key, token, password) and no clear-text
//! identifier of a consumer (email, phone, name, address, MAID, DROP hash). Every text of an
//! [`Entry`] is a [`Label`], and a label is either literal text written in the program (a
//! `&'static str`) or a run-time value checked by [`Label::new`]; the approver is an
//! [`Approver`]. Numbers go in [`Entry::count`].

use std::collections::BTreeMap;
use std::fmt;

use time::OffsetDateTime;

use crate::{AuditError, Digest};

/// Text in an audit entry: a literal of the program, or a run-time value that passed
/// [`Label::new`]'s checks.
///
/// The checks catch the common ways an identifier or a secret slips into a log; they cannot
/// recognise every identifier (a MAID looks like any UUID), so the rule of the
/// [module](crate::Entry) stays the caller's: put names of things (files, lists, providers,
/// jobs, statuses), never values about a person.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(LabelText);

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum LabelText {
    Literal(&'static str),
    Checked(String),
}

/// What [`Label::or_redacted`] puts in place of a refused value.
pub const REDACTED: &str = "redacted";

impl Label {
    /// The longest run-time label, in characters.
    pub const MAX_CHARS: usize = 128;

    /// Checks a run-time value: 1 to [`Label::MAX_CHARS`] characters of ASCII letters, digits
    /// and `. _ - : / + #`, with no run of 9 or more digits (a phone or social security
    /// number) and no run of 17 or more letters and digits that mixes both (a hash, a VIN, a
    /// key or a token). So an email (`@`), a name or an address (spaces) is refused too. The
    /// error never repeats the value.
    pub fn new(value: &str) -> Result<Label, AuditError> {
        let chars = value.chars().count();
        let refuse = |rule| Err(AuditError::Refused { chars, rule });
        if value.is_empty() || chars > Label::MAX_CHARS {
            return refuse("a label has 1 to 128 characters");
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:/+#".contains(&b))
        {
            return refuse("a label has only ASCII letters, digits and . _ - : / + #");
        }
        let mut digits = 0;
        let (mut run, mut run_letters, mut run_digits) = (0, false, false);
        for b in value.bytes() {
            digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
            if digits >= 9 {
                return refuse(
                    "9 or more digits in a row may be a phone or social security number",
                );
            }
            if b.is_ascii_alphanumeric() {
                run += 1;
                run_letters |= b.is_ascii_alphabetic();
                run_digits |= b.is_ascii_digit();
                if run >= 17 && run_letters && run_digits {
                    return refuse(
                        "17 or more letters and digits in a row may be a hash, a VIN, a key or a token",
                    );
                }
            } else {
                (run, run_letters, run_digits) = (0, false, false);
            }
        }
        Ok(Label(LabelText::Checked(value.to_owned())))
    }

    /// [`Label::new`], or [`REDACTED`] when the value is refused: for a value that is only
    /// informative, such as a provider's job id, so that an unexpected format costs the
    /// detail, not the audit line.
    pub fn or_redacted(value: &str) -> Label {
        Label::new(value).unwrap_or(Label(LabelText::Literal(REDACTED)))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            LabelText::Literal(s) => s,
            LabelText::Checked(s) => s,
        }
    }
}

/// A literal of the program, trusted as written (it is reviewed with the code).
impl From<&'static str> for Label {
    fn from(text: &'static str) -> Label {
        Label(LabelText::Literal(text))
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Who approved a step: the broker's employee, by name or login (a person of the broker,
/// not a consumer, so spaces and `@` are allowed).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Approver(String);

impl Approver {
    /// The longest approver, in characters.
    pub const MAX_CHARS: usize = 128;

    /// Checks a name: 1 to [`Approver::MAX_CHARS`] characters, no control characters, not
    /// only spaces.
    pub fn new(name: &str) -> Result<Approver, AuditError> {
        let chars = name.chars().count();
        if name.trim().is_empty() || chars > Approver::MAX_CHARS {
            return Err(AuditError::Refused {
                chars,
                rule: "an approver has 1 to 128 characters",
            });
        }
        if name.chars().any(char::is_control) {
            return Err(AuditError::Refused {
                chars,
                rule: "an approver has no control characters",
            });
        }
        Ok(Approver(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Approver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A request sent to DROP or a provider: method, path and the file or job it concerns,
/// written `POST /data/upload 20261120_4821_Email.csv`. The path is the route, not a URL:
/// never a query string (tokens travel there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    method: &'static str,
    path: Label,
    name: Option<Label>,
}

impl Request {
    /// A request: `method` (`GET`, `POST`, …) and `path` (`/data/upload`).
    pub fn new(method: &'static str, path: impl Into<Label>) -> Request {
        Request {
            method,
            path: path.into(),
            name: None,
        }
    }

    /// The file or job the request concerns.
    pub fn name(mut self, name: impl Into<Label>) -> Request {
        self.name = Some(name.into());
        self
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(name) = &self.name {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// One audit entry, before it is chained: built with [`Entry::new`] and the setters, then
/// given to [`AuditChain::append`](crate::AuditChain::append).
///
/// ```
/// use dropkit_audit::{Entry, Label, Request};
///
/// let file = Label::new("20261120_4821_Email.csv")?;
/// let entry = Entry::new("cycle", "accepted")
///     .step("upload")
///     .request(Request::new("POST", "/data/upload").name(file))
///     .count("rows", 1204);
/// # Ok::<(), dropkit_audit::AuditError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub(crate) command: Label,
    pub(crate) step: Option<Label>,
    pub(crate) request: Option<Request>,
    pub(crate) outcome: Label,
    pub(crate) error: Option<Label>,
    pub(crate) counts: BTreeMap<Label, u64>,
    pub(crate) files: BTreeMap<Label, Digest>,
    pub(crate) approver: Option<Approver>,
    pub(crate) time: Option<OffsetDateTime>,
}

impl Entry {
    /// An entry of `command` (`cycle`, `upload`, `approve`, …) with its `outcome` (`ok`,
    /// `accepted`, `failed`, `409`, …).
    pub fn new(command: impl Into<Label>, outcome: impl Into<Label>) -> Entry {
        Entry {
            command: command.into(),
            step: None,
            request: None,
            outcome: outcome.into(),
            error: None,
            counts: BTreeMap::new(),
            files: BTreeMap::new(),
            approver: None,
            time: None,
        }
    }

    /// The step of the command (`download`, `match`, `upload`, …).
    pub fn step(mut self, step: impl Into<Label>) -> Entry {
        self.step = Some(step.into());
        self
    }

    /// The request sent.
    pub fn request(mut self, request: Request) -> Entry {
        self.request = Some(request);
        self
    }

    /// A count (`rows`, `Email:deleted`, …); a second count of the same name replaces the
    /// first.
    pub fn count(mut self, name: impl Into<Label>, value: u64) -> Entry {
        self.counts.insert(name.into(), value);
        self
    }

    /// The kind of error a failed command met (`unauthorized`, `rejected`, `transient`, …):
    /// a kind, never the error's message (a server's message may quote a value).
    pub fn error(mut self, kind: impl Into<Label>) -> Entry {
        self.error = Some(kind.into());
        self
    }

    /// A file the command sent or received, by name, with its SHA-256 (what `sha256sum`
    /// prints for it); a second file of the same name replaces the first.
    pub fn file(mut self, name: impl Into<Label>, sha256: Digest) -> Entry {
        self.files.insert(name.into(), sha256);
        self
    }

    /// Who approved.
    pub fn approver(mut self, approver: Approver) -> Entry {
        self.approver = Some(approver);
        self
    }

    /// The time to record instead of the time of the append (an injected clock in tests).
    pub fn at(mut self, time: OffsetDateTime) -> Entry {
        self.time = Some(time);
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_of_things_are_labels() {
        for ok in [
            "20261120_4821_Email.csv",
            "20261120_4821_DROP.zip",
            "maestroqa",
            "Email:deleted",
            "3f2b8c1e-9d4a-4c8e-b1f2-0a9e8d7c6b5a",
            "/data/upload",
            "internationalization",
        ] {
            assert_eq!(Label::new(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn identifiers_and_secrets_are_refused_without_repeating_them() {
        for bad in [
            "",
            "jane.doe@example.com",
            "Jane Doe",
            "4155550123",
            "123-45-6789x123456789",
            "1HGCM82633A004352",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "a\nb",
            &"a".repeat(129),
        ] {
            let err = Label::new(bad).unwrap_err().to_string();
            assert!(bad.is_empty() || !err.contains(bad), "{err}");
        }
        assert_eq!(Label::or_redacted("jane@example.com").as_str(), REDACTED);
    }

    #[test]
    fn an_approver_is_a_person_of_the_broker() {
        assert_eq!(
            Approver::new("Dana O'Neil").unwrap().as_str(),
            "Dana O'Neil"
        );
        assert!(Approver::new("dana@broker.example").is_ok());
        assert!(Approver::new("  ").is_err());
        assert!(Approver::new("a\u{7}").is_err());
    }

    #[test]
    fn a_request_reads_method_path_name() {
        let r = Request::new("POST", "/data/upload").name("20261120_4821_Email.csv");
        assert_eq!(r.to_string(), "POST /data/upload 20261120_4821_Email.csv");
        assert_eq!(
            Request::new("GET", "/data/download").to_string(),
            "GET /data/download"
        );
    }
}
