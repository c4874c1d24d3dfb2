//! The dashboard's assets, compiled into the binary: its stylesheet and its one script, which
//! follows live output (pages are whole without it).

use axum::http::header;
use axum::response::IntoResponse;

pub(super) const STYLESHEET: &str = "/assets/style.css";
pub(super) const SCRIPT: &str = "/assets/live.js";

pub(super) async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("style.css"),
    )
}

pub(super) async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("live.js"),
    )
}
