//! An app's config vars and rollbacks.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// `GET /v1/apps/{app}/config` (and what `wharf config show --json` prints): the app's config
/// vars by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfigVars {
    /// Values are eight stars unless revealed (an empty value stays empty).
    pub vars: BTreeMap<String, String>,
}

/// The query of `GET /v1/apps/{app}/config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfigQuery {
    /// Show the values (read-only tokens may not ask for them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reveal: bool,
}

/// `POST /v1/apps/{app}/config`: set and unset vars, then deploy a release with them (unless
/// `no_restart`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfigChangeRequest {
    /// `KEY=VALUE` assignments.
    #[serde(default)]
    pub set: Vec<String>,
    /// Names of vars to remove.
    #[serde(default)]
    pub unset: Vec<String>,
    /// Store the change without deploying (Dokku's `--no-restart`).
    #[serde(default)]
    pub no_restart: bool,
}

/// `POST /v1/apps/{app}/rollback`: deploy an earlier release's image and config again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RollbackRequest {
    /// The release to go back to; the one before the active release when `null`.
    #[serde(default)]
    pub version: Option<u32>,
}
