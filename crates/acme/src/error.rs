//! [`AcmeError`]: what this crate's public functions and the sinks it calls report. The
//! messages are the ones users read in the log and in `wharf certs status`.

use std::path::PathBuf;

use x509_parser::error::{PEMError, X509Error};
use x509_parser::nom;

/// Why a certificate, a certificate file or a sink failed.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    /// A PEM chain whose first block is not a PEM certificate.
    #[error("reading the PEM certificate: {0}")]
    Pem(nom::Err<PEMError>),
    /// A certificate (DER) that does not parse.
    #[error(transparent)]
    Certificate(#[from] BadCertificate),
    /// The first certificate of a PEM chain (its leaf) does not parse.
    #[error("the chain's first certificate")]
    ChainLeaf(#[source] BadCertificate),
    /// A domain that cannot be the name of its certificates' directory.
    #[error("`{0}` cannot name a certificate directory")]
    DirectoryName(String),
    /// A file or directory of certificates or of the ACME account could not be written.
    #[error("{doing} {}", path.display())]
    File {
        /// What was being done: "creating", "writing", ...
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file operation failed that has no more to say than the system's error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A TLS-ALPN-01 challenge certificate could not be made.
    #[error("{doing}")]
    ChallengeCertificate {
        /// The step that failed: "generating the challenge key", ...
        doing: &'static str,
        #[source]
        source: rcgen::Error,
    },
    /// The daemon's side failed: a sink (certificate store, TLS listener) or the list of
    /// wanted domains. Shown as the daemon's own error.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl AcmeError {
    /// The daemon's error `err`, as a sink or the wanted domains report it.
    pub fn other(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> AcmeError {
        AcmeError::Other(err.into())
    }
}

/// A certificate that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("parsing the certificate: {0}")]
pub struct BadCertificate(pub(crate) nom::Err<X509Error>);
