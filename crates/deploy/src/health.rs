//! Waiting for a new instance to become healthy: probed from the host over HTTP until it answers
//! well or the deadline passes; an instance that exits fails at once, and so does one that keeps
//! listening on another port than the routed one (see [`crate::listening`]). An app.json health check,
//! when the app has one, replaces the default probe.

use crate::{DeployError, Deployer, HealthCheckSpec, health_check};
use std::net::SocketAddr;
use std::time::Instant;
use wharf_runtime::ContainerInfo;

impl Deployer {
    /// Wait until the container is healthy. With app.json's check, that check decides. Else,
    /// with an explicit `path` a 2xx or 3xx answer is healthy; without one, any answer below
    /// 500 on `/` is. Requests carry `Host: host` (the app's domain) when there is one.
    pub(crate) async fn wait_healthy(
        &self,
        container: &ContainerInfo,
        port: u16,
        path: Option<&str>,
        host: Option<&str>,
        app_check: Option<&HealthCheckSpec>,
    ) -> Result<SocketAddr, DeployError> {
        if let Some(check) = app_check {
            let addr = match self.address_of(container, port).await {
                Ok(addr) => addr,
                Err(reason) => return Err(self.not_healthy(container, reason).await),
            };
            return match health_check::run(check, addr, host).await {
                Ok(()) => Ok(addr),
                Err(reason) => Err(self.not_healthy(container, reason).await),
            };
        }
        let settings = &self.settings;
        let deadline = Instant::now() + settings.health_timeout;
        let probe_path = path.unwrap_or("/");
        let mut reason = "it never answered".to_string();
        let mut port_watch = crate::listening::PortWatch::default();
        loop {
            let info = self.docker.inspect(&container.id).await?;
            if !info.running {
                reason = format!("its container stopped ({})", info.state);
                break;
            }
            if let Some(ip) = info.ip {
                let addr = SocketAddr::new(ip, port);
                match wharf_proxy::probe(addr, probe_path, host, settings.probe_timeout).await {
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
                    Err(err) => {
                        reason = format!("GET {probe_path} on port {port}: {err}");
                        // An app listening on another port fails now, naming it.
                        if let Some(wrong) = port_watch
                            .check(self, container, port)
                            .await
                            .filter(|_| false)
                        {
                            return Err(wrong);
                        }
                    }
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(settings.health_interval).await;
        }
        Err(self.not_healthy(container, reason).await)
    }

    /// The container's address once it runs with an IP, within the health timeout.
    async fn address_of(&self, container: &ContainerInfo, port: u16) -> Result<SocketAddr, String> {
        let deadline = Instant::now() + self.settings.health_timeout;
        loop {
            let info = self
                .docker
                .inspect(&container.id)
                .await
                .map_err(|e| e.to_string())?;
            if !info.running {
                return Err(format!("its container stopped ({})", info.state));
            }
            if let Some(ip) = info.ip {
                return Ok(SocketAddr::new(ip, port));
            }
            if Instant::now() >= deadline {
                return Err("its container got no address".to_string());
            }
            tokio::time::sleep(self.settings.health_interval).await;
        }
    }

    /// The error for an instance that did not get healthy, with the end of its log.
    async fn not_healthy(&self, container: &ContainerInfo, reason: String) -> DeployError {
        let logs = self
            .docker
            .logs_tail(&container.id, 20)
            .await
            .map(|lines| lines.join("\n"))
            .unwrap_or_else(|e| format!("(logs unavailable: {e})"));
        DeployError::NotHealthyWithin {
            within: self.settings.health_timeout,
            reason,
            container: container.name.clone(),
            logs,
        }
    }
}
