//! `/api/openapi.json`: the OpenAPI document of the API this binary serves, public like the
//! documentation (it describes routes, never data). Made from the handlers' types by
//! `wharf_api::ApiDoc`, the same document docs/api/openapi.json holds and a contract test keeps
//! equal to it, so the two cannot drift.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;
use utoipa::OpenApi;

/// Where the document is served.
pub(super) const PATH: &str = "/api/openapi.json";

/// The document, rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut document = wharf_api::ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"the OpenAPI document: {error}\"}}"));
    // As docs/api/openapi.json ends, so the two are the same bytes.
    document.push('\n');
    document
});

/// The document, as JSON.
pub(super) async fn document() -> Response {
    let mut response = DOCUMENT.as_str().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
