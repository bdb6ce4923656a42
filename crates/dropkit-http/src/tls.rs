//! TLS only: a base URL from the environment must be `https://`, except on the loopback
//! interface (an emulator or a test server on this machine).

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Why a base URL was refused. Names the environment variable it came from; never repeats
/// the URL's user name or password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InsecureUrl {
    /// The value is not a URL.
    #[error("{var}: not a URL ({reason})")]
    Invalid {
        /// The environment variable (or setting) the URL came from.
        var: String,
        /// What the URL parser said.
        reason: String,
    },
    /// The scheme is not `https` and the host is not a loopback address.
    #[error(
        "{var}: {scheme}://{host} is refused: only https:// is allowed, except http:// to a loopback address (127.0.0.0/8, ::1, localhost)"
    )]
    NotHttps {
        /// The environment variable (or setting) the URL came from.
        var: String,
        /// The scheme given.
        scheme: String,
        /// The host given (empty when there is none).
        host: String,
    },
}

/// Parses `url` (the value of `var_name`) and accepts it only if it is `https://`, or
/// `http://` to a loopback host: `127.0.0.0/8`, `::1` or `localhost`.
///
/// Anything else (plain http to another host, another scheme) would send an API key or a
/// token, and the personal data of a deletion request, in clear; it is refused before any
/// request, naming the variable so the operator knows what to fix.
///
/// ```
/// use dropkit_http::{InsecureUrl, require_https};
///
/// assert!(require_https("DROP_BASE_URL", "https://api.drop.privacy.ca.gov").is_ok());
/// assert!(require_https("DROP_BASE_URL", "http://127.0.0.1:8080").is_ok());
/// let err = require_https("DROP_BASE_URL", "http://drop.example.com").unwrap_err();
/// assert!(matches!(err, InsecureUrl::NotHttps { .. }));
/// assert!(err.to_string().starts_with("DROP_BASE_URL: "));
/// ```
pub fn require_https(var_name: &str, url: &str) -> Result<Url, InsecureUrl> {
    let parsed = Url::parse(url.trim()).map_err(|e| InsecureUrl::Invalid {
        var: var_name.to_owned(),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed),
        "http" if parsed.host().is_some_and(|h| is_loopback(&h)) => Ok(parsed),
        scheme => Err(InsecureUrl::NotHttps {
            var: var_name.to_owned(),
            scheme: scheme.to_owned(),
            host: parsed.host_str().unwrap_or_default().to_owned(),
        }),
    }
}

/// Whether `host` is this machine's loopback interface. `localhost` only by that exact name:
/// `*.localhost` names go through a resolver that may not honour RFC 6761.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => {
            *ip == Ipv6Addr::LOCALHOST
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| Ipv4Addr::is_loopback(&v4))
        }
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_on_loopback_only() {
        for ok in [
            "https://api.drop.privacy.ca.gov/sandbox",
            "https://10.0.0.1:8443",
            "http://127.0.0.1:8080",
            "http://127.3.4.5",
            "http://[::1]:9000/x",
            "http://localhost:3000",
            "http://LOCALHOST",
        ] {
            assert!(require_https("V", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://api.drop.privacy.ca.gov",
            "http://10.0.0.1",
            "http://0.0.0.0:8080",
            "http://[::2]",
            "http://localhost.evil.com",
            "http://foo.localhost",
            "ftp://127.0.0.1",
            "file:///etc/passwd",
            "ws://localhost",
        ] {
            assert!(
                matches!(require_https("V", bad), Err(InsecureUrl::NotHttps { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_name_the_variable_and_hide_credentials() {
        let err = require_https("ID5_BASE_URL", "http://user:secret@example.com").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("ID5_BASE_URL: http://example.com is refused"),
            "{text}"
        );
        assert!(!text.contains("secret"));
        let err = require_https("DROP_BASE_URL", "not a url").unwrap_err();
        assert!(matches!(err, InsecureUrl::Invalid { ref var, .. } if var == "DROP_BASE_URL"));
        assert!(err.to_string().starts_with("DROP_BASE_URL: not a URL"));
    }
}
