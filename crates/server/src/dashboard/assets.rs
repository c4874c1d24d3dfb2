//! The dashboard's only asset, its stylesheet, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

pub(super) const STYLESHEET: &str = "/assets/style.css";

pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("style.css"),
    )
}
