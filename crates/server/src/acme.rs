//! Wiring of automatic HTTPS into the daemon: which domains want a certificate (the domain of
//! every stored address of an app whose active release does not say `https = false`, and the
//! API's domain,
//! unless their owner uploaded a certificate), where issued certificates go (through
//! [`Certs`], which validates, stores (0600) and serves them from the next handshake on), and
//! how a new certificate is checked to be served (a handshake with the HTTPS listener on
//! loopback). TLS-ALPN-01 challenge certificates are handed to the HTTPS listener's resolver.

use crate::certs::Certs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use wharf_acme::{
    AcmeConfig, AcmeError, AcmeManager, CertificateSink, ChallengeSink, ServedSerial, WantedDomains,
};
use wharf_certs::CertSource;
use wharf_domain::{CertDomain, DomainName};
use wharf_store::Store;

/// How long the check of a new certificate waits for the HTTPS listener.
const SERVED_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The ACME manager for this daemon; `api_domain` gets a certificate like the apps' domains,
/// and with an HTTPS listener each new certificate is checked to be the one it serves.
pub(crate) fn manager(
    config: AcmeConfig,
    store: Arc<Store>,
    certs: Arc<Certs>,
    api_domain: Option<DomainName>,
    https_listen: Option<SocketAddr>,
) -> AcmeManager {
    let wanted = wanted_domains(store.clone(), certs.clone(), api_domain);
    let sink = Arc::new(CertsSink {
        certs,
        wanted: wanted.clone(),
    });
    let manager = AcmeManager::new(config, store, sink.clone(), wanted).with_tls_alpn(sink);
    match https_listen {
        Some(addr) => manager.with_served_serial(served_serial(loopback(addr))),
        None => manager,
    }
}

/// Where this machine reaches a listener bound to `addr` (an unspecified address means
/// loopback).
fn loopback(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// The serial of the leaf the HTTPS listener at `addr` serves for a domain, by a handshake.
fn served_serial(addr: SocketAddr) -> ServedSerial {
    Arc::new(move |domain: String| {
        Box::pin(async move {
            let der = wharf_proxy::served_certificate(addr, &domain, SERVED_CHECK_TIMEOUT)
                .await
                .map_err(|e| e.to_string())?;
            wharf_acme::serial_of_der(der.as_ref()).map_err(|e| format!("{e:#}"))
        })
    })
}

/// Issued certificates go through the daemon's certificate store and resolver, for domains
/// still wanted when the order ends: an app destroyed while its certificate was being ordered
/// does not get it served afterwards.
struct CertsSink {
    certs: Arc<Certs>,
    wanted: WantedDomains,
}

impl CertificateSink for CertsSink {
    fn install(&self, domain: &str, chain_pem: &str, key_pem: &str) -> Result<(), AcmeError> {
        let Some(wanted) = (self.wanted)()?.into_iter().find(|d| d == domain) else {
            return Err(AcmeError::other(format!(
                "{domain} is no longer served (its app was destroyed or the domain removed while the certificate was ordered); not installed"
            )));
        };
        self.certs
            .install(
                &CertDomain::from(wanted),
                chain_pem.as_bytes(),
                key_pem.as_bytes(),
                CertSource::Acme,
            )
            .map_err(AcmeError::other)?;
        Ok(())
    }

    fn current(&self, domain: &str) -> Option<String> {
        // The ACME crate names domains as text; the manager only asks about names it was given.
        self.certs.chain_pem(&DomainName::parse(domain).ok()?)
    }
}

impl ChallengeSink for CertsSink {
    fn install(&self, domain: &str, cert_pem: &str, key_pem: &str) -> Result<(), AcmeError> {
        // Not `validate`: the critical acmeIdentifier extension is refused by verifiers.
        let key = wharf_certs::challenge_key(cert_pem.as_bytes(), key_pem.as_bytes())
            .map_err(AcmeError::other)?;
        self.certs.resolver().set_alpn_challenge(domain, key);
        Ok(())
    }

    fn remove(&self, domain: &str) {
        self.certs.resolver().clear_alpn_challenge(domain);
    }
}

/// The apps' domains that should be served over HTTPS; the manager skips non-public names.
/// Domains with an uploaded certificate are their owner's to renew, never ACME's.
fn wanted_domains(
    store: Arc<Store>,
    certs: Arc<Certs>,
    api_domain: Option<DomainName>,
) -> WantedDomains {
    Arc::new(move || {
        let uploaded: Vec<CertDomain> = certs
            .list()
            .into_iter()
            .filter(|meta| meta.source == CertSource::Uploaded)
            .map(|meta| meta.info.domain)
            .collect();
        let has_upload =
            |d: &DomainName| uploaded.iter().any(|u| !u.is_wildcard() && u.domain() == d);
        let mut domains: Vec<DomainName> = api_domain
            .iter()
            .filter(|d| !has_upload(d))
            .cloned()
            .collect();
        for app in store.apps().map_err(AcmeError::other)? {
            // A release that cannot be read is logged; its domains stay wanted, as by default.
            let https = match store.active_release(&app.name) {
                Ok(release) => release.and_then(|release| release.spec.config.https),
                Err(err) => {
                    tracing::warn!(app = %app.name, error = %err, "cannot read the active release; its domains keep their certificates");
                    None
                }
            };
            if https != Some(false) {
                // An address with a path (`example.com/blog`) wants its domain's certificate,
                // which every app on that domain shares.
                domains.extend(
                    app.domains
                        .iter()
                        .map(|address| address.domain().clone())
                        .filter(|d| !has_upload(d)),
                );
            }
        }
        domains.sort();
        domains.dedup();
        Ok(domains)
    })
}
