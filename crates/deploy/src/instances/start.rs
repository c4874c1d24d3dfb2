//! Starting a release's web instances: every replica is created, then all are waited on until
//! healthy together; if one fails, the containers started here are removed again.

use crate::{DeployError, Deployer, Instance, Progress, ReleaseSpec};
use futures_util::future::join_all;
use wharf_proxy::Target;
use wharf_runtime::ContainerInfo;
use wharf_store::ReleaseRecord;

impl Deployer {
    /// Start every replica of the release and wait until all are healthy (in a cluster, as the
    /// tasks of one Swarm service). On failure, the containers started here are removed again.
    pub(crate) async fn start_instances(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        progress: &Progress,
    ) -> Result<Vec<Instance>, DeployError> {
        if self.runs_services().await? {
            return self
                .start_service_instances(release, spec, port, progress)
                .await;
        }
        let mut started: Vec<ContainerInfo> = Vec::new();
        for replica in 1..=spec.replicas() {
            let created = async {
                let container = self.container_spec(release, spec, port, &spec.web(), replica)?;
                self.create_container(&container).await
            };
            match created.await {
                Ok(info) => {
                    progress.line(format!("       started {}", info.name));
                    started.push(info);
                }
                Err(err) => {
                    self.remove_containers(started.into_iter().map(|c| c.id))
                        .await;
                    return Err(err);
                }
            }
        }
        let path = spec.config.healthcheck.as_deref();
        let app_check = spec.startup_check(self.settings.probe_defaults());
        let app_check = app_check.as_ref();
        let domains = self.domains_for(&release.app, spec)?;
        let address = domains.first();
        let check = match app_check {
            Some(check) => crate::health::describe_check(check, port),
            None => crate::health::default_check(port, path, address),
        };
        progress.line(format!("-----> Waiting for health checks ({check})"));
        let checks = join_all(
            started
                .iter()
                .map(|c| self.wait_healthy(c, port, path, address, app_check)),
        )
        .await;
        let mut instances = Vec::new();
        let mut failure = None;
        for (container, check) in started.iter().zip(checks) {
            match check {
                Ok(addr) => instances.push(Instance {
                    container_id: container.id.clone(),
                    name: container.name.clone(),
                    target: Target::new(addr),
                    service: None,
                }),
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
        }
        if let Some(err) = failure {
            self.remove_containers(started.into_iter().map(|c| c.id))
                .await;
            return Err(err);
        }
        Ok(instances)
    }
}
