//! What a certificate chain says about itself: validity, serial and issuer of its leaf.

use serde::Serialize;

use crate::error::{AcmeError, BadCertificate};

/// The facts about a leaf certificate that renewal and `wharf certs status` need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// Lower-case hex.
    pub serial: String,
    pub issuer: String,
}

impl CertInfo {
    /// When to renew: `renew_before` ahead of expiry, else at two thirds of the lifetime.
    pub fn renew_at(&self, renew_before: Option<std::time::Duration>) -> i64 {
        match renew_before {
            Some(before) => self.not_after - i64::try_from(before.as_secs()).unwrap_or(i64::MAX),
            None => self.not_before + (self.not_after - self.not_before) * 2 / 3,
        }
    }
}

/// The serial (lower-case hex) of a DER certificate.
pub fn serial_of_der(der: &[u8]) -> Result<String, AcmeError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(BadCertificate)?;
    Ok(cert.raw_serial_as_string().replace(':', ""))
}

/// Parse the first certificate (the leaf) of a PEM chain.
pub fn parse_chain(chain_pem: &str) -> Result<CertInfo, AcmeError> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(chain_pem.as_bytes()).map_err(AcmeError::Pem)?;
    let cert = pem
        .parse_x509()
        .map_err(|e| AcmeError::ChainLeaf(BadCertificate(e)))?;
    let issuer = cert
        .issuer()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| cert.issuer().to_string());
    Ok(CertInfo {
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        serial: cert.raw_serial_as_string().replace(':', ""),
        issuer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_validity_serial_and_issuer() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["a.example.com".into()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test CA");
        params.serial_number = Some(rcgen::SerialNumber::from(vec![0x0a, 0xbc]));
        params.not_before = rcgen::date_time_ymd(2026, 1, 1);
        params.not_after = rcgen::date_time_ymd(2026, 4, 1);
        let cert = params.self_signed(&key).unwrap();
        let info = parse_chain(&cert.pem()).unwrap();
        assert_eq!(info.serial, "0abc");
        assert_eq!(serial_of_der(cert.der()).unwrap(), "0abc");
        assert_eq!(info.issuer, "Test CA");
        assert_eq!(info.not_after - info.not_before, 90 * 86400);
        assert_eq!(info.renew_at(None), info.not_before + 60 * 86400);
        assert_eq!(
            info.renew_at(Some(std::time::Duration::from_secs(86400))),
            info.not_after - 86400
        );
        assert!(parse_chain("not a certificate").is_err());
    }

    #[test]
    fn errors_are_typed_and_say_what_failed() {
        let err = parse_chain("not a certificate").unwrap_err();
        assert!(matches!(err, AcmeError::Pem(_)), "{err:?}");
        assert!(err.to_string().starts_with("reading the PEM certificate: "));

        // A PEM block whose contents are no certificate: the leaf is named, then the cause.
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = parse_chain(pem).unwrap_err();
        assert!(matches!(err, AcmeError::ChainLeaf(_)), "{err:?}");
        assert_eq!(err.to_string(), "the chain's first certificate");
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert!(
            chain.starts_with("the chain's first certificate: parsing the certificate: "),
            "{chain}"
        );

        let err = serial_of_der(b"junk").unwrap_err();
        assert!(matches!(err, AcmeError::Certificate(_)), "{err:?}");
        assert!(err.to_string().starts_with("parsing the certificate: "));
    }
}
