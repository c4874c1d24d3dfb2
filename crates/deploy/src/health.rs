//! Waiting for a new instance to become healthy: probed from the host over HTTP until it answers
//! well or the deadline passes; an instance that exits fails at once.

use crate::{DeployError, Deployer};
use std::net::SocketAddr;
use std::time::Instant;
use wharf_runtime::ContainerInfo;

impl Deployer {
    /// Wait until the container answers health probes. With an explicit `path` a 2xx or 3xx
    /// answer is healthy; without one, any answer below 500 on `/` is.
    pub(crate) async fn wait_healthy(
        &self,
        container: &ContainerInfo,
        port: u16,
        path: Option<&str>,
    ) -> Result<SocketAddr, DeployError> {
        let settings = &self.settings;
        let deadline = Instant::now() + settings.health_timeout;
        let probe_path = path.unwrap_or("/");
        let mut reason = "it never answered".to_string();
        loop {
            let info = self.docker.inspect(&container.id).await?;
            if !info.running {
                reason = format!("its container stopped ({})", info.state);
                break;
            }
            if let Some(ip) = info.ip {
                let addr = SocketAddr::new(ip, port);
                match wharf_proxy::probe(addr, probe_path, settings.probe_timeout).await {
                    Ok(status) => {
                        let healthy = if path.is_some() {
                            status.is_success() || status.is_redirection()
                        } else {
                            status.as_u16() < 500
                        };
                        if healthy {
                            return Ok(addr);
                        }
                        reason = format!("GET {probe_path} on port {port} answered {status}");
                    }
                    Err(err) => reason = format!("GET {probe_path} on port {port}: {err}"),
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(settings.health_interval).await;
        }
        let logs = self
            .docker
            .logs_tail(&container.id, 20)
            .await
            .map(|lines| lines.join("\n"))
            .unwrap_or_else(|e| format!("(logs unavailable: {e})"));
        Err(DeployError::NotHealthyWithin {
            within: settings.health_timeout,
            reason,
            container: container.name.clone(),
            logs,
        })
    }
}
