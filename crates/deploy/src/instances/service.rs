//! Web instances in a cluster: when the engine Wharf drives is a Swarm manager, a release's web
//! process runs as one Swarm service (named like its containers, without the replica:
//! `wharf-blog-web-v3`), with the app's scale as its replicas, spread over the nodes by the
//! Swarm. Each task publishes the app's port in host mode on a port its node picks, and is one
//! [`Instance`] whose proxy target is that node's address and port, so the deploy keeps its
//! shape: start, health-check every target, switch, drain the old ones, then remove the old
//! release's service. What services cannot do yet (storage mounts, stop-first
//! deploys) is refused before anything starts. Whether services are used is decided here
//! alone ([`Deployer::runs_services`]): a server that never ran `wharf cluster init` runs
//! containers exactly as before.

use crate::deployer::INSTANCE_LABEL;
use crate::health::TaskProbe;
use crate::{DeployError, Deployer, Instance, Progress, ReleaseSpec};
use futures_util::future::join_all;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use wharf_domain::{AppName, ProcessName};
use wharf_proxy::Target;
use wharf_runtime::{ContainerSpec, ServiceTask, labels};
use wharf_store::ReleaseRecord;

/// How long a task may wait for a node that meets the service's placement rules before the
/// deploy fails: the Swarm keeps such a task pending for ever, and the scheduler decides in
/// well under a second, so a few seconds only ride out a node that is joining or changing.
pub(crate) const NO_SUITABLE_NODE_GRACE: Duration = Duration::from_secs(5);

impl Deployer {
    /// Whether web processes run as Swarm services: the engine is a manager of an active Swarm
    /// that this server is not leaving ([`Deployer::leave_cluster`]).
    pub(crate) async fn runs_services(&self) -> Result<bool, DeployError> {
        if self
            .leaving_cluster
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(false);
        }
        let membership = self.docker.swarm_membership().await?;
        Ok(membership.active() && membership.manager)
    }

    /// Refuse, naming it, what an app run as a Swarm service cannot have yet: storage mounts
    /// and Dockerfile volumes, and `scale = 0` (stop-first). Links to database services are
    /// fine: the tasks reach them over an overlay network ([`Deployer::linked_overlays`]).
    pub(crate) fn check_fits_cluster(
        &self,
        app: &AppName,
        spec: &ReleaseSpec,
    ) -> Result<(), DeployError> {
        let refuse = |what: String, fix: &str| DeployError::NotInClusterYet {
            app: app.to_string(),
            what,
            fix: format!("{fix}; see docs/cluster.md (Apps in a cluster)"),
        };
        if !spec.zero_downtime() {
            return Err(refuse(
                "stop-first deploys (`scale = 0`)".to_string(),
                "set `scale` to 1 or more",
            ));
        }
        Ok(())
    }

    /// Create the release's web service, wait until its tasks run, and health-check each at
    /// its node's address. On failure the service is removed again.
    pub(crate) async fn start_service_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<Instance>, DeployError> {
        self.check_fits_cluster(&release.app, spec)?;
        let web = spec.web();
        let mut container = self.container_spec(release, spec, port, &web, 1)?;
        container.name = service_name(release, &web.name);
        container.labels.remove(labels::REPLICA);
        container.image = self.service_image(release, spec, progress).await?;
        // Linked databases are reached over their overlays, not this server's bridges, and
        // the services CA's certificate is a Swarm config rather than a file of this server.
        container.extra_networks = self.linked_overlays(&release.app).await?;
        self.services_ca_as_config(&mut container).await?;
        if !container.extra_networks.is_empty() {
            progress.line(format!(
                "       its tasks reach linked databases over {}",
                container.extra_networks.join(", ")
            ));
        }
        for (key, value) in &mut container.env {
            if key == "DYNO" {
                // The Swarm fills in each task's replica number.
                *value = format!("{}.{{{{.Task.Slot}}}}", web.name);
            }
        }
        self.remove_leftover_service(&release.app, &container.name)
            .await?;
        let replicas = spec.replicas();
        let constraints = self.constraints_of(spec, &container, progress).await?;
        let id = self
            .docker
            .create_service(&container, u64::from(replicas), Some(port), &constraints)
            .await?;
        progress.line(created_line(&container.name, replicas, &constraints));
        match self
            .service_instances(release, spec, &id, &container.name, port, progress)
            .await
        {
            Ok(instances) => Ok(instances),
            Err(err) => {
                if let Err(e) = self.docker.remove_service(&id).await {
                    tracing::warn!(service = %container.name, error = %e, "could not remove a failed release's service");
                }
                if !container.extra_networks.is_empty()
                    && self.settings.encrypt_overlays
                    && matches!(
                        err,
                        DeployError::NotHealthyWithin { .. }
                            | DeployError::FailedHealthCheck { .. }
                    )
                {
                    // The one failure users cannot see from the app's own output: a node
                    // whose kernel lacks IPsec carries nothing on an encrypted overlay.
                    progress.line(format!(
                        "       note: if the app waits on its database, check that its tasks' nodes reach {} (the nodes must exchange ESP and UDP 4789; a kernel without IPsec carries nothing on an encrypted overlay: see {})",
                        container.extra_networks.join(", "),
                        wharf_domain::docs_link::CLUSTER_IPSEC
                    ));
                }
                Err(err)
            }
        }
    }

    /// At start or when the engine is back: the running tasks of the active release's web
    /// service, as instances at their nodes' addresses now. A service that is missing is made
    /// again and waited for, as at its deploy.
    pub(crate) async fn restore_service_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
    ) -> Result<Vec<Instance>, DeployError> {
        let name = service_name(release, &spec.web().name);
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, release.app.as_str()),
        ];
        let found = self
            .docker
            .list_services(&mine)
            .await?
            .into_iter()
            .find(|s| s.name == name);
        let Some(service) = found else {
            tracing::warn!(service = %name, "the active release's service is missing: making it again");
            return self
                .start_service_instances(release, spec, port, &Progress::silent())
                .await;
        };
        let tasks = self.docker.service_tasks(&service.id, port).await?;
        Ok(tasks
            .iter()
            .filter(|t| t.serves())
            .filter_map(|task| {
                Some(Instance {
                    container_id: task.id.clone(),
                    name: task_name(&name, task),
                    target: Target::new(task.addr?),
                    service: Some(service.id.clone()),
                })
            })
            .collect())
    }

    /// Remove this server's Swarm services of `app` that belong to no live release (`live`
    /// holds the versions of its active and deploying releases): a deploy's that was cut off,
    /// or a replaced release's whose retirement a stop interrupted. Returns how many.
    pub(crate) async fn remove_leftover_services(
        &self,
        app: &AppName,
        live: &HashSet<String>,
    ) -> Result<usize, DeployError> {
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, app.as_str()),
        ];
        let mut removed = 0;
        for service in self.docker.list_services(&mine).await? {
            // Jobs (one-off tasks) go once they end: see `Deployer::remove_finished_jobs`.
            if service.labels.contains_key(labels::TASK)
                || service
                    .labels
                    .get(labels::RELEASE)
                    .is_some_and(|v| live.contains(v))
            {
                continue;
            }
            tracing::info!(service = %service.name, "removing leftover service");
            self.docker.remove_service(&service.id).await?;
            removed += 1;
        }
        Ok(removed)
    }

    /// A service of the same name left by a deploy that was cut off goes before the new one
    /// is made; one of another Wharf server is never touched.
    pub(crate) async fn remove_leftover_service(
        &self,
        app: &AppName,
        name: &str,
    ) -> Result<(), DeployError> {
        let mine = [
            (INSTANCE_LABEL, self.settings.instance_id.as_str()),
            (labels::APP, app.as_str()),
        ];
        for service in self.docker.list_services(&mine).await? {
            if service.name == name {
                tracing::info!(service = %name, "removing a leftover service of the same name");
                self.docker.remove_service(&service.id).await?;
            }
        }
        Ok(())
    }

    /// The service's tasks once all run, health-checked, as instances.
    pub(crate) async fn service_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        service_id: &str,
        service: &str,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<Instance>, DeployError> {
        let tasks = self
            .wait_for_tasks(&release.app, service_id, service, spec, port)
            .await?;
        for task in &tasks {
            progress.line(format!(
                "       task {service}.{} runs on {} at {}",
                task.slot,
                task.node.as_deref().unwrap_or("?"),
                task.addr.map(|a| a.to_string()).unwrap_or_default()
            ));
        }
        let path = spec.config.healthcheck.as_deref();
        let app_check = spec.startup_check(self.settings.probe_defaults());
        let domains = self.domains_for(&release.app, spec)?;
        let address = domains.first();
        let check = match &app_check {
            Some(check) => crate::health::describe_check(check, port),
            None => crate::health::default_check(port, path, address),
        };
        progress.line(format!(
            "-----> Waiting for health checks ({check}, at each task's node)"
        ));
        let app_check = app_check.as_ref();
        let names: Vec<String> = tasks.iter().map(|t| task_name(service, t)).collect();
        let checks = join_all(tasks.iter().zip(&names).filter_map(|(task, name)| {
            let probe = TaskProbe {
                app: &release.app,
                name,
                addr: task.addr?,
                port,
            };
            Some(async move {
                self.wait_task_healthy(&probe, path, address, app_check)
                    .await
            })
        }))
        .await;
        let mut instances = Vec::with_capacity(tasks.len());
        for ((task, name), check) in tasks.iter().zip(names).zip(checks) {
            instances.push(Instance {
                container_id: task.id.clone(),
                name,
                target: Target::new(check?),
                service: Some(service_id.to_string()),
            });
        }
        Ok(instances)
    }

    /// Wait until the release's replicas run as tasks of the service with a published
    /// address, within the health timeout; a task the Swarm sees fail (an image missing on its
    /// node, a process that exits) fails the deploy at once with the Swarm's reason, and so
    /// does, after [`NO_SUITABLE_NODE_GRACE`], a task the Swarm finds no node for (placement
    /// rules no node meets), which it would otherwise leave pending for ever.
    async fn wait_for_tasks(
        &self,
        app: &AppName,
        service_id: &str,
        service: &str,
        spec: &ReleaseSpec,
        port: u16,
    ) -> Result<Vec<ServiceTask>, DeployError> {
        let replicas = spec.replicas();
        let deadline = Instant::now() + self.settings.health_timeout;
        let mut unschedulable_since: Option<Instant> = None;
        loop {
            let tasks = self.docker.service_tasks(service_id, port).await?;
            match tasks.iter().find_map(ServiceTask::unschedulable) {
                None => unschedulable_since = None,
                Some(reason) => {
                    let since = *unschedulable_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= NO_SUITABLE_NODE_GRACE || Instant::now() >= deadline {
                        return Err(DeployError::NoSuitableNode {
                            service: service.to_string(),
                            reason: reason.to_string(),
                            placement: placement_text(
                                spec,
                                self.mounts_for(app, spec)?
                                    .iter()
                                    .any(|m| m.target != wharf_domain::SERVICES_CA_IN_APPS),
                            ),
                            serving: self.still_serving(app),
                        });
                    }
                }
            }
            if let Some(failed) = tasks.iter().find(|t| t.failed()) {
                let error = failed
                    .error
                    .clone()
                    .unwrap_or_else(|| format!("it ended ({})", failed.state));
                let fix = if error.contains("No such image") {
                    ". Images do not reach the other nodes by themselves yet: deploy an image \
                     that is on every node (`wharf deploy --image REF`, with REF pulled or \
                     loaded on each node first)"
                } else {
                    ""
                };
                return Err(DeployError::ServiceTaskFailed {
                    service: service.to_string(),
                    task: format!("{service}.{}", failed.slot),
                    node: failed.node.clone().unwrap_or_else(|| "?".to_string()),
                    error: format!("{error}{fix}"),
                    serving: self.still_serving(app),
                });
            }
            let running: Vec<ServiceTask> = tasks.iter().filter(|t| t.serves()).cloned().collect();
            if running.len() >= replicas as usize {
                return Ok(running);
            }
            if Instant::now() >= deadline {
                let states: Vec<String> = tasks
                    .iter()
                    .map(|t| format!("{}.{} {}", service, t.slot, t.state))
                    .collect();
                return Err(DeployError::NotHealthyWithin {
                    within: self.settings.health_timeout,
                    reason: format!(
                        "{} of {replicas} tasks running ({})",
                        running.len(),
                        states.join(", ")
                    ),
                    container: service.to_string(),
                    logs: format!("(`docker service ps {service}` on this server shows why)"),
                    serving: self.still_serving(app),
                });
            }
            tokio::time::sleep(self.settings.health_interval).await;
        }
    }
}

/// The image the service's tasks run. Until images reach every node through a registry of the
/// cluster's (a later step), a release of a prebuilt image (`wharf deploy --image REF`) runs
/// that image by the reference it was deployed from: its release image, built here `FROM` it
/// with only comments and Wharf's labels, is the same program, and the user can put the image
/// on every node. A release built here (or changed by a predeploy command) runs its release
/// image, which only this server has: its tasks on other nodes fail, saying so.
fn local_image(release: &ReleaseRecord, spec: &ReleaseSpec) -> String {
    match (&spec.image, &spec.predeploy) {
        (Some(image), None) => image.to_string(),
        _ => release.image.clone(),
    }
}

impl Deployer {
    /// The image the release's tasks run, by the name every node pulls it by: this server's
    /// image of the release, pushed to the cluster's registry.
    pub(crate) async fn service_image(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        progress: &Progress,
    ) -> Result<String, DeployError> {
        let image = local_image(release, spec);
        self.publish_image(&release.app, release.version, &image, progress)
            .await
    }
}

/// The deploy's line for a service it made: its name, tasks and where they may run.
pub(crate) fn created_line(name: &str, replicas: u32, constraints: &[String]) -> String {
    let nodes = if constraints.is_empty() {
        "spread over the cluster's nodes".to_string()
    } else {
        format!("spread over the nodes where {}", constraints.join(", "))
    };
    let plural = if replicas == 1 { "" } else { "s" };
    format!("       created service {name} ({replicas} task{plural}, {nodes})")
}

/// The app's placement rules as a deploy's error shows them.
pub(crate) fn placement_text(spec: &ReleaseSpec, pinned: bool) -> String {
    let pin = if pinned {
        "; its storage pins it to this server, which must be `active` and `ready` and meet the rules"
    } else {
        ""
    };
    if spec.config.placement.is_empty() {
        if pinned {
            return "the app's storage pins it to this server, which is not `active` and `ready` or lacks the resources asked for".to_string();
        }
        return "the app sets no placement rules; no node is `active` and `ready`, or none has the resources asked for".to_string();
    }
    let rules: Vec<String> = spec
        .config
        .placement
        .iter()
        .map(ToString::to_string)
        .collect();
    format!("placement: {}{pin}", rules.join(", "))
}

impl Deployer {
    /// The Swarm placement constraints of the release's tasks (its web service's and its
    /// jobs'): the app's placement rules, and, when `container` mounts storage, this server's
    /// node, where its volumes (made here now) and directories are.
    pub(crate) async fn constraints_of(
        &self,
        spec: &ReleaseSpec,
        container: &ContainerSpec,
        progress: &Progress,
    ) -> Result<Vec<String>, DeployError> {
        let mut constraints: Vec<String> = spec
            .config
            .placement
            .iter()
            .map(ToString::to_string)
            .collect();
        if !container.mounts.is_empty() {
            // Volumes and server directories are this server's: the tasks run here.
            self.prepare_volumes(container).await?;
            let node = self.storage_node().await?;
            constraints.push(format!("node.id=={node}"));
            let targets: Vec<&str> = container.mounts.iter().map(|m| m.target.as_str()).collect();
            progress.line(format!(
                "       storage ({}) pins the app's tasks to this server, where it is",
                targets.join(", ")
            ));
        }
        Ok(constraints)
    }

    /// This server's node ID in the Swarm: where the named volumes Wharf makes and the
    /// server directories storage mounts name are, so where an app that has them runs.
    pub(crate) async fn storage_node(&self) -> Result<String, DeployError> {
        self.docker
            .swarm_membership()
            .await?
            .node_id
            .ok_or_else(|| {
                DeployError::Runtime(wharf_runtime::RuntimeError::Io(
                    "the engine does not say this server's Swarm node ID".to_string(),
                ))
            })
    }
}

/// The name of the release's Swarm service for `process`: its containers' name without the
/// replica, `wharf-blog-web-v3`.
pub(crate) fn service_name(release: &ReleaseRecord, process: &ProcessName) -> String {
    format!("wharf-{}-{process}-{}", release.app, release.version)
}

/// How a task is named in progress, errors and `wharf ps`: `wharf-blog-web-v3.2@node2`.
pub(super) fn task_name(service: &str, task: &ServiceTask) -> String {
    format!(
        "{service}.{}@{}",
        task.slot,
        task.node.as_deref().unwrap_or("?")
    )
}
