//! The cluster (`wharf cluster`, `wharf nodes`): this server's engine as a Docker Swarm manager
//! and the Swarm's nodes. Node names travel as `domain`'s [`NodeName`], labels as
//! [`NodeLabel`], so a bad one is refused as the body is decoded.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wharf_domain::{Availability, NodeLabel, NodeName};

/// `GET /v1/cluster`: whether this server is a cluster, and how big.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClusterStatus {
    /// The engine's Swarm state: `inactive` (a single server), `active`, `pending`, `error` or
    /// `locked`.
    pub state: String,
    /// Whether this server's engine is a Swarm manager (may list and change nodes).
    pub manager: bool,
    /// This server's node ID, in a Swarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// The address other nodes reach this server at, in a Swarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How many nodes the Swarm has (a manager knows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<usize>,
    /// The engine's Swarm error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The cluster's image registry on this server, `HOST:PORT`, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

/// `POST /v1/cluster/init`: make this server's engine a Swarm manager.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClusterInitRequest {
    /// The address (or interface) other nodes reach this server at; the engine picks one
    /// when left out, and asks for it when the server has several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "10.0.0.2")]
    pub advertise_addr: Option<String>,
}

/// `POST /v1/cluster/init`: the cluster as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClusterInitialized {
    /// False when this server already was a manager: nothing changed.
    pub created: bool,
    pub status: ClusterStatus,
}

/// `GET /v1/nodes`: every node of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Nodes {
    pub nodes: Vec<Node>,
}

/// One node, as `wharf nodes` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Node {
    /// Its name: the `wharf.name` label Wharf gave it, else its machine's hostname.
    #[schema(value_type = String, example = "web-2")]
    pub name: NodeName,
    /// The Swarm's ID for it.
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// Whether it leads the managers.
    pub leader: bool,
    /// Whether it is this server (where the Wharf daemon runs).
    pub this_server: bool,
    /// `ready`, `down`, `disconnected` or `unknown`.
    pub state: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// The address it is reached at.
    pub address: String,
    /// Its labels, Wharf's own (`wharf.name`) included.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Swarm tasks running on it.
    pub tasks: usize,
    /// Containers running on it, for this server only (the engine Wharf talks to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers: Option<usize>,
    /// Its CPUs.
    pub cpus: f64,
    /// Its memory, in bytes.
    pub memory_bytes: i64,
    /// Its Docker engine's version.
    pub engine_version: String,
    /// The database services pinned to it (their data is its), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub databases: Vec<String>,
}

/// `POST /v1/nodes`: prepare the join of a new node named `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddNodeRequest {
    #[schema(value_type = String, example = "web-2")]
    pub name: NodeName,
}

/// `POST /v1/nodes`: how the new node joins. The token is a secret: whoever has it can join a
/// machine to the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeJoin {
    #[schema(value_type = String)]
    pub name: NodeName,
    /// The worker join token.
    pub token: String,
    /// The manager's address the node joins at, `HOST:2377`.
    pub manager: String,
    /// The command to run on the new machine, as its arguments:
    /// `docker swarm join --token TOKEN HOST:2377`.
    pub command: Vec<String>,
    /// What the new machine's engine needs, before it joins, to pull the cluster's images.
    pub registry: RegistryTrust,
}

/// How a node's engine trusts the cluster's registry and is let in: files for its
/// `/etc/docker/certs.d/HOST:PORT/`. The key is a secret, as the join token is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegistryTrust {
    /// The registry, `HOST:PORT`.
    pub address: String,
    /// The directory the files go in, `/etc/docker/certs.d/HOST:PORT`.
    pub directory: String,
    pub files: Vec<TrustFile>,
}

/// One file of a [`RegistryTrust`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustFile {
    /// `ca.crt`, `client.cert` or `client.key`.
    pub name: String,
    /// Its PEM text.
    pub contents: String,
    /// Its mode, e.g. 384 (0600) for the key.
    pub mode: u32,
}

impl std::fmt::Debug for TrustFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustFile")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/nodes/{node}/availability`: what the scheduler may do with the node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityRequest {
    #[schema(value_type = String, example = "drain")]
    pub availability: Availability,
}

/// `POST /v1/nodes/{node}/labels`: labels set and removed, in one update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LabelsRequest {
    /// `KEY=VALUE` each; keys under `wharf.` are Wharf's own and refused.
    #[serde(default)]
    #[schema(value_type = Vec<String>, example = json!(["role=web"]))]
    pub set: Vec<NodeLabel>,
    /// Keys to remove.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// `POST /v1/nodes/{node}/name`: the node's new name (its `wharf.name` label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RenameNodeRequest {
    #[schema(value_type = String, example = "web-2")]
    pub name: NodeName,
}

/// `DELETE /v1/nodes/{node}`'s query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveNodeQuery {
    /// Remove it even while it is up (it keeps running its containers, outside the cluster).
    #[serde(default)]
    pub force: bool,
}

/// `DELETE /v1/nodes/{node}`: the node removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NodeRemoved {
    #[schema(value_type = String)]
    pub removed: NodeName,
}
