//! An app's storage mounts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wharf_domain::{MountSelector, MountSpec};

/// `GET /v1/apps/{app}/storage`: the app's mounts, sorted by container path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StorageMounts {
    pub mounts: Vec<StorageMount>,
    /// In a cluster, the node the app's tasks are pinned to because it has storage: this
    /// server, where its volumes and directories are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_to: Option<String>,
}

/// One storage mount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StorageMount {
    /// A server directory or a named volume.
    pub source: String,
    /// The path inside the app's containers.
    pub target: String,
    pub read_only: bool,
    pub kind: MountKind,
    /// The mount as `wharf storage mount` takes it (`SOURCE:/path[:ro]`).
    pub mount: String,
}

/// What a mount's source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum MountKind {
    /// A directory of the server.
    #[serde(rename = "host path")]
    HostPath,
    /// A Docker named volume.
    #[serde(rename = "volume")]
    Volume,
}

impl MountKind {
    /// The kind as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::HostPath => "host path",
            MountKind::Volume => "volume",
        }
    }
}

/// `POST /v1/apps/{app}/storage/mount`; a mount whose text does not parse is refused as the
/// body is read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MountRequest {
    /// `SOURCE:/path[:ro]`: a server directory (absolute) or a volume name, and where it
    /// appears in the containers.
    #[schema(value_type = String)]
    pub mount: MountSpec,
}

/// `POST /v1/apps/{app}/storage/unmount`: which mount to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnmountRequest {
    /// `SOURCE:/path` (as `GET .../storage` lists it) or the container path alone, `/path`.
    #[schema(value_type = String)]
    pub mount: MountSelector,
}
