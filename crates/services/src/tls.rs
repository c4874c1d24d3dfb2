//! TLS for database services. Wharf keeps a certificate authority of its own for them, the
//! *services CA* (`DATA/services-ca/`: `ca.key` 0600 and `ca.crt` 0644, in a 0700 directory),
//! made the first time a service starts. Every time a service's container is made, the CA
//! issues it a fresh *server certificate* for its host name on its network (the service name,
//! also `localhost` and the loopback addresses); that certificate, its key (0600, owned by the
//! user the image runs the database as) and the CA certificate are put into the container
//! before it starts, and never written anywhere else. Linked apps see the CA certificate at
//! [`APP_CA_PATH`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use wharf_certs::{LocalCa, Usage};
use wharf_domain::{SERVICE_TLS_FILES, ServiceKind, ServiceName};
use wharf_runtime::FileEntry;
use wharf_store::unix_now;

use crate::ServiceError;

/// The directory of the services CA inside the data directory.
pub const CA_DIR: &str = "services-ca";
/// Where the containers of linked apps find the services CA's certificate (read-only).
pub const APP_CA_PATH: &str = wharf_domain::SERVICES_CA_IN_APPS;
/// Where a service's container holds its certificate, key and the CA certificate:
/// `/etc/wharf-tls`, as the directory it is made in and its name.
pub(crate) const SERVICE_TLS_DIR: (&str, &str) = ("/etc", "wharf-tls");

/// [`SERVICE_TLS_DIR`] as one path, for the database's options.
pub(crate) fn service_tls_path() -> String {
    format!("{}/{}", SERVICE_TLS_DIR.0, SERVICE_TLS_DIR.1)
}

/// How long a server certificate is valid. A new one is issued whenever the container is
/// made again, and at the server's start when less than [`RENEW_BEFORE`] is left.
const SERVER_LIFETIME: Duration = Duration::from_secs(5 * 365 * 24 * 3600);
/// A server certificate with less time than this left is renewed at the server's start.
pub(crate) const RENEW_BEFORE: Duration = Duration::from_secs(365 * 24 * 3600);

/// The host path of the services CA's certificate, which linked apps' containers mount.
pub fn ca_certificate_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CA_DIR).join("ca.crt")
}

/// The services CA, loaded from the data directory.
pub(crate) struct ServicesCa {
    ca: LocalCa,
}

/// A server certificate issued to one service, ready to go into its container.
pub(crate) struct ServerCertificate {
    cert_pem: String,
    key_pem: String,
    /// Unix seconds at which it expires.
    pub(crate) not_after: i64,
}

impl std::fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerCertificate")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Tls(format!("{what}: {e}"))
}

impl ServicesCa {
    /// Loads the CA from `dir`, or makes one there if it has none yet.
    pub(crate) fn load_or_create(dir: &Path) -> Result<ServicesCa, ServiceError> {
        let ca = LocalCa::load_or_create(dir, "services")
            .map_err(|e| tls_error("the services CA", e))?;
        Ok(ServicesCa { ca })
    }

    /// A new server certificate for the service `name`: its host name on its network (and
    /// its container's name), plus `localhost` and the loopback addresses for the tools
    /// Wharf runs inside the container.
    pub(crate) fn issue(&self, name: &ServiceName) -> Result<ServerCertificate, ServiceError> {
        let names = vec![
            name.as_str().to_string(),
            name.resource_name(),
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        let issued = self
            .ca
            .issue(name.as_str(), names, Usage::Server, SERVER_LIFETIME)
            .map_err(|e| tls_error("issuing a server certificate", e))?;
        Ok(ServerCertificate {
            cert_pem: issued.cert_pem,
            key_pem: issued.key_pem,
            not_after: issued.not_after,
        })
    }

    /// The files of the service's TLS directory, owned by `uid`:`gid` (the database's user in
    /// the image): the certificate, the key (0600) and the CA certificate.
    pub(crate) fn files(&self, server: &ServerCertificate, uid: u64, gid: u64) -> Vec<FileEntry> {
        let [cert, key, ca] = SERVICE_TLS_FILES;
        [
            (cert, server.cert_pem.as_bytes(), 0o644),
            (key, server.key_pem.as_bytes(), 0o600),
            (ca, self.ca.cert_pem().as_bytes(), 0o644),
        ]
        .into_iter()
        .map(|(name, contents, mode)| FileEntry {
            name: name.to_string(),
            contents: contents.to_vec(),
            mode,
            uid,
            gid,
        })
        .collect()
    }
}

/// How clients reach a service over TLS, for `wharf services info`.
pub(crate) fn describe(kind: ServiceKind, name: &ServiceName, password: &str) -> String {
    let how = match kind.tls_url(name, password) {
        Some(url) => url.replace("%2A", "*"),
        None if kind == ServiceKind::Postgres => "sslmode=require (or verify-full)".to_string(),
        None => "--ssl (or ssl-mode=VERIFY_IDENTITY)".to_string(),
    };
    format!("{how}; linked apps find the CA at {APP_CA_PATH}")
}

/// The numeric user and group of `user` in an `/etc/passwd`.
pub(crate) fn passwd_ids(passwd: &str, user: &str) -> Option<(u64, u64)> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != user {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some((uid, gid))
    })
}

/// Does a service's container with these labels need a new server certificate: it has none
/// (made before services spoke TLS), or it ends within [`RENEW_BEFORE`]?
pub(crate) fn needs_new_certificate(labels: &std::collections::HashMap<String, String>) -> bool {
    match labels
        .get(crate::container::TLS_UNTIL_LABEL)
        .and_then(|v| v.parse::<i64>().ok())
    {
        Some(until) => until < unix_now() + RENEW_BEFORE.as_secs() as i64,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_lives_in_its_directory_of_the_data_directory() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join(CA_DIR);
        let ca = ServicesCa::load_or_create(&dir).unwrap();
        let again = ServicesCa::load_or_create(&dir).unwrap();
        assert_eq!(ca.ca.cert_pem(), again.ca.cert_pem());
        assert_eq!(ca_certificate_path(data.path()), dir.join("ca.crt"));
        assert_eq!(
            std::fs::read_to_string(dir.join("ca.crt")).unwrap(),
            ca.ca.cert_pem()
        );
    }

    #[test]
    fn server_certificates_name_the_service_and_keep_the_key_out_of_debug() {
        let data = tempfile::tempdir().unwrap();
        let ca = ServicesCa::load_or_create(&data.path().join(CA_DIR)).unwrap();
        let name = ServiceName::parse("blog-db").unwrap();
        let server = ca.issue(&name).unwrap();
        assert!(server.not_after > unix_now() + RENEW_BEFORE.as_secs() as i64);
        let params = rcgen::CertificateParams::from_ca_cert_pem(&server.cert_pem).unwrap();
        let sans = format!("{:?}", params.subject_alt_names);
        assert!(sans.contains("\"blog-db\""), "{sans}");
        assert!(sans.contains("127.0.0.1"), "{sans}");
        assert!(!format!("{server:?}").contains("PRIVATE"));
        let files = ca.files(&server, 999, 998);
        let key = files.iter().find(|f| f.name == "server.key").unwrap();
        assert_eq!((key.mode, key.uid, key.gid), (0o600, 999, 998));
        assert!(String::from_utf8_lossy(&key.contents).contains("PRIVATE KEY"));
    }

    #[test]
    fn certificates_issued_after_a_reload_chain_to_the_stored_ca() {
        use x509_parser::pem::parse_x509_pem;
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join(CA_DIR);
        ServicesCa::load_or_create(&dir).unwrap();
        let reloaded = ServicesCa::load_or_create(&dir).unwrap();
        let server = reloaded.issue(&ServiceName::parse("db").unwrap()).unwrap();
        let stored = std::fs::read(dir.join("ca.crt")).unwrap();
        let (_, ca_pem) = parse_x509_pem(&stored).unwrap();
        let ca = ca_pem.parse_x509().unwrap();
        let (_, leaf_pem) = parse_x509_pem(server.cert_pem.as_bytes()).unwrap();
        let leaf = leaf_pem.parse_x509().unwrap();
        assert_eq!(leaf.issuer(), ca.subject());
        leaf.verify_signature(Some(ca.public_key())).unwrap();
        assert!(ca.is_ca());
    }

    #[test]
    fn containers_without_a_certificate_or_near_its_end_get_a_new_one() {
        use crate::container::TLS_UNTIL_LABEL;
        use std::collections::HashMap;
        let with = |until: i64| HashMap::from([(TLS_UNTIL_LABEL.to_string(), until.to_string())]);
        assert!(needs_new_certificate(&HashMap::new()));
        assert!(needs_new_certificate(&with(unix_now() + 3600)));
        assert!(!needs_new_certificate(&with(
            unix_now() + SERVER_LIFETIME.as_secs() as i64
        )));
    }

    #[test]
    fn users_are_found_in_passwd() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\npostgres:x:999:999::/var/lib/postgresql:/bin/bash\n";
        assert_eq!(passwd_ids(passwd, "postgres"), Some((999, 999)));
        assert_eq!(passwd_ids(passwd, "mysql"), None);
    }
}
