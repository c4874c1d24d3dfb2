//! One order for one domain: prove control with one challenge type, finalize with a fresh key,
//! download the chain.

use crate::{ChallengeSink, Http01Tokens, challenge_certificate};
use anyhow::{Context, bail};
use instant_acme::{
    Account, AuthorizationStatus, CertificateIdentifier, ChallengeType, Identifier, NewOrder,
    Order, OrderStatus, RetryPolicy,
};
use std::time::Duration;

/// Which challenge an order is validated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    Http01,
    TlsAlpn01,
}

impl Challenge {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Challenge::Http01 => "http-01",
            Challenge::TlsAlpn01 => "tls-alpn-01",
        }
    }
}

/// What answers the challenges while an order is validated.
pub(crate) struct Responders<'a> {
    pub http01: &'a Http01Tokens,
    pub tls_alpn01: Option<&'a dyn ChallengeSink>,
}

fn polling() -> RetryPolicy {
    RetryPolicy::new()
        .initial_delay(Duration::from_millis(250))
        .backoff(1.5)
        .timeout(Duration::from_secs(90))
}

/// Order a certificate for `domain` validated by `challenge`, as the replacement of the
/// certificate `replaces` identifies when renewing; the PEM chain and private key.
pub(crate) async fn order(
    account: &Account,
    domain: &str,
    challenge: Challenge,
    replaces: Option<&CertificateIdentifier<'_>>,
    responders: &Responders<'_>,
) -> anyhow::Result<(String, String)> {
    let identifiers = [Identifier::Dns(domain.to_string())];
    let mut order = new_order(account, &identifiers, replaces)
        .await
        .context("creating the order")?;
    let mut tokens = Vec::new();
    let mut alpn_installed = false;
    let result = async {
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz.context("fetching the authorization")?;
            match authz.status {
                AuthorizationStatus::Pending => {}
                AuthorizationStatus::Valid => continue,
                other => bail!("the authorization is {other:?}"),
            }
            let kind = match challenge {
                Challenge::Http01 => ChallengeType::Http01,
                Challenge::TlsAlpn01 => ChallengeType::TlsAlpn01,
            };
            let mut handle = authz
                .challenge(kind)
                .with_context(|| format!("the CA offers no {} challenge", challenge.as_str()))?;
            let key_authorization = handle.key_authorization();
            match challenge {
                Challenge::Http01 => {
                    responders
                        .http01
                        .insert(&handle.token, key_authorization.as_str());
                    tokens.push(handle.token.clone());
                }
                Challenge::TlsAlpn01 => {
                    let Some(sink) = responders.tls_alpn01 else {
                        bail!("no TLS listener answers tls-alpn-01 challenges");
                    };
                    let (cert, key) =
                        challenge_certificate(domain, key_authorization.digest().as_ref())?;
                    sink.install(domain, &cert, &key)?;
                    alpn_installed = true;
                }
            }
            handle
                .set_ready()
                .await
                .context("telling the CA the challenge is ready")?;
        }
        let status = order
            .poll_ready(&polling())
            .await
            .context("waiting for validation")?;
        if status != OrderStatus::Ready {
            bail!("validation failed: {}", order_error(&mut order).await);
        }
        let key_pem = order.finalize().await.context("finalizing the order")?;
        let chain_pem = order
            .poll_certificate(&polling())
            .await
            .context("downloading the certificate")?;
        Ok((chain_pem, key_pem))
    }
    .await;
    for token in &tokens {
        responders.http01.remove(token);
    }
    if alpn_installed && let Some(sink) = responders.tls_alpn01 {
        sink.remove(domain);
    }
    result
}

/// Create the order, marked as the replacement of `replaces` (ARI, RFC 9773 section 5) when
/// given: the CA then knows the old certificate can be retired, and may count the renewal
/// kindly against its rate limits. A CA without renewal information, or one that refuses the
/// mark (the old certificate was replaced already, or is not one of its own), gets a plain
/// order.
async fn new_order(
    account: &Account,
    identifiers: &[Identifier],
    replaces: Option<&CertificateIdentifier<'_>>,
) -> Result<Order, instant_acme::Error> {
    if let Some(id) = replaces {
        match account
            .new_order(&NewOrder::new(identifiers).replaces(id.clone()))
            .await
        {
            Ok(order) => return Ok(order),
            Err(e) => tracing::debug!(error = %e, "no order as a replacement; ordering without it"),
        }
    }
    account.new_order(&NewOrder::new(identifiers)).await
}

/// The CA's reason for an invalid order: the first failed challenge's problem.
async fn order_error(order: &mut instant_acme::Order) -> String {
    let mut authorizations = order.authorizations();
    while let Some(Ok(authz)) = authorizations.next().await {
        for challenge in &authz.challenges {
            if let Some(problem) = &challenge.error {
                return problem.to_string();
            }
        }
    }
    "the order became invalid".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_ca::{Behaviour, Log, account, issued_chain};

    /// The payloads of the new-order requests the CA received.
    fn orders(log: &Log) -> Vec<serde_json::Value> {
        log.lock()
            .unwrap()
            .iter()
            .filter(|a| a.uri == "https://ca.test/order")
            .map(|a| a.payload.clone().expect("an order has a payload"))
            .collect()
    }

    fn identifiers() -> [Identifier; 1] {
        [Identifier::Dns("a.example.com".into())]
    }

    #[tokio::test]
    async fn a_renewal_names_the_certificate_it_replaces() {
        let (account, log) = account(Behaviour {
            ari: true,
            ..Behaviour::default()
        })
        .await;
        let id = crate::renewal::certificate_id(&issued_chain()).unwrap();
        let mut order = new_order(&account, &identifiers(), Some(&id))
            .await
            .unwrap();
        assert_eq!(order.state().replaces.as_ref(), Some(&id));
        let orders = orders(&log);
        assert_eq!(orders.len(), 1, "{orders:?}");
        let replaces = orders[0]["replaces"].as_str().unwrap();
        // AKI "." serial, base64url; the serial is 0x0102.
        assert_eq!(
            replaces,
            format!("{}.{}", id.authority_key_identifier, id.serial)
        );
        assert!(replaces.ends_with(".AQI"), "{replaces}");
    }

    #[tokio::test]
    async fn a_first_order_replaces_nothing() {
        let (account, log) = account(Behaviour {
            ari: true,
            ..Behaviour::default()
        })
        .await;
        new_order(&account, &identifiers(), None).await.unwrap();
        let orders = orders(&log);
        assert_eq!(orders.len(), 1);
        assert!(orders[0].get("replaces").is_none(), "{orders:?}");
    }

    #[tokio::test]
    async fn without_renewal_information_the_order_is_plain() {
        let (account, log) = account(Behaviour::default()).await;
        let id = crate::renewal::certificate_id(&issued_chain()).unwrap();
        new_order(&account, &identifiers(), Some(&id))
            .await
            .unwrap();
        let orders = orders(&log);
        assert_eq!(orders.len(), 1, "{orders:?}");
        assert!(orders[0].get("replaces").is_none(), "{orders:?}");
    }

    #[tokio::test]
    async fn a_refused_replacement_is_ordered_plainly() {
        let (account, log) = account(Behaviour {
            ari: true,
            refuse_replaces: true,
        })
        .await;
        let id = crate::renewal::certificate_id(&issued_chain()).unwrap();
        let mut order = new_order(&account, &identifiers(), Some(&id))
            .await
            .unwrap();
        assert_eq!(order.state().replaces, None);
        let orders = orders(&log);
        assert_eq!(orders.len(), 2, "{orders:?}");
        assert!(orders[0].get("replaces").is_some());
        assert!(orders[1].get("replaces").is_none());
    }
}
