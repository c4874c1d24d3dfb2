//! A service's container: its spec (image, environment, volume, network and the host name
//! linked apps use, TLS on), starting it with a fresh server certificate put in first, and
//! waiting until the database takes connections.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wharf_deploy::INSTANCE_LABEL;
use wharf_domain::{ServiceKind, ServiceName};
use wharf_runtime::{
    ContainerInfo, ContainerSpec, ExecSpec, Mount, PortBinding, RestartPolicy, RuntimeError, labels,
};
use wharf_store::ServiceRecord;

use crate::tls::{SERVICE_TLS_DIR, ServerCertificate, ServicesCa, passwd_ids, service_tls_path};
use crate::{ServiceError, Services};

/// Label on a service's containers telling its kind.
pub(crate) const KIND_LABEL: &str = "wharf.service-kind";
/// Label on the throw-away containers `verify` restores into.
pub(crate) const SCRATCH_LABEL: &str = "wharf.service-scratch";
/// Label on a service's container telling when its server certificate expires (Unix
/// seconds). Containers made before services spoke TLS have none.
pub(crate) const TLS_UNTIL_LABEL: &str = "wharf.service-tls-until";

impl Services {
    pub(crate) fn labels(&self, name: &ServiceName, kind: ServiceKind) -> HashMap<String, String> {
        HashMap::from([
            (labels::SERVICE.to_string(), name.as_str().to_string()),
            (KIND_LABEL.to_string(), kind.as_str().to_string()),
            (INSTANCE_LABEL.to_string(), self.instance_id.clone()),
        ])
    }

    /// The container of a service: its volume on the data directory, on its own network
    /// under its name, published on the host only when exposed.
    pub(crate) fn container_spec(
        &self,
        record: &ServiceRecord,
    ) -> Result<ContainerSpec, ServiceError> {
        let (name, kind) = (record.name.clone(), record.kind);
        let resource = name.resource_name();
        let ports = record
            .exposed_port
            .map(|host_port| PortBinding {
                host_ip: "0.0.0.0".to_string(),
                host_port,
                container_port: kind.port(),
            })
            .into_iter()
            .collect();
        Ok(ContainerSpec {
            name: resource.clone(),
            image: record.image.clone(),
            env: kind.environment(&name, &record.password),
            labels: self.labels(&name, kind),
            cmd: Some(kind.tls_command(&record.password, &service_tls_path())),
            mounts: vec![Mount {
                source: resource.clone(),
                target: kind.data_path().to_string(),
                read_only: false,
            }],
            restart: RestartPolicy::UnlessStopped,
            network: Some(resource),
            network_aliases: vec![name.as_str().to_string()],
            ports,
            stop_signal: kind.stop_signal().map(String::from),
            ..Default::default()
        })
    }

    /// Creates and starts `spec`, first removing a leftover of this server under the same
    /// name; a container of that name that is not this server's is never touched. A new
    /// server certificate goes into the container before it starts, owned by the database's
    /// user in the image.
    pub(crate) async fn start_container(
        &self,
        kind: ServiceKind,
        name: &ServiceName,
        spec: &ContainerSpec,
    ) -> Result<ContainerInfo, ServiceError> {
        match self.docker.inspect(&spec.name).await {
            Ok(existing) => {
                if existing.labels.get(INSTANCE_LABEL) != Some(&self.instance_id) {
                    return Err(ServiceError::NameInUse(spec.name.clone()));
                }
                self.docker
                    .stop_and_remove(&existing.id, self.stop_grace)
                    .await?;
            }
            Err(RuntimeError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let ca = self.ca()?;
        let server = ca.issue(name)?;
        let mut spec = spec.clone();
        spec.labels
            .insert(TLS_UNTIL_LABEL.to_string(), server.not_after.to_string());
        let id = self.docker.create(&spec).await?;
        let put = self.put_tls_files(&id, kind, &spec.image, &ca, &server);
        if let Err(e) = put.await {
            if let Err(remove) = self.docker.stop_and_remove(&id, self.stop_grace).await {
                tracing::warn!(service = %name, error = %remove, "could not remove a container that got no certificate");
            }
            return Err(e);
        }
        Ok(self.docker.start_created(&id, &spec).await?)
    }

    /// Puts the server certificate, its key and the CA certificate into the created
    /// container `id`, owned by the user its image runs the database as (looked up in the
    /// image's own `/etc/passwd`: official images and others differ).
    async fn put_tls_files(
        &self,
        id: &str,
        kind: ServiceKind,
        image: &str,
        ca: &ServicesCa,
        server: &ServerCertificate,
    ) -> Result<(), ServiceError> {
        let passwd = self.docker.read_file(id, "/etc/passwd", 1 << 20).await?;
        let user = kind.server_user();
        let (uid, gid) = passwd_ids(&String::from_utf8_lossy(&passwd), user).ok_or_else(|| {
            ServiceError::Tls(format!(
                "the image {image} has no user `{user}` to own the server's key"
            ))
        })?;
        let (parent, dir) = SERVICE_TLS_DIR;
        let entries = ca.files(server, uid, gid);
        Ok(self.docker.put_files(id, parent, dir, &entries).await?)
    }

    /// The services CA, loaded (or made) the first time it is needed.
    pub(crate) fn ca(&self) -> Result<Arc<ServicesCa>, ServiceError> {
        let mut ca = self.ca.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ca) = ca.as_ref() {
            return Ok(ca.clone());
        }
        let loaded = Arc::new(ServicesCa::load_or_create(&self.ca_dir)?);
        *ca = Some(loaded.clone());
        Ok(loaded)
    }

    /// Makes sure the image is here, pulling it if not.
    pub(crate) async fn ensure_image(&self, image: &str) -> Result<(), ServiceError> {
        if self.docker.image_exists(image).await? {
            return Ok(());
        }
        tracing::info!(%image, "pulling the service's image");
        let mut on_line = |line: &str| tracing::debug!(%line, "pull");
        self.docker
            .pull_image(image, &mut on_line)
            .await
            .map_err(|e| ServiceError::NoImage {
                image: image.to_string(),
                reason: e.to_string(),
            })
    }

    /// Waits until the database in container `id` answers over TCP.
    pub(crate) async fn wait_ready(
        &self,
        id: &str,
        name: &ServiceName,
        kind: ServiceKind,
        password: &str,
    ) -> Result<(), ServiceError> {
        let started = Instant::now();
        let check = ExecSpec {
            cmd: kind.ready_command(name),
            env: kind.client_environment(password),
            ..Default::default()
        };
        loop {
            let info = self.docker.inspect(id).await?;
            if info.running {
                let mut out = Vec::new();
                let result = self
                    .docker
                    .exec_to(id, &check, None::<&[u8]>, &mut out)
                    .await;
                if matches!(result, Ok(ref r) if r.exit_code == 0) {
                    return Ok(());
                }
            }
            let crashed = !info.running
                && (matches!(info.state.as_str(), "exited" | "dead") || info.restart_count > 0);
            if crashed || started.elapsed() > self.ready_timeout {
                let logs = self
                    .docker
                    .logs_tail(id, 20)
                    .await
                    .map(|lines| lines.join("\n"))
                    .unwrap_or_else(|e| format!("(could not read the log: {e})"));
                return Err(ServiceError::NotReady {
                    service: name.as_str().to_string(),
                    kind: kind.as_str().to_string(),
                    within: self.ready_timeout,
                    logs,
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
