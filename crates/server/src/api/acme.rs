//! `GET /v1/acme`: automatic HTTPS's state per domain (last attempt, last error, next retry,
//! the current certificate's issuer and expiry).

use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use wharf_store::AcmeState;

#[derive(Serialize)]
pub struct AcmeView {
    /// The ACME directory in use, or `None` when automatic HTTPS is off.
    pub directory: Option<String>,
    pub domains: Vec<AcmeState>,
}

pub async fn status(State(state): State<ApiState>) -> Result<Json<AcmeView>, ApiError> {
    let domains = state.deployer.store().acme_states()?;
    Ok(Json(AcmeView {
        directory: state.acme_directory.clone(),
        domains,
    }))
}
