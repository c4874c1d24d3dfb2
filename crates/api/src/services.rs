//! Database services, their links, backups and restores.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use wharf_domain::NodeName;

/// `POST /v1/services`: create a database service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateServiceRequest {
    /// The kind of database: `postgres`, `mysql`, `mariadb`, `redis`...
    pub kind: String,
    pub name: String,
    /// The image tag; the kind's default when `null`.
    #[serde(default)]
    pub version: Option<String>,
    /// Another image with the same interface as the official one (a mirror, say).
    #[serde(default)]
    pub image: Option<String>,
    /// In a cluster: the node (its name, as `wharf nodes` shows it) the database runs on,
    /// pinned there with its volume; the manager when `null`. Not for redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "node2")]
    pub node: Option<NodeName>,
}

/// A service, as `GET /v1/services` lists it and `GET /v1/services/{name}` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Service {
    pub name: String,
    pub kind: String,
    pub version: String,
    pub image: String,
    /// `running`, `exited`, `restarting`, `missing` (no container), or `destroyed` (volume kept).
    pub state: String,
    /// Bytes in the data directory, when the service runs.
    pub volume_bytes: Option<u64>,
    pub volume: String,
    pub network: String,
    /// In a cluster: the node it is pinned to, which holds its volume (`null` on one server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// In a cluster, once linked: the encrypted overlay network linked apps' tasks reach it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    pub linked_apps: Vec<String>,
    /// The config var each linked app gets, by app.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
    /// The host port it is published on, if any.
    pub exposed_port: Option<u16>,
    /// Five-field cron schedule (UTC) of its backups, if scheduled.
    pub backup_schedule: Option<String>,
    /// How many backups a schedule keeps.
    pub backup_keep: u32,
    /// The newest backup attempt; a failed one carries its error.
    pub last_backup: Option<Backup>,
    /// The URL apps get; the password is hidden unless revealed.
    pub url: String,
    /// How clients reach the service over TLS, and where linked apps find the CA.
    #[serde(default)]
    pub tls: String,
}

/// The query of `GET /v1/services/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Show the password in the URL.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reveal: bool,
}

/// The query of `DELETE /v1/services/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DestroyServiceQuery {
    /// Delete its data volume too (its backups are kept).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub purge: bool,
}

/// `DELETE /v1/services/{name}`: the service that was destroyed, and whether its data went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDestroyed {
    pub destroyed: String,
    pub purged: bool,
    /// The node of the cluster it was on, when not this server: its volume stays there
    /// (emptied by a purge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// `POST /v1/services/{name}/expose`: publish the service on a host port, or stop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExposeRequest {
    /// The host port; `null` stops publishing.
    #[serde(default)]
    pub port: Option<u16>,
}

/// One backup attempt: a file when it worked, an error when it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Backup {
    pub id: i64,
    pub service: String,
    /// File name inside the service's backup directory; `null` while it is written or if it
    /// failed.
    pub file: Option<String>,
    /// Bytes.
    pub size: Option<i64>,
    pub sha256: Option<String>,
    /// Made by the schedule rather than by command.
    pub scheduled: bool,
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    pub error: Option<String>,
    /// When it was last verified (restored into a scratch container and read back), in
    /// seconds since the Unix epoch; `null` if never.
    #[serde(default)]
    pub verified_at: Option<i64>,
}

/// `POST /v1/services/{name}/backups/verify`: what restoring the newest backup into a scratch
/// container found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VerifyReport {
    pub service: String,
    pub file: String,
    /// Bytes.
    pub size: u64,
    pub sha256: String,
    /// Tables (SQL databases) or keys (Redis) in the restored copy.
    pub restored_objects: u64,
    /// How long the restore took.
    pub seconds: f64,
}

/// `POST /v1/services/{name}/backup-schedule`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupScheduleRequest {
    /// Five-field cron schedule (UTC); `null` turns scheduled backups off.
    #[serde(default)]
    pub schedule: Option<String>,
    /// How many backups to keep (default 7).
    #[serde(default)]
    pub keep: Option<u32>,
}

/// The query of `POST /v1/services/{name}/restore`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RestoreQuery {
    /// The name of one of the service's backups; without it, the body is the backup file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
}

/// `POST /v1/services/{name}/restore`: the service restored into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Restored {
    pub restored: String,
}
