//! Masking a secret wherever it may have been echoed back (a URL, a server's error message).

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// `text` with every occurrence of `secret` replaced by [`MASK`].
///
/// An empty secret leaves the text as it is. Providers call this on every server message and URL
/// they keep in an error, because some servers echo the token back (ID5's `403
/// api_token_not_authorized` does).
///
/// ```
/// assert_eq!(
///     dropkit_provider::redact("Api token abc123 does not have access", "abc123"),
///     "Api token *** does not have access"
/// );
/// ```
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, MASK)
    }
}

/// At most `max` characters of `text` (a server's body kept in an error), marking a cut with `…`.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_occurrence() {
        assert_eq!(redact("t=s3cr3t&u=s3cr3t", "s3cr3t"), "t=***&u=***");
        assert_eq!(redact("nothing", ""), "nothing");
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 2), "hi");
    }
}
