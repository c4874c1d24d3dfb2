//! Databases on another node of the cluster (`wharf services create postgres db --node
//! node2`): the database runs there as a *pinned* Swarm service (one task, `node.id==ID`,
//! restarted on failure, never moved: its volume is that node's), on its own overlay network
//! under the host name apps use, its server certificate and key handed over as Swarm secrets.
//! Whatever Wharf runs against it (readiness checks, backups, restores, `connect`) runs on
//! this server, the manager, in a *client container* of the database's image on that overlay,
//! with the database's host name given to the tools: so backups land in this server's data
//! directory as for a database here. A database whose node is down is reported, not moved.

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use wharf_domain::{NodeName, ServiceKind, ServiceName};
use wharf_runtime::{
    ContainerSpec, ExecResult, ExecSpec, Mount, OneOffSpec, PinnedService, RestartPolicy,
    RuntimeError, SecretFile, SwarmNode, labels, node_constraint,
};
use wharf_store::ServiceRecord;

use crate::container::{SCRATCH_LABEL, TLS_UNTIL_LABEL};
use crate::manager::new_password;
use crate::tls::{ServerCertificate, ServicesCa, needs_new_certificate, passwd_ids};
use crate::{ServiceError, Services};

/// Where a pinned database's task finds its certificate, key and the CA certificate (the
/// Swarm's directory for secrets).
const SECRETS_DIR: &str = "/run/secrets";
/// How long a client container may live: longer than any backup or `connect` session is
/// not expected; it is removed as soon as its work is done.
const CLIENT_LIFETIME: &str = "86400";
/// The script that deletes what the directory `$0` holds (a glob that matches nothing stays
/// as written, and `rm -f` ignores it).
const EMPTY_DIRECTORY: &str = r#"rm -rf -- "$0"/* "$0"/.[!.]* "$0"/..?*"#;
/// How long deleting a database's data on its node may take, its image's pull included.
const PURGE_TIMEOUT: Duration = Duration::from_secs(180);

/// Where commands against a database run: in its own container here, or in a client
/// container here that reaches it on another node by its host name.
pub(crate) struct Target {
    pub(crate) container: String,
    /// The database's host name, for a database on another node.
    host: Option<String>,
}

impl Target {
    /// `cmd` as it runs in this target: for a database on another node, its tool is told
    /// the database's host.
    pub(crate) fn command(&self, cmd: Vec<String>) -> Vec<String> {
        match &self.host {
            Some(host) => with_host(cmd, host),
            None => cmd,
        }
    }
}

/// `cmd` with `-h HOST`: a `-h` it has (`psql -h 127.0.0.1`) gets `host`, otherwise
/// `-h HOST` follows the program's name. The SQL tools and redis-cli all read `-h`.
pub(crate) fn with_host(mut cmd: Vec<String>, host: &str) -> Vec<String> {
    if let Some(at) = cmd.iter().position(|arg| arg == "-h")
        && at + 1 < cmd.len()
    {
        cmd[at + 1] = host.to_string();
        return cmd;
    }
    let at = 1.min(cmd.len());
    cmd.splice(at..at, ["-h".to_string(), host.to_string()]);
    cmd
}

/// A node's name as users know it (see [`NodeName::of_node`]).
pub(crate) fn node_name(node: &SwarmNode) -> NodeName {
    NodeName::of_node(&node.labels, &node.hostname, &node.id)
}

/// The files of a database's TLS (its certificate and key, the CA's certificate) as Swarm
/// secrets owned by `uid`:`gid`.
fn secret_files(
    ca: &ServicesCa,
    server: &ServerCertificate,
    uid: u64,
    gid: u64,
) -> Vec<SecretFile> {
    ca.files(server, uid, gid)
        .into_iter()
        .map(|file| SecretFile {
            target: file.name,
            contents: file.contents,
            uid: file.uid,
            gid: file.gid,
            mode: file.mode,
        })
        .collect()
}

/// What `wharf services` says of a database whose node is not `ready`.
pub(crate) fn node_down_state(node: &str, state: &str) -> String {
    format!("node {node} is {state}; the database stays pinned there and is not moved")
}

impl Services {
    /// The node `--node` names, as the Swarm node ID a database of `kind` is pinned to;
    /// `None` when it is this server (or no `--node` was given): the database runs here.
    pub(crate) async fn placement(
        &self,
        kind: ServiceKind,
        wanted: Option<&NodeName>,
    ) -> Result<Option<String>, ServiceError> {
        let Some(wanted) = wanted else {
            return Ok(None);
        };
        let Some(this_node) = self.cluster_node_id().await? else {
            return Err(ServiceError::BadInput(format!(
                "`--node {wanted}` places a database on a node of a cluster, and this server is not one: leave out `--node`, or make it a cluster (`wharf cluster init`) and add nodes (`wharf nodes add`)"
            )));
        };
        let nodes = self.docker.swarm_nodes().await?;
        let named: Vec<&SwarmNode> = nodes
            .iter()
            .filter(|n| node_name(n).as_str() == wanted.as_str() || n.id == wanted.as_str())
            .collect();
        let node = match named.as_slice() {
            [one] => *one,
            [] => {
                return Err(ServiceError::BadInput(format!(
                    "no node `{wanted}` in the cluster; `wharf nodes` lists them"
                )));
            }
            _ => {
                return Err(ServiceError::BadInput(format!(
                    "several nodes are named `{wanted}`: give its ID (`wharf nodes --json` shows them)"
                )));
            }
        };
        if node.id == this_node {
            return Ok(None);
        }
        if kind == ServiceKind::Redis {
            return Err(ServiceError::BadInput(format!(
                "a redis service runs on this server only for now (its backups copy a snapshot out of its container); leave out `--node {wanted}`"
            )));
        }
        if node.state != "ready" {
            return Err(ServiceError::BadInput(format!(
                "node `{wanted}` is {} now; a database is made on a node that is up (`wharf nodes` shows them)",
                node.state
            )));
        }
        Ok(Some(node.id.clone()))
    }

    /// Makes the pinned Swarm service of a database on the node `node_id`, on its overlay,
    /// and waits until it takes connections (checked from a client container here).
    pub(crate) async fn bring_up_pinned(
        &self,
        record: &ServiceRecord,
        node_id: &str,
    ) -> Result<(), ServiceError> {
        let (name, kind) = (&record.name, record.kind);
        let overlay = self
            .deployer
            .ensure_database_overlay(name, Some(node_id.to_string()))
            .await?;
        let client = self.client_container(record, &overlay).await?;
        let result = async {
            let passwd = self
                .docker
                .read_file(&client, "/etc/passwd", 1 << 20)
                .await?;
            let user = kind.server_user();
            let (uid, gid) =
                passwd_ids(&String::from_utf8_lossy(&passwd), user).ok_or_else(|| {
                    ServiceError::Tls(format!(
                        "the image {} has no user `{user}` to own the server's key",
                        record.image
                    ))
                })?;
            let ca = self.ca()?;
            let server = ca.issue(name)?;
            let secrets = secret_files(&ca, &server, uid, gid);
            let mut labels = self.labels(name, kind);
            labels.insert(labels::NODE.to_string(), node_id.to_string());
            labels.insert(TLS_UNTIL_LABEL.to_string(), server.not_after.to_string());
            // Its node pulls the image from the cluster's registry, where this server puts it.
            let image = self
                .deployer
                .publish_service_image(name, &record.image)
                .await?;
            let spec = PinnedService {
                name: name.pinned_service_name(),
                volume: name.resource_name(),
                image,
                env: kind.environment(name, &record.password),
                cmd: Some(kind.tls_command(&record.password, SECRETS_DIR)),
                stop_signal: kind.stop_signal().map(String::from),
                labels,
                node_id: node_id.to_string(),
                volume_target: kind.data_path().to_string(),
                network: overlay.clone(),
                aliases: vec![name.as_str().to_string()],
                secrets,
            };
            self.docker.create_pinned_service(&spec).await?;
            self.wait_pinned_ready(record, &client).await
        }
        .await;
        self.remove_client(&client).await;
        result
    }

    /// Waits until the pinned database answers from the client container `client`; fails
    /// at once when its task failed (its image missing on the node, say), with the Swarm's
    /// reason.
    async fn wait_pinned_ready(
        &self,
        record: &ServiceRecord,
        client: &str,
    ) -> Result<(), ServiceError> {
        let (name, kind) = (&record.name, record.kind);
        let check = ExecSpec {
            cmd: with_host(kind.ready_command(name), name.as_str()),
            env: kind.client_environment(&record.password),
            ..Default::default()
        };
        let started = Instant::now();
        loop {
            let mut out = Vec::new();
            let result = self
                .docker
                .exec_to(client, &check, None::<&[u8]>, &mut out)
                .await;
            let answer = match result {
                Ok(r) if r.exit_code == 0 => return Ok(()),
                Ok(r) => format!("{}: {}", check.cmd[0], r.stderr.trim()),
                Err(e) => e.to_string(),
            };
            let tasks = self
                .docker
                .service_tasks(&name.pinned_service_name(), kind.port())
                .await?;
            let failed = tasks.iter().find(|t| t.failed());
            if failed.is_some() || started.elapsed() > self.ready_timeout {
                let logs = tasks
                    .iter()
                    .map(|t| {
                        format!(
                            "task on {}: {}{}",
                            t.node.as_deref().unwrap_or("no node yet"),
                            t.state,
                            t.error
                                .as_deref()
                                .map(|e| format!(" ({e})"))
                                .unwrap_or_default()
                        )
                    })
                    .chain(std::iter::once(format!("from this server: {answer}")))
                    .collect::<Vec<_>>()
                    .join("\n");
                return Err(ServiceError::NotReady {
                    service: name.as_str().to_string(),
                    kind: kind.as_str().to_string(),
                    within: self.ready_timeout,
                    logs,
                });
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// A client container of the database's image here, started, idle, on `network` (the
    /// overlay of a database on another node), for commands Wharf runs against it. Labelled
    /// as scratch: one left behind by a server stopped mid-way goes at the next start.
    async fn client_container(
        &self,
        record: &ServiceRecord,
        network: &str,
    ) -> Result<String, ServiceError> {
        let (name, kind) = (&record.name, record.kind);
        let mut labels = self.labels(name, kind);
        labels.insert(SCRATCH_LABEL.to_string(), "true".to_string());
        let container = ContainerSpec {
            name: format!("{}.client-{}", name.resource_name(), &new_password()[..8]),
            image: record.image.clone(),
            labels,
            entrypoint: Some(vec!["sleep".to_string(), CLIENT_LIFETIME.to_string()]),
            restart: RestartPolicy::No,
            network: Some(network.to_string()),
            ..Default::default()
        };
        let id = self
            .docker
            .create_one_off(&OneOffSpec {
                container,
                ..Default::default()
            })
            .await?;
        if let Err(e) = self.docker.start(&id).await {
            self.remove_client(&id).await;
            return Err(e.into());
        }
        Ok(id)
    }

    async fn remove_client(&self, id: &str) {
        if let Err(e) = self
            .docker
            .stop_and_remove(id, Duration::from_secs(1))
            .await
        {
            tracing::warn!(container = %id, error = %e, "could not remove a client container");
        }
    }

    /// Where commands against the database of `record` run: its container, or for one on
    /// another node a new client container on its overlay ([`Services::release`] removes it).
    pub(crate) async fn target(&self, record: &ServiceRecord) -> Result<Target, ServiceError> {
        let name = &record.name;
        if record.node.is_none() {
            return Ok(Target {
                container: name.resource_name(),
                host: None,
            });
        }
        let overlay = self.deployer.database_overlay(name).await?.ok_or_else(|| {
            ServiceError::NotRunning(format!("{name} (its overlay network is missing)"))
        })?;
        let container = self.client_container(record, &overlay).await?;
        Ok(Target {
            container,
            host: Some(name.as_str().to_string()),
        })
    }

    /// Ends a [`Target`]: a client container is removed.
    pub(crate) async fn release(&self, target: Target) {
        if target.host.is_some() {
            self.remove_client(&target.container).await;
        }
    }

    /// Runs `cmd` (with `env`, never the password on a command line) against the database
    /// of `record`, wherever it runs, `input` on its stdin and its stdout into `output`:
    /// the one way backups, restores and checks reach a database.
    pub(crate) async fn run_against<R, W>(
        &self,
        record: &ServiceRecord,
        cmd: Vec<String>,
        env: Vec<(String, String)>,
        input: Option<R>,
        output: &mut W,
    ) -> Result<ExecResult, ServiceError>
    where
        R: AsyncRead + Unpin + Send,
        W: AsyncWrite + Unpin + Send,
    {
        let target = self.target(record).await?;
        let spec = ExecSpec {
            cmd: target.command(cmd),
            env,
            ..Default::default()
        };
        let result = self
            .docker
            .exec_to(&target.container, &spec, input, output)
            .await;
        self.release(target).await;
        match result {
            Err(RuntimeError::NotFound(_)) => {
                Err(ServiceError::NotRunning(record.name.to_string()))
            }
            other => Ok(other?),
        }
    }

    /// Removes the pinned Swarm service of `name` and its secrets, then its overlay once its
    /// task has left it (up to the stop grace and ten seconds more). Its volume stays on its
    /// node: the engine there removes it (`docker volume rm wharf-svc-NAME` on that node), as
    /// `destroy --purge` says. Returns what could not be done.
    pub(crate) async fn remove_pinned(&self, name: &ServiceName) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(e) = self
            .docker
            .remove_service(&name.pinned_service_name())
            .await
        {
            problems.push(e.to_string());
            return problems;
        }
        match self.deployer.database_overlay(name).await {
            Ok(Some(overlay)) => {
                let deadline = Instant::now() + self.stop_grace + Duration::from_secs(10);
                loop {
                    match self.docker.remove_network(&overlay).await {
                        Ok(()) => break,
                        Err(e) if Instant::now() >= deadline => {
                            problems.push(e.to_string());
                            break;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
                    }
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(e.to_string()),
        }
        let mine = [
            (labels::SERVICE, name.as_str()),
            (wharf_deploy::INSTANCE_LABEL, self.instance_id.as_str()),
        ];
        if let Err(e) = self.docker.remove_secrets(&mine).await {
            problems.push(e.to_string());
        }
        problems
    }

    /// Starts the database's own client against it, attached, in a client container that is
    /// removed once the client exits (`wharf services connect` to a database on another
    /// node). Returns the exec's ID and its streams.
    pub(crate) async fn open_pinned_client(
        &self,
        record: &ServiceRecord,
        mut spec: ExecSpec,
    ) -> Result<(String, wharf_runtime::Attached), ServiceError> {
        let target = self.target(record).await?;
        spec.cmd = target.command(spec.cmd);
        let opened = match self.docker.exec_attached(&target.container, &spec).await {
            Ok(opened) => opened,
            Err(e) => {
                self.release(target).await;
                return Err(e.into());
            }
        };
        let docker = self.docker.clone();
        let exec_id = opened.0.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                match docker.exec_exit_code(&exec_id).await {
                    Ok(None) => continue,
                    Ok(Some(_)) | Err(_) => break,
                }
            }
            if let Err(e) = docker
                .stop_and_remove(&target.container, Duration::from_secs(1))
                .await
            {
                tracing::warn!(container = %target.container, error = %e, "could not remove a client container");
            }
        });
        Ok(opened)
    }

    /// Gives the database on another node `record` a new server certificate when its own ends
    /// within a year (or its service does not say when it ends): its secrets are replaced,
    /// and the Swarm restarts its task on its node (a few seconds without the database; the
    /// data stays). Whether it did.
    pub(crate) async fn renew_pinned_certificate(
        &self,
        record: &ServiceRecord,
    ) -> Result<bool, ServiceError> {
        let service = record.name.pinned_service_name();
        let labels = self.docker.service_labels(&service).await?;
        if !needs_new_certificate(&labels) {
            return Ok(false);
        }
        let ca = self.ca()?;
        let server = ca.issue(&record.name)?;
        // The owner and mode stay those the service's files have.
        let files = secret_files(&ca, &server, 0, 0);
        let until = server.not_after.to_string();
        self.docker
            .replace_pinned_secrets(&service, &files, (TLS_UNTIL_LABEL, &until))
            .await?;
        tracing::info!(service = %record.name, "renewed the certificate of a database on another node");
        Ok(true)
    }

    /// The node a database is pinned to (`node_id`), named, for `destroy`. With `purge`, the
    /// node must be up, since its data is deleted there: refused otherwise before anything
    /// is removed.
    pub(crate) async fn pinned_node(
        &self,
        name: &ServiceName,
        node_id: &str,
        purge: bool,
    ) -> Result<NodeName, ServiceError> {
        let by_id = || NodeName::parse(node_id).unwrap_or_else(|_| NodeName::unnamed());
        let nodes = match self.docker.swarm_nodes().await {
            Ok(nodes) => nodes,
            // Only a purge needs the node: without one, its ID names it.
            Err(_) if !purge => return Ok(by_id()),
            Err(e) => return Err(e.into()),
        };
        let node = nodes.iter().find(|n| n.id == node_id);
        match node {
            Some(node) if !purge || node.state == "ready" => Ok(node_name(node)),
            Some(node) => Err(ServiceError::BadInput(format!(
                "node {} is {}: `--purge` deletes the data of `{name}` there, which needs the node up; bring it back (`wharf nodes` shows it), or destroy without `--purge` (the data stays on the node)",
                node_name(node),
                node.state
            ))),
            None if !purge => Ok(by_id()),
            None => Err(ServiceError::BadInput(format!(
                "node {node_id} has left the cluster: the data of `{name}` on it cannot be deleted from here; destroy without `--purge`"
            ))),
        }
    }

    /// Deletes the data of the database `record` on the node `node_id` (`destroy --purge`):
    /// this server cannot remove a volume on another node, so a one-off job pinned there,
    /// with the volume mounted, empties it. The empty volume stays on the node.
    pub(crate) async fn wipe_pinned_volume(
        &self,
        record: &ServiceRecord,
        node_id: &str,
    ) -> Result<(), ServiceError> {
        let (name, kind) = (&record.name, record.kind);
        let image = self
            .deployer
            .publish_service_image(name, &record.image)
            .await?;
        let mut labels = self.labels(name, kind);
        labels.insert(SCRATCH_LABEL.to_string(), "true".to_string());
        let data = kind.data_path();
        let job = ContainerSpec {
            name: format!(
                "{}-purge-{}",
                name.pinned_service_name(),
                &new_password()[..8]
            ),
            image,
            labels,
            // Every entry of the data directory, dot files included; the directory is `$0`,
            // an argument, never part of the script. Every database image has a shell.
            entrypoint: Some(
                ["sh", "-c", EMPTY_DIRECTORY, data]
                    .map(String::from)
                    .to_vec(),
            ),
            user: Some("0".to_string()),
            mounts: vec![Mount {
                source: name.resource_name(),
                target: data.to_string(),
                read_only: false,
            }],
            restart: RestartPolicy::No,
            ..Default::default()
        };
        self.docker
            .create_job(&job, &[node_constraint(node_id)])
            .await?;
        let outcome = self.wait_for_job(&job.name).await;
        if let Err(e) = self.docker.remove_service(&job.name).await {
            tracing::warn!(job = %job.name, error = %e, "could not remove the purge job");
        }
        outcome
    }

    /// Waits until the job `job` ends, up to [`PURGE_TIMEOUT`]: `Ok` when its command exited 0.
    async fn wait_for_job(&self, job: &str) -> Result<(), ServiceError> {
        let deadline = Instant::now() + PURGE_TIMEOUT;
        loop {
            let task = self.docker.job_task(job).await?;
            if let Some(outcome) = task.as_ref().and_then(|t| t.outcome()) {
                return match outcome {
                    Ok(0) => Ok(()),
                    Ok(code) => Err(ServiceError::Io(format!(
                        "deleting the data exited with code {code}"
                    ))),
                    Err(reason) => Err(ServiceError::Io(reason)),
                };
            }
            if Instant::now() >= deadline {
                let state = task.map_or_else(|| "not scheduled".to_string(), |t| t.state);
                return Err(ServiceError::Io(format!(
                    "deleting the data did not end within {PURGE_TIMEOUT:?} (its job is {state})"
                )));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The state of a database on the node `node_id`: its task's (`running`, `pending`...),
    /// or that its node is down (or gone) and the database stays there.
    pub(crate) async fn pinned_state(
        &self,
        record: &ServiceRecord,
        node_id: &str,
    ) -> Result<String, ServiceError> {
        let nodes = self.docker.swarm_nodes().await?;
        let Some(node) = nodes.iter().find(|n| n.id == node_id) else {
            return Ok(format!(
                "node {node_id} has left the cluster; the database stays pinned to it and is not moved"
            ));
        };
        if node.state != "ready" {
            return Ok(node_down_state(node_name(node).as_str(), &node.state));
        }
        let tasks = match self
            .docker
            .service_tasks(&record.name.pinned_service_name(), record.kind.port())
            .await
        {
            Ok(tasks) => tasks,
            Err(RuntimeError::NotFound(_)) => return Ok("missing".to_string()),
            Err(e) => return Err(e.into()),
        };
        let current = tasks.iter().rev().find(|t| t.desired_state == "running");
        Ok(match current {
            None => "missing".to_string(),
            Some(task) => match &task.error {
                Some(error) if !task.running() => format!("{} ({error})", task.state),
                _ => task.state.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(cmd: &[&str]) -> Vec<String> {
        cmd.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_purge_script_empties_a_directory_dot_files_included_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data dir");
        std::fs::create_dir_all(data.join("base/1")).unwrap();
        for file in ["PG_VERSION", ".hidden", "..odd", "base/1/table"] {
            std::fs::write(data.join(file), "x").unwrap();
        }
        let ran = std::process::Command::new("sh")
            .args(["-c", EMPTY_DIRECTORY])
            .arg(&data)
            .status()
            .unwrap();
        assert!(ran.success());
        assert!(data.is_dir());
        assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);
        // An empty directory is no error.
        let again = std::process::Command::new("sh")
            .args(["-c", EMPTY_DIRECTORY])
            .arg(&data)
            .status()
            .unwrap();
        assert!(again.success());
    }

    #[test]
    fn a_tool_is_told_the_databases_host() {
        assert_eq!(
            with_host(args(&["pg_dump", "-U", "postgres", "db"]), "db"),
            args(&["pg_dump", "-h", "db", "-U", "postgres", "db"])
        );
        assert_eq!(
            with_host(args(&["psql", "-h", "127.0.0.1", "-tAc", "SELECT 1"]), "db"),
            args(&["psql", "-h", "db", "-tAc", "SELECT 1"])
        );
        assert_eq!(
            with_host(args(&["mysqldump", "-uroot"]), "shop-db"),
            args(&["mysqldump", "-h", "shop-db", "-uroot"])
        );
    }

    #[test]
    fn a_down_node_is_reported_with_the_database_staying() {
        let state = node_down_state("node2", "down");
        assert!(state.contains("node node2 is down"));
        assert!(state.contains("not moved"));
    }
}
