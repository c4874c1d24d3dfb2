//! The domains an app is served on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An app's domains, by where they come from: what `GET /v1/apps/{app}/domains` lists, and
/// what adding or removing one answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppDomains {
    /// From the Dockerfile (`# wharf.domain`) of the release serving now.
    pub dockerfile: Vec<String>,
    /// Added by `wharf domains add`.
    pub added: Vec<String>,
}

/// `POST /v1/apps/{app}/domains`: serve the app on one more domain, at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddDomainRequest {
    pub domain: String,
}
