//! When a certificate is due for renewal. In order of precedence: `--acme-renew-before`
//! (configured), the window the CA suggests through ACME Renewal Information (ARI, RFC 9773)
//! when its directory offers it, else two thirds of the certificate's lifetime.
//!
//! With ARI, the renewal time is a uniformly random point in the suggested window (a window
//! already open means now), so that many servers do not renew at the same second. The CA says
//! when to ask again (`Retry-After`); until then the answer is reused. A CA can move the window
//! earlier, e.g. when it must revoke certificates, and the next check renews.

use crate::CertInfo;
use instant_acme::{Account, CertificateIdentifier};
use rand::Rng;
use std::time::Duration;

/// Who decided when a certificate is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenewBy {
    /// `--acme-renew-before`.
    Configured,
    /// The CA's renewal information.
    Ari,
    /// Two thirds of the lifetime.
    Lifetime,
}

impl RenewBy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RenewBy::Configured => "configured",
            RenewBy::Ari => "ari",
            RenewBy::Lifetime => "lifetime",
        }
    }
}

/// When a certificate is due, and until when that answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// The serial of the certificate this is about (a new certificate needs a new answer).
    pub serial: String,
    pub renew_at: i64,
    pub by: RenewBy,
    /// Ask the CA again from this time on (Unix seconds).
    pub ask_again: i64,
    /// The CA's suggested window (Unix seconds), when it gave one.
    pub window: Option<(i64, i64)>,
}

impl Schedule {
    /// Keep the time picked earlier for the same certificate and the same window, so that
    /// asking again does not move the renewal around inside an unchanged window.
    pub(crate) fn keep_pick_of(mut self, earlier: &Schedule) -> Schedule {
        if self.by == RenewBy::Ari && earlier.serial == self.serial && earlier.window == self.window
        {
            self.renew_at = earlier.renew_at;
        }
        self
    }
}

/// The CA's `Retry-After` is followed within these bounds.
const MIN_ASK_AGAIN: Duration = Duration::from_secs(60);
const MAX_ASK_AGAIN: Duration = Duration::from_secs(24 * 3600);
/// After a failed or unsupported renewal-information request, ask again this much later.
const ASK_AGAIN_AFTER_FAILURE: Duration = Duration::from_secs(3600);

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 2)
}

/// The schedule of `cert` by the lifetime rule, for when the CA offers no renewal information.
pub(crate) fn by_lifetime(cert: &CertInfo, now: i64) -> Schedule {
    Schedule {
        serial: cert.serial.clone(),
        renew_at: cert.renew_at(None),
        by: RenewBy::Lifetime,
        ask_again: now + secs(ASK_AGAIN_AFTER_FAILURE),
        window: None,
    }
}

/// Ask the CA when to renew `cert`. Falls back to the lifetime rule (and says why in the
/// debug log) when the CA has no renewal information or the request fails.
pub(crate) async fn ask_ca(
    account: &Account,
    chain_pem: &str,
    cert: &CertInfo,
    now: i64,
) -> Schedule {
    match ari(account, chain_pem).await {
        Ok((start, end, retry_after)) => {
            let retry = retry_after.clamp(MIN_ASK_AGAIN, MAX_ASK_AGAIN);
            Schedule {
                serial: cert.serial.clone(),
                renew_at: pick_in_window(start, end, now, &mut rand::rng()),
                by: RenewBy::Ari,
                ask_again: now + secs(retry),
                window: Some((start, end)),
            }
        }
        Err(reason) => {
            tracing::debug!(%reason, "no renewal information from the CA; renewing at two thirds of the lifetime");
            by_lifetime(cert, now)
        }
    }
}

/// The ARI identifier of the leaf certificate of `chain_pem`: its authority key identifier
/// and serial number.
pub(crate) fn certificate_id(chain_pem: &str) -> Result<CertificateIdentifier<'static>, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem.as_bytes())
        .map_err(|e| format!("reading the certificate: {e}"))?;
    let der = rustls_pki_types::CertificateDer::from(pem.contents);
    Ok(CertificateIdentifier::try_from(&der)?.into_owned())
}

/// The suggested window (Unix seconds) and the CA's hint when to ask again.
async fn ari(account: &Account, chain_pem: &str) -> Result<(i64, i64, Duration), String> {
    let id = certificate_id(chain_pem)?;
    let (info, retry_after) = account.renewal_info(&id).await.map_err(|e| e.to_string())?;
    let window = info.suggested_window;
    Ok((
        window.start.unix_timestamp(),
        window.end.unix_timestamp(),
        retry_after,
    ))
}

/// A uniformly random time in `[start, end]`, or `now` if that is earlier (RFC 9773 §4.2).
pub(crate) fn pick_in_window(start: i64, end: i64, now: i64, rng: &mut impl Rng) -> i64 {
    let picked = if end > start {
        rng.random_range(start..=end)
    } else {
        start
    };
    picked.max(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_ca::{Behaviour, account, issued_chain};

    #[tokio::test]
    async fn the_renewal_time_comes_from_the_ca_window() {
        let (account, asked) = account(Behaviour {
            ari: true,
            ..Behaviour::default()
        })
        .await;
        let chain = issued_chain();
        let cert = crate::parse_chain(&chain).unwrap();
        let now = 1_800_000_000; // 2027: before the window.
        let schedule = ask_ca(&account, &chain, &cert, now).await;
        assert_eq!(schedule.by, RenewBy::Ari);
        let (start, end) = (1_893_456_000, 1_893_628_800); // the window, in Unix seconds
        assert!((start..=end).contains(&schedule.renew_at), "{schedule:?}");
        // Retry-After: 7200 (give or take the test's own running time).
        assert!(
            (now + 7100..=now + 7200).contains(&schedule.ask_again),
            "{schedule:?}"
        );
        let asked = asked.lock().unwrap().clone();
        let ari = asked
            .iter()
            .map(|a| &a.uri)
            .find(|u| u.contains("/renewal-info/"))
            .unwrap();
        // The identifier ends in the base64url of the serial 0x0102.
        assert!(ari.ends_with(".AQI"), "{ari}");
    }

    #[test]
    fn asking_again_keeps_the_time_picked_in_an_unchanged_window() {
        let earlier = Schedule {
            serial: "0a".into(),
            renew_at: 1500,
            by: RenewBy::Ari,
            ask_again: 100,
            window: Some((1000, 2000)),
        };
        let again = Schedule {
            renew_at: 1900,
            ask_again: 200,
            ..earlier.clone()
        };
        assert_eq!(again.clone().keep_pick_of(&earlier).renew_at, 1500);
        // A moved window (e.g. before a revocation) takes the new pick.
        let moved = Schedule {
            window: Some((0, 10)),
            renew_at: 5,
            ..again.clone()
        };
        assert_eq!(moved.keep_pick_of(&earlier).renew_at, 5);
        // So does a new certificate.
        let renewed = Schedule {
            serial: "0b".into(),
            ..again
        };
        assert_eq!(renewed.keep_pick_of(&earlier).renew_at, 1900);
    }

    #[tokio::test]
    async fn without_renewal_information_two_thirds_of_the_lifetime() {
        let (account, _) = account(Behaviour::default()).await;
        let chain = issued_chain();
        let cert = crate::parse_chain(&chain).unwrap();
        let schedule = ask_ca(&account, &chain, &cert, 0).await;
        assert_eq!(schedule.by, RenewBy::Lifetime);
        assert_eq!(schedule.renew_at, cert.renew_at(None));
    }

    #[test]
    fn the_renewal_time_is_inside_the_window_or_now() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let t = pick_in_window(1000, 2000, 500, &mut rng);
            assert!((1000..=2000).contains(&t), "{t}");
        }
        // A window already open or past: now.
        let t = pick_in_window(1000, 2000, 1500, &mut rng);
        assert!((1500..=2000).contains(&t), "{t}");
        assert_eq!(pick_in_window(1000, 2000, 3000, &mut rng), 3000);
        // A window of one instant.
        assert_eq!(pick_in_window(1000, 1000, 0, &mut rng), 1000);
    }

    #[test]
    fn the_lifetime_rule_renews_at_two_thirds() {
        let cert = CertInfo {
            not_before: 0,
            not_after: 90 * 86400,
            serial: "0a".into(),
            issuer: "CA".into(),
        };
        let schedule = by_lifetime(&cert, 10);
        assert_eq!(schedule.renew_at, 60 * 86400);
        assert_eq!(schedule.by, RenewBy::Lifetime);
        assert!(schedule.ask_again > 10);
    }
}
