//! Certificates: `GET /v1/certs` (domain, source, issuer, validity; never keys),
//! `POST /v1/certs` (`{"domain", "cert", "key"}` in PEM: validated, stored, served at once) and
//! `DELETE /v1/certs/{domain}`.

use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use wharf_certs::{CertError, CertSource};

pub async fn list(State(state): State<ApiState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "certs": state.certs.list() }))
}

#[derive(Deserialize)]
pub struct Upload {
    domain: String,
    cert: String,
    key: String,
}

pub async fn add(
    State(state): State<ApiState>,
    Json(upload): Json<Upload>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let meta = state
        .certs
        .install(
            &upload.domain,
            upload.cert.as_bytes(),
            upload.key.as_bytes(),
            CertSource::Uploaded,
        )
        .map_err(refused)?;
    Ok(Json(
        serde_json::to_value(meta).map_err(ApiError::internal)?,
    ))
}

pub async fn remove(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !state.certs.remove(&domain).map_err(refused)? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("there is no certificate for {domain}"),
        ));
    }
    Ok(Json(serde_json::json!({ "removed": domain })))
}

fn refused(err: CertError) -> ApiError {
    match err {
        CertError::Io(_) => ApiError::internal(err),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("certificate refused: {other}"),
        ),
    }
}
