//! One-off commands (`wharf run`) and database clients (`wharf services connect`).
//!
//! Attached, the request asks for `Connection: Upgrade` and `Upgrade: wharf-run`; the server
//! answers `101 Switching Protocols` and the connection then carries the run protocol's
//! frames (stdin, resizes and end-of-input one way; stdout, stderr and the exit code the other).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether the command gets a TTY, and its initial size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Terminal {
    #[serde(default)]
    pub tty: bool,
    /// Initial TTY rows.
    #[serde(default)]
    pub rows: Option<u16>,
    /// Initial TTY columns.
    #[serde(default)]
    pub cols: Option<u16>,
}

/// `POST /v1/apps/{app}/run`: a command in a new container of the app's active release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunRequest {
    /// The command and its arguments (no shell unless you name one).
    pub cmd: Vec<String>,
    /// Start it and answer at once with [`RunStarted`]; the container (in a cluster, the
    /// Swarm job) is removed when the command ends.
    #[serde(default)]
    pub detach: bool,
    /// The client sends the command input (its stdin is a pipe or a file): the run stays
    /// where it can be attached to, on this server, even in a cluster.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stdin: bool,
    #[serde(flatten)]
    pub terminal: Terminal,
}

/// The answer to a detached run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunStarted {
    /// The container's name (in a cluster, the Swarm job's: `wharf-APP_run-...`).
    pub name: String,
    /// The container's id (in a cluster, the Swarm job's service ID).
    pub id: String,
}

/// `POST /v1/services/{name}/connect`: the database's own client in the service's container,
/// always attached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectRequest {
    #[serde(flatten)]
    pub terminal: Terminal,
}
