//! `/metrics`: what the proxy served each app, and a few facts about the daemon, in
//! Prometheus' text exposition format, read from the proxy's one source of traffic counts
//! (`Router::traffic`). On the API listener and at `--api-domain` it is an API route like any
//! other (a bearer token, read-only is enough); `--metrics-listen ADDR` serves it alone,
//! without a token, on an address the operator chooses (see [`routes`]).

mod exposition;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::{ApiError, ApiState};
pub use exposition::{CONTENT_TYPE, DaemonFacts, render};

/// `GET /metrics`.
pub async fn scrape(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let apps = state.deployer.store().apps()?.len();
    let facts = DaemonFacts {
        version: env!("CARGO_PKG_VERSION"),
        apps,
    };
    let body = render(&state.deployer.router().traffic(), &facts);
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response())
}

/// `/metrics` alone, without a token: for `--metrics-listen`.
pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route(wharf_api::paths::METRICS, get(scrape))
        .with_state(state)
}
