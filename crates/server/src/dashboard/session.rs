//! The dashboard's session: a cookie holding a random secret whose hash the store keeps
//! (`wharf_store::sessions`), and the guard every non-public route passes. The cookie is
//! `HttpOnly` and `SameSite=Strict`; over HTTPS it is `Secure` and named with the `__Host-`
//! prefix (so no other host or plain-HTTP page can set it). A change must carry the session's
//! CSRF token in its form: a value derived from the secret, which a page of another site can
//! neither read nor guess. A form that sends a file (`multipart/form-data`) is taken only by
//! an `Upload` route, and the token is its first field, checked by `upload` before anything
//! else of the form is read: the guard does not buffer a file to find it.

use super::error::PageError;
use super::{Access, State};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use wharf_store::{Role, UserRecord};

/// How the listener is reached, which decides the cookie's name and `Secure` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP: the API's TCP listener (loopback by default, or through an SSH tunnel).
    Http,
    /// HTTPS: the `--api-domain` host.
    Https,
}

impl Transport {
    /// The name of a cookie: `__Host-` prefixed over HTTPS, which browsers accept only with
    /// `Secure`, `Path=/` and no `Domain`.
    pub(super) fn cookie_name(self, base: &str) -> String {
        match self {
            Transport::Http => base.to_string(),
            Transport::Https => format!("__Host-{base}"),
        }
    }

    /// A `Set-Cookie` value for `base`=`value` living `max_age` seconds (0: delete it).
    pub(super) fn set_cookie(self, base: &str, value: &str, max_age: i64) -> HeaderValue {
        let secure = match self {
            Transport::Http => "",
            Transport::Https => "; Secure",
        };
        let text = format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
            self.cookie_name(base)
        );
        // Names and values are hex or fixed ASCII: always a valid header value.
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// The session cookie's base name.
pub(super) const SESSION_COOKIE: &str = "wharf_session";

/// The signed-in user of a request, put in its extensions by the guard.
#[derive(Clone)]
pub(super) struct Signed {
    pub user: UserRecord,
    /// The token every form of this session carries.
    pub csrf: String,
    /// The session's secret (to end it at sign-out).
    pub secret: String,
}

impl Signed {
    /// The user, as the activity log names who made a change.
    pub fn actor(&self) -> wharf_domain::Actor {
        wharf_domain::Actor::User(self.user.name.to_string())
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// The CSRF token of the session whose secret is `secret`.
pub(super) fn csrf_token(secret: &str) -> String {
    hex::encode(Sha256::digest(format!("wharf-dashboard-csrf:{secret}")))
}

/// Whether two secrets are equal, taking as long wherever they differ.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
}

/// The signed-in user of the request, if its session cookie opens a session.
pub(super) fn signed(state: &State, headers: &HeaderMap) -> Result<Option<Signed>, PageError> {
    let auth = &state.auth;
    let Some(secret) = cookie(headers, &auth.transport.cookie_name(SESSION_COOKIE)) else {
        return Ok(None);
    };
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let found = auth
        .store
        .session(&secret, wharf_store::unix_now(), auth.limits)?;
    Ok(found.map(|session| Signed {
        user: session.user,
        csrf: csrf_token(&secret),
        secret,
    }))
}

/// The CSRF token an upload's first field must be (`upload` checks it).
#[derive(Debug, Clone)]
pub(super) struct CsrfDue(pub String);

/// The largest form a change may post.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The gate of every route that is not `Public`: without a session, to the sign-in form
/// (back here afterwards for a page); a viewer may not change anything; a change must carry
/// the session's CSRF token.
pub(super) async fn guard(access: Access, request: Request, next: Next) -> Response {
    match check(access, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    }
}

async fn check(access: Access, mut request: Request) -> Result<Request, Response> {
    let Some(state) = request.extensions().get::<State>().cloned() else {
        return Err(PageError::internal("the dashboard's state is missing").into_response());
    };
    let signed = signed(&state, request.headers()).map_err(IntoResponse::into_response)?;
    let Some(signed) = signed else {
        return Err(to_sign_in(&request));
    };
    if matches!(access, Access::Admin | Access::Upload) && !signed.is_admin() {
        let page = matches!(*request.method(), Method::GET | Method::HEAD);
        tracing::info!(user = %signed.user.name, path = %request.uri().path(), "refused: a viewer asked for an admin's page or change");
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            if page {
                "This page is for admins: viewers see apps, logs and certificates but manage nothing; ask an admin."
            } else {
                "Viewers can look but not change anything: ask an admin (`wharf users add NAME` makes one)."
            },
        )
        .into_response());
    }
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    if multipart && !matches!(*request.method(), Method::GET | Method::HEAD) {
        if access != Access::Upload {
            return Err(PageError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "This form takes no file; send it from its page.",
            )
            .into_response());
        }
        request
            .extensions_mut()
            .insert(CsrfDue(signed.csrf.clone()));
    } else if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.")
                    .into_response()
            })?;
        let given = form_urlencoded::parse(&bytes)
            .find(|(key, _)| key == "csrf")
            .map(|(_, value)| value.into_owned());
        if !given.is_some_and(|token| same_secret(&token, &signed.csrf)) {
            tracing::info!(user = %signed.user.name, path = %parts.uri.path(), "refused: a change without this session's CSRF token");
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "This form did not come from your dashboard session (its CSRF token is missing or stale); reload the page and try again.",
            )
            .into_response());
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    request.extensions_mut().insert(signed);
    Ok(request)
}

/// `303` to the sign-in form; a page asks to come back to itself afterwards.
fn to_sign_in(request: &Request) -> Response {
    let back = request.uri().path();
    if request.method() == Method::GET && back != "/" {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", back)
            .finish();
        return Redirect::to(&format!("{}?{query}", super::sign_in::PATH)).into_response();
    }
    Redirect::to(super::sign_in::PATH).into_response()
}

/// Where to go after signing in: a path of this dashboard only (never another host).
pub(super) fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let https = Transport::Https.set_cookie(SESSION_COOKIE, "abc", 60);
        assert_eq!(
            https,
            "__Host-wharf_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        let http = Transport::Http.set_cookie(SESSION_COOKIE, "abc", 0);
        assert_eq!(
            http,
            "wharf_session=abc; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn the_session_cookie_is_read_by_its_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("other=1; wharf_session_x=2; wharf_session=s3cret"),
        );
        assert_eq!(cookie(&headers, "wharf_session").as_deref(), Some("s3cret"));
        assert_eq!(cookie(&headers, "__Host-wharf_session"), None);
    }

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let token = csrf_token("one");
        assert_eq!(token.len(), 64);
        assert_ne!(token, csrf_token("two"));
        assert!(same_secret(&token, &csrf_token("one")));
        assert!(!same_secret(&token, &csrf_token("two")));
        assert!(!same_secret(&token, ""));
    }

    #[test]
    fn sign_in_returns_only_to_local_paths() {
        assert_eq!(local_path(Some("/apps/blog")), "/apps/blog");
        for bad in [
            None,
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("apps"),
            Some("/a\nb"),
            Some("/é"),
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
