//! `GET /v1/acme`: automatic HTTPS's state per domain (last attempt, last error, next retry,
//! the current certificate's issuer and expiry).

use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use wharf_api::{AcmeDomain, AcmeStatus};
use wharf_store::AcmeState;

pub async fn status(State(state): State<ApiState>) -> Result<Json<AcmeStatus>, ApiError> {
    let domains = state.deployer.store().acme_states()?;
    Ok(Json(AcmeStatus {
        directory: state.acme_directory.clone(),
        domains: domains.into_iter().map(domain).collect(),
    }))
}

fn domain(state: AcmeState) -> AcmeDomain {
    AcmeDomain {
        domain: state.domain,
        last_attempt: state.last_attempt,
        last_success: state.last_success,
        last_error: state.last_error,
        failures: state.failures,
        next_attempt: state.next_attempt,
        challenge: state.challenge,
        issuer: state.issuer,
        serial: state.serial,
        not_after: state.not_after,
        served_checked: state.served_checked,
        renew_at: state.renew_at,
        renew_by: state.renew_by,
    }
}
