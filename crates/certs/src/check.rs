//! Checking a certificate chain and private key for a domain: parsing, key match, validity
//! period and names. Every refusal says what is wrong in words a user can act on.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};
use wharf_domain::CertDomain;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Why a certificate cannot be served for a domain.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A certificate directory whose name is not a domain a certificate can be for.
    #[error("`{0}` is not a domain a certificate can be for: {1}")]
    BadDomain(String, String),
    #[error("the certificate file holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)")]
    NoCertificate,
    #[error("the certificate file is not valid PEM: {0}")]
    BadCertificatePem(String),
    #[error("the first certificate of the chain cannot be read: {0}")]
    BadCertificate(String),
    #[error("the key file holds no PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)")]
    NoKey,
    #[error("the private key cannot be used: {0}")]
    BadKey(String),
    #[error("the private key does not belong to the certificate (its public key differs)")]
    KeyMismatch,
    #[error("the certificate expired on {0}")]
    Expired(String),
    #[error("the certificate is not valid before {0}")]
    NotYetValid(String),
    #[error("the certificate is for {names} and does not cover {domain}")]
    WrongDomain { domain: CertDomain, names: String },
    #[error("{0}")]
    Io(String),
}

/// What a checked certificate says about itself (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// The domain it was checked for (lower case; may be `*.example.com`).
    pub domain: CertDomain,
    /// The leaf's DNS names (subject alternative names, else its common name).
    pub names: Vec<String>,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// The leaf's serial number, hex.
    pub serial: String,
    /// Validity period, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
}

/// A certificate that passed [`validate`], ready to serve.
#[derive(Clone)]
pub struct ValidCert {
    pub info: CertInfo,
    pub key: Arc<CertifiedKey>,
}

impl std::fmt::Debug for ValidCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidCert")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Check `chain_pem` and `key_pem` for `domain` at `now`; see the crate doc.
pub fn validate(
    domain: &CertDomain,
    chain_pem: &[u8],
    key_pem: &[u8],
    now: SystemTime,
) -> Result<ValidCert, CertError> {
    let cert = parse(domain, chain_pem, key_pem)?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    if now > cert.info.not_after {
        return Err(CertError::Expired(format_time(cert.info.not_after)));
    }
    if now < cert.info.not_before {
        return Err(CertError::NotYetValid(format_time(cert.info.not_before)));
    }
    Ok(cert)
}

/// Everything [`validate`] checks except the validity period.
pub(crate) fn parse(
    domain: &CertDomain,
    chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<ValidCert, CertError> {
    let chain = CertificateDer::pem_slice_iter(chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CertError::BadCertificatePem(e.to_string()))?;
    let leaf_der = chain.first().ok_or(CertError::NoCertificate)?;
    let (_, leaf) = X509Certificate::from_der(leaf_der.as_ref())
        .map_err(|e| CertError::BadCertificate(e.to_string()))?;
    let names = dns_names(&leaf);
    if !names.iter().any(|n| covers(n, domain.as_str())) {
        return Err(CertError::WrongDomain {
            domain: domain.clone(),
            names: if names.is_empty() {
                "no DNS name".to_string()
            } else {
                names.join(", ")
            },
        });
    }
    let info = CertInfo {
        domain: domain.clone(),
        names,
        issuer: leaf.issuer().to_string(),
        serial: leaf.raw_serial_as_string().replace(':', ""),
        not_before: leaf.validity().not_before.timestamp(),
        not_after: leaf.validity().not_after.timestamp(),
    };
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => CertError::NoKey,
        other => CertError::BadKey(other.to_string()),
    })?;
    let provider = rustls::crypto::ring::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| CertError::BadKey(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            return Err(CertError::KeyMismatch);
        }
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(e) => return Err(CertError::BadCertificate(e.to_string())),
    }
    Ok(ValidCert {
        info,
        key: Arc::new(certified),
    })
}

/// The key to serve an ACME TLS-ALPN-01 challenge certificate with. Such a certificate is
/// self-signed and carries the critical `acmeIdentifier` extension, which certificate
/// verifiers refuse, so [`validate`]'s checks do not apply: this only reads the certificate
/// and loads its key. Use it for challenge certificates made by this server, never for
/// certificates from elsewhere.
pub fn challenge_key(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<CertifiedKey>, CertError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CertError::BadCertificatePem(e.to_string()))?;
    if chain.is_empty() {
        return Err(CertError::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => CertError::NoKey,
        other => CertError::BadKey(other.to_string()),
    })?;
    let signing = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| CertError::BadKey(e.to_string()))?;
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// The leaf's DNS names, lower case: its subject alternative names, else its common name.
fn dns_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut names: Vec<String> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some(d.to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if names.is_empty() {
        names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_ascii_lowercase)
            .collect();
    }
    names
}

/// Does certificate name `name` cover `domain`? Exact match, or `*.rest` for one more label.
/// A wildcard domain (`*.example.com`) is covered only by the same wildcard name.
pub fn covers(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.');
    if name == domain {
        return true;
    }
    match name.strip_prefix("*.") {
        Some(rest) if !domain.starts_with("*.") => domain
            .split_once('.')
            .is_some_and(|(label, parent)| !label.is_empty() && parent == rest),
        _ => false,
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_time(secs: i64) -> String {
    x509_parser::time::ASN1Time::from_timestamp(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{secs} (Unix time)"))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A certificate name for tests.
    pub(crate) fn d(name: &str) -> CertDomain {
        CertDomain::parse(name).unwrap()
    }

    #[test]
    fn challenge_certificates_with_the_acme_extension_load() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["a.example.com".into()]).unwrap();
        params
            .custom_extensions
            .push(rcgen::CustomExtension::new_acme_identifier(&[1u8; 32]));
        let cert = params.self_signed(&key).unwrap();
        let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
        // The full check refuses what a TLS-ALPN-01 certificate must carry ...
        assert!(
            validate(
                &d("a.example.com"),
                cert_pem.as_bytes(),
                key_pem.as_bytes(),
                SystemTime::now()
            )
            .is_err()
        );
        // ... which serving it as a challenge answer does not need.
        let certified = challenge_key(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
        assert_eq!(certified.cert.len(), 1);
        assert!(matches!(
            challenge_key(b"", key_pem.as_bytes()),
            Err(CertError::NoCertificate)
        ));
        assert!(matches!(
            challenge_key(cert_pem.as_bytes(), b""),
            Err(CertError::NoKey)
        ));
    }

    use rcgen::{CertificateParams, KeyPair};
    use std::time::Duration;

    pub(crate) fn make(names: &[&str], days: (i64, i64)) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let now = time_now();
        params.not_before = now + time::Duration::days(days.0);
        params.not_after = now + time::Duration::days(days.1);
        let cert = params.self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    fn time_now() -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    #[test]
    fn a_good_certificate_passes() {
        let (cert, key) = make(&["app.example.com"], (-1, 30));
        let valid = validate(
            &d("App.Example.com."),
            cert.as_bytes(),
            key.as_bytes(),
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(valid.info.domain, "app.example.com");
        assert_eq!(valid.info.names, vec!["app.example.com"]);
        assert!(!valid.info.serial.is_empty());
    }

    #[test]
    fn wildcards_cover_one_label() {
        let (cert, key) = make(&["*.example.com"], (-1, 30));
        let now = SystemTime::now();
        validate(&d("a.example.com"), cert.as_bytes(), key.as_bytes(), now).unwrap();
        validate(&d("*.example.com"), cert.as_bytes(), key.as_bytes(), now).unwrap();
        let err =
            validate(&d("a.b.example.com"), cert.as_bytes(), key.as_bytes(), now).unwrap_err();
        assert!(matches!(err, CertError::WrongDomain { .. }), "{err}");
        let err = validate(&d("example.com"), cert.as_bytes(), key.as_bytes(), now).unwrap_err();
        assert!(
            err.to_string().contains("does not cover example.com"),
            "{err}"
        );
    }

    #[test]
    fn bad_certificates_are_refused_clearly() {
        let now = SystemTime::now();
        let (cert, _) = make(&["app.example.com"], (-1, 30));
        let (_, other_key) = make(&["app.example.com"], (-1, 30));
        let err = validate(
            &d("app.example.com"),
            cert.as_bytes(),
            other_key.as_bytes(),
            now,
        )
        .unwrap_err();
        assert!(matches!(err, CertError::KeyMismatch), "{err}");
        assert!(err.to_string().contains("does not belong"));

        let (old, old_key) = make(&["app.example.com"], (-30, -1));
        let err = validate(
            &d("app.example.com"),
            old.as_bytes(),
            old_key.as_bytes(),
            now,
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("the certificate expired on"),
            "{err}"
        );

        let (new, new_key) = make(&["app.example.com"], (2, 30));
        let err = validate(
            &d("app.example.com"),
            new.as_bytes(),
            new_key.as_bytes(),
            now,
        )
        .unwrap_err();
        assert!(matches!(err, CertError::NotYetValid(_)), "{err}");
        // Not yet valid today, fine in three days.
        validate(
            &d("app.example.com"),
            new.as_bytes(),
            new_key.as_bytes(),
            now + Duration::from_secs(3 * 86400),
        )
        .unwrap();

        let (cert, key) = make(&["other.example.com"], (-1, 30));
        let err =
            validate(&d("app.example.com"), cert.as_bytes(), key.as_bytes(), now).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the certificate is for other.example.com and does not cover app.example.com"
        );

        let (cert, key) = make(&["app.example.com"], (-1, 30));
        let err = validate(&d("app.example.com"), b"hello", key.as_bytes(), now).unwrap_err();
        assert!(matches!(err, CertError::NoCertificate), "{err}");
        let err = validate(&d("app.example.com"), cert.as_bytes(), b"", now).unwrap_err();
        assert!(matches!(err, CertError::NoKey), "{err}");
        // A name that is no domain never gets this far: it is refused where it enters.
        assert!(CertDomain::parse("http://x/").is_err());
    }

    #[test]
    fn coverage() {
        assert!(covers("a.b", "a.b"));
        assert!(covers("*.b.c", "a.b.c"));
        assert!(!covers("*.b.c", "b.c"));
        assert!(!covers("*.b.c", "x.a.b.c"));
        assert!(!covers("*.b.c", "*.x.b.c"));
        assert!(covers("*.b.c", "*.b.c"));
    }
}
