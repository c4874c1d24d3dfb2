//! The domains an app is served on.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wharf_domain::{DomainName, WebAddress};

/// An app's domains, by where they come from: what `GET /v1/apps/{app}/domains` lists, and
/// what adding or removing one answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppDomains {
    /// From the Dockerfile (`# wharf.domain`) of the release serving now: a domain, or a
    /// domain and a path (`example.com/blog`).
    #[schema(value_type = Vec<String>)]
    pub dockerfile: Vec<WebAddress>,
    /// Added by `wharf domains add`.
    #[schema(value_type = Vec<String>)]
    pub added: Vec<DomainName>,
}

/// `POST /v1/apps/{app}/domains`: serve the app on one more domain, at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddDomainRequest {
    #[schema(value_type = String)]
    pub domain: DomainName,
}
