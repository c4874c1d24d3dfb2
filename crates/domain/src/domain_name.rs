//! A domain name an app is served on (the HTTP `Host` Wharf routes by).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest allowed domain name, in characters (the DNS limit).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest allowed label, in characters.
const MAX_LABEL_LEN: usize = 63;
/// Suffixes that never get a public certificate: special-use and test names.
const NON_PUBLIC_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "test",
    "internal",
    "example",
    "invalid",
];

/// Why a domain name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Nothing was given.
    #[error("domain is empty; give a domain such as `blog.example.com`")]
    Empty,
    /// A URL was given instead of a domain.
    #[error("`{input}` is a URL; give the bare domain, e.g. `{suggestion}`")]
    Scheme {
        /// What was given.
        input: String,
        /// The domain part of it.
        suggestion: String,
    },
    /// Contains a path.
    #[error("`{input}` contains a path; give the bare domain without `/`, e.g. `{suggestion}`")]
    Path {
        /// What was given.
        input: String,
        /// The part before the first `/`.
        suggestion: String,
    },
    /// Contains a port.
    #[error(
        "`{input}` contains a port; remove the port (`{suggestion}`): Wharf serves apps on ports 80 and 443"
    )]
    Port {
        /// What was given.
        input: String,
        /// The part before the `:`.
        suggestion: String,
    },
    /// An IPv6 address, which Wharf cannot route by.
    #[error("`{input}` is an IPv6 address; use a domain name or an IPv4 address instead")]
    Ipv6 {
        /// What was given.
        input: String,
    },
    /// A wildcard such as `*.example.com`.
    #[error("`{input}`: wildcards are not supported as app domains; list each domain separately")]
    Wildcard {
        /// What was given.
        input: String,
    },
    /// Contains whitespace.
    #[error("`{input}` contains whitespace; a domain has no spaces")]
    Whitespace {
        /// What was given.
        input: String,
    },
    /// Longer than 253 characters.
    #[error("domain `{input}` is {len} characters long; the maximum is 253")]
    TooLong {
        /// What was given.
        input: String,
        /// Its length.
        len: usize,
    },
    /// Two dots in a row, or a leading dot.
    #[error(
        "domain `{input}` has an empty label (two dots in a row, or a leading dot); remove the extra dot"
    )]
    EmptyLabel {
        /// What was given.
        input: String,
    },
    /// A label longer than 63 characters.
    #[error(
        "domain `{input}`: the part `{label}` is {len} characters long; each dot-separated part may have at most 63"
    )]
    LabelTooLong {
        /// What was given.
        input: String,
        /// The offending label.
        label: String,
        /// Its length.
        len: usize,
    },
    /// A character outside a-z, 0-9, '-', '.'.
    #[error(
        "domain `{input}` contains {ch:?}; use only letters a-z, digits 0-9, '-' and '.' (write internationalized names in their `xn--` form)"
    )]
    InvalidChar {
        /// What was given.
        input: String,
        /// The first offending character.
        ch: char,
    },
    /// A label starting or ending with '-'.
    #[error(
        "domain `{input}`: the part `{label}` starts or ends with '-'; each part must start and end with a letter or digit"
    )]
    LabelHyphen {
        /// What was given.
        input: String,
        /// The offending label.
        label: String,
    },
}

/// A validated, lowercased domain name (or IPv4 address) that an app is served on.
///
/// Single-label names such as `localhost` are allowed for local testing;
/// [`DomainName::is_public`] says whether a public certificate could be issued.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DomainName(String);

impl DomainName {
    /// Validates `input` as a domain: lowercases it and strips one trailing dot.
    pub fn parse(input: &str) -> Result<DomainName, DomainError> {
        if input.is_empty() {
            return Err(DomainError::Empty);
        }
        if let Some((_, rest)) = input.split_once("://") {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = host.rsplit('@').next().unwrap_or_default();
            let suggestion = strip_port(host).to_lowercase();
            return Err(DomainError::Scheme {
                input: input.to_owned(),
                suggestion,
            });
        }
        if input.chars().any(char::is_whitespace) {
            return Err(DomainError::Whitespace {
                input: input.to_owned(),
            });
        }
        if let Some((host, _)) = input.split_once('/') {
            return Err(DomainError::Path {
                input: input.to_owned(),
                suggestion: host.to_lowercase(),
            });
        }
        let bare = input.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<Ipv6Addr>().is_ok() || input.starts_with('[') {
            return Err(DomainError::Ipv6 {
                input: input.to_owned(),
            });
        }
        if input.contains(':') {
            return Err(DomainError::Port {
                input: input.to_owned(),
                suggestion: strip_port(input).to_lowercase(),
            });
        }
        if input.contains('*') {
            return Err(DomainError::Wildcard {
                input: input.to_owned(),
            });
        }
        let lowered = input.to_lowercase();
        let name = lowered.strip_suffix('.').unwrap_or(&lowered);
        if name.is_empty() {
            return Err(DomainError::EmptyLabel {
                input: input.to_owned(),
            });
        }
        let len = name.chars().count();
        if len > MAX_DOMAIN_LEN {
            return Err(DomainError::TooLong {
                input: input.to_owned(),
                len,
            });
        }
        if let Some(ch) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
        {
            return Err(DomainError::InvalidChar {
                input: input.to_owned(),
                ch,
            });
        }
        for label in name.split('.') {
            if label.is_empty() {
                return Err(DomainError::EmptyLabel {
                    input: input.to_owned(),
                });
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(DomainError::LabelTooLong {
                    input: input.to_owned(),
                    label: label.to_owned(),
                    len: label.len(),
                });
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(DomainError::LabelHyphen {
                    input: input.to_owned(),
                    label: label.to_owned(),
                });
            }
        }
        Ok(DomainName(name.to_owned()))
    }

    /// The domain as a string slice (lowercase, no trailing dot).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this name could get a certificate from a public CA.
    ///
    /// False for IP addresses, single-label names (`localhost`, `myhost`),
    /// names whose last label is all digits, and names under the special-use
    /// suffixes `.localhost`, `.local`, `.test`, `.internal`, `.example`, `.invalid`.
    pub fn is_public(&self) -> bool {
        if self.0.parse::<Ipv4Addr>().is_ok() {
            return false;
        }
        let Some((_, tld)) = self.0.rsplit_once('.') else {
            return false; // single label
        };
        if tld.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        !NON_PUBLIC_SUFFIXES.contains(&tld)
    }
}

/// The part of `host` before a `:port` suffix.
fn strip_port(host: &str) -> &str {
    host.split(':').next().unwrap_or_default()
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DomainName {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainName::parse(s)
    }
}

impl TryFrom<String> for DomainName {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DomainName::parse(&s)
    }
}

impl TryFrom<&str> for DomainName {
    type Error = DomainError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        DomainName::parse(s)
    }
}

impl From<DomainName> for String {
    fn from(d: DomainName) -> String {
        d.0
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for DomainName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DomainName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StringDeserializer};

    fn d(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    fn err(s: &str) -> DomainError {
        DomainName::parse(s).unwrap_err()
    }

    #[test]
    fn lowercases_and_strips_one_trailing_dot() {
        assert_eq!(d("Blog.Example.COM").as_str(), "blog.example.com");
        assert_eq!(d("example.com.").as_str(), "example.com");
        assert!(matches!(
            err("example.com.."),
            DomainError::EmptyLabel { .. }
        ));
        assert_eq!(d("example.com").to_string(), "example.com");
    }

    #[test]
    fn accepts_single_labels_and_ipv4() {
        assert_eq!(d("localhost").as_str(), "localhost");
        assert_eq!(d("127.0.0.1").as_str(), "127.0.0.1");
        assert_eq!(d("xn--bcher-kva.example").as_str(), "xn--bcher-kva.example");
        assert_eq!(d("a-b.c-d.e").as_str(), "a-b.c-d.e");
    }

    #[test]
    fn public_or_not() {
        for public in [
            "example.com",
            "blog.example.com",
            "a.b.co.uk",
            "x.dev",
            "localhost.com",
        ] {
            assert!(d(public).is_public(), "{public}");
        }
        for private in [
            "localhost",
            "app.localhost",
            "127.0.0.1",
            "10.0.0.5",
            "myhost",
            "printer.local",
            "app.test",
            "svc.internal",
            "www.example",
            "x.invalid",
            "1.2.3",
            "LOCALHOST.",
        ] {
            assert!(!d(private).is_public(), "{private}");
        }
    }

    #[test]
    fn rejects_scheme_with_suggestion() {
        let e = err("https://Blog.example.com:8443/path?q=1");
        assert_eq!(
            e,
            DomainError::Scheme {
                input: "https://Blog.example.com:8443/path?q=1".into(),
                suggestion: "blog.example.com".into()
            }
        );
        assert!(e.to_string().contains("give the bare domain"), "{e}");
        assert!(matches!(err("http://"), DomainError::Scheme { .. }));
    }

    #[test]
    fn rejects_port() {
        let e = err("a.com:80");
        assert!(e.to_string().contains("remove the port"), "{e}");
        assert!(e.to_string().contains("`a.com`"), "{e}");
        assert!(matches!(err(":80"), DomainError::Port { .. }));
    }

    #[test]
    fn rejects_ipv6() {
        assert!(matches!(err("::1"), DomainError::Ipv6 { .. }));
        assert!(matches!(err("[::1]"), DomainError::Ipv6 { .. }));
        assert!(matches!(err("[::1]:80"), DomainError::Ipv6 { .. }));
    }

    #[test]
    fn rejects_wildcards() {
        let e = err("*.example.com");
        assert!(e.to_string().contains("wildcards are not supported"), "{e}");
        assert!(matches!(err("a.*.com"), DomainError::Wildcard { .. }));
    }

    #[test]
    fn rejects_paths_spaces_empty() {
        assert!(matches!(err("example.com/blog"), DomainError::Path { .. }));
        assert!(matches!(err("/"), DomainError::Path { .. }));
        assert!(matches!(
            err("exa mple.com"),
            DomainError::Whitespace { .. }
        ));
        assert!(matches!(
            err(" example.com"),
            DomainError::Whitespace { .. }
        ));
        assert!(matches!(
            err("example.com\t"),
            DomainError::Whitespace { .. }
        ));
        assert_eq!(err(""), DomainError::Empty);
        assert!(matches!(err("."), DomainError::EmptyLabel { .. }));
        assert!(matches!(
            err(".example.com"),
            DomainError::EmptyLabel { .. }
        ));
        assert!(matches!(err("a..b"), DomainError::EmptyLabel { .. }));
    }

    #[test]
    fn rejects_bad_labels_and_chars() {
        assert!(matches!(err("-a.com"), DomainError::LabelHyphen { .. }));
        assert!(matches!(err("a-.com"), DomainError::LabelHyphen { .. }));
        assert!(matches!(err("a.com-"), DomainError::LabelHyphen { .. }));
        assert!(matches!(
            err("my_app.com"),
            DomainError::InvalidChar { ch: '_', .. }
        ));
        assert!(matches!(
            err("bücher.de"),
            DomainError::InvalidChar { ch: 'ü', .. }
        ));
        assert!(matches!(
            err("a@b.com"),
            DomainError::InvalidChar { ch: '@', .. }
        ));
        assert!(matches!(
            err("a.com?x"),
            DomainError::InvalidChar { ch: '?', .. }
        ));
    }

    #[test]
    fn length_limits() {
        let label63 = "a".repeat(63);
        assert!(DomainName::parse(&format!("{label63}.com")).is_ok());
        let label64 = "a".repeat(64);
        assert!(matches!(
            err(&format!("{label64}.com")),
            DomainError::LabelTooLong { len: 64, .. }
        ));
        // 4 * 63 + 3 dots = 255 > 253
        let long = [label63.as_str(); 4].join(".");
        assert!(matches!(err(&long), DomainError::TooLong { len: 255, .. }));
        // exactly 253 is fine, also with a trailing dot
        let ok = format!("{}.{}.{}.{}", label63, label63, label63, "a".repeat(61));
        assert_eq!(ok.len(), 253);
        assert!(DomainName::parse(&ok).is_ok());
        assert!(DomainName::parse(&format!("{ok}.")).is_ok());
    }

    #[test]
    fn serde_validates() {
        let good: StringDeserializer<DeError> = "Example.com".to_owned().into_deserializer();
        assert_eq!(
            DomainName::deserialize(good).unwrap().as_str(),
            "example.com"
        );
        let bad: StringDeserializer<DeError> = "*.example.com".to_owned().into_deserializer();
        assert!(DomainName::deserialize(bad).is_err());
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "\0",
            "é",
            "::",
            "[",
            "]",
            "://",
            "a:b:c",
            ".",
            "..",
            "-",
            "\u{feff}a.com",
        ] {
            let _ = DomainName::parse(s);
        }
    }
}
