//! The daemon's certificates: those stored in the data directory (see `wharf_certs`) and the
//! proxy's `CertResolver` that serves them, kept in step. Uploads (`wharf certs add`) and ACME
//! issuance both go through [`Certs::install`]; a certificate is served from the next
//! handshake on, without a restart. Keys are never logged.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use wharf_certs::{CertError, CertFiles, CertMeta, CertSource};
use wharf_domain::{CertDomain, DomainName};
use wharf_proxy::CertResolver;

/// Stored certificates and the resolver serving them.
#[derive(Debug)]
pub struct Certs {
    files: CertFiles,
    resolver: Arc<CertResolver>,
    /// Orders changes, so the files and the resolver agree.
    changing: Mutex<()>,
}

impl Certs {
    /// Load every stored certificate of `data_dir` into a new resolver. Unreadable ones are
    /// reported in the log and skipped.
    pub fn load(data_dir: &Path) -> Certs {
        let files = CertFiles::new(data_dir);
        let resolver = CertResolver::new();
        let (good, bad) = files.load_all();
        for stored in &good {
            resolver.set(
                stored.meta.info.domain.as_str(),
                Arc::clone(&stored.cert.key),
            );
        }
        for (domain, err) in bad {
            tracing::warn!(%domain, error = %err, "stored certificate skipped");
        }
        if !good.is_empty() {
            tracing::info!(certificates = good.len(), "certificates loaded");
        }
        Certs {
            files,
            resolver,
            changing: Mutex::new(()),
        }
    }

    /// The stored chain (PEM) of `domain`, if it has a certificate of its own.
    pub fn chain_pem(&self, domain: &DomainName) -> Option<String> {
        self.files.chain_pem(domain)
    }

    /// The resolver the HTTPS listener serves from.
    pub fn resolver(&self) -> &Arc<CertResolver> {
        &self.resolver
    }

    /// Validate `chain_pem` and `key_pem` for `domain`, store them and serve them; a refused
    /// certificate changes nothing.
    pub fn install(
        &self,
        domain: &CertDomain,
        chain_pem: &[u8],
        key_pem: &[u8],
        source: CertSource,
    ) -> Result<CertMeta, CertError> {
        let _guard = self.changing.lock().unwrap_or_else(|e| e.into_inner());
        let stored = self
            .files
            .save(domain, chain_pem, key_pem, source, SystemTime::now())?;
        self.resolver.set(
            stored.meta.info.domain.as_str(),
            Arc::clone(&stored.cert.key),
        );
        tracing::info!(
            domain = %stored.meta.info.domain,
            source = stored.meta.source.as_str(),
            serial = %stored.meta.info.serial,
            "certificate installed"
        );
        Ok(stored.meta)
    }

    /// The stored certificates (never their keys).
    pub fn list(&self) -> Vec<CertMeta> {
        self.files.list()
    }

    /// Stop serving and delete the certificate of `domain`; `false` if there was none.
    pub fn remove(&self, domain: &CertDomain) -> Result<bool, CertError> {
        let _guard = self.changing.lock().unwrap_or_else(|e| e.into_inner());
        let removed = self.files.remove(domain)?;
        self.resolver.remove(domain.as_str());
        if removed {
            tracing::info!(%domain, "certificate removed");
        }
        Ok(removed)
    }
}
