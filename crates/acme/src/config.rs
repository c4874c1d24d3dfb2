//! `AcmeConfig`: which CA to talk to (directory URL and an extra trusted root for test CAs),
//! the contact email, and when to renew.

use std::path::PathBuf;
use std::time::Duration;

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// Let's Encrypt's staging directory (untrusted certificates, generous rate limits).
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

/// The `--acme-directory` value: a CA's directory, or ACME switched off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryUrl {
    /// No certificates are ordered.
    Off,
    Url(String),
}

impl DirectoryUrl {
    /// `production` (the default), `staging`, `off`/`none`, or an `https://` URL.
    pub fn parse(value: &str) -> Result<DirectoryUrl, String> {
        match value.trim() {
            "" | "production" | "letsencrypt" => {
                Ok(DirectoryUrl::Url(LETS_ENCRYPT_PRODUCTION.into()))
            }
            "staging" => Ok(DirectoryUrl::Url(LETS_ENCRYPT_STAGING.into())),
            "off" | "none" => Ok(DirectoryUrl::Off),
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Ok(DirectoryUrl::Url(url.to_string()))
            }
            other => Err(format!(
                "`{other}` is not an ACME directory: use production, staging, off or an https:// URL"
            )),
        }
    }
}

/// Everything the ACME manager needs to know.
#[derive(Debug, Clone)]
pub struct AcmeConfig {
    pub directory: String,
    /// Contact for the CA's expiry and policy mails.
    pub email: Option<String>,
    /// A PEM root trusted in addition to the system's, for test CAs (Pebble).
    pub extra_root: Option<PathBuf>,
    /// The data directory: the account lives in `acme/`, certificates in `certs/`.
    pub data_dir: PathBuf,
    /// Renew this long before expiry; `None` renews at two thirds of the lifetime.
    pub renew_before: Option<Duration>,
    /// How often the domains are looked at.
    pub check_interval: Duration,
    /// Most new orders per domain in one hour (Let's Encrypt allows 5 failed validations per
    /// hour per domain).
    pub max_orders_per_hour: usize,
    /// How long after a failed check that the TLS listener serves a new certificate it is
    /// checked again.
    pub served_recheck: Duration,
}

impl AcmeConfig {
    pub fn new(directory: impl Into<String>, data_dir: impl Into<PathBuf>) -> AcmeConfig {
        AcmeConfig {
            directory: directory.into(),
            email: None,
            extra_root: None,
            data_dir: data_dir.into(),
            renew_before: None,
            check_interval: Duration::from_secs(5),
            max_orders_per_hour: 3,
            served_recheck: Duration::from_secs(300),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_shortcuts() {
        assert_eq!(
            DirectoryUrl::parse("production").unwrap(),
            DirectoryUrl::Url(LETS_ENCRYPT_PRODUCTION.into())
        );
        assert_eq!(
            DirectoryUrl::parse("staging").unwrap(),
            DirectoryUrl::Url(LETS_ENCRYPT_STAGING.into())
        );
        assert_eq!(DirectoryUrl::parse("off").unwrap(), DirectoryUrl::Off);
        assert_eq!(
            DirectoryUrl::parse("https://127.0.0.1:14000/dir").unwrap(),
            DirectoryUrl::Url("https://127.0.0.1:14000/dir".into())
        );
        assert!(DirectoryUrl::parse("letsencrypt.org").is_err());
    }
}
