//! An app's process as a Swarm service (managers only): made from the same [`ContainerSpec`]
//! its containers are made from, with `replicas` tasks spread across the nodes by the Swarm.
//! Each task publishes the app's port in host mode on a port its node's engine picks, so
//! several tasks can run on one node and Wharf's proxy reaches each task directly at its
//! node's address ([`ServiceTask::addr`]), never through the routing mesh: health gating and
//! draining stay per task. A service carries `wharf.managed=true` like everything Wharf makes,
//! and only such services are removed.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, Limit, NetworkAttachmentConfig, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecConfigs,
    TaskSpecContainerSpecFile1, TaskSpecPlacement, TaskSpecResources, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};
use bollard::query_parameters::{ListServicesOptions, ListTasksOptions};

use crate::container::ContainerSpec;
use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::labels;

/// A service Wharf made, as the engine lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    pub id: String,
    pub name: String,
    pub labels: HashMap<String, String>,
}

/// One task of a service: where it runs and how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTask {
    pub id: String,
    /// Its replica number, from 1.
    pub slot: u64,
    /// The node it was given to.
    pub node_id: Option<String>,
    /// The node's hostname, when the node is known.
    pub node: Option<String>,
    /// Whether the Swarm sees its node as `ready` now (a node that died is `down` a few
    /// seconds later, while its tasks still read `running`).
    pub node_ready: bool,
    /// `new`, `pending`, ..., `running`, `complete`, `failed`, `rejected`, `shutdown`...
    pub state: String,
    /// What the Swarm wants of it: `running`, or `shutdown` once replaced.
    pub desired_state: String,
    /// Why it failed, when it did (e.g. the image is missing on its node).
    pub error: Option<String>,
    /// Its container's ID on its node, once it has one.
    pub container_id: Option<String>,
    /// Its container's exit code, once it ended.
    pub exit_code: Option<i64>,
    /// Where the app's port is reached: its node's address and the port published there.
    pub addr: Option<SocketAddr>,
    /// When it started running (RFC 3339), while it runs: the time of its last change of
    /// state, which for a running task is its start.
    pub started_at: Option<String>,
}

impl ServiceTask {
    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// Whether the proxy may send it requests: it runs, is meant to, has a published address,
    /// and its node is `ready`.
    pub fn serves(&self) -> bool {
        self.running() && self.desired_state == "running" && self.addr.is_some() && self.node_ready
    }

    /// Why the Swarm has no node for the task, while it waits for one: `no suitable node
    /// (scheduling constraints not satisfied on 3 nodes)` when no node meets the service's
    /// placement constraints (or has the resources it needs).
    pub fn unschedulable(&self) -> Option<&str> {
        (self.state == "pending")
            .then_some(self.error.as_deref())
            .flatten()
            .filter(|e| e.starts_with("no suitable node"))
    }

    /// Whether the task ended without being asked to (it will not serve).
    pub fn failed(&self) -> bool {
        matches!(
            self.state.as_str(),
            "failed" | "rejected" | "complete" | "orphaned"
        ) || (self.state == "shutdown" && self.desired_state == "running")
    }
}

impl Docker {
    /// Create a replicated service of `replicas` tasks, each a container as `spec` describes,
    /// publishing `port` in host mode on a port each node picks (none: a worker, a clock,
    /// which nothing routes to), on the nodes that meet every one of `constraints` (the
    /// Swarm's placement constraints, `node.labels.role==web`; none: any node). Its tasks are
    /// restarted whenever they end, as a container's `always` restart policy would. Mounts are the tasks' (a named volume is its node's own: the caller pins a
    /// service with mounts to the node that holds them). Its tasks join `spec.extra_networks`,
    /// which must be Swarm networks (the overlays of linked databases); a main network is
    /// refused. Returns the service's ID.
    pub async fn create_service(
        &self,
        spec: &ContainerSpec,
        replicas: u64,
        port: Option<u16>,
        constraints: &[String],
    ) -> Result<String, RuntimeError> {
        let (labels, task_template) =
            task_template(spec, constraints, TaskSpecRestartPolicyConditionEnum::ANY)?;
        let service = ServiceSpec {
            name: Some(spec.name.clone()),
            labels: Some(labels),
            task_template: Some(task_template),
            mode: Some(replicated(replicas)),
            endpoint_spec: port.map(|port| EndpointSpec {
                ports: Some(vec![EndpointPortConfig {
                    protocol: Some(EndpointPortConfigProtocolEnum::TCP),
                    target_port: Some(i64::from(port)),
                    // Left out: each node's engine picks a free port per task.
                    published_port: None,
                    publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
                    name: None,
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.create_from(service, "service").await
    }

    /// Create the service `service` describes (`what` it is, for errors: a service, a job);
    /// its ID.
    pub(crate) async fn create_from(
        &self,
        service: ServiceSpec,
        what: &str,
    ) -> Result<String, RuntimeError> {
        let name = service.name.clone().unwrap_or_default();
        let created = self
            .client
            .create_service(service, None)
            .await
            .map_err(|e| self.err(format!("creating {what} {name}"), e))?;
        created
            .id
            .ok_or_else(|| RuntimeError::Io(format!("the engine gave {what} {name} no ID")))
    }

    /// Services carrying `wharf.managed=true` and every label in `filters`, sorted by name.
    pub async fn list_services(
        &self,
        filters: &[(&str, &str)],
    ) -> Result<Vec<ServiceInfo>, RuntimeError> {
        let options = ListServicesOptions {
            filters: Some(labels::managed_filters(filters)),
            status: None,
        };
        let services = self
            .client
            .list_services(Some(options))
            .await
            .map_err(|e| self.err("listing services", e))?;
        let mut out: Vec<ServiceInfo> = services
            .into_iter()
            .filter_map(|service| {
                let spec = service.spec.unwrap_or_default();
                let labels = spec.labels.unwrap_or_default();
                labels::is_managed(&labels).then(|| ServiceInfo {
                    id: service.id.unwrap_or_default(),
                    name: spec.name.unwrap_or_default(),
                    labels,
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The tasks of `service` (ID or name), newest state first per slot, each with the
    /// address its `port` is reached at once it runs.
    pub async fn service_tasks(
        &self,
        service: &str,
        port: u16,
    ) -> Result<Vec<ServiceTask>, RuntimeError> {
        let filters = HashMap::from([("service".to_string(), vec![service.to_string()])]);
        let tasks = self
            .client
            .list_tasks(Some(ListTasksOptions {
                filters: Some(filters),
            }))
            .await
            .map_err(|e| self.err(format!("listing the tasks of service {service}"), e))?;
        let nodes: HashMap<String, (String, Option<IpAddr>, bool)> = self
            .swarm_nodes()
            .await?
            .into_iter()
            .map(|node| {
                let ip = node
                    .addr
                    .parse::<IpAddr>()
                    .ok()
                    .filter(|ip| !ip.is_unspecified());
                (node.id, (node.hostname, ip, node.state == "ready"))
            })
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for task in tasks {
            let status = task.status.unwrap_or_default();
            let node = task.node_id.as_ref().and_then(|id| nodes.get(id));
            let published = status
                .port_status
                .and_then(|p| p.ports)
                .unwrap_or_default()
                .into_iter()
                .find(|p| p.target_port == Some(i64::from(port)))
                .and_then(|p| p.published_port)
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p != 0);
            let addr = match (node.and_then(|(_, ip, _)| *ip), published) {
                (Some(ip), Some(port)) => Some(SocketAddr::new(ip, port)),
                _ => None,
            };
            let state = status.state.map(|s| s.to_string()).unwrap_or_default();
            let started_at = status.timestamp.filter(|_| state == "running");
            out.push(ServiceTask {
                id: task.id.unwrap_or_default(),
                slot: task.slot.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                node: node.map(|(hostname, _, _)| hostname.clone()),
                node_ready: node.is_some_and(|(_, _, ready)| *ready),
                node_id: task.node_id,
                state,
                desired_state: task
                    .desired_state
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                error: status.err.filter(|e| !e.is_empty()),
                exit_code: status.container_status.as_ref().and_then(|c| c.exit_code),
                container_id: status.container_status.and_then(|c| c.container_id),
                addr,
                started_at,
            });
        }
        out.sort_by_key(|t| t.slot);
        Ok(out)
    }

    /// The names of the services (any, Wharf's or not) whose tasks join the network
    /// `network` (name or ID); none when the network does not exist.
    pub async fn services_on_network(&self, network: &str) -> Result<Vec<String>, RuntimeError> {
        let id = match self.client.inspect_network(network, None).await {
            Ok(found) => found.id.unwrap_or_default(),
            Err(e) if is_not_found(&e) => return Ok(Vec::new()),
            Err(e) => return Err(self.err(format!("inspecting network {network}"), e)),
        };
        let services = self
            .client
            .list_services(None::<ListServicesOptions>)
            .await
            .map_err(|e| self.err("listing services", e))?;
        Ok(services
            .into_iter()
            .filter_map(|service| service.spec)
            .filter(|spec| {
                let attached = spec
                    .task_template
                    .as_ref()
                    .and_then(|t| t.networks.as_ref())
                    .into_iter()
                    .flatten()
                    .chain(spec.networks.iter().flatten());
                attached
                    .filter_map(|n| n.target.as_deref())
                    .any(|target| target == id || target == network)
            })
            .filter_map(|spec| spec.name)
            .collect())
    }

    /// Remove a service Wharf made (its tasks stop on their nodes); gone already is fine.
    pub async fn remove_service(&self, service: &str) -> Result<(), RuntimeError> {
        let context = format!("removing service {service}");
        let inspected = match self.client.inspect_service(service, None).await {
            Err(e) if is_not_found(&e) => return Ok(()),
            other => other.map_err(|e| self.err(context.clone(), e))?,
        };
        let managed = inspected
            .spec
            .and_then(|s| s.labels)
            .is_some_and(|l| labels::is_managed(&l));
        if !managed {
            return Err(RuntimeError::NotManaged(format!("service {service}")));
        }
        match self.client.delete_service(service).await {
            Err(e) if is_not_found(&e) => Ok(()),
            other => other.map_err(|e| self.err(context, e)),
        }
    }
}

/// The labels (with `wharf.managed=true`) and task template of a service whose tasks are
/// containers as `spec` describes, on the nodes that meet every one of `constraints`, restarted
/// on `restart`. Mounts are the tasks' (a named volume is its node's own: the caller pins a
/// service with mounts to the node that holds them). Extra networks are not supported for
/// services yet and are refused.
pub(crate) fn task_template(
    spec: &ContainerSpec,
    constraints: &[String],
    restart: TaskSpecRestartPolicyConditionEnum,
) -> Result<(HashMap<String, String>, TaskSpec), RuntimeError> {
    let mounts = crate::container::docker_mounts(&spec.mounts)?;
    if spec.network.is_some() {
        return Err(RuntimeError::InvalidSpec(format!(
            "service {}: only Swarm networks, as extra networks, are supported for Swarm services",
            spec.name
        )));
    }
    let mut labels = spec.labels.clone();
    labels.insert(
        labels::MANAGED.to_string(),
        labels::MANAGED_VALUE.to_string(),
    );
    let env = spec
        .env
        .iter()
        .map(|(key, value)| {
            if key.is_empty() || key.contains('=') {
                Err(RuntimeError::InvalidSpec(format!(
                    "environment variable name {key:?}"
                )))
            } else {
                Ok(format!("{key}={value}"))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let container = TaskSpecContainerSpec {
        image: Some(spec.image.clone()),
        labels: Some(labels.clone()),
        // A service's `Command` is the image's entrypoint, its `Args` the command.
        command: spec.entrypoint.clone(),
        args: spec.cmd.clone(),
        env: Some(env),
        stop_signal: spec.stop_signal.clone(),
        init: Some(spec.init),
        mounts: (!mounts.is_empty()).then_some(mounts),
        configs: (!spec.configs.is_empty()).then(|| {
            spec.configs
                .iter()
                .map(|file| TaskSpecContainerSpecConfigs {
                    file: Some(TaskSpecContainerSpecFile1 {
                        name: Some(file.target.clone()),
                        uid: Some("0".to_string()),
                        gid: Some("0".to_string()),
                        mode: Some(0o444),
                    }),
                    config_id: Some(file.config_id.clone()),
                    config_name: Some(file.config_name.clone()),
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    };
    let template = TaskSpec {
        container_spec: Some(container),
        resources: Some(TaskSpecResources {
            limits: Some(Limit {
                nano_cpus: spec.nano_cpus,
                memory_bytes: spec.memory_bytes,
                pids: None,
            }),
            ..Default::default()
        }),
        restart_policy: Some(TaskSpecRestartPolicy {
            condition: Some(restart),
            ..Default::default()
        }),
        networks: (!spec.extra_networks.is_empty()).then(|| {
            spec.extra_networks
                .iter()
                .map(|network| NetworkAttachmentConfig {
                    target: Some(network.clone()),
                    ..Default::default()
                })
                .collect()
        }),
        placement: (!constraints.is_empty()).then(|| TaskSpecPlacement {
            constraints: Some(constraints.to_vec()),
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok((labels, template))
}

/// The mode of a service of `replicas` tasks.
pub(crate) fn replicated(replicas: u64) -> ServiceSpecMode {
    ServiceSpecMode {
        replicated: Some(ServiceSpecModeReplicated {
            replicas: Some(i64::try_from(replicas).unwrap_or(i64::MAX)),
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(state: &str, desired: &str, node_ready: bool) -> ServiceTask {
        ServiceTask {
            id: "t1".to_string(),
            slot: 1,
            node_id: Some("n1".to_string()),
            node: Some("node1".to_string()),
            node_ready,
            state: state.to_string(),
            desired_state: desired.to_string(),
            error: None,
            container_id: None,
            exit_code: None,
            addr: Some("10.0.0.2:30001".parse().unwrap()),
            started_at: None,
        }
    }

    #[test]
    fn a_task_serves_only_running_on_a_ready_node_and_meant_to_run() {
        assert!(task("running", "running", true).serves());
        // A dead node's tasks still read `running` until the Swarm replaces them.
        assert!(!task("running", "running", false).serves());
        assert!(!task("running", "shutdown", true).serves());
        assert!(!task("starting", "running", true).serves());
        let mut unpublished = task("running", "running", true);
        unpublished.addr = None;
        assert!(!unpublished.serves());
    }

    #[test]
    fn a_pending_task_without_a_suitable_node_says_why() {
        let reason = "no suitable node (scheduling constraints not satisfied on 3 nodes)";
        let mut pending = task("pending", "running", true);
        assert_eq!(pending.unschedulable(), None);
        pending.error = Some(reason.to_string());
        assert_eq!(pending.unschedulable(), Some(reason));
        assert!(!pending.failed() && !pending.serves());
        let mut running = task("running", "running", true);
        running.error = Some(reason.to_string());
        assert_eq!(running.unschedulable(), None);
    }
}
