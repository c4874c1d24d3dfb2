//! [`AcmeManager`]: the background loop that keeps a valid certificate for every public domain
//! that wants HTTPS. Every few seconds it looks at each domain: no certificate, or one past its
//! renewal time (see [`crate::renewal`]), means an order (HTTP-01 first, TLS-ALPN-01 as the
//! fallback) unless the domain is backing off after failures or used up its orders for the
//! hour. A failure keeps whatever certificate is installed. After an installation, a handshake
//! with the TLS listener checks that the new certificate is the one served (and again every few
//! minutes until it is). Every attempt is recorded in the store and the log.

use crate::backoff::{Backoff, OrderLimiter};
use crate::issue::{self, Challenge, Responders};
use crate::renewal::{self, RenewBy, Schedule};
use crate::{
    AcmeConfig, AcmeError, CertInfo, CertificateSink, ChallengeSink, Http01Tokens, parse_chain,
};
use anyhow::Context;
use instant_acme::{Account, CertificateIdentifier};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use wharf_domain::DomainName;
use wharf_store::{AcmeState, Store, unix_now};

/// The domains that should be served over HTTPS (the daemon reads them from the store).
pub type WantedDomains = Arc<dyn Fn() -> Result<Vec<DomainName>, AcmeError> + Send + Sync>;

/// The serial (lower-case hex) of the certificate the TLS listener serves for a domain (given
/// by value), to check that a new certificate took effect; an error says why it could not be
/// read.
pub type ServedSerial = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync,
>;

/// Certificates expiring within this are warned about.
const EXPIRY_WARNING: i64 = 7 * 86400;

/// Issues and renews certificates in the background.
pub struct AcmeManager {
    config: AcmeConfig,
    store: Arc<Store>,
    certs: Arc<dyn CertificateSink>,
    wanted: WantedDomains,
    tokens: Http01Tokens,
    tls_alpn: Option<Arc<dyn ChallengeSink>>,
    served_serial: Option<ServedSerial>,
    account: tokio::sync::Mutex<Option<Account>>,
    limiter: Mutex<OrderLimiter>,
    warned: Mutex<HashMap<DomainName, Instant>>,
    /// When each domain's certificate is due, as last decided.
    schedules: Mutex<HashMap<DomainName, Schedule>>,
    /// When to check again that an issued certificate not yet found served is (Unix seconds).
    served_rechecks: Mutex<HashMap<DomainName, i64>>,
}

impl AcmeManager {
    pub fn new(
        config: AcmeConfig,
        store: Arc<Store>,
        certs: Arc<dyn CertificateSink>,
        wanted: WantedDomains,
    ) -> AcmeManager {
        let limiter = OrderLimiter::new(config.max_orders_per_hour);
        AcmeManager {
            config,
            store,
            certs,
            wanted,
            tokens: Http01Tokens::new(),
            tls_alpn: None,
            served_serial: None,
            account: tokio::sync::Mutex::new(None),
            limiter: Mutex::new(limiter),
            warned: Mutex::new(HashMap::new()),
            schedules: Mutex::new(HashMap::new()),
            served_rechecks: Mutex::new(HashMap::new()),
        }
    }

    /// Answer TLS-ALPN-01 challenges through `sink` when HTTP-01 fails.
    pub fn with_tls_alpn(mut self, sink: Arc<dyn ChallengeSink>) -> AcmeManager {
        self.tls_alpn = Some(sink);
        self
    }

    /// Check after each renewal that the TLS listener serves the new certificate.
    pub fn with_served_serial(mut self, served: ServedSerial) -> AcmeManager {
        self.served_serial = Some(served);
        self
    }

    /// The HTTP-01 responses, to give to the proxy as its `ChallengeResponder`.
    pub fn http01(&self) -> Http01Tokens {
        self.tokens.clone()
    }

    /// Check the domains every `check_interval` until cancelled.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        tracing::info!(directory = %self.config.directory, "ACME certificates enabled");
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = self.check_all() => {}
            }
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(self.config.check_interval) => {}
            }
        }
    }

    /// Look at every wanted domain once, ordering what is due.
    pub async fn check_all(&self) {
        let wanted = match (self.wanted)() {
            Ok(domains) => domains,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "listing the domains for ACME");
                return;
            }
        };
        let domains: BTreeSet<DomainName> =
            wanted.into_iter().filter(DomainName::is_public).collect();
        if let Ok(states) = self.store.acme_states() {
            for state in states.iter().filter(|s| !domains.contains(&s.domain)) {
                let _ = self.store.remove_acme_state(&state.domain);
            }
        }
        for domain in &domains {
            if let Err(err) = self.check(domain).await {
                tracing::warn!(domain = %domain, error = %format!("{err:#}"), "ACME check failed");
            }
        }
    }

    async fn check(&self, domain: &DomainName) -> anyhow::Result<()> {
        let now = unix_now();
        let mut state = self
            .store
            .acme_state(domain)?
            .unwrap_or_else(|| AcmeState::new(domain.clone()));
        let current = self.certs.current(domain.as_str());
        let installed = current.as_deref().and_then(|pem| parse_chain(pem).ok());
        if let (Some(cert), Some(pem)) = (&installed, &current) {
            let schedule = self.schedule(domain, cert, pem, now).await;
            let renew_by = Some(schedule.by.as_str().to_string());
            if state.serial.as_deref() != Some(cert.serial.as_str())
                || state.renew_at != Some(schedule.renew_at)
                || state.renew_by != renew_by
            {
                remember(&mut state, cert);
                state.renew_at = Some(schedule.renew_at);
                state.renew_by = renew_by;
                self.store.put_acme_state(&state)?;
            }
            self.warn_if_expiring(domain, cert, now);
            self.recheck_served(&mut state, cert, now).await?;
            if now < schedule.renew_at {
                return Ok(());
            }
        }
        if state.next_attempt.is_some_and(|t| now < t) {
            return Ok(());
        }
        let renewal = installed.is_some();
        // A renewal names the certificate it replaces (when the CA offers renewal information).
        let replaces = current
            .as_deref()
            .and_then(|pem| crate::renewal::certificate_id(pem).ok());
        let result = self
            .obtain(domain, state.challenge.as_deref(), replaces.as_ref())
            .await;
        let previous_attempt = state.last_attempt.replace(now);
        match result {
            Ok((challenge, chain, key)) => {
                let cert = parse_chain(&chain).context("reading the issued certificate")?;
                self.certs
                    .install(domain.as_str(), &chain, &key)
                    .context("installing the certificate")?;
                remember(&mut state, &cert);
                state.last_success = Some(now);
                state.last_error = None;
                state.failures = 0;
                state.next_attempt = None;
                state.challenge = Some(challenge.as_str().to_string());
                let schedule = self.schedule(domain, &cert, &chain, now).await;
                state.renew_at = Some(schedule.renew_at);
                state.renew_by = Some(schedule.by.as_str().to_string());
                state.served_checked = None;
                self.store.put_acme_state(&state)?;
                tracing::info!(
                    %domain,
                    challenge = challenge.as_str(),
                    issuer = %cert.issuer,
                    serial = %cert.serial,
                    not_after = cert.not_after,
                    renewal,
                    "certificate obtained"
                );
                match self.check_served(domain, &cert.serial).await {
                    Some(Ok(())) => state.served_checked = Some(unix_now()),
                    Some(Err(problem)) => {
                        state.last_error = Some(problem);
                        self.recheck_served_later(domain, now);
                    }
                    None => {}
                }
                self.store.put_acme_state(&state)?;
            }
            Err(Failure::RateLimited) => {
                // Not an attempt: the last attempt's error stays; look again in a minute.
                state.last_attempt = previous_attempt;
                state.next_attempt = Some(now + 60);
                self.store.put_acme_state(&state)?;
            }
            Err(Failure::Error(err)) => {
                state.failures += 1;
                let delay = Backoff::delay(state.failures);
                let retry = now + i64::try_from(delay.as_secs()).unwrap_or(i64::MAX / 2);
                let message = format!("{err:#}");
                state.last_error = Some(message.clone());
                state.next_attempt = Some(retry);
                self.store.put_acme_state(&state)?;
                tracing::warn!(
                    %domain,
                    error = %message,
                    failures = state.failures,
                    retry_in_secs = delay.as_secs(),
                    keeps_serving = if renewal { "the current certificate" } else { "plain HTTP" },
                    "certificate order failed"
                );
            }
        }
        Ok(())
    }

    /// Order with one challenge type, then with the other if that fails: HTTP-01 first,
    /// unless TLS-ALPN-01 is what validated the domain last time (so a server whose port 80
    /// is closed does not spend a failed validation on every renewal). TLS-ALPN-01 needs a
    /// TLS listener to answer it.
    async fn obtain(
        &self,
        domain: &DomainName,
        last: Option<&str>,
        replaces: Option<&CertificateIdentifier<'static>>,
    ) -> Result<(Challenge, String, String), Failure> {
        let account = self.account().await.map_err(Failure::Error)?;
        let responders = Responders {
            http01: &self.tokens,
            tls_alpn01: self.tls_alpn.as_deref(),
        };
        let order: &[Challenge] = match (self.tls_alpn.is_some(), last) {
            (false, _) => &[Challenge::Http01],
            (true, Some(last)) if last == Challenge::TlsAlpn01.as_str() => {
                &[Challenge::TlsAlpn01, Challenge::Http01]
            }
            (true, _) => &[Challenge::Http01, Challenge::TlsAlpn01],
        };
        let mut errors = Vec::new();
        for challenge in order {
            if let Some(previous) = errors.last() {
                tracing::info!(
                    %domain,
                    error = %previous,
                    "{} failed; trying {}",
                    order[0].as_str(),
                    challenge.as_str()
                );
            }
            self.may_order(domain)?;
            tracing::info!(
                %domain,
                challenge = challenge.as_str(),
                "ordering a certificate"
            );
            match issue::order(&account, domain.as_str(), *challenge, replaces, &responders).await {
                Ok((chain, key)) => return Ok((*challenge, chain, key)),
                Err(err) => errors.push(format!("{}: {err:#}", challenge.as_str())),
            }
        }
        Err(Failure::Error(anyhow::anyhow!("{}", errors.join("; "))))
    }

    fn may_order(&self, domain: &DomainName) -> Result<(), Failure> {
        let mut limiter = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        if limiter.try_order(domain.as_str(), Instant::now()) {
            Ok(())
        } else {
            tracing::warn!(%domain, "order limit per hour reached; waiting");
            Err(Failure::RateLimited)
        }
    }

    async fn account(&self) -> anyhow::Result<Account> {
        let mut account = self.account.lock().await;
        if let Some(existing) = account.as_ref() {
            return Ok(existing.clone());
        }
        let created = crate::account::load_or_create(&self.config).await?;
        *account = Some(created.clone());
        Ok(created)
    }

    fn warn_if_expiring(&self, domain: &DomainName, cert: &CertInfo, now: i64) {
        if cert.not_after - now >= EXPIRY_WARNING {
            return;
        }
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        let due = warned
            .get(domain)
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(3600));
        if due {
            warned.insert(domain.clone(), Instant::now());
            tracing::warn!(
                %domain,
                expires_in_hours = (cert.not_after - now) / 3600,
                "certificate expires within 7 days"
            );
        }
    }

    /// When the installed certificate `cert` of `domain` is due: configured, from the CA's
    /// renewal information (asked again when the CA said to, or for a new certificate), or
    /// by its lifetime.
    async fn schedule(
        &self,
        domain: &DomainName,
        cert: &CertInfo,
        chain_pem: &str,
        now: i64,
    ) -> Schedule {
        if let Some(before) = self.config.renew_before {
            return Schedule {
                serial: cert.serial.clone(),
                renew_at: cert.renew_at(Some(before)),
                by: RenewBy::Configured,
                ask_again: i64::MAX,
                window: None,
            };
        }
        let known = {
            let schedules = self.schedules.lock().unwrap_or_else(|p| p.into_inner());
            schedules.get(domain).cloned()
        };
        if let Some(known) = &known
            && known.serial == cert.serial
            && now < known.ask_again
        {
            return known.clone();
        }
        let mut schedule = match self.account().await {
            Ok(account) => renewal::ask_ca(&account, chain_pem, cert, now).await,
            Err(err) => {
                tracing::debug!(%domain, error = %format!("{err:#}"), "no ACME account to ask for renewal information");
                renewal::by_lifetime(cert, now)
            }
        };
        if let Some(known) = &known {
            schedule = schedule.keep_pick_of(known);
        }
        let mut schedules = self.schedules.lock().unwrap_or_else(|p| p.into_inner());
        schedules.insert(domain.clone(), schedule.clone());
        schedule
    }

    /// An issued certificate the TLS listener was not found to serve (say it was restarting
    /// then) is checked again, every [`AcmeConfig::served_recheck`], until it is; the problem
    /// stays in the state (as the last error, unless an order failed since) until then.
    async fn recheck_served(
        &self,
        state: &mut AcmeState,
        cert: &CertInfo,
        now: i64,
    ) -> anyhow::Result<()> {
        if state.served_checked.is_some() || state.last_success.is_none() {
            return Ok(());
        }
        let due = {
            let rechecks = self
                .served_rechecks
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            rechecks.get(&state.domain).is_none_or(|at| now >= *at)
        };
        if !due {
            return Ok(());
        }
        let Some(result) = self.check_served(&state.domain, &cert.serial).await else {
            return Ok(());
        };
        match result {
            Ok(()) => {
                self.served_rechecks
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&state.domain);
                state.served_checked = Some(now);
                if state.failures == 0 {
                    state.last_error = None;
                }
            }
            Err(problem) => {
                self.recheck_served_later(&state.domain, now);
                if state.failures == 0 {
                    state.last_error = Some(problem);
                }
            }
        }
        self.store.put_acme_state(state)?;
        Ok(())
    }

    /// Check again, [`AcmeConfig::served_recheck`] after `now`, that `domain`'s certificate
    /// is served.
    fn recheck_served_later(&self, domain: &DomainName, now: i64) {
        let at = now + i64::try_from(self.config.served_recheck.as_secs()).unwrap_or(i64::MAX / 2);
        self.served_rechecks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(domain.clone(), at);
    }

    /// Whether the TLS listener serves the certificate with `serial` for `domain`: `None`
    /// when there is no listener to ask, else `Ok` or the problem (also logged).
    async fn check_served(&self, domain: &DomainName, serial: &str) -> Option<Result<(), String>> {
        let served = self.served_serial.as_ref()?;
        let problem = match served(domain.to_string()).await {
            Ok(s) if s == serial => {
                tracing::info!(
                    %domain,
                    serial,
                    "the HTTPS listener serves the new certificate"
                );
                return Some(Ok(()));
            }
            Ok(other) => format!(
                "the HTTPS listener serves the certificate with serial {other}, not the new one ({serial})"
            ),
            Err(err) => format!("checking the certificate the HTTPS listener serves: {err}"),
        };
        tracing::warn!(%domain, problem = %problem, "the new certificate is not served");
        Some(Err(problem))
    }
}

enum Failure {
    RateLimited,
    Error(anyhow::Error),
}

fn remember(state: &mut AcmeState, cert: &CertInfo) {
    state.issuer = Some(cert.issuer.clone());
    state.serial = Some(cert.serial.clone());
    state.not_after = Some(cert.not_after);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AcmeConfig, CertificateFiles};

    /// A manager whose CA does not answer (nothing listens on port 1).
    fn make_manager(
        data: &std::path::Path,
        domains: &[&str],
        renew_before: Option<Duration>,
    ) -> (AcmeManager, Arc<Store>) {
        let store = Arc::new(Store::in_memory().unwrap());
        let mut config = AcmeConfig::new("https://127.0.0.1:1/dir", data);
        config.renew_before = renew_before;
        let domains: Vec<DomainName> = domains.iter().copied().map(name).collect();
        let wanted: WantedDomains = Arc::new(move || Ok(domains.clone()));
        let certs = Arc::new(CertificateFiles::new(data));
        (
            AcmeManager::new(config, store.clone(), certs, wanted),
            store,
        )
    }

    fn name(domain: &str) -> DomainName {
        DomainName::parse(domain).unwrap()
    }

    fn self_signed(domain: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec![domain.to_string()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2099, 1, 1);
        (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
    }

    #[tokio::test]
    async fn non_public_names_are_skipped_and_failures_back_off() {
        let data = tempfile::tempdir().unwrap();
        let (manager, store) = make_manager(
            data.path(),
            &["a.test", "localhost", "127.0.0.1", "b.example.com"],
            None,
        );
        manager.check_all().await;
        let states = store.acme_states().unwrap();
        assert_eq!(states.len(), 1, "{states:?}");
        let state = &states[0];
        assert_eq!(state.domain, "b.example.com");
        assert_eq!(state.failures, 1);
        assert!(state.last_error.is_some());
        let attempt = state.last_attempt.unwrap();
        assert!((attempt + 59..=attempt + 61).contains(&state.next_attempt.unwrap()));
        // Within the backoff nothing is tried again.
        manager.check_all().await;
        assert_eq!(store.acme_states().unwrap()[0], *state);
    }

    #[tokio::test]
    async fn an_issued_certificate_not_found_served_is_checked_again_until_it_is() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let data = tempfile::tempdir().unwrap();
        let domain = "d.example.com";
        let (chain, key) = self_signed(domain);
        let serial = parse_chain(&chain).unwrap().serial;
        let certs = Arc::new(CertificateFiles::new(data.path()));
        certs.install(domain, &chain, &key).unwrap();
        let store = Arc::new(Store::in_memory().unwrap());
        // Issued earlier; the check then found another certificate served.
        store
            .put_acme_state(&AcmeState {
                last_success: Some(1),
                serial: Some(serial.clone()),
                last_error: Some("the HTTPS listener serves another certificate".into()),
                ..AcmeState::new(name(domain))
            })
            .unwrap();
        let asked = Arc::new(AtomicUsize::new(0));
        let fixed = Arc::new(AtomicBool::new(false));
        let served: ServedSerial = {
            let (asked, fixed, serial) = (asked.clone(), fixed.clone(), serial.clone());
            Arc::new(move |_| {
                asked.fetch_add(1, Ordering::SeqCst);
                let answer = if fixed.load(Ordering::SeqCst) {
                    serial.clone()
                } else {
                    "0bad".to_string()
                };
                Box::pin(async move { Ok(answer) })
            })
        };
        let manager = |recheck: Duration| {
            let mut config = AcmeConfig::new("https://127.0.0.1:1/dir", data.path());
            config.served_recheck = recheck;
            let wanted: WantedDomains = Arc::new(|| Ok(vec![name("d.example.com")]));
            AcmeManager::new(config, store.clone(), certs.clone(), wanted)
                .with_served_serial(served.clone())
        };

        // Still another one served: the problem is recorded; not asked again before its time.
        let patient = manager(Duration::from_secs(3600));
        patient.check_all().await;
        patient.check_all().await;
        assert_eq!(asked.load(Ordering::SeqCst), 1);
        let state = store.acme_state(&name(domain)).unwrap().unwrap();
        assert_eq!(state.served_checked, None);
        assert!(
            state
                .last_error
                .as_deref()
                .unwrap()
                .contains("not the new one"),
            "{state:?}"
        );

        // Served now: checked, and the problem is gone.
        fixed.store(true, Ordering::SeqCst);
        let prompt = manager(Duration::ZERO);
        prompt.check_all().await;
        let state = store.acme_state(&name(domain)).unwrap().unwrap();
        assert!(state.served_checked.is_some(), "{state:?}");
        assert_eq!(state.last_error, None);
        assert_eq!(state.last_attempt, None, "no order");
        // Checked once is enough.
        prompt.check_all().await;
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_valid_certificate_is_kept_and_a_failed_renewal_keeps_it() {
        let data = tempfile::tempdir().unwrap();
        let (chain, key) = self_signed("c.example.com");
        CertificateFiles::new(data.path())
            .install("c.example.com", &chain, &key)
            .unwrap();
        let (manager, store) = make_manager(data.path(), &["c.example.com"], None);
        manager.check_all().await;
        let state = store.acme_state(&name("c.example.com")).unwrap().unwrap();
        assert_eq!(state.last_attempt, None, "not due: no order");
        assert!(state.serial.is_some() && state.not_after.is_some());

        // Due (renew a century ahead): the order fails, the certificate stays.
        let (manager, store) = make_manager(
            data.path(),
            &["c.example.com"],
            Some(Duration::from_secs(100 * 365 * 86400)),
        );
        manager.check_all().await;
        let state = store.acme_state(&name("c.example.com")).unwrap().unwrap();
        assert!(state.last_attempt.is_some() && state.last_error.is_some());
        assert_eq!(
            CertificateFiles::new(data.path()).current("c.example.com"),
            Some(chain)
        );
    }
}
