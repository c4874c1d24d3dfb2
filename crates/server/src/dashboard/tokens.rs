//! API tokens, for admins: the list (name, scope, created, expires, last used; never a
//! secret: only hashes are stored), a form creating one and a button revoking each. Tokens
//! live in the store, as `wharf tokens` keeps them; the form's name, apps and lifetime are
//! parsed by the same functions as that command's arguments (`TokenName::parse`,
//! `AppName::parse`, `parse_token_lifetime`). A new token's secret is shown once, on the page
//! that answers the form (never in a redirect's address, never logged).

use super::State;
use super::error::PageError;
use super::layout::{csrf_field, page, when};
use super::notice::{self, Done};
use super::session::Signed;
use axum::extract::{Query, State as Reach};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_domain::{AppName, TokenScope, parse_token_lifetime, token_expires_at};
use wharf_store::NewEvent;
use wharf_store::{NewToken, TokenName, TokenRecord};

pub(super) const PATH: &str = "/tokens";
pub(super) const CREATE: &str = "/tokens/create";
pub(super) const REVOKE: &str = "/tokens/revoke";

/// `GET /tokens` (admins).
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let notice = query.said(&[("revoked", "Token revoked: it opens nothing any more.")]);
    tokens_page(&state, &signed, None, notice)
}

fn tokens_page(
    state: &State,
    signed: &Signed,
    created: Option<&NewToken>,
    notice: Option<&str>,
) -> Result<Markup, PageError> {
    let tokens = state.auth.store.tokens()?;
    let now = wharf_store::unix_now();
    Ok(page(
        "API tokens",
        Some(signed),
        html! {
            h1 { "API tokens" }
            (notice::shown(notice))
            @if let Some(new) = created { (shown_once(new, now)) }
            @if tokens.is_empty() {
                p.empty { "No tokens. Create one below for " code { "wharf" } " on another machine or a CI job." }
            } @else {
                (table(&tokens, signed, now))
            }
            h2 { "Create a token" }
            (create_form(signed))
        },
    ))
}

/// The new token's secret, with what it may do.
fn shown_once(new: &NewToken, now: i64) -> Markup {
    html! {
        section.secret #token-created role="status" aria-labelledby="token-created-heading" {
            h2 #token-created-heading { "Token " code { (new.record.name) } " created" }
            p {
                "Scope: " (new.record.scope)
                @if let Some(at) = new.record.expires_at { "; expires " (when(at, now)) }
                ". Copy it now: it is shown only this once."
            }
            code.wrap.secret-value #token-secret { (new.secret) }
            p.hint { "Use it as " code { "WHARF_TOKEN" } " with " code { "wharf --server URL" } "." }
        }
    }
}

fn table(tokens: &[TokenRecord], signed: &Signed, now: i64) -> Markup {
    html! {
        table.cards #tokens {
            thead { tr {
                th scope="col" { "Name" } th scope="col" { "Scope" } th scope="col" { "Created" }
                th scope="col" { "Expires" } th scope="col" { "Last used" }
                th scope="col" { span.visually-hidden { "Actions" } }
            } }
            tbody {
                @for token in tokens {
                    tr {
                        th scope="row" data-label="Name" { code.name { (token.name) } }
                        td data-label="Scope" { (token.scope) }
                        td data-label="Created" { (when(token.created_at, now)) }
                        td data-label="Expires" {
                            @match token.expires_at {
                                None => { span.muted { "never" } }
                                Some(at) if token.expired(now) => { span.warn { "expired " } (when(at, now)) }
                                Some(at) => { (when(at, now)) }
                            }
                        }
                        td data-label="Last used" {
                            @match token.last_used_at {
                                Some(at) => { (when(at, now)) }
                                None => { span.muted { "never" } }
                            }
                        }
                        td.row-actions {
                            form.inline method="post" action=(REVOKE) {
                                (csrf_field(signed))
                                input type="hidden" name="name" value=(token.name);
                                button.small.danger type="submit" aria-label={"Revoke " (token.name)} { "Revoke" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_form(signed: &Signed) -> Markup {
    html! {
        form.fields #token-create method="post" action=(CREATE) {
            (csrf_field(signed))
            div {
                label for="token-name" { "Name" }
                input #token-name type="text" name="name" required maxlength="64" autocomplete="off"
                    autocapitalize="none" spellcheck="false" pattern="[A-Za-z0-9._\\-]{1,64}" placeholder="ci-deploy";
            }
            div {
                label for="token-apps" { "Apps " span.muted { "(optional: only these)" } }
                input #token-apps type="text" name="apps" autocomplete="off" autocapitalize="none"
                    spellcheck="false" placeholder="blog, shop";
            }
            div {
                label for="token-expires" { "Expires after " span.muted { "(optional)" } }
                input #token-expires type="text" name="expires" autocomplete="off" placeholder="30d";
            }
            div.check {
                label for="token-read-only" {
                    input #token-read-only type="checkbox" name="read_only" value="on";
                    " Read-only"
                }
            }
            button type="submit" { "Create token" }
        }
        p.hint {
            "Without apps a token may reach every app and the server (admin); read-only tokens change nothing. "
            "Lifetimes: 90m, 12h, 30d, 8w. The same as " code { "wharf tokens create NAME --app APP --read-only --expires 30d" } "."
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    apps: String,
    #[serde(default)]
    read_only: Option<String>,
    #[serde(default)]
    expires: String,
}

/// What the create form asks for, parsed where it enters by the CLI's own parsers.
#[derive(Debug)]
pub(super) struct TokenRequest {
    name: TokenName,
    scope: TokenScope,
    lifetime: Option<std::time::Duration>,
}

impl CreateForm {
    pub(super) fn parse(&self) -> Result<TokenRequest, PageError> {
        let refuse = |message: String| {
            PageError::new(StatusCode::BAD_REQUEST, super::error::capitalised(&message))
                .back_to(PATH)
        };
        let name = TokenName::parse(self.name.trim()).map_err(|e| refuse(e.to_string()))?;
        let apps = self
            .apps
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|app| !app.is_empty())
            .map(|app| AppName::parse(app).map_err(|e| refuse(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let expires = self.expires.trim();
        let lifetime = if expires.is_empty() {
            None
        } else {
            Some(parse_token_lifetime(expires).map_err(|e| refuse(e.to_string()))?)
        };
        Ok(TokenRequest {
            name,
            scope: TokenScope::new(apps, self.read_only.is_some()),
            lifetime,
        })
    }
}

/// `POST /tokens/create` (admins, with the CSRF token): the answer is the tokens page with the
/// new secret on it, once.
pub(super) async fn create(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let request = form.parse()?;
    let expires_at = request
        .lifetime
        .map(|lifetime| token_expires_at(wharf_store::unix_now(), lifetime));
    let store = &state.auth.store;
    let event = NewEvent::server_wide(signed.actor(), "tokens create", request.name.as_str());
    let new = store
        .recorded(event, || {
            store.create_token(&request.name, &request.scope, expires_at)
        })
        .map_err(|err| PageError::from(err).back_to(PATH))?;
    tracing::info!(user = %signed.user.name, token = %request.name, scope = %request.scope, "dashboard: token created");
    let page = tokens_page(&state, &signed, Some(&new), None)?;
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    name: String,
}

/// `POST /tokens/revoke` (admins, with the CSRF token).
pub(super) async fn revoke(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim();
    let store = &state.auth.store;
    let event = NewEvent::server_wide(signed.actor(), "tokens revoke", name);
    store
        .recorded(event, || store.revoke_token(name))
        .map_err(|err| PageError::from(err).back_to(PATH))?;
    tracing::info!(user = %signed.user.name, token = %name, "dashboard: token revoked");
    Ok(Redirect::to(&format!("{PATH}?done=revoked")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, apps: &str, read_only: bool, expires: &str) -> CreateForm {
        CreateForm {
            name: name.into(),
            apps: apps.into(),
            read_only: read_only.then(|| "on".into()),
            expires: expires.into(),
        }
    }

    #[test]
    fn the_form_is_parsed_as_the_command_line_is() {
        let request = form(" ci ", "shop, blog  blog", true, "30d")
            .parse()
            .unwrap();
        assert_eq!(request.name.as_str(), "ci");
        assert_eq!(request.scope.to_string(), "apps blog,shop, read-only");
        assert_eq!(
            request.lifetime,
            Some(std::time::Duration::from_secs(30 * 86_400))
        );
        let admin = form("laptop", "", false, "").parse().unwrap();
        assert!(admin.scope.is_admin());
        assert_eq!(admin.lifetime, None);
    }

    #[test]
    fn a_bad_field_is_refused_in_the_parsers_words() {
        for (bad, words) in [
            (form("a b", "", false, ""), "1-64 letters"),
            (form("", "", false, ""), "1-64 letters"),
            (form("ci", "Bad_App", false, ""), "Bad_App"),
            (form("ci", "", false, "30"), "has no unit"),
        ] {
            let err = bad.parse().unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(err.message.contains(words), "{}", err.message);
            assert_eq!(err.back.as_deref(), Some(PATH));
        }
    }
}
