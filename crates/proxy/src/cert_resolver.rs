//! [`CertResolver`]: the certificates the HTTPS listeners serve, picked by SNI (exact name, else
//! a `*.` wildcard of one label) from a map swapped atomically, so certificates are added,
//! replaced and removed without a restart; and the TLS-ALPN-01 challenge certificates of ACME.
//! A module of its own because both the configuration (the redirect to HTTPS asks which hosts
//! have a certificate) and TLS termination (which serves them) use it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::host::normalize_host;

/// The ALPN protocol of ACME's TLS-ALPN-01 challenge (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

type KeyMap = HashMap<String, Arc<CertifiedKey>>;

/// The certificates served, by domain (`example.com` or `*.example.com`, lower case).
/// Readers (every handshake) never lock; writers copy the map and swap it.
#[derive(Default)]
pub struct CertResolver {
    certs: ArcSwap<KeyMap>,
    challenges: ArcSwap<KeyMap>,
}

impl fmt::Debug for CertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut domains: Vec<String> = self.certs.load().keys().cloned().collect();
        domains.sort();
        f.debug_struct("CertResolver")
            .field("domains", &domains)
            .finish_non_exhaustive()
    }
}

fn key_of(domain: &str) -> String {
    domain.trim_end_matches('.').to_ascii_lowercase()
}

fn update(map: &ArcSwap<KeyMap>, change: impl Fn(&mut KeyMap)) {
    map.rcu(|current| {
        let mut next = KeyMap::clone(current);
        change(&mut next);
        next
    });
}

impl CertResolver {
    /// An empty resolver.
    pub fn new() -> Arc<CertResolver> {
        Arc::new(CertResolver::default())
    }

    /// Serve `key` for `domain` from the next handshake on (replacing any previous one).
    pub fn set(&self, domain: &str, key: Arc<CertifiedKey>) {
        let domain = key_of(domain);
        update(&self.certs, |m| {
            m.insert(domain.clone(), Arc::clone(&key));
        });
    }

    /// Stop serving a certificate for `domain`.
    pub fn remove(&self, domain: &str) {
        let domain = key_of(domain);
        update(&self.certs, |m| {
            m.remove(&domain);
        });
    }

    /// The certificate for a (normalized) host name: exact, else the wildcard of its parent.
    pub fn lookup(&self, host: &str) -> Option<Arc<CertifiedKey>> {
        let certs = self.certs.load();
        if let Some(key) = certs.get(host) {
            return Some(Arc::clone(key));
        }
        let (_, parent) = host.split_once('.')?;
        certs.get(&format!("*.{parent}")).cloned()
    }

    /// Whether HTTPS can be served for `host` (a normalized host name).
    pub fn covers(&self, host: &str) -> bool {
        self.lookup(host).is_some()
    }

    /// The domains that have a certificate.
    pub fn domains(&self) -> Vec<String> {
        let mut domains: Vec<String> = self.certs.load().keys().cloned().collect();
        domains.sort();
        domains
    }

    /// Answer TLS-ALPN-01 handshakes (ALPN `acme-tls/1`) for `domain` with `key`, the
    /// challenge certificate an ACME client made.
    pub fn set_alpn_challenge(&self, domain: &str, key: Arc<CertifiedKey>) {
        let domain = key_of(domain);
        update(&self.challenges, |m| {
            m.insert(domain.clone(), Arc::clone(&key));
        });
    }

    /// Stop answering TLS-ALPN-01 handshakes for `domain`.
    pub fn clear_alpn_challenge(&self, domain: &str) {
        let domain = key_of(domain);
        update(&self.challenges, |m| {
            m.remove(&domain);
        });
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let host = normalize_host(hello.server_name()?)?;
        let acme = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        if acme {
            return self.challenges.load().get(&host).cloned();
        }
        self.lookup(&host)
    }
}
