//! The engine as a member of a Docker Swarm: whether it is one ([`SwarmMembership`]), making it
//! a manager (`init_swarm`), the worker join token, and the nodes a manager sees ([`SwarmNode`]):
//! listed, updated at the version index just read (the engine refuses an update made from a
//! stale read) and removed. Nodes carry no `wharf.managed` label: a Swarm's nodes are the
//! user's machines, and only the commands a user types change them.

use std::collections::HashMap;

use bollard::models::{
    LocalNodeState, NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState, SwarmInitRequest,
};
use bollard::query_parameters::{
    DeleteNodeOptions, LeaveSwarmOptionsBuilder, ListTasksOptions, UpdateNodeOptions,
};

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};

/// The port managers listen on for joining nodes.
pub const SWARM_PORT: u16 = 2377;

/// What the engine says of its place in a Swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmMembership {
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    pub state: String,
    /// Whether it is a manager (may change the Swarm).
    pub manager: bool,
    /// Its node's ID, when in a Swarm.
    pub node_id: Option<String>,
    /// The address other nodes reach it at, when in a Swarm.
    pub node_addr: Option<String>,
    /// The Swarm's error, when it is in one.
    pub error: Option<String>,
    /// How many containers run on this engine.
    pub running_containers: usize,
}

impl SwarmMembership {
    pub fn active(&self) -> bool {
        self.state == LocalNodeState::ACTIVE.to_string()
    }
}

/// A node of the Swarm as a manager sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmNode {
    pub id: String,
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// Whether it leads the managers.
    pub leader: bool,
    /// `ready`, `down`, `disconnected` or `unknown`.
    pub state: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// The address it is reached at.
    pub addr: String,
    pub labels: HashMap<String, String>,
    /// Its CPUs, in billionths.
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    pub engine_version: String,
}

/// What to change of a node.
#[derive(Debug, Clone, Default)]
pub struct NodeUpdate {
    /// `active`, `pause` or `drain`.
    pub availability: Option<String>,
    pub set_labels: Vec<(String, String)>,
    pub remove_labels: Vec<String>,
}

impl Docker {
    /// Whether the engine is in a Swarm, and as what.
    pub async fn swarm_membership(&self) -> Result<SwarmMembership, RuntimeError> {
        let info = self
            .client
            .info()
            .await
            .map_err(|e| self.err("asking the engine whether it is in a Swarm", e))?;
        let swarm = info.swarm.unwrap_or_default();
        let state = swarm
            .local_node_state
            .map_or_else(|| "inactive".to_string(), |s| s.to_string());
        Ok(SwarmMembership {
            state,
            manager: swarm.control_available.unwrap_or(false),
            node_id: swarm.node_id.filter(|id| !id.is_empty()),
            node_addr: swarm.node_addr.filter(|a| !a.is_empty()),
            error: swarm.error.filter(|e| !e.is_empty()),
            running_containers: info
                .containers_running
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0),
        })
    }

    /// Make the engine the first manager of a new Swarm, advertised at `advertise_addr`
    /// (an address or interface; the engine picks one when `None`). Its containers keep
    /// running: a Swarm changes nothing of what already runs. Returns the node's ID.
    pub async fn init_swarm(&self, advertise_addr: Option<&str>) -> Result<String, RuntimeError> {
        let request = SwarmInitRequest {
            listen_addr: Some(format!("0.0.0.0:{SWARM_PORT}")),
            advertise_addr: advertise_addr.map(str::to_string),
            ..Default::default()
        };
        self.client
            .init_swarm(request)
            .await
            .map_err(|e| self.err("making the engine a Swarm manager", e))
    }

    /// Make the engine leave its Swarm, forced: as the Swarm's last manager it takes the
    /// Swarm with it (its services and their tasks, its overlay networks and configs). Plain
    /// containers keep running.
    pub async fn leave_swarm(&self) -> Result<(), RuntimeError> {
        let options = LeaveSwarmOptionsBuilder::default().force(true).build();
        self.client
            .leave_swarm(Some(options))
            .await
            .map_err(|e| self.err("leaving the Swarm", e))
    }

    /// The token a worker joins with (managers only).
    pub async fn worker_join_token(&self) -> Result<String, RuntimeError> {
        let swarm = self
            .client
            .inspect_swarm()
            .await
            .map_err(|e| self.err("reading the Swarm's join token", e))?;
        swarm
            .join_tokens
            .and_then(|tokens| tokens.worker)
            .ok_or_else(|| RuntimeError::Io("the engine gave no worker join token".into()))
    }

    /// Every node of the Swarm (managers only).
    pub async fn swarm_nodes(&self) -> Result<Vec<SwarmNode>, RuntimeError> {
        let nodes = self
            .client
            .list_nodes(None)
            .await
            .map_err(|e| self.err("listing the Swarm's nodes", e))?;
        Ok(nodes.into_iter().map(SwarmNode::from).collect())
    }

    /// How many tasks each node runs now, by node ID (managers only).
    pub async fn running_tasks(&self) -> Result<HashMap<String, usize>, RuntimeError> {
        let filters = HashMap::from([("desired-state".to_string(), vec!["running".to_string()])]);
        let tasks = self
            .client
            .list_tasks(Some(ListTasksOptions {
                filters: Some(filters),
            }))
            .await
            .map_err(|e| self.err("listing the Swarm's tasks", e))?;
        let mut counts = HashMap::new();
        for task in tasks {
            let running = task
                .status
                .and_then(|s| s.state)
                .is_some_and(|s| s.to_string() == "running");
            if let (true, Some(node)) = (running, task.node_id) {
                *counts.entry(node).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Change the node `node_id`: its spec is read and written back changed at the version
    /// read, so a change someone made in between is refused by the engine, never overwritten.
    pub async fn update_node(
        &self,
        node_id: &str,
        change: &NodeUpdate,
    ) -> Result<(), RuntimeError> {
        let context = format!("updating Swarm node {node_id}");
        let current = match self.client.inspect_node(node_id).await {
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("node {node_id}")));
            }
            other => other.map_err(|e| self.err(context.clone(), e))?,
        };
        let version = current.version.and_then(|v| v.index).unwrap_or(0);
        let mut spec = current.spec.unwrap_or_default();
        if let Some(availability) = &change.availability {
            let parsed = availability
                .parse::<NodeSpecAvailabilityEnum>()
                .map_err(RuntimeError::InvalidSpec)?;
            spec.availability = Some(parsed);
        }
        let labels = spec.labels.get_or_insert_with(HashMap::new);
        for (key, value) in &change.set_labels {
            labels.insert(key.clone(), value.clone());
        }
        for key in &change.remove_labels {
            labels.remove(key);
        }
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        self.client
            .update_node(node_id, spec, UpdateNodeOptions { version })
            .await
            .map_err(|e| self.err(context, e))
    }

    /// Remove `node_id` from the Swarm; `force` even while it is up.
    pub async fn remove_node(&self, node_id: &str, force: bool) -> Result<(), RuntimeError> {
        match self
            .client
            .delete_node(node_id, Some(DeleteNodeOptions { force }))
            .await
        {
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("node {node_id}"))),
            other => other.map_err(|e| self.err(format!("removing Swarm node {node_id}"), e)),
        }
    }
}

impl From<bollard::models::Node> for SwarmNode {
    fn from(node: bollard::models::Node) -> SwarmNode {
        let spec = node.spec.unwrap_or_default();
        let description = node.description.unwrap_or_default();
        let resources = description.resources.unwrap_or_default();
        let status = node.status.unwrap_or_default();
        let manager = node.manager_status.unwrap_or_default();
        let role = spec.role.unwrap_or(NodeSpecRoleEnum::WORKER);
        SwarmNode {
            id: node.id.unwrap_or_default(),
            hostname: description.hostname.unwrap_or_default(),
            role: role.to_string(),
            leader: manager.leader.unwrap_or(false),
            state: status.state.unwrap_or(NodeState::UNKNOWN).to_string(),
            availability: spec
                .availability
                .unwrap_or(NodeSpecAvailabilityEnum::ACTIVE)
                .to_string(),
            addr: status.addr.unwrap_or_default(),
            labels: spec.labels.unwrap_or_default(),
            nano_cpus: resources.nano_cpus.unwrap_or(0),
            memory_bytes: resources.memory_bytes.unwrap_or(0),
            engine_version: description
                .engine
                .and_then(|e| e.engine_version)
                .unwrap_or_default(),
        }
    }
}
