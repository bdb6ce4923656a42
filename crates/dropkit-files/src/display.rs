//! Showing untrusted text and error chains in messages.
//!
//! Values in DROP files come from outside: an Id, a status or a file name can hold a NUL or an
//! escape sequence. Printed raw, a NUL is invisible (`status 2 is not one of 2, 3, 4, 5` for the
//! status `"2\0"`) and an escape sequence can rewrite the operator's terminal. Every message of
//! this crate shows such values through [`Escaped`] or [`Quoted`]; other crates can too.

use std::fmt::{self, Write as _};

/// Displays a string with control characters escaped as Rust writes them (`\0`, `\t`, `\n`,
/// `\u{1b}`, ...) and a backslash doubled, so that what is printed reads back unambiguously.
/// Everything else, non-ASCII letters included, is shown as is.
///
/// ```
/// use dropkit_files::display::Escaped;
///
/// assert_eq!(Escaped("2\0").to_string(), r"2\0");
/// assert_eq!(Escaped("a\u{1b}[2Jb").to_string(), r"a\u{1b}[2Jb");
/// assert_eq!(Escaped(r"C:\x").to_string(), r"C:\\x");
/// assert_eq!(Escaped("Zoë").to_string(), "Zoë");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, false)
    }
}

/// Like [`Escaped`], between double quotes, with a double quote inside escaped as `\"`.
///
/// ```
/// use dropkit_files::display::Quoted;
///
/// assert_eq!(Quoted("2\0").to_string(), r#""2\0""#);
/// assert_eq!(Quoted(r#"a"b"#).to_string(), r#""a\"b""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        write_escaped(f, self.0, true)?;
        f.write_char('"')
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str, quote: bool) -> fmt::Result {
    // Fast path: nothing to escape (the usual case), one write.
    if !text
        .chars()
        .any(|c| c.is_control() || c == '\\' || (quote && c == '"'))
    {
        return f.write_str(text);
    }
    for c in text.chars() {
        if c.is_control() || c == '\\' || (quote && c == '"') {
            write!(f, "{}", c.escape_debug())?;
        } else {
            f.write_char(c)?;
        }
    }
    Ok(())
}

/// Displays an error and each of its [`source`](std::error::Error::source)s, joined by `: `,
/// as `anyhow` does with `{:#}`.
///
/// The errors of this crate never repeat their source's text in their own `Display` (for
/// example [`Error::Io`](crate::Error::Io) shows the path, its source the operating system's
/// reason), so a message printed with `{}` alone leaves the reason out: print them with
/// `Chain`, or through `anyhow` with `{:#}`.
///
/// ```
/// use dropkit_files::display::Chain;
///
/// let Err(err) = dropkit_files::DownloadArchive::open("/no/such/20260312_4821_DROP.zip") else {
///     panic!("no such file");
/// };
/// let text = Chain(&err).to_string();
/// assert!(text.starts_with("/no/such/20260312_4821_DROP.zip: "), "{text}");
/// assert_eq!(text.matches("No such file").count(), 1, "{text}");
/// ```
#[derive(Clone, Copy)]
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `Id <id>: ` when the Id is known, nothing otherwise (for messages that may lack it).
pub(crate) struct IdPrefix<'a>(pub(crate) Option<&'a str>);

impl fmt::Display for IdPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, "Id {}: ", Escaped(id)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_visible() {
        assert_eq!(Escaped("2\0").to_string(), "2\\0");
        assert_eq!(Escaped("a\tb\r\n").to_string(), "a\\tb\\r\\n");
        assert_eq!(Escaped("\u{7f}\u{85}").to_string(), "\\u{7f}\\u{85}");
        assert_eq!(Escaped("plain").to_string(), "plain");
        assert_eq!(Escaped("a\"b").to_string(), "a\"b");
        assert_eq!(Quoted("").to_string(), "\"\"");
    }

    #[test]
    fn chain_joins_sources_once() {
        let io = std::io::Error::other("disk on fire");
        let err = crate::Error::Io {
            path: "x.csv".into(),
            source: io,
        };
        assert_eq!(err.to_string(), "x.csv");
        assert_eq!(Chain(&err).to_string(), "x.csv: disk on fire");
        assert_eq!(IdPrefix(Some("a\0")).to_string(), "Id a\\0: ");
        assert_eq!(IdPrefix(None).to_string(), "");
    }
}
