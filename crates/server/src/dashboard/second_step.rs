//! The second step of signing in, for a user with a second factor: after the right password,
//! a *pending sign-in* (who, where to go next) is kept in memory for a few minutes under the
//! hash of a random secret, which the browser holds in a cookie (`HttpOnly`,
//! `SameSite=Strict`, like the session's); the code form opens a session only for the browser
//! holding it, and only with a code from the user's authenticator app or an unused recovery
//! code (`wharf_store::second_factor`). Wrong codes count in the same throttle as wrong
//! passwords, per user name and per address. A restart forgets pending sign-ins: the user
//! signs in again.

use super::State;
use super::error::PageError;
use super::layout::page;
use super::session;
use super::sign_in;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wharf_store::{SecondFactor, UserRecord};

pub(super) const PATH: &str = "/sign-in/code";
/// The cookie holding a pending sign-in's secret.
const PENDING_COOKIE: &str = "wharf_sign_in_code";
/// How long the code may take after the password.
const LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Pending sign-ins remembered at most (a flood of right passwords cannot grow memory).
const MAX_PENDING: usize = 10_000;
/// The longest code looked at (recovery codes are 19 characters).
const MAX_CODE_CHARS: usize = 64;

/// A sign-in whose password was right, waiting for its second factor.
#[derive(Debug, Clone)]
struct Pending {
    user_id: i64,
    name: String,
    /// Where to go once signed in (a local path).
    next: String,
    started: Instant,
}

/// The pending sign-ins of every listener, keyed by the SHA-256 of their cookie's secret.
#[derive(Default)]
pub struct PendingSignIns {
    pending: Mutex<HashMap<String, Pending>>,
}

impl PendingSignIns {
    fn insert(&self, key: String, pending: Pending) {
        let mut map = self.lock();
        if map.len() >= MAX_PENDING {
            map.retain(|_, p| p.started.elapsed() < LIFETIME);
            if map.len() >= MAX_PENDING {
                map.clear();
            }
        }
        map.insert(key, pending);
    }

    /// The pending sign-in of `secret`, if it has not expired.
    fn get(&self, secret: &str) -> Option<Pending> {
        let key = hash(secret);
        let mut map = self.lock();
        match map.get(&key) {
            Some(p) if p.started.elapsed() < LIFETIME => Some(p.clone()),
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    fn remove(&self, secret: &str) {
        self.lock().remove(&hash(secret));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// After the right password of `user`: a pending sign-in, and the way to its code form.
pub(super) fn begin(state: &State, user: &UserRecord, next: &str) -> Response {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    state.auth.pending.insert(
        hash(&secret),
        Pending {
            user_id: user.id,
            name: user.name.clone(),
            next: next.to_string(),
            started: Instant::now(),
        },
    );
    let cookie = state.auth.transport.set_cookie(
        PENDING_COOKIE,
        &secret,
        LIFETIME.as_secs().try_into().unwrap_or(300),
    );
    let mut response = Redirect::to(PATH).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// The browser's pending sign-in: its secret and what it holds.
fn pending_of(state: &State, headers: &HeaderMap) -> Option<(String, Pending)> {
    let secret = session::cookie(headers, &state.auth.transport.cookie_name(PENDING_COOKIE))?;
    let pending = state.auth.pending.get(&secret)?;
    Some((secret, pending))
}

/// `GET /sign-in/code`: the code form, for a browser with a pending sign-in.
pub(super) async fn form(
    axum::extract::State(state): axum::extract::State<State>,
    headers: HeaderMap,
) -> Response {
    match pending_of(&state, &headers) {
        Some((_, pending)) => code_page(StatusCode::OK, &pending.name, None),
        None => Redirect::to(sign_in::PATH).into_response(),
    }
}

fn code_page(status: StatusCode, name: &str, error: Option<&str>) -> Response {
    (status, page("Sign in: code", None, code_form(name, error))).into_response()
}

fn code_form(name: &str, error: Option<&str>) -> Markup {
    html! {
        section.sign-in {
            h1 { "Your second factor" }
            p.hint #sign-in-as {
                "Signing in as " strong { (name) } ". Give the 6-digit code your authenticator "
                "app shows for Wharf, or one of your recovery codes."
            }
            @if let Some(error) = error {
                p.error role="alert" #sign-in-error { (error) }
            }
            form method="post" action=(PATH) {
                label for="code" { "Code" }
                input #code type="text" name="code" autocomplete="one-time-code"
                    autocapitalize="none" spellcheck="false" maxlength=(MAX_CODE_CHARS)
                    required autofocus;
                button type="submit" { "Sign in" }
            }
            p.hint {
                "A recovery code works once. No app and no code? An admin can run "
                code { "wharf users totp " (name) " --disable" } " on the server. "
                a href=(sign_in::PATH) { "Start over" } "."
            }
        }
    }
}

/// `POST /sign-in/code`: the pending sign-in, the throttle, then the code.
pub(super) async fn submit(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request,
) -> Result<Response, PageError> {
    let address = sign_in::client_address(&request);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 4 * 1024)
        .await
        .map_err(|_| PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
    let code = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let Some((secret, pending)) = pending_of(&state, &parts.headers) else {
        return Ok(sign_in::form_page(
            &state,
            StatusCode::FORBIDDEN,
            "",
            None,
            Some("This sign-in took more than 5 minutes or was not started here; sign in again."),
        ));
    };
    let name = pending.name.as_str();
    let throttle = &state.auth.throttle;
    if let Err(throttled) = throttle.check(name, address, Instant::now()) {
        tracing::warn!(user = %name, %address, "sign-in code throttled");
        return Ok(code_page(
            StatusCode::TOO_MANY_REQUESTS,
            name,
            Some(&sign_in::throttled_message(&throttled)),
        ));
    }
    if code.is_empty() || code.chars().count() > MAX_CODE_CHARS {
        return Ok(code_page(
            StatusCode::BAD_REQUEST,
            name,
            Some("Give the 6-digit code from your authenticator app, or a recovery code."),
        ));
    }
    let taken =
        state
            .auth
            .store
            .check_second_factor(pending.user_id, &code, wharf_store::unix_now())?;
    let Some(factor) = taken else {
        throttle.failed(name, address, Instant::now());
        tracing::info!(user = %name, %address, "sign-in refused: wrong second-factor code");
        return Ok(code_page(
            StatusCode::UNAUTHORIZED,
            name,
            Some(
                "Wrong code: give the code your app shows now (each is taken once), or an unused recovery code.",
            ),
        ));
    };
    state.auth.pending.remove(&secret);
    throttle.succeeded(name);
    if let SecondFactor::RecoveryCode { left } = factor {
        tracing::warn!(user = %name, %address, left, "signed in with a recovery code");
    }
    // The user may have been removed since the password was checked.
    let user = state.auth.store.user(name)?;
    let Some(user) = user.filter(|user| user.id == pending.user_id) else {
        return Ok(sign_in::form_page(
            &state,
            StatusCode::UNAUTHORIZED,
            "",
            None,
            Some("Wrong user name or password."),
        ));
    };
    let mut response =
        sign_in::open_session(&state, &parts.headers, &user, address, Some(&pending.next))?;
    response.headers_mut().append(
        header::SET_COOKIE,
        state.auth.transport.set_cookie(PENDING_COOKIE, "", 0),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(started: Instant) -> Pending {
        Pending {
            user_id: 1,
            name: "ada".into(),
            next: "/".into(),
            started,
        }
    }

    #[test]
    fn a_pending_sign_in_is_found_by_its_secret_until_it_expires() {
        let sign_ins = PendingSignIns::default();
        sign_ins.insert(hash("fresh"), pending(Instant::now()));
        assert_eq!(sign_ins.get("fresh").map(|p| p.name), Some("ada".into()));
        assert!(sign_ins.get("other").is_none());
        if let Some(old) = Instant::now().checked_sub(LIFETIME) {
            sign_ins.insert(hash("old"), pending(old));
            assert!(sign_ins.get("old").is_none());
        }
        sign_ins.remove("fresh");
        assert!(sign_ins.get("fresh").is_none());
    }
}
