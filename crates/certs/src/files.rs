//! Certificates in the data directory: `certs/DOMAIN/{fullchain.pem,key.pem,meta.json}`, files
//! 0600 in 0700 directories, each written to a temporary file and renamed into place so a
//! reader sees the old or the new file, never half of one.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use wharf_domain::{CertDomain, DomainName};

use crate::check::{self, CertError, CertInfo, ValidCert};

const CHAIN_FILE: &str = "fullchain.pem";
const KEY_FILE: &str = "key.pem";
const META_FILE: &str = "meta.json";

/// Where a certificate came from. Uploaded ones are never renewed by ACME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertSource {
    Acme,
    Uploaded,
}

impl CertSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CertSource::Acme => "acme",
            CertSource::Uploaded => "uploaded",
        }
    }
}

/// `meta.json`: what `wharf certs` lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertMeta {
    pub source: CertSource,
    #[serde(flatten)]
    pub info: CertInfo,
}

/// A certificate read back from the data directory.
#[derive(Clone, Debug)]
pub struct StoredCert {
    pub meta: CertMeta,
    pub cert: ValidCert,
}

/// The `certs` directory of a data directory.
#[derive(Debug, Clone)]
pub struct CertFiles {
    dir: PathBuf,
}

impl CertFiles {
    /// The certificates under `DATA_DIR/certs` (created, 0700, on first save).
    pub fn new(data_dir: &Path) -> CertFiles {
        CertFiles {
            dir: data_dir.join("certs"),
        }
    }

    /// Validate (see [`crate::validate`]) and store a certificate for `domain`, replacing any
    /// stored one. Returns what to serve.
    pub fn save(
        &self,
        domain: &CertDomain,
        chain_pem: &[u8],
        key_pem: &[u8],
        source: CertSource,
        now: SystemTime,
    ) -> Result<StoredCert, CertError> {
        let cert = check::validate(domain, chain_pem, key_pem, now)?;
        let meta = CertMeta {
            source,
            info: cert.info.clone(),
        };
        let meta_json =
            serde_json::to_vec_pretty(&meta).map_err(|e| CertError::Io(e.to_string()))?;
        private_dir(&self.dir)?;
        let dir = self.domain_dir(&meta.info.domain);
        private_dir(&dir)?;
        write_private(&dir.join(KEY_FILE), key_pem)?;
        write_private(&dir.join(CHAIN_FILE), chain_pem)?;
        write_private(&dir.join(META_FILE), &meta_json)?;
        Ok(StoredCert { meta, cert })
    }

    /// Every stored certificate that can still be served (expired ones included), and the
    /// domains whose files could not be read, with why.
    pub fn load_all(&self) -> (Vec<StoredCert>, Vec<(String, CertError)>) {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return (good, bad);
        };
        let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs.into_iter().filter(|d| d.is_dir()) {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let written = name.replacen('_', "*", 1);
            let loaded = CertDomain::parse(&written)
                .map_err(|e| CertError::BadDomain(written.clone(), e.to_string()))
                .and_then(|domain| load(&dir, &domain));
            match loaded {
                Ok(cert) => good.push(cert),
                Err(err) => bad.push((written, err)),
            }
        }
        (good, bad)
    }

    /// The stored certificates' metadata, by domain.
    pub fn list(&self) -> Vec<CertMeta> {
        self.load_all().0.into_iter().map(|c| c.meta).collect()
    }

    /// Delete the certificate of `domain`; `false` when there was none.
    pub fn remove(&self, domain: &CertDomain) -> Result<bool, CertError> {
        let dir = self.domain_dir(domain);
        if !dir.exists() {
            return Ok(false);
        }
        fs::remove_dir_all(&dir).map_err(|e| io_error("removing", &dir, &e))?;
        Ok(true)
    }

    /// The stored chain (PEM) of exactly `domain` (not of a wildcard covering it), if any.
    pub fn chain_pem(&self, domain: &DomainName) -> Option<String> {
        let dir = self.domain_dir(&CertDomain::from(domain.clone()));
        fs::read_to_string(dir.join(CHAIN_FILE)).ok()
    }

    /// The directory of `domain`; `*.example.com` is kept as `_.example.com`.
    fn domain_dir(&self, domain: &CertDomain) -> PathBuf {
        self.dir.join(domain.as_str().replacen('*', "_", 1))
    }
}

fn load(dir: &Path, domain: &CertDomain) -> Result<StoredCert, CertError> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).map_err(|e| io_error("reading", &path, &e))
    };
    let chain = read(CHAIN_FILE)?;
    let key = read(KEY_FILE)?;
    let cert = check::parse(domain, &chain, &key)?;
    let source = serde_json::from_slice::<CertMeta>(&read(META_FILE)?)
        .map(|m| m.source)
        .unwrap_or(CertSource::Uploaded);
    Ok(StoredCert {
        meta: CertMeta {
            source,
            info: cert.info.clone(),
        },
        cert,
    })
}

fn private_dir(dir: &Path) -> Result<(), CertError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_error("creating", dir, &e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io_error("setting permissions of", dir, &e))
}

/// Write `data` to `path` (0600) through a temporary file in the same directory.
fn write_private(path: &Path, data: &[u8]) -> Result<(), CertError> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io_error("creating", &tmp, &e))?;
    file.write_all(data)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("writing", &tmp, &e))?;
    fs::rename(&tmp, path).map_err(|e| io_error("renaming", &tmp, &e))
}

fn io_error(what: &str, path: &Path, err: &std::io::Error) -> CertError {
    CertError::Io(format!("{what} {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::check::tests::{d, make};

    #[test]
    fn saved_certificates_load_back_private() {
        let data = tempfile::tempdir().unwrap();
        let files = CertFiles::new(data.path());
        let (cert, key) = make(&["*.example.com"], (-1, 30));
        let saved = files
            .save(
                &d("*.example.com"),
                cert.as_bytes(),
                key.as_bytes(),
                CertSource::Uploaded,
                SystemTime::now(),
            )
            .unwrap();
        let dir = data.path().join("certs/_.example.com");
        for (path, mode) in [
            (data.path().join("certs"), 0o700),
            (dir.clone(), 0o700),
            (dir.join("key.pem"), 0o600),
            (dir.join("fullchain.pem"), 0o600),
            (dir.join("meta.json"), 0o600),
        ] {
            let got = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(got, mode, "{}", path.display());
        }
        let (loaded, bad) = files.load_all();
        assert!(bad.is_empty());
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].meta, saved.meta);
        assert_eq!(files.list()[0].info.domain, "*.example.com");
        assert!(files.remove(&d("*.example.com")).unwrap());
        assert!(!files.remove(&d("*.example.com")).unwrap());
        assert!(files.list().is_empty());
    }

    #[test]
    fn a_refused_certificate_changes_nothing() {
        let data = tempfile::tempdir().unwrap();
        let files = CertFiles::new(data.path());
        let (cert, key) = make(&["a.example.com"], (-1, 30));
        files
            .save(
                &d("a.example.com"),
                cert.as_bytes(),
                key.as_bytes(),
                CertSource::Acme,
                SystemTime::now(),
            )
            .unwrap();
        let (other, _) = make(&["a.example.com"], (-1, 30));
        assert!(
            files
                .save(
                    &d("a.example.com"),
                    other.as_bytes(),
                    key.as_bytes(),
                    CertSource::Uploaded,
                    SystemTime::now()
                )
                .is_err()
        );
        let list = files.list();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].source, CertSource::Acme);
        assert_eq!(
            fs::read(data.path().join("certs/a.example.com/fullchain.pem")).unwrap(),
            cert.as_bytes()
        );
    }

    #[test]
    fn a_directory_that_names_no_domain_is_reported_and_skipped() {
        let data = tempfile::tempdir().unwrap();
        let files = CertFiles::new(data.path());
        fs::create_dir_all(data.path().join("certs/not a domain")).unwrap();
        let (good, bad) = files.load_all();
        assert!(good.is_empty());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, "not a domain");
        assert!(
            matches!(bad[0].1, CertError::BadDomain(..)),
            "{:?}",
            bad[0].1
        );
    }
}
