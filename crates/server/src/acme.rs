//! Wiring of automatic HTTPS into the daemon: which domains want a certificate (every stored
//! domain of an app whose active release does not say `https = false`), and where certificates
//! go (files under `DATA/certs/`; the TLS listener reads them from there).

use std::sync::Arc;
use wharf_acme::{AcmeConfig, AcmeManager, CertificateFiles, WantedDomains};
use wharf_deploy::ReleaseSpec;
use wharf_store::Store;

/// The ACME manager for this daemon.
pub(crate) fn manager(config: AcmeConfig, store: Arc<Store>) -> AcmeManager {
    let certs = Arc::new(CertificateFiles::new(&config.data_dir));
    AcmeManager::new(config, store.clone(), certs, wanted_domains(store))
}

/// The apps' domains that should be served over HTTPS; the manager skips non-public names.
fn wanted_domains(store: Arc<Store>) -> WantedDomains {
    Arc::new(move || {
        let mut domains = Vec::new();
        for app in store.apps()? {
            let https = store
                .active_release(&app.name)?
                .and_then(|release| ReleaseSpec::from_json(&release.config).ok())
                .and_then(|spec| spec.config.https);
            if https != Some(false) {
                domains.extend(app.domains);
            }
        }
        Ok(domains)
    })
}
