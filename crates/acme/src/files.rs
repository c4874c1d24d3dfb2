//! Where issued certificates go: the [`CertificateSink`] trait, and [`CertificateFiles`], which
//! keeps them as `DATA/certs/DOMAIN/{fullchain.pem,key.pem}` (files 0600, directories 0700).

use crate::error::AcmeError;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Receives the certificates ACME issues and tells what is currently installed.
pub trait CertificateSink: Send + Sync {
    /// Store (and start serving) `chain_pem` with its private key for `domain`.
    fn install(&self, domain: &str, chain_pem: &str, key_pem: &str) -> Result<(), AcmeError>;
    /// The installed chain of `domain` (PEM), if any.
    fn current(&self, domain: &str) -> Option<String>;
}

/// Certificates as files under `DATA/certs/`.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    root: PathBuf,
}

impl CertificateFiles {
    pub fn new(data_dir: &Path) -> CertificateFiles {
        CertificateFiles {
            root: data_dir.join("certs"),
        }
    }

    /// The directory of `domain`'s files.
    pub fn dir(&self, domain: &str) -> PathBuf {
        self.root.join(domain)
    }
}

/// What failed, doing what, on which file.
fn file_error(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> AcmeError {
    let path = path.to_path_buf();
    move |source| AcmeError::File {
        doing,
        path,
        source,
    }
}

fn make_private_dir(dir: &Path) -> Result<(), AcmeError> {
    fs::create_dir_all(dir).map_err(file_error("creating", dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(file_error("setting permissions of", dir))
}

/// Write `contents` to `path` (0600) through a temporary file and a rename, so a reader never
/// sees half a file.
pub(crate) fn write_private(path: &Path, contents: &str) -> Result<(), AcmeError> {
    let tmp = path.with_extension("tmp");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(file_error("creating", &tmp))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(file_error("writing", &tmp))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    fs::rename(&tmp, path).map_err(file_error("replacing", path))
}

impl CertificateSink for CertificateFiles {
    fn install(&self, domain: &str, chain_pem: &str, key_pem: &str) -> Result<(), AcmeError> {
        if domain.contains('/') || domain.starts_with('.') {
            return Err(AcmeError::DirectoryName(domain.to_string()));
        }
        make_private_dir(&self.root)?;
        let dir = self.dir(domain);
        make_private_dir(&dir)?;
        // The key first: a new chain never sits beside the old key.
        write_private(&dir.join("key.pem"), key_pem)?;
        write_private(&dir.join("fullchain.pem"), chain_pem)
    }

    fn current(&self, domain: &str) -> Option<String> {
        fs::read_to_string(self.dir(domain).join("fullchain.pem")).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_private() {
        let data = tempfile::tempdir().unwrap();
        let files = CertificateFiles::new(data.path());
        assert_eq!(files.current("a.example.com"), None);
        files.install("a.example.com", "CHAIN", "KEY").unwrap();
        files.install("a.example.com", "CHAIN2", "KEY2").unwrap();
        assert_eq!(files.current("a.example.com").as_deref(), Some("CHAIN2"));
        let dir = data.path().join("certs/a.example.com");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&data.path().join("certs")), 0o700);
        assert_eq!(mode(&dir.join("key.pem")), 0o600);
        assert_eq!(mode(&dir.join("fullchain.pem")), 0o600);
        assert_eq!(fs::read_to_string(dir.join("key.pem")).unwrap(), "KEY2");
        assert!(files.install("../x", "C", "K").is_err());
    }

    #[test]
    fn errors_name_the_domain_or_the_file() {
        let data = tempfile::tempdir().unwrap();
        let files = CertificateFiles::new(data.path());
        let err = files.install("../x", "C", "K").unwrap_err();
        assert!(matches!(err, AcmeError::DirectoryName(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            "`../x` cannot name a certificate directory"
        );

        // `certs` is a file, so its directory cannot be made.
        fs::write(data.path().join("certs"), "").unwrap();
        let err = files.install("a.example.com", "C", "K").unwrap_err();
        assert!(matches!(err, AcmeError::File { .. }), "{err:?}");
        let certs = data.path().join("certs");
        assert_eq!(err.to_string(), format!("creating {}", certs.display()));
    }
}
