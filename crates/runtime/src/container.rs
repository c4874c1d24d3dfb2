//! Containers: the spec Wharf runs apps from, creating/starting/stopping/
//! removing them, and listing/inspecting only the ones Wharf manages.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, HealthStatusEnum, HostConfig,
    HostConfigLogConfig, Mount as DockerMount, MountType, NetworkingConfig,
    RestartPolicy as DockerRestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use serde::{Deserialize, Serialize};
use tracing::{debug, info, instrument, warn};

use crate::docker::{Docker, REQUEST_TIMEOUT};
use crate::error::{RuntimeError, describe, is_not_found};
use crate::labels;

/// What to run: everything Wharf needs to create one container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// Container name, e.g. `wharf-blog-web-v3-1`.
    pub name: String,
    /// Image reference (tag or id).
    pub image: String,
    /// Environment variables; names must be non-empty and contain no `=`.
    pub env: Vec<(String, String)>,
    /// Labels; the caller adds app/release/process/replica, and
    /// `wharf.managed=true` is always added.
    pub labels: HashMap<String, String>,
    /// Overrides the image's CMD when set.
    pub cmd: Option<Vec<String>>,
    /// Overrides the image's ENTRYPOINT when set (an empty list: none).
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// Bind mounts and named volumes.
    pub mounts: Vec<Mount>,
    /// Memory limit in bytes.
    pub memory_bytes: Option<i64>,
    /// CPU limit in units of 1e-9 CPUs.
    pub nano_cpus: Option<i64>,
    /// Restart policy (apps use [`RestartPolicy::UnlessStopped`]).
    pub restart: RestartPolicy,
    /// Network to attach to; `None` is the default bridge.
    pub network: Option<String>,
    /// Other names the container answers to on `network` (a service's host name).
    #[serde(default)]
    pub network_aliases: Vec<String>,
    /// More networks to join before the container starts (the services an app is linked to).
    #[serde(default)]
    pub extra_networks: Vec<String>,
    /// Container ports published on the host.
    #[serde(default)]
    pub ports: Vec<PortBinding>,
    /// The signal that asks the process to stop, when not the image's (e.g. `SIGINT`).
    #[serde(default)]
    pub stop_signal: Option<String>,
    /// Run the engine's init process (docker-init) as PID 1, so the app gets SIGTERM as an
    /// ordinary process does (a PID 1 without a handler ignores it) and zombies are reaped.
    #[serde(default)]
    pub init: bool,
    /// The user the process runs as (`name`, `uid`, `name:group`, `uid:gid`), when not the
    /// image's own (`None`). Wharf's own short-lived helpers set it; apps keep their image's.
    #[serde(default)]
    pub user: Option<String>,
    /// Files from Swarm configs, for a Swarm service's tasks on any node (see
    /// [`Docker::ensure_config`]); a plain container cannot have them.
    #[serde(default)]
    pub configs: Vec<ConfigFile>,
}

/// A file a Swarm service's tasks find in their file system, read-only, whatever their node:
/// the content of a Swarm config, which the managers keep and hand to each task's node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub config_id: String,
    pub config_name: String,
    /// Where it is in the task's file system (an absolute path).
    pub target: String,
}

/// The engine's form of `mounts`: a source starting with `/` is a bind mount of that server
/// directory, any other a named volume. Containers and Swarm services both go through here.
pub(crate) fn docker_mounts(mounts: &[Mount]) -> Result<Vec<DockerMount>, RuntimeError> {
    mounts
        .iter()
        .map(|m| {
            if m.source.is_empty() || !m.target.starts_with('/') {
                return Err(RuntimeError::InvalidSpec(format!(
                    "mount {:?} -> {:?}: source must be set and target must be an absolute path",
                    m.source, m.target
                )));
            }
            let typ = if m.source.starts_with('/') {
                MountType::BIND
            } else {
                MountType::VOLUME
            };
            Ok(DockerMount {
                source: Some(m.source.clone()),
                target: Some(m.target.clone()),
                typ: Some(typ),
                read_only: Some(m.read_only),
                ..Default::default()
            })
        })
        .collect()
}

/// A container port published on a host port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortBinding {
    /// The host address to listen on (`0.0.0.0` for every address).
    pub host_ip: String,
    pub host_port: u16,
    /// The TCP port inside the container.
    pub container_port: u16,
}

/// A mount: a host path (if `source` starts with `/`) or a named volume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// Absolute host path for a bind mount, otherwise a volume name.
    pub source: String,
    /// Path inside the container.
    pub target: String,
    /// Mount read-only.
    pub read_only: bool,
}

/// When Docker restarts a container.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestartPolicy {
    /// Never restart.
    No,
    /// Restart on exit and after a daemon restart / reboot, unless explicitly stopped.
    #[default]
    UnlessStopped,
}

impl RestartPolicy {
    /// Docker's name for the policy.
    pub fn as_docker_str(self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }
}

/// A container as Docker reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInfo {
    /// Full container id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// All labels.
    pub labels: HashMap<String, String>,
    /// True while the container's process runs.
    pub running: bool,
    /// Docker's state: `created`, `running`, `restarting`, `exited`, `paused`, `dead`, ...
    pub state: String,
    /// Address on its network; `None` if not running.
    pub ip: Option<IpAddr>,
    /// The image reference the container was created from (as given at create time).
    pub image: String,
    /// RFC 3339 start time, if it ever started.
    pub started_at: Option<String>,
    /// Health status (`starting`, `healthy`, `unhealthy`) if the image has a HEALTHCHECK.
    pub health: Option<String>,
    /// Exit code of the last run, if it has exited (or is being restarted after exiting).
    pub exit_code: Option<i64>,
    /// Docker's restart policy name: `no`, `unless-stopped`, `always`, `on-failure` (empty = no).
    pub restart_policy: String,
    /// How often Docker restarted the container after its process exited.
    pub restart_count: i64,
    /// Whether the kernel's out-of-memory killer ended the container's last run.
    #[serde(default)]
    pub oom_killed: bool,
}

impl Docker {
    /// Creates the container described by `spec` (adding `wharf.managed=true`)
    /// and starts it. If starting fails the container is removed again.
    #[instrument(skip(self, spec), fields(name = %spec.name, image = %spec.image))]
    pub async fn create_and_start(
        &self,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, RuntimeError> {
        let id = self.create(spec).await?;
        self.start_created(&id, spec).await
    }

    /// Creates the container described by `spec` (adding `wharf.managed=true`) on its
    /// networks, without starting it (files can be copied in first); returns its id. If it
    /// cannot join its networks it is removed again.
    #[instrument(skip(self, spec), fields(name = %spec.name, image = %spec.image))]
    pub async fn create(&self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        let body = create_body(spec)?;
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let created = match self.client.create_container(Some(options), body).await {
            Ok(created) => created,
            Err(e) if is_not_found(&e) => return Err(missing_dependency(spec, &e)),
            Err(e) => return Err(self.err(format!("creating container {}", spec.name), e)),
        };
        for warning in &created.warnings {
            warn!(name = %spec.name, %warning, "Docker warning while creating container");
        }
        debug!(id = %created.id, "container created");
        if let Err(e) = self.join_extra_networks(&created.id, spec).await {
            self.remove_failed(&created.id).await;
            return Err(e);
        }
        Ok(created.id)
    }

    /// Starts the container `id` that [`Docker::create`] made from `spec`. If starting
    /// fails the container is removed again.
    #[instrument(skip(self, spec), fields(name = %spec.name))]
    pub async fn start_created(
        &self,
        id: &str,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, RuntimeError> {
        let started = match self.client.start_container(id, None).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(missing_dependency(spec, &e)),
            Err(e) => Err(self.err(format!("starting container {}", spec.name), e)),
        };
        if let Err(start_err) = started {
            self.remove_failed(id).await;
            return Err(start_err);
        }
        info!(%id, name = %spec.name, "container started");
        self.inspect(id).await
    }

    /// Removes a container that could not be made ready; a failure is only logged (the
    /// caller reports why it was removed).
    pub(crate) async fn remove_failed(&self, id: &str) {
        let remove = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        if let Err(e) = self.client.remove_container(id, Some(remove)).await {
            warn!(%id, error = %self.err("removing container", e), "could not remove container that failed to start");
        }
    }

    /// Starts an existing container; starting a running one is not an error.
    /// Refuses ([`RuntimeError::NotManaged`]) containers Wharf did not create.
    #[instrument(skip(self))]
    pub async fn start(&self, id: &str) -> Result<(), RuntimeError> {
        self.ensure_managed(id).await?;
        match self.client.start_container(id, None).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("container {id}"))),
            Err(e) => Err(self.err(format!("starting container {id}"), e)),
        }
    }

    /// Stops a container: SIGTERM (or the image's STOPSIGNAL), then SIGKILL
    /// after `grace`. Stopping a stopped container is not an error; a missing
    /// one is [`RuntimeError::NotFound`]. Refuses ([`RuntimeError::NotManaged`])
    /// containers Wharf did not create.
    #[instrument(skip(self), fields(grace_secs = grace.as_secs()))]
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        self.ensure_managed(id).await?;
        let secs = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
        let options = StopContainerOptionsBuilder::default().t(secs).build();
        // The engine answers only after the container is gone, so the
        // request may take the whole grace period.
        let client = self.client_with_timeout(REQUEST_TIMEOUT.saturating_add(grace));
        match client.stop_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("container {id}"))),
            Err(e) => Err(self.err(format!("stopping container {id}"), e)),
        }
    }

    /// Stops (see [`Docker::stop`]) then removes a container together with
    /// its anonymous volumes (named volumes are never removed). A missing
    /// container is not an error. Refuses ([`RuntimeError::NotManaged`])
    /// containers Wharf did not create.
    #[instrument(skip(self), fields(grace_secs = grace.as_secs()))]
    pub async fn stop_and_remove(&self, id: &str, grace: Duration) -> Result<(), RuntimeError> {
        match self.stop(id, grace).await {
            Ok(()) => {}
            Err(RuntimeError::NotFound(_)) => return Ok(()),
            Err(e) => return Err(e),
        }
        let options = RemoveContainerOptionsBuilder::default()
            .v(true)
            .force(true)
            .build();
        match self.client.remove_container(id, Some(options)).await {
            Ok(()) => {
                info!(%id, "container removed");
                Ok(())
            }
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => match self.err(format!("removing container {id}"), e) {
                // Someone else is already removing it.
                RuntimeError::Conflict { message, .. }
                    if message.contains("already in progress") =>
                {
                    Ok(())
                }
                other => Err(other),
            },
        }
    }

    /// Containers carrying `wharf.managed=true` and every label in `filters`
    /// (e.g. `[("wharf.app", "blog")]`), including stopped ones, sorted by name. The
    /// containers of Swarm services' tasks are left out: the Swarm starts, stops and removes
    /// them, so they are handled through their service (`service_tasks`, `remove_service`).
    #[instrument(skip(self))]
    pub async fn list(&self, filters: &[(&str, &str)]) -> Result<Vec<ContainerInfo>, RuntimeError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&labels::managed_filters(filters))
            .build();
        let summaries = self
            .client
            .list_containers(Some(options))
            .await
            .map_err(|e| self.err("listing containers", e))?;

        let mut out = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let Some(id) = summary.id else { continue };
            match self.inspect(&id).await {
                Ok(info) if labels::is_swarm_task(&info.labels) => {}
                Ok(info) if labels::is_managed(&info.labels) => out.push(info),
                Ok(_) => {}
                // Removed between listing and inspecting.
                Err(RuntimeError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Joins a created container to `spec.extra_networks`.
    pub(crate) async fn join_extra_networks(
        &self,
        id: &str,
        spec: &ContainerSpec,
    ) -> Result<(), RuntimeError> {
        for network in &spec.extra_networks {
            self.connect_network(id, network).await?;
        }
        Ok(())
    }

    /// Fails unless the container exists and carries `wharf.managed=true`.
    pub(crate) async fn ensure_managed(&self, id: &str) -> Result<(), RuntimeError> {
        let info = self.inspect(id).await?;
        if labels::is_managed(&info.labels) {
            Ok(())
        } else {
            Err(RuntimeError::NotManaged(format!("container {id}")))
        }
    }

    /// Inspects one container by id or name (any container, managed or not).
    #[instrument(skip(self))]
    pub async fn inspect(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        match self.client.inspect_container(id, None).await {
            Ok(resp) => Ok(container_info(resp)),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("container {id}"))),
            Err(e) => Err(self.err(format!("inspecting container {id}"), e)),
        }
    }
}

/// A 404 while creating or starting a container means its image or its
/// network is missing (the engine checks the network only at start).
pub(crate) fn missing_dependency(spec: &ContainerSpec, e: &bollard::errors::Error) -> RuntimeError {
    match &spec.network {
        Some(net) if describe(e).contains("network") => {
            RuntimeError::NotFound(format!("network {net}"))
        }
        _ => RuntimeError::NotFound(format!("image {}", spec.image)),
    }
}

/// Translates a [`ContainerSpec`] into the Engine API create body.
pub(crate) fn create_body(spec: &ContainerSpec) -> Result<ContainerCreateBody, RuntimeError> {
    if !spec.configs.is_empty() {
        return Err(RuntimeError::InvalidSpec(format!(
            "container {}: Swarm configs are for services only; mount the file instead",
            spec.name
        )));
    }
    let mut env = Vec::with_capacity(spec.env.len());
    for (key, value) in &spec.env {
        if key.is_empty() || key.contains('=') || key.contains('\0') || value.contains('\0') {
            return Err(RuntimeError::InvalidSpec(format!(
                "environment variable name {key:?} must be non-empty and contain no '=' or NUL"
            )));
        }
        env.push(format!("{key}={value}"));
    }

    let mounts = docker_mounts(&spec.mounts)?;

    let restart_name = match spec.restart {
        RestartPolicy::No => RestartPolicyNameEnum::NO,
        RestartPolicy::UnlessStopped => RestartPolicyNameEnum::UNLESS_STOPPED,
    };
    let host_config = HostConfig {
        memory: spec.memory_bytes,
        nano_cpus: spec.nano_cpus,
        restart_policy: Some(DockerRestartPolicy {
            name: Some(restart_name),
            maximum_retry_count: None,
        }),
        mounts: (!mounts.is_empty()).then_some(mounts),
        network_mode: spec.network.clone(),
        port_bindings: port_bindings(&spec.ports),
        log_config: Some(rotated_logs()),
        init: spec.init.then_some(true),
        ..Default::default()
    };

    let networking_config = match (&spec.network, spec.network_aliases.is_empty()) {
        (Some(network), false) => Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                network.clone(),
                EndpointSettings {
                    aliases: Some(spec.network_aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        _ => None,
    };
    let exposed_ports = (!spec.ports.is_empty()).then(|| {
        spec.ports
            .iter()
            .map(|p| format!("{}/tcp", p.container_port))
            .collect()
    });
    Ok(ContainerCreateBody {
        image: Some(spec.image.clone()),
        networking_config,
        exposed_ports,
        stop_signal: spec.stop_signal.clone(),
        env: Some(env),
        cmd: spec.cmd.clone(),
        entrypoint: spec.entrypoint.clone(),
        user: spec.user.clone(),
        labels: Some(labels::with_managed(&spec.labels)),
        host_config: Some(host_config),
        ..Default::default()
    })
}

/// Translates Docker's inspect answer into a [`ContainerInfo`].
fn container_info(resp: ContainerInspectResponse) -> ContainerInfo {
    let state = resp.state.unwrap_or_default();
    let running = state.running.unwrap_or(false);
    let config = resp.config.unwrap_or_default();
    let host_config = resp.host_config.unwrap_or_default();

    let ip = if running {
        let networks = resp
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default();
        // `default` (no network given) is the `bridge` network.
        let preferred = host_config
            .network_mode
            .as_deref()
            .map(|mode| if mode == "default" { "bridge" } else { mode })
            .and_then(|mode| networks.get(mode))
            .and_then(|ep| parse_ip(ep.ip_address.as_deref()));
        preferred.or_else(|| {
            let mut names: Vec<&String> = networks.keys().collect();
            names.sort();
            names.into_iter().find_map(|n| {
                networks
                    .get(n)
                    .and_then(|ep| parse_ip(ep.ip_address.as_deref()))
            })
        })
    } else {
        None
    };

    let health = state
        .health
        .and_then(|h| h.status)
        .filter(|s| !matches!(s, HealthStatusEnum::EMPTY | HealthStatusEnum::NONE))
        .map(|s| s.to_string());
    let started_at = state
        .started_at
        .filter(|s| !s.is_empty() && !s.starts_with("0001-01-01"));
    let exited = matches!(
        state.status,
        Some(bollard::models::ContainerStateStatusEnum::EXITED)
            | Some(bollard::models::ContainerStateStatusEnum::DEAD)
            | Some(bollard::models::ContainerStateStatusEnum::RESTARTING)
    );

    ContainerInfo {
        restart_count: resp.restart_count.unwrap_or(0),
        oom_killed: state.oom_killed.unwrap_or(false),
        id: resp.id.unwrap_or_default(),
        name: resp
            .name
            .map(|n| n.trim_start_matches('/').to_owned())
            .unwrap_or_default(),
        labels: config.labels.unwrap_or_default(),
        running,
        state: state.status.map(|s| s.to_string()).unwrap_or_default(),
        ip,
        image: config.image.or(resp.image).unwrap_or_default(),
        started_at,
        health,
        exit_code: if exited { state.exit_code } else { None },
        restart_policy: host_config
            .restart_policy
            .and_then(|p| p.name)
            .map(|n| n.to_string())
            .unwrap_or_default(),
    }
}

/// The engine's `PortBindings` for `ports`.
fn port_bindings(
    ports: &[PortBinding],
) -> Option<HashMap<String, Option<Vec<bollard::models::PortBinding>>>> {
    if ports.is_empty() {
        return None;
    }
    let mut out: HashMap<String, Option<Vec<bollard::models::PortBinding>>> = HashMap::new();
    for p in ports {
        out.entry(format!("{}/tcp", p.container_port))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(bollard::models::PortBinding {
                host_ip: Some(p.host_ip.clone()),
                host_port: Some(p.host_port.to_string()),
            });
    }
    Some(out)
}

fn parse_ip(s: Option<&str>) -> Option<IpAddr> {
    s.filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

/// Containers log to json-file, rotated so that months of app output cannot fill the disk:
/// at most `LOG_FILES` files of `LOG_FILE_SIZE` each.
const LOG_FILE_SIZE: &str = "10m";
const LOG_FILES: &str = "3";

fn rotated_logs() -> HostConfigLogConfig {
    HostConfigLogConfig {
        typ: Some("json-file".to_string()),
        config: Some(HashMap::from([
            ("max-size".to_string(), LOG_FILE_SIZE.to_string()),
            ("max-file".to_string(), LOG_FILES.to_string()),
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_validated() {
        let spec = ContainerSpec {
            env: vec![("A=B".into(), "c".into())],
            ..Default::default()
        };
        assert!(matches!(
            create_body(&spec),
            Err(RuntimeError::InvalidSpec(_))
        ));
    }

    #[test]
    fn mounts_pick_bind_or_volume() {
        let spec = ContainerSpec {
            name: "x".into(),
            image: "busybox".into(),
            mounts: vec![
                Mount {
                    source: "/srv/data".into(),
                    target: "/data".into(),
                    read_only: true,
                },
                Mount {
                    source: "blog-data".into(),
                    target: "/var/lib/blog".into(),
                    read_only: false,
                },
            ],
            ..Default::default()
        };
        let body = create_body(&spec).unwrap();
        let mounts = body.host_config.unwrap().mounts.unwrap();
        assert_eq!(mounts[0].typ, Some(MountType::BIND));
        assert_eq!(mounts[1].typ, Some(MountType::VOLUME));
        assert_eq!(body.labels.unwrap().get(labels::MANAGED).unwrap(), "true");
    }

    #[test]
    fn init_is_asked_for_only_when_set() {
        let plain = create_body(&ContainerSpec::default()).unwrap();
        assert_eq!(plain.host_config.unwrap().init, None);
        let with_init = ContainerSpec {
            init: true,
            ..Default::default()
        };
        let body = create_body(&with_init).unwrap();
        assert_eq!(body.host_config.unwrap().init, Some(true));
    }

    #[test]
    fn the_user_is_the_images_unless_set() {
        let plain = create_body(&ContainerSpec::default()).unwrap();
        assert_eq!(plain.user, None);
        let as_root = ContainerSpec {
            user: Some("0".into()),
            ..Default::default()
        };
        assert_eq!(create_body(&as_root).unwrap().user.as_deref(), Some("0"));
    }
}
