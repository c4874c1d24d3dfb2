//! Issuing and renewing certificates with ACME (Let's Encrypt or any RFC 8555 CA).
//!
//! [`AcmeManager`] runs in the daemon's background: it looks at every public domain that should
//! be served over HTTPS, orders a certificate for those that have none or whose certificate is
//! due for renewal, proves control with HTTP-01 (answered by the proxy through
//! [`Http01Tokens`]) and falls back to TLS-ALPN-01 (a challenge certificate handed to a
//! [`ChallengeSink`]), and hands the result to a [`CertificateSink`]. Renewal follows the CA's
//! renewal information (ARI) when it offers it, else two thirds of the lifetime. Failures keep the old
//! certificate, back off and are recorded per domain in the store ([`wharf_store::AcmeState`]).
//!
//! The crate root only re-exports.

mod account;
mod backoff;
mod cert_info;
mod config;
mod error;
#[cfg(test)]
mod fake_ca;
mod files;
mod http01;
mod issue;
mod manager;
mod renewal;
mod tls_alpn;

pub use backoff::{Backoff, OrderLimiter};
pub use cert_info::{CertInfo, parse_chain, serial_of_der};
pub use config::{AcmeConfig, DirectoryUrl, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING};
pub use error::{AcmeError, BadCertificate};
pub use files::{CertificateFiles, CertificateSink};
pub use http01::Http01Tokens;
pub use manager::{AcmeManager, ServedSerial, WantedDomains};
pub use tls_alpn::{ACME_TLS_ALPN, ChallengeSink, challenge_certificate};
