//! Bearer-token authentication for the TCP API. Tokens are checked against their stored hashes.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use wharf_store::Store;

use super::ApiError;

pub async fn require_token(
    State(store): State<Arc<Store>>,
    request: Request,
    next: Next,
) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let Some(secret) = given else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing API token: pass --token or set WHARF_TOKEN (create one on the server with `wharf tokens create NAME`)",
        )
        .into_response();
    };
    match store.verify_token(&secret) {
        Ok(Some(token)) => {
            tracing::debug!(token = %token.name, "authenticated");
            next.run(request).await
        }
        Ok(None) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid or revoked API token: check --token / WHARF_TOKEN, or create a new one with `wharf tokens create NAME`",
        )
        .into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}
