//! Certificate authorities of Wharf's own, for what never meets a browser: database services'
//! TLS (the *services CA*) and the cluster's image registry (the *cluster CA*). A [`LocalCa`]
//! lives in one directory of the data directory (`ca.key` 0600 and `ca.crt` 0644, in a 0700
//! directory), made the first time it is needed, and issues short-lived-enough certificates
//! for servers (their host names and addresses) and clients (a name), whose keys go straight
//! to where they are used and are never logged.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use time::OffsetDateTime;

/// How long a CA is valid.
const CA_LIFETIME: Duration = Duration::from_secs(25 * 365 * 24 * 3600);

/// What went wrong with a local CA: what was being done, and why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CaError(String);

fn ca_error(what: &str, e: impl std::fmt::Display) -> CaError {
    CaError(format!("{what}: {e}"))
}

/// What an issued certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A server's: its names and addresses are the certificate's subject alternative names.
    Server,
    /// A client's, presented to a server that asks for one issued by this CA.
    Client,
}

/// A CA: its certificate and key, loaded from (or made in) its directory.
pub struct LocalCa {
    cert_pem: String,
    issuer: Certificate,
    key: KeyPair,
}

/// A certificate this CA issued, with its key.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    /// Unix seconds at which it expires.
    pub not_after: i64,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl LocalCa {
    /// Loads the CA from `dir`, or makes one there, named `Wharf {purpose} CA`, if it has none
    /// yet (or only a key whose certificate was never written: nothing can trust such a CA).
    pub fn load_or_create(dir: &Path, purpose: &str) -> Result<LocalCa, CaError> {
        let cert_path = dir.join("ca.crt");
        let key_path = dir.join("ca.key");
        if cert_path.exists() && key_path.exists() {
            let cert_pem = std::fs::read_to_string(&cert_path)
                .map_err(|e| ca_error(&format!("reading {}", cert_path.display()), e))?;
            let key_pem = std::fs::read_to_string(&key_path)
                .map_err(|e| ca_error(&format!("reading {}", key_path.display()), e))?;
            return LocalCa::from_pem(cert_pem, &key_pem);
        }
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)))
            .map_err(|e| ca_error(&format!("making {}", dir.display()), e))?;
        let key = KeyPair::generate().map_err(|e| ca_error("making the CA's key", e))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Wharf");
        dn.push(
            DnType::CommonName,
            format!(
                "Wharf {purpose} CA {}",
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
        );
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::hours(1);
        params.not_after = now + CA_LIFETIME;
        let cert = params
            .self_signed(&key)
            .map_err(|e| ca_error("making the CA's certificate", e))?;
        // The key goes first: a certificate on disk always has its key.
        write_file(&key_path, key.serialize_pem().as_bytes(), 0o600)?;
        write_file(&cert_path, cert.pem().as_bytes(), 0o644)?;
        tracing::info!(dir = %dir.display(), purpose, "local CA made");
        LocalCa::from_pem(cert.pem(), &key.serialize_pem())
    }

    fn from_pem(cert_pem: String, key_pem: &str) -> Result<LocalCa, CaError> {
        let key = KeyPair::from_pem(key_pem).map_err(|e| ca_error("reading the CA's key", e))?;
        let issuer = CertificateParams::from_ca_cert_pem(&cert_pem)
            .and_then(|params| params.self_signed(&key))
            .map_err(|e| ca_error("reading the CA's certificate", e))?;
        Ok(LocalCa {
            cert_pem,
            issuer,
            key,
        })
    }

    /// The CA's certificate, PEM: what whoever checks its certificates trusts.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A new certificate named `common_name`, valid for `lifetime`. A server's carries
    /// `names` (host names, and IP addresses written as such) as its subject alternative
    /// names; a client's may carry none.
    pub fn issue(
        &self,
        common_name: &str,
        names: Vec<String>,
        usage: Usage,
        lifetime: Duration,
    ) -> Result<Issued, CaError> {
        let mut params =
            CertificateParams::new(names).map_err(|e| ca_error("naming the certificate", e))?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![match usage {
            Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::hours(1);
        params.not_after = now + lifetime;
        let key = KeyPair::generate().map_err(|e| ca_error("making a key", e))?;
        let cert = params
            .signed_by(&key, &self.issuer, &self.key)
            .map_err(|e| ca_error("signing a certificate", e))?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            not_after: (now + lifetime).unix_timestamp(),
        })
    }
}

/// Writes `contents` to `path` with `mode` through a temporary file, so a reader never sees
/// half a file and the mode holds from the first byte.
pub fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    let tmp = path.with_extension("tmp");
    let written = (|| -> std::io::Result<()> {
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))?;
        std::fs::rename(&tmp, path)
    })();
    written.map_err(|e| ca_error(&format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::pem::parse_x509_pem;

    #[test]
    fn the_ca_is_made_once_with_its_key_private() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("ca");
        let ca = LocalCa::load_or_create(&dir, "test").unwrap();
        let mode = |p: &str| std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("ca.key"), 0o600);
        assert_eq!(mode("ca.crt"), 0o644);
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let again = LocalCa::load_or_create(&dir, "test").unwrap();
        assert_eq!(ca.cert_pem(), again.cert_pem());
        assert!(ca.cert_pem().contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn issued_certificates_chain_to_the_stored_ca_and_say_what_they_are_for() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("ca");
        LocalCa::load_or_create(&dir, "test").unwrap();
        let reloaded = LocalCa::load_or_create(&dir, "test").unwrap();
        let lifetime = Duration::from_secs(3600);
        let server = reloaded
            .issue(
                "registry",
                vec!["10.0.0.2".into(), "localhost".into()],
                Usage::Server,
                lifetime,
            )
            .unwrap();
        let client = reloaded
            .issue("node", Vec::new(), Usage::Client, lifetime)
            .unwrap();
        assert!(!format!("{server:?}").contains("PRIVATE"));
        assert!(server.key_pem.contains("PRIVATE KEY"));
        let stored = std::fs::read(dir.join("ca.crt")).unwrap();
        let (_, ca_pem) = parse_x509_pem(&stored).unwrap();
        let ca = ca_pem.parse_x509().unwrap();
        assert!(ca.is_ca());
        for (issued, server_auth) in [(&server, true), (&client, false)] {
            let (_, pem) = parse_x509_pem(issued.cert_pem.as_bytes()).unwrap();
            let leaf = pem.parse_x509().unwrap();
            assert_eq!(leaf.issuer(), ca.subject());
            leaf.verify_signature(Some(ca.public_key())).unwrap();
            let usage = leaf.extended_key_usage().unwrap().unwrap().value;
            assert_eq!(usage.server_auth, server_auth);
            assert_eq!(usage.client_auth, !server_auth);
        }
        let (_, pem) = parse_x509_pem(server.cert_pem.as_bytes()).unwrap();
        let leaf = pem.parse_x509().unwrap();
        let sans = format!(
            "{:?}",
            leaf.subject_alternative_name().unwrap().unwrap().value
        );
        assert!(
            sans.contains("10.0.0.2") || sans.contains("[10, 0, 0, 2]"),
            "{sans}"
        );
        assert!(sans.contains("localhost"), "{sans}");
    }
}
