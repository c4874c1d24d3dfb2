//! One order for one domain: prove control with one challenge type, finalize with a fresh key,
//! download the chain.

use crate::{ChallengeSink, Http01Tokens, challenge_certificate};
use anyhow::{Context, bail};
use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewOrder, OrderStatus, RetryPolicy,
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

/// Order a certificate for `domain` validated by `challenge`; the PEM chain and private key.
pub(crate) async fn order(
    account: &Account,
    domain: &str,
    challenge: Challenge,
    responders: &Responders<'_>,
) -> anyhow::Result<(String, String)> {
    let identifiers = [Identifier::Dns(domain.to_string())];
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
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
