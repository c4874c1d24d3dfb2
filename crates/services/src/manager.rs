//! `Services`: creating, listing, exposing and destroying database services. Links live in
//! `links.rs`, backups in `backup.rs`, the backup schedule in `schedule.rs`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wharf_deploy::Deployer;
use wharf_domain::{NodeName, ServiceKind, ServiceName, check_service_version};
use wharf_runtime::{Docker, ExecSpec, RuntimeError, labels};
use wharf_store::ServiceStatus as StoredStatus;
use wharf_store::{BackupRecord, ServiceRecord, Store};

use crate::ServiceError;

/// What `wharf services create` asks for.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub kind: ServiceKind,
    pub name: ServiceName,
    /// The image tag; the kind's default when `None`.
    pub version: Option<String>,
    /// Another image with the same interface as the official one (a mirror, say).
    pub image: Option<String>,
    /// In a cluster: the node it runs on, pinned there with its volume; this server when
    /// `None`.
    pub node: Option<NodeName>,
}

/// A service as `wharf services` shows it.
#[derive(Debug, Clone)]
pub struct ServiceStatus {
    pub name: String,
    pub kind: ServiceKind,
    pub version: String,
    pub image: String,
    /// `running`, `exited`, `restarting`, `missing` (no container), or `destroyed` (volume kept);
    /// for a database on another node, its task's state, or that its node is down.
    pub state: String,
    /// Bytes in the data directory, when the service runs.
    pub volume_bytes: Option<u64>,
    pub volume: String,
    pub network: String,
    /// In a cluster: the node it is pinned to (its name), where its container and volume are.
    pub node: Option<String>,
    /// In a cluster, once an app is linked: the encrypted overlay network linked apps' tasks
    /// reach it on.
    pub overlay: Option<String>,
    pub linked_apps: Vec<String>,
    /// The config var each linked app gets, by app.
    pub links: HashMap<String, String>,
    pub exposed_port: Option<u16>,
    pub backup_schedule: Option<String>,
    pub backup_keep: u32,
    /// The newest backup attempt; a failed one carries its error.
    pub last_backup: Option<BackupRecord>,
    /// The URL apps get; the password is hidden unless asked for.
    pub url: String,
    /// How clients reach the service over TLS, and where linked apps find the CA.
    pub tls: String,
}

/// Whether a service's status measures its data (`du` in its container, a process run per
/// service) or leaves the size unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataSize {
    Measured,
    Unmeasured,
}

/// Manages the server's database services.
pub struct Services {
    pub(crate) store: Arc<Store>,
    pub(crate) docker: Docker,
    pub(crate) deployer: Arc<Deployer>,
    /// `DATA/backups`: one directory per service.
    pub(crate) backups_dir: PathBuf,
    pub(crate) instance_id: String,
    pub(crate) stop_grace: Duration,
    pub(crate) ready_timeout: Duration,
    /// `DATA/services-ca`: the CA that issues the services' certificates.
    pub(crate) ca_dir: PathBuf,
    pub(crate) ca: Mutex<Option<Arc<crate::tls::ServicesCa>>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Services {
    pub fn new(deployer: Arc<Deployer>, data_dir: &std::path::Path, instance_id: &str) -> Services {
        Services {
            store: deployer.store().clone(),
            docker: deployer.docker().clone(),
            deployer,
            backups_dir: data_dir.join("backups"),
            instance_id: instance_id.to_string(),
            stop_grace: Duration::from_secs(30),
            ready_timeout: Duration::from_secs(180),
            ca_dir: data_dir.join(crate::tls::CA_DIR),
            ca: Mutex::new(None),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// One operation at a time per service.
    pub(crate) async fn lock(&self, service: &ServiceName) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            locks.entry(service.to_string()).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// A running (not destroyed) service.
    pub(crate) fn running_record(
        &self,
        service: &ServiceName,
    ) -> Result<ServiceRecord, ServiceError> {
        match self.store.service(service)? {
            None => Err(ServiceError::NoSuchService(service.to_string())),
            Some(r) if r.status == StoredStatus::Destroyed => Err(ServiceError::Destroyed {
                service: r.name.to_string(),
                kind: r.kind,
            }),
            Some(r) => Ok(r),
        }
    }

    /// Creates a service: its volume, private network and container, and waits until the
    /// database takes connections. A service destroyed with its volume kept comes back with
    /// its data. If anything fails, what this call created is removed again.
    #[tracing::instrument(skip(self, request), fields(service = %request.name, kind = %request.kind))]
    pub async fn create(&self, request: &CreateRequest) -> Result<ServiceStatus, ServiceError> {
        let name = &request.name;
        let kind = request.kind;
        let version = request
            .version
            .clone()
            .unwrap_or_else(|| kind.default_version().to_string());
        check_service_version(&version).map_err(ServiceError::BadInput)?;
        let image = match &request.image {
            Some(image) => check_image(image)?,
            None => kind.image(&version),
        };
        let node = self.placement(kind, request.node.as_ref()).await?;
        let _guard = self.lock(name).await;
        let previous = self.store.service(name)?;
        if let Some(old) = &previous {
            if old.status != StoredStatus::Destroyed {
                return Err(ServiceError::Exists(old.name.to_string()));
            }
            if old.kind != kind {
                return Err(ServiceError::BadInput(format!(
                    "the kept volume of `{name}` holds {} data, not {kind}; `wharf services destroy {name} --purge` deletes it",
                    old.kind
                )));
            }
            if old.node != node {
                return Err(ServiceError::BadInput(format!(
                    "the kept volume of `{name}` is on another node ({}); create it there with `--node`, or delete it with `wharf services destroy {name} --purge`",
                    old.node.as_deref().unwrap_or("this server")
                )));
            }
        }
        self.ensure_image(&image).await?;
        let record = self.store.create_service(&ServiceRecord {
            name: name.clone(),
            kind,
            version,
            image,
            password: new_password(),
            status: StoredStatus::Running,
            exposed_port: None,
            backup_schedule: None,
            backup_keep: 7,
            created_at: 0,
            node,
        })?;
        match self.bring_up(&record).await {
            Ok(()) => {
                tracing::info!(service = %name, "service created");
                self.status(&record, false).await
            }
            Err(err) => {
                self.tear_down(name, previous.is_none()).await;
                self.store.remove_service(name, previous.is_none())?;
                Err(err)
            }
        }
    }

    /// Network, volume and container of a stored service, started and ready.
    /// In a cluster, the container and the volume carry the node they are pinned to
    /// ([`labels::NODE`]: this server's), and a container made again (a new certificate, a
    /// port published) joins the service's overlay again when linked apps use it.
    pub(crate) async fn bring_up(&self, record: &ServiceRecord) -> Result<(), ServiceError> {
        if let Some(node) = &record.node {
            return self.bring_up_pinned(record, node).await;
        }
        let (name, kind) = (record.name.clone(), record.kind);
        let mut labels = self.labels(&name, kind);
        let resource = name.resource_name();
        self.docker.ensure_network(&resource, &labels).await?;
        let cluster_node = self.cluster_node_id().await?;
        if let Some(node) = &cluster_node {
            labels.insert(labels::NODE.to_string(), node.clone());
        }
        self.docker.ensure_volume(&resource, &labels).await?;
        let mut spec = self.container_spec(record)?;
        spec.labels.extend(labels);
        let info = self.start_container(kind, &name, &spec).await?;
        if cluster_node.is_some() && self.deployer.database_overlay(&name).await?.is_some() {
            self.deployer.attach_database_overlay(&name).await?;
        }
        self.wait_ready(&info.id, &name, kind, &record.password)
            .await
    }

    /// This server's Swarm node ID when it is a cluster's manager; `None` on a single server.
    pub(crate) async fn cluster_node_id(&self) -> Result<Option<String>, ServiceError> {
        let membership = self.docker.swarm_membership().await?;
        let in_cluster = membership.active() && membership.manager;
        Ok(membership.node_id.filter(|_| in_cluster))
    }

    /// Removes the service's container and networks, and its volume when `purge`. Errors are
    /// logged: this runs on cleanup paths and in `destroy`, which reports what it could not do.
    async fn tear_down(&self, name: &ServiceName, purge: bool) -> Vec<String> {
        let resource = name.resource_name();
        let mut problems = Vec::new();
        let pinned_to = match self.store.service(name) {
            Ok(record) => record.and_then(|r| r.node),
            Err(e) => {
                problems.push(e.to_string());
                None
            }
        };
        if pinned_to.is_some() {
            problems.extend(self.remove_pinned(name).await);
        }
        match self.docker.inspect(&resource).await {
            Ok(info)
                if info.labels.get(wharf_deploy::INSTANCE_LABEL) == Some(&self.instance_id) =>
            {
                if let Err(e) = self.docker.stop_and_remove(&info.id, self.stop_grace).await {
                    problems.push(e.to_string());
                }
            }
            Ok(_) | Err(RuntimeError::NotFound(_)) => {}
            Err(e) => problems.push(e.to_string()),
        }
        // A database on another node had its overlay removed with its Swarm service.
        let overlay = match pinned_to {
            Some(_) => None,
            None => self
                .deployer
                .database_overlay(name)
                .await
                .unwrap_or_else(|e| {
                    problems.push(e.to_string());
                    None
                }),
        };
        for network in std::iter::once(resource.clone()).chain(overlay) {
            if let Err(e) = self.docker.remove_network(&network).await {
                problems.push(e.to_string());
            }
        }
        if purge
            && pinned_to.is_none()
            && let Err(e) = self.docker.remove_volume(&resource).await
        {
            problems.push(e.to_string());
        }
        for problem in &problems {
            tracing::warn!(service = %name, %problem, "while removing a service");
        }
        problems
    }

    /// Destroys a service that no app is linked to: its container and network go; its volume
    /// (the data) stays unless `purge`. Backups in the data directory are always kept.
    /// Returns the node it was on, for one on another node of the cluster (whose empty volume
    /// stays there after a purge).
    #[tracing::instrument(skip(self))]
    pub async fn destroy(
        &self,
        service: &ServiceName,
        purge: bool,
    ) -> Result<Option<NodeName>, ServiceError> {
        let _guard = self.lock(service).await;
        let record = self
            .store
            .service(service)?
            .ok_or_else(|| ServiceError::NoSuchService(service.to_string()))?;
        if record.status == StoredStatus::Destroyed && !purge {
            return Err(ServiceError::Destroyed {
                service: record.name.to_string(),
                kind: record.kind,
            });
        }
        let links = self.store.links_of_service(Some(service))?;
        if !links.is_empty() {
            let apps: Vec<String> = links.iter().map(|l| format!("`{}`", l.app)).collect();
            return Err(ServiceError::Linked {
                service: service.to_string(),
                apps: apps.join(", "),
            });
        }
        let node = match &record.node {
            Some(id) => Some(self.pinned_node(service, id, purge).await?),
            None => None,
        };
        let problems = self.tear_down(service, purge).await;
        if !problems.is_empty() {
            return Err(ServiceError::Io(format!(
                "could not remove everything of `{service}`: {}",
                problems.join("; ")
            )));
        }
        if purge
            && let Some(id) = &record.node
            && let Err(e) = self.wipe_pinned_volume(&record, id).await
        {
            // Destroyed, its data kept: a purge again finishes the work.
            self.store.remove_service(service, false)?;
            return Err(ServiceError::Io(format!(
                "`{service}` is destroyed, but its data on node {} could not be deleted: {e}; run `wharf services destroy {service} --purge` again",
                node.as_ref().map_or(id.as_str(), NodeName::as_str)
            )));
        }
        self.store.remove_service(service, purge)?;
        tracing::info!(%service, purge, "service destroyed");
        Ok(node)
    }

    /// Every service with its state, data size, links and last backup.
    pub async fn list(&self) -> Result<Vec<ServiceStatus>, ServiceError> {
        self.list_measured(DataSize::Measured).await
    }

    /// Every service as `list` has it but for its data size (`volume_bytes` is `None`), which
    /// is measured by running `du` in the container: for pages that do not show it.
    pub async fn list_unmeasured(&self) -> Result<Vec<ServiceStatus>, ServiceError> {
        self.list_measured(DataSize::Unmeasured).await
    }

    async fn list_measured(&self, size: DataSize) -> Result<Vec<ServiceStatus>, ServiceError> {
        let mut out = Vec::new();
        for record in self.store.services()? {
            out.push(self.status_measured(&record, false, size).await?);
        }
        Ok(out)
    }

    /// One service; with `reveal`, its URL shows the password.
    pub async fn info(
        &self,
        service: &ServiceName,
        reveal: bool,
    ) -> Result<ServiceStatus, ServiceError> {
        let record = self
            .store
            .service(service)?
            .ok_or_else(|| ServiceError::NoSuchService(service.to_string()))?;
        self.status(&record, reveal).await
    }

    pub(crate) async fn status(
        &self,
        record: &ServiceRecord,
        reveal: bool,
    ) -> Result<ServiceStatus, ServiceError> {
        self.status_measured(record, reveal, DataSize::Measured)
            .await
    }

    async fn status_measured(
        &self,
        record: &ServiceRecord,
        reveal: bool,
        size: DataSize,
    ) -> Result<ServiceStatus, ServiceError> {
        let (name, kind) = (record.name.clone(), record.kind);
        let resource = name.resource_name();
        let mut pinned_to = None;
        let (state, volume_bytes) = if record.status == StoredStatus::Destroyed {
            ("destroyed".to_string(), None)
        } else if let Some(node) = &record.node {
            // Its volume is on that node: its size is not measured from here.
            pinned_to = Some(node.clone());
            (self.pinned_state(record, node).await?, None)
        } else {
            match self.docker.inspect(&resource).await {
                Ok(info) => {
                    let size = if info.running && size == DataSize::Measured {
                        self.data_size(&info.id, kind).await
                    } else {
                        None
                    };
                    pinned_to = info.labels.get(labels::NODE).cloned();
                    (info.state, size)
                }
                Err(RuntimeError::NotFound(_)) => ("missing".to_string(), None),
                Err(e) => return Err(e.into()),
            }
        };
        let (node, overlay) = self.cluster_place(&name, pinned_to).await?;
        let links = self.store.links_of_service(Some(&record.name))?;
        let password = if reveal {
            record.password.as_str()
        } else {
            "********"
        };
        let url = kind.url(&name, password);
        Ok(ServiceStatus {
            name: record.name.to_string(),
            kind: record.kind,
            version: record.version.clone(),
            image: record.image.clone(),
            state,
            volume_bytes,
            volume: resource.clone(),
            // A database on another node is on its overlay only.
            network: match (&record.node, &overlay) {
                (Some(_), Some(overlay)) => overlay.clone(),
                _ => resource,
            },
            node,
            overlay,
            linked_apps: links.iter().map(|l| l.app.to_string()).collect(),
            links: links
                .into_iter()
                .map(|l| (l.app.to_string(), l.var))
                .collect(),
            exposed_port: record.exposed_port,
            backup_schedule: record.backup_schedule.clone(),
            backup_keep: record.backup_keep,
            last_backup: self.store.backups(&record.name)?.into_iter().next(),
            url: if reveal { url } else { url.replace("%2A", "*") },
            tls: crate::tls::describe(kind, &name, password),
        })
    }

    /// In a cluster: the name of the node the service is pinned to (`pinned_to`, its
    /// container's label, or this server's node for a service made before the cluster: its
    /// container runs here all the same), and its overlay network if it has one. `(None,
    /// None)` on a single server.
    async fn cluster_place(
        &self,
        name: &ServiceName,
        pinned_to: Option<String>,
    ) -> Result<(Option<String>, Option<String>), ServiceError> {
        let Some(this_node) = self.cluster_node_id().await? else {
            return Ok((None, None));
        };
        let node_id = pinned_to.unwrap_or(this_node);
        let node = self
            .docker
            .swarm_nodes()
            .await?
            .into_iter()
            .find(|n| n.id == node_id)
            .map(|n| {
                n.labels
                    .get(wharf_domain::NODE_NAME_LABEL)
                    .cloned()
                    .unwrap_or(n.hostname)
            })
            .unwrap_or(node_id);
        let overlay = self.deployer.database_overlay(name).await?;
        Ok((Some(node), overlay))
    }

    /// Bytes used by the data directory, measured inside the container with `du`.
    async fn data_size(&self, id: &str, kind: ServiceKind) -> Option<u64> {
        let spec = ExecSpec {
            cmd: vec!["du".into(), "-sk".into(), kind.data_path().into()],
            ..Default::default()
        };
        let mut out = Vec::new();
        let result = self
            .docker
            .exec_to(id, &spec, None::<&[u8]>, &mut out)
            .await
            .ok()?;
        if result.exit_code != 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&out);
        let kib: u64 = text.split_whitespace().next()?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Publishes the service on a host port (`Some`), or stops publishing it (`None`). The
    /// container is recreated; its data stays in the volume.
    #[tracing::instrument(skip(self))]
    pub async fn expose(
        &self,
        service: &ServiceName,
        port: Option<u16>,
    ) -> Result<ServiceStatus, ServiceError> {
        if port == Some(0) {
            return Err(ServiceError::BadInput(
                "port 0 cannot be published; give a port from 1 to 65535".to_string(),
            ));
        }
        let _guard = self.lock(service).await;
        let record = self.running_record(service)?;
        if record.node.is_some() {
            return Err(ServiceError::BadInput(format!(
                "`{service}` runs on another node of the cluster, and only a database on this server can be published; reach it from an app linked to it, or with `wharf services connect {service}`"
            )));
        }
        if record.exposed_port == port {
            return self.status(&record, false).await;
        }
        let updated = ServiceRecord {
            exposed_port: port,
            ..record.clone()
        };
        if let Err(err) = self.bring_up(&updated).await {
            tracing::warn!(%service, error = %err, "publishing failed; restoring the container as it was");
            if let Err(restore) = self.bring_up(&record).await {
                tracing::error!(%service, error = %restore, "could not restore the service's container");
            }
            return Err(err);
        }
        self.store.set_service_exposed_port(service, port)?;
        self.status(&updated, false).await
    }

    /// Starts the database's own client (psql, mysql/mariadb, redis-cli) in the service's
    /// container, attached; returns the exec's id and its streams.
    pub async fn open_client(
        &self,
        service: &ServiceName,
        tty: bool,
    ) -> Result<(String, wharf_runtime::Attached), ServiceError> {
        let record = self.running_record(service)?;
        let (name, kind) = (record.name.clone(), record.kind);
        let spec = ExecSpec {
            cmd: kind.client_command(&name),
            env: kind.client_environment(&record.password),
            tty,
            stdin: true,
            user: None,
        };
        if record.node.is_some() {
            return self.open_pinned_client(&record, spec).await;
        }
        match self
            .docker
            .exec_attached(&name.resource_name(), &spec)
            .await
        {
            Ok(opened) => Ok(opened),
            Err(RuntimeError::NotFound(_)) => Err(ServiceError::NotRunning(service.to_string())),
            Err(e) => Err(e.into()),
        }
    }

    /// At start and when the Docker engine comes back: make every service that should run,
    /// run (Docker restarts them after a reboot; this covers containers removed by hand and
    /// an engine that stopped them), make again the containers without a server certificate
    /// (made before services spoke TLS) or with one that ends within a year (a database on
    /// another node gets a new certificate in place instead), then remove
    /// scratch containers left by a verify that the server's stop cut short.
    #[tracing::instrument(skip(self), name = "services.reconcile")]
    pub async fn reconcile(&self) -> Result<(), ServiceError> {
        for record in self.store.services()? {
            if record.status == StoredStatus::Destroyed {
                continue;
            }
            // A database on another node is the Swarm's to keep running, there and only
            // there; its certificate is Wharf's to renew.
            if record.node.is_some() {
                if let Err(e) = self.renew_pinned_certificate(&record).await {
                    tracing::error!(service = %record.name, error = %e, "could not renew the certificate of a database on another node");
                }
                continue;
            }
            let resource = record.name.resource_name();
            let running = match self.docker.inspect(&resource).await {
                // Made before services spoke TLS, or its certificate is near its end: made
                // again (the data stays on the volume).
                Ok(info) if crate::tls::needs_new_certificate(&info.labels) => false,
                Ok(info) if info.running => true,
                Ok(info) => self.docker.start(&info.id).await.is_ok(),
                Err(_) => false,
            };
            if !running && let Err(e) = self.bring_up(&record).await {
                tracing::error!(service = %record.name, error = %e, "could not start the service");
            }
        }
        let scratch = self
            .docker
            .list(&[
                (crate::container::SCRATCH_LABEL, "true"),
                (wharf_deploy::INSTANCE_LABEL, self.instance_id.as_str()),
            ])
            .await?;
        for container in scratch {
            if let Err(e) = self
                .docker
                .stop_and_remove(&container.id, self.stop_grace)
                .await
            {
                tracing::warn!(container = %container.name, error = %e, "could not remove a scratch container");
            }
        }
        Ok(())
    }
}

/// 128 random bits as 32 hex digits: safe in URLs and shells alike.
pub(crate) fn new_password() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// An image reference: registry, path, tag or digest characters only.
fn check_image(image: &str) -> Result<String, ServiceError> {
    let ok = !image.is_empty()
        && image.len() <= 255
        && image.as_bytes()[0].is_ascii_alphanumeric()
        && image
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b));
    if ok {
        Ok(image.to_string())
    } else {
        Err(ServiceError::BadInput(format!(
            "`{image}` is not an image reference; use one such as `postgres:17` or `registry.example.com/postgres:17`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_references() {
        assert!(check_image("postgres:17").is_ok());
        assert!(check_image("registry.example.com:5000/db/postgres@sha256:abc").is_ok());
        assert!(check_image("postgres 17").is_err());
        assert!(check_image("-postgres").is_err());
        assert!(check_image("").is_err());
    }

    #[test]
    fn passwords_are_long_and_plain() {
        let p = new_password();
        assert_eq!(p.len(), 32);
        assert!(p.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(p, new_password());
    }
}
