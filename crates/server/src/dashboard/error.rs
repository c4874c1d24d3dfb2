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

impl From<wharf_store::StoreError> for PageError {
    fn from(err: wharf_store::StoreError) -> PageError {
        PageError::internal(err)
    }
}
