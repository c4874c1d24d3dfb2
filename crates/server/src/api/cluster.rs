//! The cluster: `GET /v1/cluster` (whether this server is a Swarm manager), `POST
//! /v1/cluster/init` (make it one; asked again, nothing changes), `POST /v1/cluster/leave`
//! (a single server again, its apps moved to containers first), and the Swarm's nodes: `GET
//! /v1/nodes`, `POST /v1/nodes` (the join command for a new one), `DELETE /v1/nodes/{node}`,
//! and a node's availability, labels and name. Everything goes through this server's own
//! engine, which must be a manager for the node routes.
//!
//! A node's name is its `wharf.name` label when Wharf set one, else its machine's hostname;
//! `{node}` is a name or a Swarm node ID.

use super::params::JsonBody;
use super::{ApiError, ApiState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::BTreeMap;
use wharf_api::{
    AddNodeRequest, AvailabilityRequest, ClusterInitRequest, ClusterInitialized, ClusterStatus,
    LabelsRequest, Node, NodeJoin, NodeRemoved, Nodes, Outcome, RegistryTrust, RemoveNodeQuery,
    RenameNodeRequest, TrustFile,
};
use wharf_domain::{LabelChange, NODE_NAME_LABEL, NodeName};
use wharf_runtime::{Docker, NodeUpdate, RuntimeError, SWARM_PORT, SwarmMembership, SwarmNode};

/// The longest `--advertise-addr` taken: an address with a port, or an interface's name.
const MAX_ADVERTISE_LEN: usize = 100;

pub async fn status(State(state): State<ApiState>) -> Result<Json<ClusterStatus>, ApiError> {
    let docker = state.deployer.docker();
    let membership = docker.swarm_membership().await.map_err(engine)?;
    Ok(Json(cluster_status(docker, &membership).await?))
}

pub async fn init(
    State(state): State<ApiState>,
    JsonBody(request): JsonBody<ClusterInitRequest>,
) -> Result<Json<ClusterInitialized>, ApiError> {
    let docker = state.deployer.docker();
    let advertise = request.advertise_addr.as_deref().map(str::trim);
    if let Some(addr) = advertise
        && !valid_advertise_addr(addr)
    {
        return Err(bad(format!(
            "`{}` is not an address to advertise: give this server's IP address (e.g. 10.0.0.2), optionally with a port, or a network interface's name (e.g. eth1)",
            addr.chars().take(MAX_ADVERTISE_LEN).collect::<String>()
        )));
    }
    let membership = docker.swarm_membership().await.map_err(engine)?;
    if membership.active() && membership.manager {
        // Asked again, the registry is made sure of: a first start that failed is retried.
        start_registry(&state).await?;
        return Ok(Json(ClusterInitialized {
            created: false,
            status: cluster_status(docker, &membership).await?,
        }));
    }
    if membership.state != "inactive" {
        return Err(conflict(format!(
            "this server's Docker engine is already in a Swarm (state {}{}) without being its manager; Wharf runs on a manager. Run `docker swarm leave` on it first, or run Wharf on a manager of that Swarm",
            membership.state,
            membership
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        )));
    }
    docker.init_swarm(advertise).await.map_err(|err| {
        let message = err.to_string();
        if message.contains("advertise") {
            bad(format!(
                "{message}. Name the address other nodes reach this server at: `wharf cluster init --advertise-addr ADDR`"
            ))
        } else {
            engine(err)
        }
    })?;
    tracing::info!("this server's engine is now a Swarm manager");
    start_registry(&state).await?;
    let membership = docker.swarm_membership().await.map_err(engine)?;
    Ok(Json(ClusterInitialized {
        created: true,
        status: cluster_status(docker, &membership).await?,
    }))
}

/// `POST /v1/cluster/leave`: back to a single server, streaming the apps' redeploys.
pub async fn leave(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let deployer = state.deployer.clone();
    super::deploy::stream(&state, move |progress| async move {
        let left = deployer.leave_cluster(&progress).await?;
        let message = if !left.was_cluster {
            "This server is not a cluster: nothing to leave.".to_string()
        } else if left.moved.is_empty() {
            "This server is a single server again.".to_string()
        } else {
            format!(
                "This server is a single server again; {} run as containers here.",
                left.moved
                    .iter()
                    .map(|app| app.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        Ok::<_, wharf_deploy::DeployError>(Outcome::message(message))
    })
}

pub async fn list(State(state): State<ApiState>) -> Result<Json<Nodes>, ApiError> {
    let docker = state.deployer.docker();
    let membership = manager(docker).await?;
    let tasks = docker.running_tasks().await.map_err(engine)?;
    let mut nodes: Vec<Node> = docker
        .swarm_nodes()
        .await
        .map_err(engine)?
        .into_iter()
        .map(|node| shown(node, &membership, &tasks))
        .collect();
    // The databases each node holds: those made on another node say which; the others run
    // on this server, the manager.
    for service in state.deployer.store().services().map_err(ApiError::from)? {
        if service.status == wharf_store::ServiceStatus::Destroyed {
            continue;
        }
        let on = service.node.as_deref().or(membership.node_id.as_deref());
        if let Some(node) = nodes.iter_mut().find(|n| Some(n.id.as_str()) == on) {
            node.databases.push(service.name.to_string());
        }
    }
    nodes.sort_by(|a, b| (a.role != "manager", &a.name).cmp(&(b.role != "manager", &b.name)));
    Ok(Json(Nodes { nodes }))
}

pub async fn add(
    State(state): State<ApiState>,
    JsonBody(request): JsonBody<AddNodeRequest>,
) -> Result<Json<NodeJoin>, ApiError> {
    let docker = state.deployer.docker();
    let membership = manager(docker).await?;
    let nodes = docker.swarm_nodes().await.map_err(engine)?;
    if nodes.iter().any(|n| name_of(n) == request.name) {
        return Err(conflict(format!(
            "a node named `{}` is already in the cluster; choose another name, or see it with `wharf nodes`",
            request.name
        )));
    }
    let host = membership
        .node_addr
        .ok_or_else(|| ApiError::internal("the engine does not say its Swarm address"))?;
    let manager = format!("{host}:{SWARM_PORT}");
    let token = docker.worker_join_token().await.map_err(engine)?;
    let command = ["docker", "swarm", "join", "--token", &token, &manager]
        .map(str::to_string)
        .to_vec();
    let (address, files) = state
        .deployer
        .registry_trust(request.name.as_str())
        .await
        .map_err(|err| ApiError::from(err).context("the new node needs the cluster's registry"))?;
    let registry = RegistryTrust {
        directory: wharf_deploy::certs_dir(&address),
        address,
        files: files
            .into_iter()
            .map(|file| TrustFile {
                name: file.name,
                contents: file.contents,
                mode: file.mode,
            })
            .collect(),
    };
    Ok(Json(NodeJoin {
        name: request.name,
        token,
        manager,
        command,
        registry,
    }))
}

pub async fn remove(
    State(state): State<ApiState>,
    Path(node): Path<String>,
    Query(query): Query<RemoveNodeQuery>,
) -> Result<Json<NodeRemoved>, ApiError> {
    let docker = state.deployer.docker();
    let membership = manager(docker).await?;
    let node = find(docker, &node).await?;
    let name = name_of(&node);
    if membership.node_id.as_deref() == Some(node.id.as_str()) {
        return Err(conflict(format!(
            "node `{name}` is this server, the cluster's manager: it cannot remove itself"
        )));
    }
    let databases = state
        .deployer
        .store()
        .services_on_other_nodes(Some(&node.id))
        .map_err(ApiError::from)?;
    if !databases.is_empty() && !query.force {
        let names: Vec<String> = databases.iter().map(|s| s.name.to_string()).collect();
        return Err(conflict(format!(
            "node `{name}` holds the database(s) {}, whose data is on its disk: back each up and destroy it first (`wharf services backup NAME`, `wharf services destroy NAME`), then restore the backup into one made on another node; or remove the node anyway with `--force` (the databases stay recorded there, unreachable)",
            names.join(", ")
        )));
    }
    if node.state != "down" && !query.force {
        return Err(conflict(format!(
            "node `{name}` is still up ({}): drain it (`wharf nodes drain {name}`), run `docker swarm leave` on it, then remove it; or remove it anyway with `wharf nodes remove {name} --force`",
            node.state
        )));
    }
    docker
        .remove_node(&node.id, query.force)
        .await
        .map_err(engine)?;
    Ok(Json(NodeRemoved { removed: name }))
}

pub async fn availability(
    State(state): State<ApiState>,
    Path(node): Path<String>,
    JsonBody(request): JsonBody<AvailabilityRequest>,
) -> Result<Json<Node>, ApiError> {
    let change = NodeUpdate {
        availability: Some(request.availability.as_str().to_string()),
        ..NodeUpdate::default()
    };
    update(&state, &node, change).await
}

pub async fn labels(
    State(state): State<ApiState>,
    Path(node): Path<String>,
    JsonBody(request): JsonBody<LabelsRequest>,
) -> Result<Json<Node>, ApiError> {
    let mut remove = Vec::new();
    for key in request.remove {
        match LabelChange::parse(&format!("{key}-")) {
            Ok(LabelChange::Remove(key)) => remove.push(key),
            Ok(LabelChange::Set(_)) => return Err(bad(format!("`{key}` is not a label key"))),
            Err(err) => return Err(bad(err.to_string())),
        }
    }
    let change = NodeUpdate {
        availability: None,
        set_labels: request
            .set
            .into_iter()
            .map(|label| (label.key, label.value))
            .collect(),
        remove_labels: remove,
    };
    update(&state, &node, change).await
}

pub async fn rename(
    State(state): State<ApiState>,
    Path(node): Path<String>,
    JsonBody(request): JsonBody<RenameNodeRequest>,
) -> Result<Json<Node>, ApiError> {
    let docker = state.deployer.docker();
    manager(docker).await?;
    let target = find(docker, &node).await?;
    let nodes = docker.swarm_nodes().await.map_err(engine)?;
    if nodes
        .iter()
        .any(|n| n.id != target.id && name_of(n) == request.name)
    {
        return Err(conflict(format!(
            "another node is named `{}`; choose another name",
            request.name
        )));
    }
    let change = NodeUpdate {
        set_labels: vec![(NODE_NAME_LABEL.to_string(), request.name.to_string())],
        ..NodeUpdate::default()
    };
    update(&state, &target.id, change).await
}

/// Apply `change` to `node` and answer the node as it now is.
async fn update(state: &ApiState, node: &str, change: NodeUpdate) -> Result<Json<Node>, ApiError> {
    let docker = state.deployer.docker();
    let membership = manager(docker).await?;
    let target = find(docker, node).await?;
    docker
        .update_node(&target.id, &change)
        .await
        .map_err(engine)?;
    let tasks = docker.running_tasks().await.map_err(engine)?;
    let updated = find(docker, &target.id).await?;
    Ok(Json(shown(updated, &membership, &tasks)))
}

/// The engine's membership, when it is a Swarm manager; else why the node routes cannot work.
async fn manager(docker: &Docker) -> Result<SwarmMembership, ApiError> {
    let membership = docker.swarm_membership().await.map_err(engine)?;
    if membership.active() && membership.manager {
        return Ok(membership);
    }
    Err(conflict(if membership.state == "inactive" {
        "this server is not a cluster: make it one with `wharf cluster init`".to_string()
    } else {
        format!(
            "this server's Docker engine is not a Swarm manager (state {}): Wharf manages nodes from a manager",
            membership.state
        )
    }))
}

/// The node named `wanted` (or with that ID).
async fn find(docker: &Docker, wanted: &str) -> Result<SwarmNode, ApiError> {
    let name = NodeName::parse(wanted).map_err(|e| bad(e.to_string()))?;
    let nodes = docker.swarm_nodes().await.map_err(engine)?;
    let by_name: Vec<&SwarmNode> = nodes.iter().filter(|n| name_of(n) == name).collect();
    let found = match by_name.as_slice() {
        [one] => Some((*one).clone()),
        [] => nodes.iter().find(|n| n.id == wanted).cloned(),
        _ => {
            return Err(conflict(format!(
                "several nodes are named `{name}`: give its ID (`wharf nodes --json` shows them)"
            )));
        }
    };
    found.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no node `{name}` in the cluster; `wharf nodes` lists them"),
        )
    })
}

/// A node's name: its `wharf.name` label, else its hostname, else its ID.
pub(crate) fn name_of(node: &SwarmNode) -> NodeName {
    NodeName::of_node(&node.labels, &node.hostname, &node.id)
}

fn shown(
    node: SwarmNode,
    membership: &SwarmMembership,
    tasks: &std::collections::HashMap<String, usize>,
) -> Node {
    let this_server = membership.node_id.as_deref() == Some(node.id.as_str());
    Node {
        name: name_of(&node),
        tasks: tasks.get(&node.id).copied().unwrap_or(0),
        containers: this_server.then_some(membership.running_containers),
        this_server,
        hostname: node.hostname,
        role: node.role,
        leader: node.leader,
        state: node.state,
        availability: node.availability,
        address: node.addr,
        labels: node.labels.into_iter().collect::<BTreeMap<_, _>>(),
        cpus: node.nano_cpus as f64 / 1e9,
        memory_bytes: node.memory_bytes,
        id: node.id,
        engine_version: node.engine_version,
        databases: Vec::new(),
    }
}

/// This server's name as a node of the cluster (see [`name_of`]); `None` when it is not a
/// cluster's manager, or the engine cannot say.
pub(super) async fn this_node_name(docker: &Docker) -> Option<String> {
    let membership = docker.swarm_membership().await.ok()?;
    if !(membership.active() && membership.manager) {
        return None;
    }
    let id = membership.node_id?;
    let nodes = docker.swarm_nodes().await.ok()?;
    nodes
        .iter()
        .find(|node| node.id == id)
        .map(|node| name_of(node).to_string())
}

/// Start the cluster's registry, or say why it could not start.
async fn start_registry(state: &ApiState) -> Result<(), ApiError> {
    state.deployer.ensure_registry().await.map_err(|err| {
        ApiError::from(err).context(
            "this server is a cluster manager, but the registry its nodes pull images from did not start; fix that and run `wharf cluster init` again",
        )
    })?;
    Ok(())
}

async fn cluster_status(
    docker: &Docker,
    membership: &SwarmMembership,
) -> Result<ClusterStatus, ApiError> {
    let nodes = if membership.active() && membership.manager {
        Some(docker.swarm_nodes().await.map_err(engine)?.len())
    } else {
        None
    };
    let registry = match docker.inspect(wharf_deploy::REGISTRY_CONTAINER).await {
        Ok(container) if container.running && nodes.is_some() => container
            .labels
            .get(wharf_deploy::REGISTRY_ADDRESS_LABEL)
            .cloned(),
        _ => None,
    };
    Ok(ClusterStatus {
        state: membership.state.clone(),
        manager: membership.manager,
        node_id: membership.node_id.clone(),
        address: membership.node_addr.clone(),
        nodes,
        error: membership.error.clone(),
        registry,
    })
}

/// An address (IPv4, IPv6, with or without a port) or an interface's name.
fn valid_advertise_addr(addr: &str) -> bool {
    !addr.is_empty()
        && addr.len() <= MAX_ADVERTISE_LEN
        && !addr.starts_with('-')
        && addr
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '_' | '[' | ']'))
}

fn engine(err: RuntimeError) -> ApiError {
    match err {
        RuntimeError::NotFound(what) => {
            ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
        }
        RuntimeError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, err.to_string()),
        RuntimeError::InvalidSpec(_) => bad(err.to_string()),
        _ => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertise_addresses_are_addresses_or_interfaces() {
        for good in [
            "10.0.0.2",
            "10.0.0.2:2377",
            "eth1",
            "fd00::2",
            "[fd00::2]:2377",
        ] {
            assert!(valid_advertise_addr(good), "{good}");
        }
        for bad in ["", "-x", "a b", "10.0.0.2;true", &"1".repeat(101)] {
            assert!(!valid_advertise_addr(bad), "{bad}");
        }
    }

    fn node(hostname: &str, label: Option<&str>) -> SwarmNode {
        SwarmNode {
            id: "abc123".into(),
            hostname: hostname.into(),
            role: "worker".into(),
            leader: false,
            state: "ready".into(),
            availability: "active".into(),
            addr: "10.0.0.3".into(),
            labels: label
                .map(|l| [(NODE_NAME_LABEL.to_string(), l.to_string())].into())
                .unwrap_or_default(),
            nano_cpus: 2_000_000_000,
            memory_bytes: 1 << 30,
            engine_version: "26.1.5".into(),
        }
    }

    #[test]
    fn a_node_is_named_by_its_label_else_its_hostname() {
        assert_eq!(name_of(&node("vps1", Some("web-2"))).as_str(), "web-2");
        assert_eq!(name_of(&node("vps1", None)).as_str(), "vps1");
        assert_eq!(name_of(&node("vps 1", None)).as_str(), "abc123");
    }
}
