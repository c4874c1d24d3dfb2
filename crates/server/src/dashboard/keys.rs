//! SSH keys that may `git push`, for admins: the list (name, fingerprint, added), a form adding
//! a pasted public key and a button removing each. A change goes through `PushKeys`, as
//! `wharf keys add/remove` does: the store, then the `wharf` user's authorized_keys rewritten
//! from it (the key confined to `wharf ssh-command NAME`), undone in the store when the file
//! cannot be written. Without an authorized_keys file to write (no `wharf` user and no
//! `--authorized-keys`), the page lists the keys and says why it cannot change them.

use super::State;
use super::error::PageError;
use super::layout::{csrf_field, page, when};
use super::notice::{self, Done};
use super::session::Signed;
use crate::push_keys::{PushKeyError, PushKeys};
use axum::extract::{Query, State as Reach};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_git::PublicKey;
use wharf_store::NewEvent;

pub(super) const PATH: &str = "/keys";
pub(super) const ADD: &str = "/keys/add";
pub(super) const REMOVE: &str = "/keys/remove";

/// A public key is one line; a form field much longer than this holds none.
const MAX_KEY_BYTES: usize = 16 * 1024;

/// `GET /keys` (admins).
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let keys = state.auth.store.keys()?;
    let push = state.api.git.push_keys();
    let now = wharf_store::unix_now();
    let notice = query.said(&[
        ("added", "Key added: it may push now."),
        ("removed", "Key removed: it can no longer push or connect."),
    ]);
    Ok(page(
        "SSH keys",
        Some(&signed),
        html! {
            h1 { "SSH keys" }
            (notice::shown(notice))
            @if push.is_none() { p.error role="alert" #no-authorized-keys { (no_file_message()) } }
            @if keys.is_empty() {
                p.empty { "No keys yet. Add one below, or with " code { "wharf keys add NAME < key.pub" } " on the server." }
            } @else {
                table.cards #keys {
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Fingerprint" } th scope="col" { "Added" }
                        th scope="col" { span.visually-hidden { "Actions" } }
                    } }
                    tbody {
                        @for key in &keys {
                            tr {
                                th scope="row" data-label="Name" { code.name { (key.name) } }
                                td data-label="Fingerprint" { code.hash { (key.fingerprint) } }
                                td data-label="Added" { (when(key.created_at, now)) }
                                td.row-actions {
                                    @if push.is_some() {
                                        form.inline method="post" action=(REMOVE) {
                                            (csrf_field(&signed))
                                            input type="hidden" name="name" value=(key.name);
                                            button.small.danger type="submit" aria-label={"Remove " (key.name)} { "Remove" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(push) = &push {
                h2 { "Add a key" }
                form.fields.wide #key-add method="post" action=(ADD) {
                    (csrf_field(&signed))
                    div {
                        label for="key-name" { "Name" }
                        input #key-name type="text" name="name" required maxlength="64" autocomplete="off"
                            autocapitalize="none" spellcheck="false" placeholder="alice-laptop";
                    }
                    div.full {
                        label for="key-public" { "Public key " span.muted { "(the .pub file's line)" } }
                        textarea #key-public name="public_key" required rows="3" spellcheck="false"
                            autocapitalize="none" placeholder="ssh-ed25519 AAAA… alice@laptop" {}
                    }
                    button type="submit" { "Add key" }
                }
                p.hint {
                    "The key may then push (" code { "git push wharf@THIS-SERVER:APP main" } ") and run Wharf's SSH commands, nothing else. "
                    "Written to " code.wrap { (push.authorized_keys().display()) } "."
                }
            }
        },
    ))
}

fn no_file_message() -> &'static str {
    "This server has no authorized_keys file to write keys to: there is no `wharf` user (`wharf init` makes one), and the server was not started with --authorized-keys PATH. Keys can be listed here but not changed."
}

/// Where keys are written, or why they cannot be.
fn push_keys(state: &State) -> Result<PushKeys, PageError> {
    state
        .api
        .git
        .push_keys()
        .ok_or_else(|| PageError::new(StatusCode::CONFLICT, no_file_message()).back_to(PATH))
}

fn refused(err: PushKeyError) -> PageError {
    let error = match err {
        PushKeyError::Store(err) => PageError::from(err),
        PushKeyError::Name(err) => PageError::new(
            StatusCode::BAD_REQUEST,
            super::error::capitalised(&err.to_string()),
        ),
        err @ (PushKeyError::Corrupt { .. } | PushKeyError::File(_)) => PageError::internal(err),
    };
    error.back_to(PATH)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    public_key: String,
}

/// The pasted key, parsed where it enters; an empty or oversized field is named as such.
fn pasted_key(text: &str) -> Result<PublicKey, PageError> {
    let refuse = |message: String| {
        PageError::new(StatusCode::BAD_REQUEST, super::error::capitalised(&message)).back_to(PATH)
    };
    if text.trim().is_empty() {
        return Err(refuse(
            "No public key given: paste the line of your .pub file (ssh-ed25519 AAAA… you@host)"
                .into(),
        ));
    }
    if text.len() > MAX_KEY_BYTES {
        return Err(refuse(
            "That is far too long for a public key: paste the one line of your .pub file".into(),
        ));
    }
    PublicKey::parse(text).map_err(|e| refuse(e.to_string()))
}

/// `POST /keys/add` (admins, with the CSRF token).
pub(super) async fn add(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim();
    wharf_git::check_key_name(name).map_err(|e| refused(PushKeyError::Name(e)))?;
    let key = pasted_key(&form.public_key)?;
    let push = push_keys(&state)?;
    let store = &state.auth.store;
    let event = NewEvent::server_wide(signed.actor(), "keys add", name);
    let record = store
        .recorded(event, || push.add(store, name, &key))
        .map_err(refused)?;
    tracing::info!(user = %signed.user.name, key = %record.name, fingerprint = %record.fingerprint, "dashboard: SSH key added");
    Ok(Redirect::to(&format!("{PATH}?done=added")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RemoveForm {
    #[serde(default)]
    name: String,
}

/// `POST /keys/remove` (admins, with the CSRF token).
pub(super) async fn remove(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim();
    let push = push_keys(&state)?;
    let store = &state.auth.store;
    let event = NewEvent::server_wide(signed.actor(), "keys remove", name);
    store
        .recorded(event, || push.remove(store, name))
        .map_err(refused)?;
    tracing::info!(user = %signed.user.name, key = %name, "dashboard: SSH key removed");
    Ok(Redirect::to(&format!("{PATH}?done=removed")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_key_is_checked_and_an_empty_one_named() {
        let err = pasted_key("  \n").unwrap_err();
        assert!(
            err.message.starts_with("No public key given"),
            "{}",
            err.message
        );
        let err = pasted_key("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n").unwrap_err();
        assert!(err.message.contains("private key"), "{}", err.message);
        assert_eq!(err.back.as_deref(), Some(PATH));
        let key = pasted_key(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG43CYLTbltdlwlI4qb3nrFR5ms6j2ebb172RSLBE4NS me\n",
        )
        .unwrap();
        assert!(key.fingerprint().starts_with("SHA256:"));
    }
}
