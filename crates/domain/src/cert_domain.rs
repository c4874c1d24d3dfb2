//! The name a certificate is stored and served for: a domain, or a wildcard of one label
//! over a domain (`*.example.com`), which `wharf certs add` takes for an uploaded
//! certificate. Apps are never served on a wildcard; only certificates are.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{DomainError, DomainName};

/// A domain, or `*.` and a domain; lower case, without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertDomain {
    /// The domain, or the domain under the wildcard.
    domain: DomainName,
    wildcard: bool,
    /// The written form: `example.com` or `*.example.com`.
    text: String,
}

impl CertDomain {
    /// Reads `example.com` or `*.example.com` (the domain by [`DomainName::parse`]'s rules).
    pub fn parse(input: &str) -> Result<CertDomain, DomainError> {
        match input.strip_prefix("*.") {
            Some(base) => Ok(CertDomain::wildcard_of(DomainName::parse(base)?)),
            None => Ok(CertDomain::from(DomainName::parse(input)?)),
        }
    }

    /// `*.domain`: every name one label under `domain`.
    pub fn wildcard_of(domain: DomainName) -> CertDomain {
        CertDomain {
            text: format!("*.{domain}"),
            domain,
            wildcard: true,
        }
    }

    /// The domain, or for a wildcard the domain under it.
    pub fn domain(&self) -> &DomainName {
        &self.domain
    }

    /// Whether this is `*.` and a domain.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The written form: `example.com` or `*.example.com`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<DomainName> for CertDomain {
    fn from(domain: DomainName) -> CertDomain {
        CertDomain {
            text: domain.as_str().to_owned(),
            domain,
            wildcard: false,
        }
    }
}

impl fmt::Display for CertDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for CertDomain {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CertDomain::parse(s)
    }
}

impl TryFrom<String> for CertDomain {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CertDomain::parse(&s)
    }
}

impl From<CertDomain> for String {
    fn from(name: CertDomain) -> String {
        name.text
    }
}

impl AsRef<str> for CertDomain {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for CertDomain {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for CertDomain {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_or_a_wildcard_over_one() {
        let plain = CertDomain::parse("Www.Example.com.").unwrap();
        assert_eq!(plain.as_str(), "www.example.com");
        assert!(!plain.is_wildcard());
        let wild = CertDomain::parse("*.Example.com").unwrap();
        assert_eq!(wild.as_str(), "*.example.com");
        assert_eq!(wild.domain().as_str(), "example.com");
        assert!(wild.is_wildcard());
        assert_eq!(wild.to_string(), "*.example.com");
        assert_eq!(
            CertDomain::from(DomainName::parse("a.example").unwrap()),
            "a.example"
        );
    }

    #[test]
    fn refused_like_a_domain() {
        for bad in [
            "*.*.example.com",
            "a.*.example.com",
            "*example.com",
            "*.",
            "",
            "x y",
        ] {
            assert!(CertDomain::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            CertDomain::parse("https://example.com"),
            Err(DomainError::Scheme { .. })
        ));
    }

    #[test]
    fn serde_uses_the_written_form() {
        let wild = CertDomain::parse("*.example.com").unwrap();
        assert_eq!(serde_json::to_string(&wild).unwrap(), "\"*.example.com\"");
        let back: CertDomain = serde_json::from_str("\"*.example.com\"").unwrap();
        assert_eq!(back, wild);
        assert!(serde_json::from_str::<CertDomain>("\"*\"").is_err());
    }
}
