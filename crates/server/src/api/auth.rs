//! Token authentication for the TCP API, and the one check of a token's scope for every
//! route. The token comes as a bearer token (`wharf push`) or as the password of HTTP basic
//! auth, with any user name (git pushing over HTTP). Tokens are checked against their stored
//! hashes and never logged; an expired token is refused, saying when it expired. A refusal
//! carries `WWW-Authenticate: Basic` so git sends the credentials it has (or asks for them);
//! refusals of git's requests are plain text, which git shows its user.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http_body_util::BodyExt;
use std::sync::Arc;
use wharf_store::{Store, TokenRecord};

use super::ApiError;
use super::reach::reach;

pub async fn require_token(
    State(store): State<Arc<Store>>,
    mut request: Request,
    next: Next,
) -> Response {
    match check(&store, &request) {
        Ok(token) => {
            // Who makes the change, for the activity log; what the client says is ignored.
            request.headers_mut().remove(super::events::ACTOR_HEADER);
            request
                .extensions_mut()
                .insert(wharf_domain::Actor::Token(token));
            next.run(request).await
        }
        Err(refusal) => after_its_body(request, *refusal).await,
    }
}

/// Most of a refused request's body read before the refusal is sent: a client still sending
/// an upload (`wharf push` with a read-only token) then reads the answer, where an unread body
/// would make the close reset the connection and the client see only a broken pipe.
const DRAINED_BYTES: usize = 16 << 20;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

async fn after_its_body(request: Request, refusal: Response) -> Response {
    let mut body = request.into_body();
    let drain = async {
        let mut read = 0;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, |d| d.len());
            if read > DRAINED_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    refusal
}

/// The token's check: its name, or the refusal to answer with.
fn check(store: &Store, request: &Request) -> Result<String, Box<Response>> {
    let git = request.uri().path().starts_with("/git/");
    let Some(secret) = given_token(request.headers()) else {
        return Err(Box::new(unauthorized(
            "missing API token: pass --token or set WHARF_TOKEN (create one on the server with `wharf tokens create NAME`); git takes it as the password: https://x:TOKEN@NAME/git/APP.git",
            git,
        )));
    };
    let token = match store.verify_token(&secret) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Err(Box::new(unauthorized(
                "invalid or revoked API token: check --token / WHARF_TOKEN, or create a new one with `wharf tokens create NAME`",
                git,
            )));
        }
        Err(err) => return Err(Box::new(ApiError::internal(err).into_response())),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if token.expired(now) {
        let when = token
            .expires_at
            .and_then(wharf_domain::UtcDateTime::from_unix_seconds)
            .map(|t| t.to_string())
            .unwrap_or_default();
        return Err(Box::new(unauthorized(
            &format!(
                "API token `{}` expired at {when}; create a new one on the server with `wharf tokens create NAME --expires 30d`",
                token.name
            ),
            git,
        )));
    }
    if let Err(message) = within_scope(&token, request) {
        tracing::info!(token = %token.name, scope = %token.scope, path = %request.uri().path(), "refused: outside the token's scope");
        return Err(Box::new(refusal(StatusCode::FORBIDDEN, &message, git)));
    }
    tracing::debug!(token = %token.name, "authenticated");
    Ok(token.name)
}

/// Whether the request is one the token's scope allows; else why not.
fn within_scope(token: &TokenRecord, request: &Request) -> Result<(), String> {
    if token.scope.is_admin() {
        return Ok(());
    }
    let uri = request.uri();
    let (resource, operation) =
        reach(request.method(), uri.path(), uri.query()).map_err(|e| e.to_string())?;
    token
        .scope
        .allows(&resource, operation)
        .map_err(|refusal| format!("API token `{}`: {refusal}", token.name))
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

fn unauthorized(message: &str, git: bool) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, message, git);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"wharf\""),
    );
    response
}

/// A refusal as JSON for Wharf's clients, or as plain text for git (which prints it).
fn refusal(status: StatusCode, message: &str, git: bool) -> Response {
    if git {
        return (status, format!("{message}\n")).into_response();
    }
    ApiError::new(status, message).into_response()
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
