//! One error type for the dashboard's pages: a status and a sentence, answered as a page.

use crate::api::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

#[derive(Debug)]
pub(super) struct PageError {
    pub status: StatusCode,
    pub message: String,
    /// The page to go back to (the overview when `None`).
    pub back: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
            back: None,
        }
    }

    /// The same error, with a link back to the local page `path` (where the form was).
    pub fn back_to(mut self, path: &str) -> PageError {
        self.back = Some(path.to_string());
        self
    }

    pub fn internal(message: impl std::fmt::Display) -> PageError {
        tracing::error!(error = %message, "dashboard");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server; its log says what.",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self
            .status
            .canonical_reason()
            .unwrap_or("Error")
            .to_string();
        let body = html! {
            h1 { (title) }
            p.error role="alert" { (self.message) }
            p {
                @match &self.back {
                    Some(back) => { a href=(back) { "Back" } }
                    None => { a href="/" { "Back to the overview" } }
                }
            }
        };
        (self.status, super::layout::page(&title, None, body)).into_response()
    }
}

impl From<ApiError> for PageError {
    fn from(err: ApiError) -> PageError {
        if err.status.is_server_error() {
            tracing::warn!(error = %err.message, "dashboard: an API handler failed");
        }
        PageError::new(err.status, err.message)
    }
}

/// A refusal of the store (a name taken or unknown, a bad name, the last admin) is the
/// user's to fix, in the store's words; anything else is the server's.
impl From<wharf_store::StoreError> for PageError {
    fn from(err: wharf_store::StoreError) -> PageError {
        use wharf_store::StoreError as E;
        let status = match &err {
            E::NoSuchToken(_) | E::NoSuchKey(_) | E::NoSuchUser(_) => StatusCode::NOT_FOUND,
            E::TokenExists(_) | E::KeyExists(_) | E::KeyAlreadyAdded(_) | E::UserExists(_) => {
                StatusCode::CONFLICT
            }
            E::BadTokenName(_) | E::BadUserName(_) | E::LastAdmin(_) | E::WeakPassword(_) => {
                StatusCode::BAD_REQUEST
            }
            _ => return PageError::internal(err),
        };
        PageError::new(status, capitalised(&err.to_string()))
    }
}

/// A message as a sentence: its first letter upper case, a full stop at its end.
pub(super) fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_store::StoreError;

    #[test]
    fn the_stores_refusals_are_the_users_to_fix_and_said_as_sentences() {
        let err = PageError::from(StoreError::NoSuchUser("bob".into()));
        assert_eq!(err.status, StatusCode::NOT_FOUND);
        assert!(
            err.message.starts_with("There is no user named `bob`"),
            "{}",
            err.message
        );
        assert!(err.message.ends_with('.'), "{}", err.message);
        let err = PageError::from(StoreError::LastAdmin("ada".into()));
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        let err = PageError::from(StoreError::TokenExists("ci".into()));
        assert_eq!(err.status, StatusCode::CONFLICT);
        let err = PageError::from(StoreError::Corrupt("x".into()));
        assert_eq!(err.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!err.message.contains('x'));
    }
}
