//! A `WebAddress`: where an app is served, a domain and optionally a path prefix under it
//! (MyPaas's `# mypaas.url = https://example.com/blog`). The proxy routes the domain's requests
//! whose path is the prefix, or starts with it followed by `/`, to the app, and passes the path
//! on unchanged; the domain alone means every path not claimed by a longer prefix.
//!
//! Written `example.com` or `example.com/blog` (the form stored and sent over the API), and
//! shown to users as a URL when it has a path ([`WebAddress::url`]). The certificate belongs to
//! the domain, whatever paths it carries.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{DomainError, DomainName};

/// Longest accepted path prefix, in bytes.
const MAX_PATH_LEN: usize = 256;

/// Why a path prefix was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    /// A `?query` or `#fragment` after the path, which no route can match (MyPaas refuses them
    /// too).
    #[error("`{input}` has a query or a fragment (`?`, `#`); routes match paths only: remove it")]
    QueryOrFragment {
        /// What was given.
        input: String,
    },
    /// Two slashes in a row, or a `.`/`..` segment.
    #[error("the path `{path}` has an empty, `.` or `..` part; write it as `/part/part`")]
    Segment {
        /// The path as given.
        path: String,
    },
    /// A character outside the ones a path prefix may use.
    #[error(
        "the path `{path}` contains {ch:?}; use letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ between slashes (no %-escapes or spaces)"
    )]
    InvalidChar {
        /// The path as given.
        path: String,
        /// The first offending character.
        ch: char,
    },
    /// Longer than [`MAX_PATH_LEN`].
    #[error("the path `{path}` is {len} bytes long; the maximum is 256")]
    TooLong {
        /// The path as given.
        path: String,
        /// Its length.
        len: usize,
    },
}

/// Why a written address (`example.com/blog`) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    /// The domain part is not a domain.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The path part is not a path prefix Wharf can route.
    #[error(transparent)]
    Path(#[from] PathError),
}

/// A domain with an optional path prefix. The path starts with `/`, has no trailing `/` and is
/// never `/` alone (that is the whole domain).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebAddress {
    /// `domain` or `domain/path`.
    text: String,
    /// The domain part of `text`.
    domain: DomainName,
}

impl WebAddress {
    /// The whole of `domain`.
    pub fn domain_only(domain: DomainName) -> WebAddress {
        WebAddress {
            text: domain.as_str().to_owned(),
            domain,
        }
    }

    /// `domain` under `path` (`""` or `/` alone: the whole domain; one trailing `/` is
    /// dropped, so `/blog/` is `/blog`).
    pub fn new(domain: DomainName, path: &str) -> Result<WebAddress, PathError> {
        let path = check_path(path)?;
        Ok(WebAddress {
            text: format!("{}{path}", domain.as_str()),
            domain,
        })
    }

    /// Reads the written form, `example.com` or `example.com/blog`.
    pub fn parse(input: &str) -> Result<WebAddress, AddressError> {
        let (domain, path) = input.split_at(input.find('/').unwrap_or(input.len()));
        let domain = DomainName::parse(domain)?;
        Ok(WebAddress::new(domain, path)?)
    }

    /// The domain, whose certificate serves every path under it.
    pub fn domain(&self) -> &DomainName {
        &self.domain
    }

    /// The path prefix, if the address has one (`/blog`).
    pub fn path(&self) -> Option<&str> {
        Some(&self.text[self.domain.as_str().len()..]).filter(|p| !p.is_empty())
    }

    /// The written form: `example.com` or `example.com/blog`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How users are shown the address: the domain alone, or, with a path, the URL
    /// `https://example.com/blog` (as MyPaas's `url` setting writes it).
    pub fn shown(&self) -> String {
        match self.path() {
            None => self.text.clone(),
            Some(_) => self.url("https"),
        }
    }

    /// The address as a URL with `scheme`: `http://example.com/` or `http://example.com/blog`.
    pub fn url(&self, scheme: &str) -> String {
        match self.path() {
            None => format!("{scheme}://{}/", self.text),
            Some(_) => format!("{scheme}://{}", self.text),
        }
    }
}

/// Checks a path prefix and returns its stored form: `""` for the whole domain, else `/a/b`.
fn check_path(path: &str) -> Result<&str, PathError> {
    if path.contains(['?', '#']) {
        return Err(PathError::QueryOrFragment {
            input: path.to_owned(),
        });
    }
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Ok("");
    }
    if trimmed.len() > MAX_PATH_LEN {
        return Err(PathError::TooLong {
            path: path.to_owned(),
            len: trimmed.len(),
        });
    }
    if let Some(ch) = trimmed.chars().find(|c| !is_path_char(*c)) {
        return Err(PathError::InvalidChar {
            path: path.to_owned(),
            ch,
        });
    }
    // `trimmed` starts with `/` (it follows the domain, or was given so): skip that one.
    let segments = trimmed.strip_prefix('/').unwrap_or(trimmed);
    if !trimmed.starts_with('/')
        || segments
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(PathError::Segment {
            path: path.to_owned(),
        });
    }
    Ok(trimmed)
}

/// RFC 3986's path characters without `%`: unreserved, sub-delims, `:`, `@`, and the `/`
/// between segments. Percent-escapes are left out, so a prefix matches one spelling only.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=:@".contains(c)
}

impl fmt::Display for WebAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for WebAddress {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        WebAddress::parse(&s)
    }
}

impl From<WebAddress> for String {
    fn from(address: WebAddress) -> String {
        address.text
    }
}

impl AsRef<str> for WebAddress {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for WebAddress {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for WebAddress {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl From<DomainName> for WebAddress {
    fn from(domain: DomainName) -> WebAddress {
        WebAddress::domain_only(domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> WebAddress {
        WebAddress::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn domain_alone_and_with_a_path() {
        let a = addr("Example.COM");
        assert_eq!(
            (a.domain().as_str(), a.path(), a.as_str()),
            ("example.com", None, "example.com")
        );
        let b = addr("Example.com/blog/");
        assert_eq!(
            (b.domain().as_str(), b.path(), b.as_str()),
            ("example.com", Some("/blog"), "example.com/blog")
        );
        assert_eq!(addr("example.com/").path(), None);
        assert_eq!(addr("example.com/a/b-c_d.e~f").path(), Some("/a/b-c_d.e~f"));
        // Paths keep their case: `/Blog` and `/blog` are different paths.
        assert_eq!(addr("example.com/Blog").path(), Some("/Blog"));
    }

    #[test]
    fn shown_and_urls() {
        assert_eq!(addr("example.com").shown(), "example.com");
        assert_eq!(addr("example.com/blog").shown(), "https://example.com/blog");
        assert_eq!(addr("example.com").url("http"), "http://example.com/");
        assert_eq!(
            addr("example.com/blog").url("http"),
            "http://example.com/blog"
        );
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        for (input, needle) in [
            ("example.com/blog?x=1", "query or a fragment"),
            ("example.com/#top", "query or a fragment"),
            ("example.com//blog", "empty"),
            ("example.com/a/../b", "`..`"),
            ("example.com/./b", "`.`"),
            ("example.com/a b", "' '"),
            ("example.com/caf%C3%A9", "'%'"),
            ("example.com/é", "'é'"),
        ] {
            let err = WebAddress::parse(input).unwrap_err();
            assert!(matches!(err, AddressError::Path(_)), "{input}: {err:?}");
            assert!(err.to_string().contains(needle), "{input}: {err}");
        }
        let long = format!("example.com/{}", "a".repeat(300));
        assert!(
            WebAddress::parse(&long)
                .unwrap_err()
                .to_string()
                .contains("maximum is 256")
        );
        assert!(matches!(
            WebAddress::parse("exa mple.com/blog"),
            Err(AddressError::Domain(_))
        ));
    }

    #[test]
    fn serde_uses_the_written_form() {
        let a = addr("example.com/blog");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"example.com/blog\"");
        let back: WebAddress = serde_json::from_str("\"example.com/blog\"").unwrap();
        assert_eq!(back, a);
        // A plain domain stored before paths existed reads back as a whole-domain address.
        let old: WebAddress = serde_json::from_str("\"example.com\"").unwrap();
        assert_eq!(old.path(), None);
        assert!(serde_json::from_str::<WebAddress>("\"example.com/a?b\"").is_err());
    }
}
