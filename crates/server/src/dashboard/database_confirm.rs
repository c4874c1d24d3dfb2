//! The two changes to a database that cannot be undone, each behind a page that asks the
//! admin to type the database's name: restoring a backup over its data (`GET
//! /databases/{name}/restore?backup=FILE`, then the API's `POST
//! /v1/services/{name}/restore?backup=FILE`: one of its stored backups, never an uploaded
//! file), and destroying it (`GET /databases/{name}/destroy`, then the API's `DELETE
//! /v1/services/{name}`, its data volume kept unless asked). A typed name that does not match
//! changes nothing and says so.

use super::State;
use super::databases::{self, known_name, page_link};
use super::error::PageError;
use super::layout::{bytes, csrf_field, page, when};
use super::session::Signed;
use super::through_api::{self, Sent};
use crate::api::params::ServicePath;
use axum::extract::{Path, Query, State as Reach};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;
use wharf_api::paths;
use wharf_domain::ServiceName;

/// The confirmation page of restoring `file` into the database `name`.
pub(super) fn restore_link(name: &str, file: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("backup", file)
        .finish();
    format!("{}/restore?{query}", page_link(name))
}

/// The backup to restore, as a query (the confirmation page).
#[derive(Debug, Default, Deserialize)]
pub(super) struct RestoreQuery {
    #[serde(default)]
    backup: String,
}

/// The confirmation form of a restore.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RestoreForm {
    #[serde(default)]
    backup: String,
    #[serde(default)]
    typed: String,
}

/// The confirmation form of a destroy.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DestroyForm {
    #[serde(default)]
    typed: String,
    /// `on` when the data volume goes too.
    #[serde(default)]
    purge: Option<String>,
}

/// `typed` is the name of `service`, or an error saying it is not and that `what` did not
/// happen.
fn typed_matches(
    typed: &str,
    service: &ServiceName,
    what: &str,
    back: &str,
) -> Result<(), PageError> {
    let typed = typed.trim();
    if typed == service.as_str() {
        return Ok(());
    }
    let said = if typed.is_empty() {
        "No name was typed".to_string()
    } else {
        format!("The name typed, `{typed}`, is not `{service}`")
    };
    Err(PageError::new(
        StatusCode::BAD_REQUEST,
        format!("{said}: {what}. Type the database's name exactly to confirm."),
    )
    .back_to(back))
}

/// The stored backup `file` of `service`, or an error naming it.
async fn stored_backup(
    state: &State,
    service: &ServiceName,
    file: &str,
    back: &str,
) -> Result<wharf_api::Backup, PageError> {
    let backups = super::database_backups::read(state, ServicePath(service.clone())).await?;
    backups
        .into_iter()
        .find(|b| b.error.is_none() && b.file.as_deref() == Some(file))
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                format!("{service} has no backup named `{file}`: pick one listed on its page."),
            )
            .back_to(back)
        })
}

/// The form both confirmations end with: the name to type, and the button.
fn typed_field(service: &ServiceName) -> Markup {
    html! {
        div {
            label for="confirm-name" { "Type " code { (service) } " to confirm" }
            input #confirm-name type="text" name="typed" required autocomplete="off"
                autocapitalize="none" spellcheck="false";
        }
    }
}

fn crumbs(service: &ServiceName, here: &str) -> Markup {
    html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href=(databases::PATH) { "Databases" } " / "
            a href=(page_link(service.as_str())) { (service) } " / "
            span aria-current="page" { (here) }
        }
    }
}

/// `GET /databases/{name}/restore?backup=FILE` (admins): what the restore will do, and its
/// form.
pub(super) async fn restore_confirm(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Query(query): Query<RestoreQuery>,
) -> Result<Markup, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = page_link(service.as_str());
    let backup = stored_backup(&state, &service, query.backup.trim(), &back).await?;
    let file = backup.file.clone().unwrap_or_default();
    let now = wharf_store::unix_now();
    let title = format!("Restore {service} from a backup?");
    Ok(page(
        &title,
        Some(&signed),
        html! {
            (crumbs(&service, "Restore"))
            h1 { (title) }
            section.confirm aria-label="Confirm the restore" {
                dl.facts #restore-backup {
                    dt { "Backup" } dd { code.wrap { (file) } }
                    dt { "Made" } dd { (when(backup.started_at, now)) }
                    dt { "Size" } dd { (bytes(backup.size.unwrap_or(0).max(0) as u64)) }
                    dt { "Verified" } dd { (databases::backup_state(&backup)) }
                }
                p { "The backup is loaded into " strong { (service) } ": what it holds replaces what the database holds now. This cannot be undone; back up now first to keep today's data." }
                form.fields method="post" action={(back) "/restore"} {
                    (csrf_field(&signed))
                    input type="hidden" name="backup" value=(file);
                    (typed_field(&service))
                    button type="submit" { "Restore" }
                    a href=(back) { "Cancel" }
                }
            }
        },
    ))
}

/// `POST /databases/{name}/restore` (admins, with the CSRF token and the name typed).
pub(super) async fn restore(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let file = form.backup.trim();
    let back = restore_link(service.as_str(), file);
    typed_matches(&form.typed, &service, "nothing was restored", &back)?;
    stored_backup(&state, &service, file, &page_link(service.as_str())).await?;
    tracing::info!(user = %signed.user.name, %service, file, "dashboard: database restore");
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("backup", file)
        .finish();
    through_api::send(
        &state,
        &signed,
        Method::POST,
        &format!(
            "{}?{query}",
            paths::fill(paths::SERVICE_RESTORE, &[service.as_str()])
        ),
        Sent::Nothing,
        &back,
    )
    .await?;
    Ok(Redirect::to(&format!("{}?done=restored", page_link(service.as_str()))).into_response())
}

/// `GET /databases/{name}/destroy` (admins): what destroying it does, and its form.
pub(super) async fn destroy_confirm(
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
) -> Result<Markup, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = page_link(service.as_str());
    let title = format!("Destroy {service}?");
    Ok(page(
        &title,
        Some(&signed),
        html! {
            (crumbs(&service, "Destroy"))
            h1 { (title) }
            section.confirm aria-label="Confirm destroying the database" {
                p { "Its container and network are removed. A database still linked to an app is not destroyed: unlink it first. Its backups are kept." }
                form.fields method="post" action={(back) "/destroy"} {
                    (csrf_field(&signed))
                    (typed_field(&service))
                    label.check {
                        input type="checkbox" name="purge";
                        " Delete its data volume too"
                    }
                    button type="submit" { "Destroy" }
                    a href=(back) { "Cancel" }
                }
            }
        },
    ))
}

/// `POST /databases/{name}/destroy` (admins, with the CSRF token and the name typed).
pub(super) async fn destroy(
    Reach(state): Reach<State>,
    Extension(signed): Extension<Signed>,
    Path(name): Path<String>,
    Form(form): Form<DestroyForm>,
) -> Result<Response, PageError> {
    let ServicePath(service) = known_name(&name)?;
    let back = format!("{}/destroy", page_link(service.as_str()));
    typed_matches(&form.typed, &service, "nothing was destroyed", &back)?;
    let purge = form.purge.is_some();
    tracing::info!(user = %signed.user.name, %service, purge, "dashboard: database destroy");
    let path = paths::fill(paths::SERVICE, &[service.as_str()]);
    let path = if purge {
        format!("{path}?purge=true")
    } else {
        path
    };
    through_api::send(&state, &signed, Method::DELETE, &path, Sent::Nothing, &back).await?;
    Ok(Redirect::to(&format!("{}?done=destroyed", databases::PATH)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_name_confirms() {
        let db = ServiceName::parse("blog-db").unwrap();
        assert!(typed_matches(" blog-db ", &db, "nothing was restored", "/").is_ok());
        let err = typed_matches("blog", &db, "nothing was restored", "/back").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            err.message,
            "The name typed, `blog`, is not `blog-db`: nothing was restored. Type the database's name exactly to confirm."
        );
        assert_eq!(err.back.as_deref(), Some("/back"));
        let err = typed_matches("", &db, "nothing was destroyed", "/").unwrap_err();
        assert!(
            err.message.starts_with("No name was typed"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_backup_name_is_encoded_in_the_restore_link() {
        assert_eq!(
            restore_link("db", "db-1 &x.dump"),
            "/databases/db/restore?backup=db-1+%26x.dump"
        );
    }
}
