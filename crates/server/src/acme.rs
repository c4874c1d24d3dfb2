//! Wiring of automatic HTTPS into the daemon: which domains want a certificate (every stored
//! domain of an app whose active release does not say `https = false`, and that has no
//! certificate its owner uploaded), and where issued certificates go: through [`Certs`], which
//! validates, stores (0600) and serves them from the next handshake on. TLS-ALPN-01 challenge
//! certificates are handed to the HTTPS listener's resolver.

use crate::certs::Certs;
use std::sync::Arc;
use wharf_acme::{AcmeConfig, AcmeManager, CertificateSink, ChallengeSink, WantedDomains};
use wharf_certs::CertSource;
use wharf_deploy::ReleaseSpec;
use wharf_store::Store;

/// The ACME manager for this daemon.
pub(crate) fn manager(config: AcmeConfig, store: Arc<Store>, certs: Arc<Certs>) -> AcmeManager {
    let sink = Arc::new(CertsSink(certs.clone()));
    AcmeManager::new(
        config,
        store.clone(),
        sink.clone(),
        wanted_domains(store, certs),
    )
    .with_tls_alpn(sink)
}

/// Issued certificates go through the daemon's certificate store and resolver.
struct CertsSink(Arc<Certs>);

impl CertificateSink for CertsSink {
    fn install(&self, domain: &str, chain_pem: &str, key_pem: &str) -> anyhow::Result<()> {
        self.0.install(
            domain,
            chain_pem.as_bytes(),
            key_pem.as_bytes(),
            CertSource::Acme,
        )?;
        Ok(())
    }

    fn current(&self, domain: &str) -> Option<String> {
        self.0.chain_pem(domain)
    }
}

impl ChallengeSink for CertsSink {
    fn install(&self, domain: &str, cert_pem: &str, key_pem: &str) -> anyhow::Result<()> {
        let valid = wharf_certs::validate(
            domain,
            cert_pem.as_bytes(),
            key_pem.as_bytes(),
            std::time::SystemTime::now(),
        )?;
        self.0.resolver().set_alpn_challenge(domain, valid.key);
        Ok(())
    }

    fn remove(&self, domain: &str) {
        self.0.resolver().clear_alpn_challenge(domain);
    }
}

/// The apps' domains that should be served over HTTPS; the manager skips non-public names.
/// Domains with an uploaded certificate are their owner's to renew, never ACME's.
fn wanted_domains(store: Arc<Store>, certs: Arc<Certs>) -> WantedDomains {
    Arc::new(move || {
        let uploaded: Vec<String> = certs
            .list()
            .into_iter()
            .filter(|meta| meta.source == CertSource::Uploaded)
            .map(|meta| meta.info.domain)
            .collect();
        let mut domains = Vec::new();
        for app in store.apps()? {
            let https = store
                .active_release(&app.name)?
                .and_then(|release| ReleaseSpec::from_json(&release.config).ok())
                .and_then(|spec| spec.config.https);
            if https != Some(false) {
                domains.extend(app.domains.into_iter().filter(|d| !uploaded.contains(d)));
            }
        }
        Ok(domains)
    })
}
