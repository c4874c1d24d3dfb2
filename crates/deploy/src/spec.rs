//! A release's config snapshot: what the Dockerfile said, frozen when the release was made.

use serde::{Deserialize, Serialize};
use wharf_domain::AppConfig;

/// The config a release runs with. Stored as JSON beside the release and never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    pub config: AppConfig,
}

impl ReleaseSpec {
    /// How many containers serve the web process: `scale` replicas, or one for `scale = 0`.
    pub fn replicas(&self) -> u32 {
        self.config.scale.max(1)
    }

    /// Zero-downtime deploys need `scale >= 1`; `scale = 0` replaces the one container in place.
    pub fn zero_downtime(&self) -> bool {
        self.config.scale >= 1
    }

    /// The domains the release is served on, as strings.
    pub fn domains(&self) -> Vec<String> {
        self.config
            .domains
            .iter()
            .map(|d| d.as_str().to_string())
            .collect()
    }

    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    pub fn from_json(json: &str) -> Result<ReleaseSpec, serde_json::Error> {
        serde_json::from_str(json)
    }
}
