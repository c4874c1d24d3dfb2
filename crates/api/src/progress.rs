//! Deploys, and the progress stream that every change which deploys answers with.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wharf_domain::{AppName, ImageRef, ImageSettings};

/// The query of `POST /v1/deploy`, whose body is the build context as a tar stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeployQuery {
    /// The app to deploy; else the Dockerfile's `# wharf.app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The git commit the context was made from (pushes set it): 4 to 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// The body of `POST /v1/apps/{app}/image`: deploy a prebuilt image as the app's new release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImageDeployRequest {
    /// A Docker image reference (`ghcr.io/team/app:1.2`), pulled unless it is on the server.
    #[schema(value_type = String)]
    pub image: ImageRef,
    /// The settings an app built from source writes as `# wharf.KEY = VALUE` in its
    /// Dockerfile, as `KEY=VALUE` (`port=8080`, `domain=example.com`).
    #[serde(default, skip_serializing_if = "ImageSettings::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub settings: ImageSettings,
}

/// One line of a progress stream (`application/x-ndjson`): `{"line": "..."}` events as the
/// work goes, then exactly one `{"done": ...}` or `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProgressEvent {
    /// A line of build or deploy output.
    Line(String),
    /// The work succeeded.
    Done(Outcome),
    /// The work failed: why.
    Error(String),
}

/// How a change that may deploy ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Outcome {
    /// A new release serves.
    Deployed(Deployed),
    /// Nothing was deployed, and why (stored for the next deploy, unchanged...).
    Message(Message),
}

/// A release that now serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deployed {
    #[schema(value_type = String)]
    pub app: AppName,
    /// The release's number.
    pub version: u32,
    /// Where it is served; empty when the app has no domain.
    pub urls: Vec<String>,
}

/// A change that deployed nothing, said in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub message: String,
}

impl Outcome {
    /// An outcome that deployed nothing.
    pub fn message(text: impl Into<String>) -> Outcome {
        Outcome::Message(Message {
            message: text.into(),
        })
    }
}
