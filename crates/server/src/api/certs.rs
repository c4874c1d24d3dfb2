//! Certificates: `GET /v1/certs` (domain, source, issuer, validity; never keys),
//! `POST /v1/certs` (`{"domain", "cert", "key"}` in PEM: validated, stored, served at once) and
//! `DELETE /v1/certs/{domain}`.

use super::params::{CertPath, JsonBody};
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use wharf_api::{CertList, CertRemoved, CertUploadRequest, Certificate};
use wharf_certs::{CertError, CertMeta, CertSource};

pub async fn list(State(state): State<ApiState>) -> Json<CertList> {
    Json(CertList {
        certs: state.certs.list().into_iter().map(certificate).collect(),
    })
}

/// A stored certificate as the API shows it (never its key).
fn certificate(meta: CertMeta) -> Certificate {
    Certificate {
        source: match meta.source {
            CertSource::Acme => wharf_api::CertSource::Acme,
            CertSource::Uploaded => wharf_api::CertSource::Uploaded,
        },
        domain: meta.info.domain,
        names: meta.info.names,
        issuer: meta.info.issuer,
        serial: meta.info.serial,
        not_before: meta.info.not_before,
        not_after: meta.info.not_after,
    }
}

pub async fn add(
    State(state): State<ApiState>,
    JsonBody(upload): JsonBody<CertUploadRequest>,
) -> Result<Json<Certificate>, ApiError> {
    let meta = state
        .certs
        .install(
            &upload.domain,
            upload.cert.as_bytes(),
            upload.key.as_bytes(),
            CertSource::Uploaded,
        )
        .map_err(refused)?;
    Ok(Json(certificate(meta)))
}

pub async fn remove(
    State(state): State<ApiState>,
    CertPath(domain): CertPath,
) -> Result<Json<CertRemoved>, ApiError> {
    if !state.certs.remove(&domain).map_err(refused)? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("there is no certificate for {domain}"),
        ));
    }
    Ok(Json(CertRemoved { removed: domain }))
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
