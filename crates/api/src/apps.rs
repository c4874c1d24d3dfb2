//! The server, its apps, their releases and their cron jobs.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wharf_domain::{AppName, WebAddress};

/// `GET /v1/status`: the server's version and the limits a client should know before it
/// uploads anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServerStatus {
    /// Wharf's version on the server.
    pub version: String,
    /// The largest build context or backup file the server accepts, in bytes.
    pub max_upload_bytes: u64,
    /// The Docker engine's version, when it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_version: Option<String>,
    /// The machine Wharf runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<HostFacts>,
}

/// The machine: its CPUs and load, its memory, and the disks Wharf and Docker keep data on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HostFacts {
    pub cpus: u32,
    /// The load average over the last minute, as `/proc/loadavg` writes it (`0.42`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_average: Option<String>,
    /// Bytes of memory in all, and available to programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_available: Option<u64>,
    /// The disk of Wharf's data directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_disk: Option<DiskSpace>,
    /// The disk of Docker's data directory (images, containers, volumes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_disk: Option<DiskSpace>,
}

/// The space of the disk a directory is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiskSpace {
    pub path: String,
    /// Bytes free to programs, and in all.
    pub free: u64,
    pub total: u64,
}

/// One app of `GET /v1/apps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppSummary {
    #[schema(value_type = String)]
    pub name: AppName,
    /// The domains the app is served on (a domain, or a domain and a path:
    /// `example.com/blog`).
    #[schema(value_type = Vec<String>)]
    pub domains: Vec<WebAddress>,
    /// Its URLs, one per domain.
    pub urls: Vec<String>,
    /// The active release's number, if it has one.
    pub release: Option<u32>,
    /// When the active release was made (Unix seconds), if it has one.
    #[serde(default)]
    pub released_at: Option<i64>,
    /// The status of the app's newest release: `deploying` while a deploy runs, `failed` when
    /// the last deploy failed.
    #[serde(default)]
    pub newest: Option<ReleaseStatus>,
    /// Whether a process of the app is stopped by command (`wharf stop`).
    #[serde(default)]
    pub stopped: bool,
    /// Web instances in the app's route.
    pub instances: u32,
    /// How many of them the proxy considers healthy.
    pub healthy: u32,
}

/// `DELETE /v1/apps/{app}`: the app that was destroyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AppDestroyed {
    pub destroyed: String,
}

/// Where a release is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseStatus {
    /// Being built or started; not serving yet.
    Deploying,
    /// Serving traffic. At most one release of an app is active.
    Active,
    /// Was active, replaced by a later release.
    Superseded,
    /// Its build or deploy failed; it never served.
    Failed,
}

impl ReleaseStatus {
    /// The status as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Deploying => "deploying",
            ReleaseStatus::Active => "active",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Failed => "failed",
        }
    }
}

/// One release of `GET /v1/apps/{app}/releases`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Release {
    pub id: i64,
    pub app: String,
    /// Its number: `v3` is 3.
    pub version: u32,
    /// The image tag it runs (`wharf/APP:vN`, or an earlier release's for a config change).
    pub image: String,
    /// The release's config snapshot as JSON, with its config vars' values masked.
    pub config: String,
    /// The git commit its image was built from, if known.
    #[serde(default)]
    pub revision: Option<String>,
    /// What made its image: `dockerfile` (the app's own), or the Wharf builder that wrote
    /// one (`python`, `node`, `go`, `static`); absent for releases from before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<String>,
    /// The prebuilt image it was deployed from (`wharf deploy --image`), for an app not built
    /// from source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_image: Option<String>,
    pub status: ReleaseStatus,
    /// Why its build or deploy failed.
    pub error: Option<String>,
    /// Seconds since the Unix epoch.
    pub created_at: i64,
    /// The config vars it set (new, or with another value) since the release before it, by
    /// name only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vars_set: Vec<String>,
    /// The config vars it no longer has that the release before it had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vars_unset: Vec<String>,
}

/// `GET /v1/apps/{app}/cron`: the active release's cron jobs and the newest runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CronJobs {
    pub jobs: Vec<CronJob>,
    /// The newest runs, newest first.
    pub runs: Vec<CronRun>,
}

/// A job of app.json's `cron`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CronJob {
    pub command: String,
    /// Five-field cron schedule, UTC.
    pub schedule: String,
}

/// One run of a cron job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CronRun {
    /// What `wharf cron APP --log ID` names it by.
    pub id: i64,
    pub app: String,
    pub command: String,
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    /// When it ended; `null` while it runs.
    pub finished_at: Option<i64>,
    /// Its exit code; `null` while it runs.
    pub exit_code: Option<i64>,
    /// Its output.
    pub log: String,
}
