//! TLS-ALPN-01 (RFC 8737): a self-signed certificate for the domain carrying the SHA-256 digest
//! of the key authorization in the critical `acmeIdentifier` extension, served on port 443 to
//! clients that negotiate the `acme-tls/1` protocol. Serving it is the TLS listener's job: this
//! crate builds it and hands it to a [`ChallengeSink`].

use crate::error::AcmeError;

/// The ALPN protocol the CA's validator offers.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// Where TLS-ALPN-01 challenge certificates go: the TLS listener answers `acme-tls/1`
/// handshakes for `domain` with this certificate while it is installed.
pub trait ChallengeSink: Send + Sync {
    /// Serve `cert_pem`/`key_pem` to `acme-tls/1` handshakes for `domain`.
    fn install(&self, domain: &str, cert_pem: &str, key_pem: &str) -> Result<(), AcmeError>;
    /// Stop serving the challenge certificate of `domain`.
    fn remove(&self, domain: &str);
}

/// The challenge certificate and its private key (PEM) for `domain` and the SHA-256 digest of
/// the key authorization.
pub fn challenge_certificate(domain: &str, digest: &[u8]) -> Result<(String, String), AcmeError> {
    let failed = |doing| move |source| AcmeError::ChallengeCertificate { doing, source };
    let mut params = rcgen::CertificateParams::new(vec![domain.to_string()])
        .map_err(failed("building the challenge certificate's names"))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .custom_extensions
        .push(rcgen::CustomExtension::new_acme_identifier(digest));
    let key = rcgen::KeyPair::generate().map_err(failed("generating the challenge key"))?;
    let cert = params
        .self_signed(&key)
        .map_err(failed("signing the challenge certificate"))?;
    Ok((cert.pem(), key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    #[test]
    fn challenge_certificate_names_the_domain_and_carries_the_digest() {
        let digest = [7u8; 32];
        let (cert_pem, key_pem) = challenge_certificate("a.example.com", &digest).unwrap();
        assert!(key_pem.contains("PRIVATE KEY"));
        let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        let san = cert.subject_alternative_name().unwrap().unwrap();
        assert_eq!(
            san.value.general_names,
            vec![GeneralName::DNSName("a.example.com")]
        );
        // id-pe-acmeIdentifier 1.3.6.1.5.5.7.1.31, critical, an OCTET STRING of the digest.
        let ext = cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.31")
            .unwrap();
        assert!(ext.critical);
        let mut expected = vec![0x04, 32];
        expected.extend_from_slice(&digest);
        assert_eq!(ext.value, expected.as_slice());
    }
}
