//! The dashboard's users, for admins: the list (name, role, created, password changed, second
//! factor on or off, open sessions), a form adding one (an admin or a viewer) and, by each user, a new password and
//! removal. As `wharf users` does it, in the store directly: names are `UserName`s, passwords
//! are `generate_password`'s, shown once on the page answering the form; a new password or a
//! removal ends the user's sessions at once. An admin cannot remove themself here (another
//! admin can), and the store keeps the last admin.

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
use wharf_store::NewEvent;
use wharf_store::{Role, UserName, generate_password};

pub(super) const PATH: &str = "/users";
pub(super) const ADD: &str = "/users/add";
pub(super) const REMOVE: &str = "/users/remove";
pub(super) const PASSWD: &str = "/users/passwd";

/// A password to show once, and for whom.
struct NewPassword<'a> {
    heading: String,
    user: &'a str,
    password: &'a str,
    own: bool,
}

/// `GET /users` (admins).
pub(super) async fn page_of(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Query(query): Query<Done>,
) -> Result<Markup, PageError> {
    let notice = query.said(&[("removed", "User removed: their sessions have ended.")]);
    users_page(&state, &signed, None, notice)
}

fn users_page(
    state: &State,
    signed: &Signed,
    shown: Option<NewPassword<'_>>,
    notice: Option<&str>,
) -> Result<Markup, PageError> {
    let store = &state.auth.store;
    let now = wharf_store::unix_now();
    let users = store.users()?;
    let sessions = store.open_sessions(now, state.auth.limits)?;
    Ok(page(
        "Users",
        Some(signed),
        html! {
            h1 { "Users" }
            (notice::shown(notice))
            @if let Some(shown) = shown {
                section.secret #password-shown role="status" aria-labelledby="password-heading" {
                    h2 #password-heading { (shown.heading) }
                    p { "The password of " code { (shown.user) } " is shown only this once: copy it now and hand it over safely." }
                    code.wrap.secret-value #user-password { (shown.password) }
                    @if shown.own { p.hint { "Your own sessions have ended too: sign in again with it." } }
                }
            }
            table.cards #users {
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Created" }
                    th scope="col" { "Password set" } th scope="col" { "2FA" } th scope="col" { "Sessions" }
                    th scope="col" { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for user in &users {
                        @let me = user.id == signed.user.id;
                        tr {
                            th scope="row" data-label="Name" {
                                code.name { (user.name) }
                                @if me { " " span.muted { "(you)" } }
                            }
                            td data-label="Role" { (user.role) }
                            td data-label="Created" { (when(user.created_at, now)) }
                            td data-label="Password set" { (when(user.password_changed_at, now)) }
                            td data-label="2FA" {
                                @if user.totp_enabled_at.is_some() { "on" } @else { span.muted { "off" } }
                            }
                            td data-label="Sessions" { (sessions.get(&user.id).copied().unwrap_or(0)) " open" }
                            td.row-actions {
                                form.inline method="post" action=(PASSWD) {
                                    (csrf_field(signed))
                                    input type="hidden" name="name" value=(user.name);
                                    button.small type="submit" aria-label={"New password for " (user.name)} { "New password" }
                                }
                                @if !me {
                                    form.inline method="post" action=(REMOVE) {
                                        (csrf_field(signed))
                                        input type="hidden" name="name" value=(user.name);
                                        button.small.danger type="submit" aria-label={"Remove " (user.name)} { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a user" }
            form.fields #user-add method="post" action=(ADD) {
                (csrf_field(signed))
                div {
                    label for="user-name" { "Name" }
                    input #user-name type="text" name="name" required maxlength="32" autocomplete="off"
                        autocapitalize="none" spellcheck="false" pattern="[a-z0-9][a-z0-9._\\-]{0,31}" placeholder="grace";
                }
                div {
                    label for="user-role" { "Role" }
                    select #user-role name="role" {
                        option value="viewer" selected { "viewer: sees, changes nothing" }
                        option value="admin" { "admin: sees and changes everything" }
                    }
                }
                button type="submit" { "Add user" }
            }
            p.hint { "Wharf makes up the password and shows it once. The same as " code { "wharf users add NAME [--viewer]" } "." }
            p.hint { "A second factor (an authenticator app's codes, and recovery codes) is turned on and off on the server: " code { "wharf users totp NAME [--disable]" } "." }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// The role the form chose: `admin` or `viewer`, nothing else.
fn role(given: &str) -> Result<Role, PageError> {
    match given {
        "admin" => Ok(Role::Admin),
        "viewer" => Ok(Role::Viewer),
        other => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            format!("`{other}` is not a role: choose admin or viewer."),
        )
        .back_to(PATH)),
    }
}

/// `POST /users/add` (admins, with the CSRF token): the answer is the users page with the new
/// password on it, once.
pub(super) async fn add(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    let name = UserName::parse(form.name.trim()).map_err(|e| PageError::from(e).back_to(PATH))?;
    let role = role(&form.role)?;
    let password = generate_password();
    let store = state.auth.store.clone();
    let created = {
        let (name, password) = (name.clone(), password.clone());
        // argon2 takes a while: off the async threads.
        let event = NewEvent::server_wide(signed.actor(), "users add", name.as_str());
        tokio::task::spawn_blocking(move || {
            store.recorded(event, || store.create_user(&name, &password, role))
        })
        .await
        .map_err(PageError::internal)?
    };
    created.map_err(|e| PageError::from(e).back_to(PATH))?;
    tracing::info!(user = %signed.user.name, added = %name, %role, "dashboard: user added");
    let shown = NewPassword {
        heading: format!("Added {role} {name}"),
        user: name.as_str(),
        password: &password,
        own: false,
    };
    Ok(users_page(&state, &signed, Some(shown), None)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NameForm {
    #[serde(default)]
    name: String,
}

/// `POST /users/passwd` (admins, with the CSRF token): a new generated password, shown once;
/// the user's sessions end (yours too, if it is yours).
pub(super) async fn passwd(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<NameForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim().to_string();
    let password = generate_password();
    let store = state.auth.store.clone();
    let changed = {
        let (name, password) = (name.clone(), password.clone());
        let event = NewEvent::server_wide(signed.actor(), "users passwd", &name);
        tokio::task::spawn_blocking(move || {
            store.recorded(event, || store.set_user_password(&name, &password))
        })
        .await
        .map_err(PageError::internal)?
    };
    changed.map_err(|e| PageError::from(e).back_to(PATH))?;
    tracing::info!(user = %signed.user.name, changed = %name, "dashboard: user password changed");
    let shown = NewPassword {
        heading: format!("New password for {name}"),
        user: &name,
        password: &password,
        own: name == signed.user.name,
    };
    Ok(users_page(&state, &signed, Some(shown), None)?.into_response())
}

/// `POST /users/remove` (admins, with the CSRF token): not yourself.
pub(super) async fn remove(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Form(form): Form<NameForm>,
) -> Result<Response, PageError> {
    let name = form.name.trim();
    if name == signed.user.name {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "You cannot remove yourself: another admin can, here or with `wharf users remove NAME` on the server.",
        )
        .back_to(PATH));
    }
    let store = &state.auth.store;
    let event = NewEvent::server_wide(signed.actor(), "users remove", name);
    store
        .recorded(event, || store.remove_user(name))
        .map_err(|e| PageError::from(e).back_to(PATH))?;
    tracing::info!(user = %signed.user.name, removed = %name, "dashboard: user removed");
    Ok(Redirect::to(&format!("{PATH}?done=removed")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_roles_are_taken() {
        assert_eq!(role("admin").unwrap(), Role::Admin);
        assert_eq!(role("viewer").unwrap(), Role::Viewer);
        for bad in ["", "Admin", "root"] {
            let err = role(bad).unwrap_err();
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert!(
                err.message.contains("choose admin or viewer"),
                "{}",
                err.message
            );
        }
    }
}
