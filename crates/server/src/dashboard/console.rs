//! An app's console, for admins: a one-off command (`wharf run`) in the browser, in a
//! terminal (the vendored xterm.js) that `console.js` connects to the command over a websocket
//! (`console_socket`). The command line is a field of the page (`sh` unless changed); it runs
//! with a TTY sized to the terminal. With JavaScript off, the page gives the `wharf run`
//! command line to use instead.

use super::error::PageError;
use super::layout::page_with_head;
use super::session::Signed;
use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::html;

/// The command the field holds at first.
pub(super) const DEFAULT_COMMAND: &str = "sh";

/// The console page's Content-Security-Policy: the dashboard's, with inline styles allowed.
/// xterm.js draws its rows in the DOM and writes its theme and cell size into `<style>` elements
/// it makes at run time (values it measures, so no hash can name them), which the dashboard's
/// `style-src 'self'` would block, leaving the terminal unstyled. Scripts stay the dashboard's own
/// only; every text on the page is escaped by maud, and the command's output is drawn by
/// xterm.js as text.
const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's path for `app`.
pub(super) fn link(app: &str) -> String {
    format!("/apps/{app}/console")
}

/// `GET /apps/{app}/console`.
pub(super) async fn page(
    Extension(signed): Extension<Signed>,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    let name = super::app_page::known_name(&app)?;
    let app = name.0.as_str();
    let head = html! {
        link rel="stylesheet" href=(super::assets::TERMINAL_STYLESHEET);
        script src=(super::assets::TERMINAL_SCRIPT) defer {}
        script src=(super::assets::CONSOLE_SCRIPT) defer {}
    };
    let main = html! {
        nav.crumbs aria-label="Breadcrumb" {
            a href="/" { "Overview" } " / "
            a href={"/apps/" (app)} { (app) } " / "
            span aria-current="page" { "Console" }
        }
        h1 { "Console" }
        p.muted {
            "A one-off command in a new container of " (app) "'s active release, as "
            code { "wharf run" } " runs it. The container is removed when the command ends or this page is closed."
        }
        noscript {
            p.notice {
                "The console needs JavaScript. From a terminal, run the same with: "
                code.wrap { "wharf run " (app) " -- " (DEFAULT_COMMAND) }
            }
        }
        // Shown by console.js: without it the form could do nothing.
        form.fields #console-form hidden {
            div {
                label for="console-command" { "Command" }
                input #console-command type="text" name="command" value=(DEFAULT_COMMAND)
                    autocomplete="off" autocapitalize="off" spellcheck="false" required;
            }
            button type="submit" { "Run" }
        }
        p #console-status role="status" aria-live="polite" {}
        div #terminal.console-terminal data-socket=(socket_path(app)) {}
    };
    let mut response =
        page_with_head(&format!("Console · {app}"), Some(&signed), head, main).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONSOLE_POLICY),
    );
    Ok(response)
}

/// The websocket's path for `app`.
fn socket_path(app: &str) -> String {
    format!("/apps/{app}/console/socket")
}
