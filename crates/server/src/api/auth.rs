//! Token authentication for the TCP API. The token comes as a bearer token (`wharf push`) or
//! as the password of HTTP basic auth, with any user name (git pushing over HTTP). Tokens are
//! checked against their stored hashes and never logged. A refusal carries
//! `WWW-Authenticate: Basic` so git sends the credentials it has (or asks for them).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::sync::Arc;
use wharf_store::Store;

use super::ApiError;

pub async fn require_token(
    State(store): State<Arc<Store>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(secret) = given_token(request.headers()) else {
        return refuse(
            "missing API token: pass --token or set WHARF_TOKEN (create one on the server with `wharf tokens create NAME`); git takes it as the password: http://x:TOKEN@HOST:7070/git/APP.git",
        );
    };
    match store.verify_token(&secret) {
        Ok(Some(token)) => {
            tracing::debug!(token = %token.name, "authenticated");
            next.run(request).await
        }
        Ok(None) => refuse(
            "invalid or revoked API token: check --token / WHARF_TOKEN, or create a new one with `wharf tokens create NAME`",
        ),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

/// The token in `Authorization: Bearer TOKEN` or `Authorization: Basic base64(USER:TOKEN)`.
fn given_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(token.trim().to_string());
    }
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_user, password) = text.split_once(':')?;
    Some(password.to_string())
}

fn refuse(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"wharf\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn tokens_come_as_bearer_or_basic_password() {
        assert_eq!(
            given_token(&headers("Bearer wharf_abc")).as_deref(),
            Some("wharf_abc")
        );
        // base64("x:wharf_abc")
        assert_eq!(
            given_token(&headers("Basic eDp3aGFyZl9hYmM=")).as_deref(),
            Some("wharf_abc")
        );
        assert_eq!(given_token(&headers("Basic !!!")), None);
        assert_eq!(given_token(&HeaderMap::new()), None);
    }
}
