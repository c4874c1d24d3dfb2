//! Wharf's TLS certificates: checking a certificate chain and key before it is served, and
//! keeping them in the data directory; and Wharf's own CAs ([`LocalCa`]) for database services
//! and the cluster's registry.
//!
//! The API is small on purpose, for both sources of certificates (uploads by
//! `wharf certs add` and ACME issuance):
//!
//! - [`validate`] checks a PEM chain and PEM key for a domain at a given time: both parse, the key
//!   belongs to the leaf certificate, the leaf is within its validity period and its names cover
//!   the domain (exactly, or by a `*.` wildcard of one label). It returns a [`ValidCert`]: what
//!   was found ([`CertInfo`]) and the rustls key to serve.
//! - [`CertFiles`] keeps them under `DATA/certs/DOMAIN/` (`fullchain.pem`, `key.pem`,
//!   `meta.json`; files 0600 in 0700 directories, written to a temporary file and renamed):
//!   [`CertFiles::save`] validates and then writes, [`CertFiles::load_all`] reads every stored one
//!   back (expired ones too: serving an expired certificate until it is renewed beats serving
//!   none), [`CertFiles::remove`] deletes one.
//!
//! Whoever saves a certificate then hands [`ValidCert::key`] / [`StoredCert::key`] to the
//! proxy's `CertResolver`, which serves it from the next handshake on. Private keys are never
//! logged nor returned by anything here except the files themselves.

mod check;
mod files;
mod local_ca;

pub use check::{CertError, CertInfo, ValidCert, challenge_key, validate};
pub use files::{CertFiles, CertMeta, CertSource, StoredCert};
pub use local_ca::{CaError, Issued, LocalCa, Usage, write_file};
