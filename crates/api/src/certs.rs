//! HTTPS certificates: uploaded ones, and automatic HTTPS's state per domain.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wharf_domain::{CertDomain, DomainName};

/// `GET /v1/certs`: the stored certificates (never their keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertList {
    pub certs: Vec<Certificate>,
}

/// A stored certificate; also what uploading one answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Certificate {
    pub source: CertSource,
    /// The domain it is served for (lower case; may be `*.example.com`).
    #[schema(value_type = String)]
    pub domain: CertDomain,
    /// The leaf's DNS names.
    pub names: Vec<String>,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// The leaf's serial number, hex.
    pub serial: String,
    /// Validity, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
}

/// Where a certificate came from. Uploaded ones are never renewed by ACME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CertSource {
    Acme,
    Uploaded,
}

impl CertSource {
    /// The source as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CertSource::Acme => "acme",
            CertSource::Uploaded => "uploaded",
        }
    }
}

/// `POST /v1/certs`: a certificate of your own, validated, stored and served at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertUploadRequest {
    /// A domain, or `*.` and a domain for a wildcard certificate.
    #[schema(value_type = String)]
    pub domain: CertDomain,
    /// The chain, leaf first, in PEM.
    pub cert: String,
    /// The private key, in PEM.
    pub key: String,
}

/// `DELETE /v1/certs/{domain}`: the domain whose certificate was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertRemoved {
    #[schema(value_type = String)]
    pub removed: CertDomain,
}

/// `GET /v1/acme`: automatic HTTPS's state per domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AcmeStatus {
    /// The ACME directory in use; `null` when automatic HTTPS is off.
    pub directory: Option<String>,
    pub domains: Vec<AcmeDomain>,
}

/// One domain's ACME state. Times are seconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AcmeDomain {
    #[schema(value_type = String)]
    pub domain: DomainName,
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    /// The error of the last attempt, cleared by a success.
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub failures: i64,
    /// No attempt before this time (backoff after failures).
    pub next_attempt: Option<i64>,
    /// The challenge type that validated the last certificate (`http-01`, `tls-alpn-01`).
    pub challenge: Option<String>,
    pub issuer: Option<String>,
    pub serial: Option<String>,
    pub not_after: Option<i64>,
    /// When a handshake with the HTTPS listener last showed it serving this certificate.
    pub served_checked: Option<i64>,
    /// When the current certificate is due for renewal.
    pub renew_at: Option<i64>,
    /// Who set `renew_at`: `ari` (the CA's renewal information), `lifetime` (two thirds of
    /// it) or `configured` (`--acme-renew-before`).
    pub renew_by: Option<String>,
}
