//! Signing in and out. The form carries a one-time token that must match a cookie set with
//! it, so another site cannot sign a browser in to an account of its choosing. A sign-in is
//! throttled per user name and per client address before the password is checked (argon2id,
//! on a blocking thread); success opens a new session, whatever the browser held before, or
//! for a user with a second factor leads to its step (`second_step`) first.

use super::State;
use super::error::PageError;
use super::layout::page;
use super::second_step;
use super::session::{self, SESSION_COOKIE, same_secret};
use super::throttle::Throttled;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use rand::RngCore;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;
use wharf_store::UserRecord;

pub(super) const PATH: &str = "/sign-in";
pub(super) const SIGN_OUT: &str = "/sign-out";
/// The cookie holding the sign-in form's token.
const FORM_COOKIE: &str = "wharf_sign_in";
/// How long a sign-in form may stay open.
const FORM_LIFETIME: i64 = 60 * 60;

/// `GET /sign-in`: the form (or, already signed in, where it would lead).
pub(super) async fn form(
    axum::extract::State(state): axum::extract::State<State>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let next = query_value(uri.query(), "next");
    if session::signed(&state, &headers)?.is_some() {
        return Ok(Redirect::to(session::local_path(next.as_deref())).into_response());
    }
    Ok(form_page(&state, StatusCode::OK, "", next.as_deref(), None))
}

/// The form with a fresh token (and its cookie), and an error message if any.
pub(super) fn form_page(
    state: &State,
    status: StatusCode,
    name: &str,
    next: Option<&str>,
    error: Option<&str>,
) -> Response {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let cookie = state
        .auth
        .transport
        .set_cookie(FORM_COOKIE, &token, FORM_LIFETIME);
    let body = sign_in_form(&token, name, next, error);
    (
        status,
        [(header::SET_COOKIE, cookie)],
        page("Sign in", None, body),
    )
        .into_response()
}

fn sign_in_form(token: &str, name: &str, next: Option<&str>, error: Option<&str>) -> Markup {
    html! {
        section.sign-in {
            h1 { "Sign in to Wharf" }
            @if let Some(error) = error {
                p.error role="alert" #sign-in-error { (error) }
            }
            form method="post" action=(PATH) {
                input type="hidden" name="token" value=(token);
                @if let Some(next) = next {
                    input type="hidden" name="next" value=(session::local_path(Some(next)));
                }
                label for="name" { "User name" }
                input #name type="text" name="name" value=(name) autocomplete="username"
                    autocapitalize="none" spellcheck="false" required autofocus[name.is_empty()];
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password"
                    required autofocus[!name.is_empty()];
                button type="submit" { "Sign in" }
            }
            p.hint { "No user yet? On the server: " code { "wharf users add NAME" } "." }
        }
    }
}

/// `POST /sign-in`: check the form's token, the throttle, then the password.
pub(super) async fn submit(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request,
) -> Result<Response, PageError> {
    let address = client_address(&request);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map_err(|_| PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."))?;
    let field = |key: &str| {
        form_urlencoded::parse(&body)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let name = field("name").unwrap_or_default().trim().to_string();
    let password = field("password").unwrap_or_default();
    let next = field("next");
    let next = next.as_deref();
    let expected = session::cookie(
        &parts.headers,
        &state.auth.transport.cookie_name(FORM_COOKIE),
    );
    let given = field("token").unwrap_or_default();
    if !expected.is_some_and(|expected| !given.is_empty() && same_secret(&expected, &given)) {
        return Ok(form_page(
            &state,
            StatusCode::FORBIDDEN,
            &name,
            next,
            Some(
                "This sign-in form expired or did not come from this dashboard; sign in again here.",
            ),
        ));
    }
    if name.is_empty() || password.is_empty() {
        return Ok(form_page(
            &state,
            StatusCode::BAD_REQUEST,
            &name,
            next,
            Some("Give your user name and your password."),
        ));
    }
    let throttle = &state.auth.throttle;
    if let Err(throttled) = throttle.check(&name, address, Instant::now()) {
        tracing::warn!(user = %name, %address, "sign-in throttled");
        return Ok(form_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &name,
            next,
            Some(&throttled_message(&throttled)),
        ));
    }
    let store = state.auth.store.clone();
    let checked = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || store.check_user_password(&name, &password))
            .await
            .map_err(PageError::internal)??
    };
    let Some(user) = checked else {
        throttle.failed(&name, address, Instant::now());
        tracing::info!(user = %name, %address, "sign-in refused: wrong user name or password");
        return Ok(form_page(
            &state,
            StatusCode::UNAUTHORIZED,
            &name,
            next,
            Some("Wrong user name or password."),
        ));
    };
    if user.totp_enabled_at.is_some() {
        // The user's failures are forgotten only once the code is right too: a password
        // alone cannot reset the count of wrong codes.
        tracing::info!(user = %user.name, %address, "password right; asking for the second factor");
        let mut response = second_step::begin(&state, &user, session::local_path(next));
        response.headers_mut().append(
            header::SET_COOKIE,
            state.auth.transport.set_cookie(FORM_COOKIE, "", 0),
        );
        return Ok(response);
    }
    throttle.succeeded(&name);
    let mut response = open_session(&state, &parts.headers, &user, address, next)?;
    response.headers_mut().append(
        header::SET_COOKIE,
        state.auth.transport.set_cookie(FORM_COOKIE, "", 0),
    );
    Ok(response)
}

/// A new session for `user`, who has proved who they are, and the way to `next`. A session
/// the browser held before ends: a new sign-in gets a new secret.
pub(super) fn open_session(
    state: &State,
    headers: &HeaderMap,
    user: &UserRecord,
    address: IpAddr,
    next: Option<&str>,
) -> Result<Response, PageError> {
    if let Some(old) = session::cookie(headers, &state.auth.transport.cookie_name(SESSION_COOKIE)) {
        state.auth.store.end_session(&old)?;
    }
    let secret =
        state
            .auth
            .store
            .create_session(user.id, wharf_store::unix_now(), state.auth.limits)?;
    tracing::info!(user = %user.name, role = %user.role, %address, "signed in to the dashboard");
    let mut response = Redirect::to(session::local_path(next)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        state
            .auth
            .transport
            .set_cookie(SESSION_COOKIE, &secret, state.auth.limits.absolute),
    );
    Ok(response)
}

/// The client's address, as the listener saw it.
pub(super) fn client_address(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

pub(super) fn throttled_message(throttled: &Throttled) -> String {
    let minutes = throttled.retry_after.as_secs().div_ceil(60).max(1);
    let whom = if throttled.per_user {
        "this user"
    } else {
        "this address"
    };
    format!("Too many failed sign-ins for {whom}: try again in {minutes} min.")
}

/// `POST /sign-out`: end the session on the server and forget the cookie.
pub(super) async fn sign_out(
    axum::extract::State(state): axum::extract::State<State>,
    axum::Extension(signed): axum::Extension<session::Signed>,
) -> Result<Response, PageError> {
    state.auth.store.end_session(&signed.secret)?;
    tracing::info!(user = %signed.user.name, "signed out of the dashboard");
    let mut response = Redirect::to(PATH).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        state.auth.transport.set_cookie(SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
