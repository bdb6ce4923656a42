//! Keeping a database password out of everything printed: a URL's password (in its user info
//! or a `password=` query parameter) becomes `***`, and a message that repeats the password
//! has it replaced.

use std::fmt;

/// What is put in place of a secret.
pub(crate) const MASK: &str = "***";

/// `url` with its password masked: `postgres://user:***@host/db`, and any query parameter whose
/// name contains `password` (`?password=***`). Works on text that is not a valid URL too, and
/// on any `scheme://user:password@` found inside a longer text (a command line).
pub(crate) fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or whitespace.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..=colon]);
                        out.push_str(MASK);
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    redact_password_params(&out)
}

/// Masks the value of every `name=value` pair after a `?` whose name contains `password`.
fn redact_password_params(text: &str) -> String {
    let Some(q) = text.find('?') else {
        return text.to_owned();
    };
    let (head, query) = text.split_at(q + 1);
    let mut out = head.to_owned();
    let mut first = true;
    for pair in query.split('&') {
        if !first {
            out.push('&');
        }
        first = false;
        match pair.split_once('=') {
            Some((name, value)) if name.to_ascii_lowercase().contains("password") => {
                out.push_str(name);
                out.push('=');
                // Keep what follows the value on the same token boundary (a space, a '#').
                let end = value
                    .find(|c: char| c == '#' || c.is_whitespace())
                    .unwrap_or(value.len());
                out.push_str(MASK);
                out.push_str(&value[end..]);
            }
            _ => out.push_str(pair),
        }
    }
    out
}

/// The secrets of one database URL, to scrub from messages that might repeat them.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    /// The password of `url` (user info or `password=` parameter), as written and decoded.
    pub(crate) fn of_url(url: &str) -> Self {
        let mut words = Vec::new();
        if let Ok(parsed) = url::Url::parse(url) {
            if let Some(p) = parsed.password() {
                words.push(p.to_owned());
            }
            for (name, value) in parsed.query_pairs() {
                if name.to_ascii_lowercase().contains("password") {
                    words.push(value.into_owned());
                }
            }
        }
        let decoded: Vec<String> = words.iter().map(|w| percent_decode(w)).collect();
        words.extend(decoded);
        words.retain(|w| !w.is_empty());
        words.sort();
        words.dedup();
        // Longest first, so a password that contains another is replaced whole.
        words.sort_by_key(|w| std::cmp::Reverse(w.len()));
        Secrets(words)
    }

    /// `message` with every URL's password masked and every known secret replaced.
    pub(crate) fn scrub(&self, message: &str) -> String {
        let mut out = redact_url(message);
        for w in &self.0 {
            out = out.replace(w.as_str(), MASK);
        }
        out
    }
}

/// `%XX` sequences decoded (lossy UTF-8); anything else kept as is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(v as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_info_password() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db.example:5432/crm?sslmode=require"),
            "postgres://app:***@db.example:5432/crm?sslmode=require"
        );
        assert_eq!(redact_url("postgres://app@db/crm"), "postgres://app@db/crm");
        assert_eq!(redact_url("sqlite:///var/crm.db"), "sqlite:///var/crm.db");
        assert_eq!(redact_url("sqlite://crm.db"), "sqlite://crm.db");
    }

    #[test]
    fn masks_password_parameters_and_urls_inside_text() {
        assert_eq!(
            redact_url("postgres://db/crm?user=app&password=hunter2&sslmode=require"),
            "postgres://db/crm?user=app&password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("psql postgres://a:b@h/d -c 'select 1'"),
            "psql postgres://a:***@h/d -c 'select 1'"
        );
        assert_eq!(redact_url("no url here"), "no url here");
    }

    #[test]
    fn scrub_replaces_raw_and_decoded_password() {
        let s = Secrets::of_url("postgres://app:s3cr%40t@db/crm");
        assert_eq!(s.scrub("auth failed for s3cr@t"), "auth failed for ***");
        assert_eq!(s.scrub("auth failed for s3cr%40t"), "auth failed for ***");
        assert!(!format!("{s:?}").contains("s3cr"));
        let none = Secrets::of_url("sqlite://crm.db");
        assert_eq!(none.scrub("fine"), "fine");
    }
}
