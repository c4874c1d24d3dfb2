//! Health: whether a new instance may be served. This module owns the wait at deploy; its
//! parts are app.json's startup check ([`app_json`]) and what a container really listens on
//! ([`listening`]).
//!
//! Waiting for a new instance to become healthy: probed from the host over HTTP until it answers
//! well or the deadline passes (an app with no domain and no explicit check, which no HTTP
//! traffic reaches, only has to accept a TCP connection). Meanwhile the container is watched:
//! one that exits, or that Docker restarts under its restart policy (a missing module, a bad
//! setting), fails at once with its log tail instead of being waited on for the whole health
//! timeout, and so does one that keeps listening on another port than the routed one (see
//! [`listening`]). An app.json health check, when the app has one, replaces the default
//! probe.

mod app_json;
mod listening;
mod task;

pub(crate) use task::TaskProbe;

use crate::error::Serving;
use crate::{DeployError, DeploySettings, Deployer, HealthCheckSpec};
use std::net::SocketAddr;
use std::time::Instant;
use wharf_domain::{AppName, ProbeDefaults, WebAddress};
use wharf_runtime::{ContainerInfo, labels};

impl Deployer {
    /// Wait until the container is healthy, failing as soon as it dies. With app.json's check,
    /// that check decides. Else, with an explicit `path` a 2xx or 3xx answer is healthy; without
    /// one, any answer below 500 on the path of `address` (the app's first address, e.g.
    /// `example.com/blog`), or on `/`, is. Requests carry the address's domain as `Host` when
    /// there is one. With neither a path nor an address, a TCP connection that succeeds is
    /// healthy.
    pub(crate) async fn wait_healthy(
        &self,
        container: &ContainerInfo,
        port: u16,
        path: Option<&str>,
        address: Option<&WebAddress>,
        app_check: Option<&HealthCheckSpec>,
    ) -> Result<SocketAddr, DeployError> {
        tokio::select! {
            healthy = self.probe_until_healthy(container, port, path, address, app_check) => healthy,
            died = self.watch_for_death(container) => Err(died),
        }
    }

    /// Inspect the container every health interval until it is seen dead: exited, or restarted
    /// by Docker (its restart count went up since `container` was inspected, or it is between
    /// two runs). A container started by hand has a count of 0 again.
    async fn watch_for_death(&self, container: &ContainerInfo) -> DeployError {
        loop {
            let info = match self.docker.inspect(&container.id).await {
                Ok(info) => info,
                Err(err) => return err.into(),
            };
            if let Some(how) = death_of(&info, container.restart_count) {
                return DeployError::CrashedAtStart {
                    container: container.name.clone(),
                    how,
                    logs: self.log_tail(container).await,
                    serving: self.serving_after_failure(container),
                };
            }
            tokio::time::sleep(self.settings.health_interval).await;
        }
    }

    async fn probe_until_healthy(
        &self,
        container: &ContainerInfo,
        port: u16,
        path: Option<&str>,
        address: Option<&WebAddress>,
        app_check: Option<&HealthCheckSpec>,
    ) -> Result<SocketAddr, DeployError> {
        let host = address.map(|a| a.domain().as_str());
        if let Some(check) = app_check {
            let addr = match self.address_of(container, port).await {
                Ok(addr) => addr,
                Err(reason) => return Err(self.not_healthy(container, reason).await),
            };
            return match app_json::run(check, addr, host).await {
                Ok(()) => Ok(addr),
                Err(reason) => Err(self.failed_check(container, reason).await),
            };
        }
        let probe_timeout = self.settings.probe_timeout;
        if path.is_none() && host.is_none() {
            // No domain and no explicit check: see `default_check`. An app that no HTTP
            // traffic can reach may serve anything over TCP (a database, a TCP server).
            return self
                .poll_until_healthy(container, port, "it never accepted a connection", |addr| {
                    probe_once(addr, port, path, address, probe_timeout)
                })
                .await;
        }
        self.poll_until_healthy(container, port, "it never answered", |addr| {
            probe_once(addr, port, path, address, probe_timeout)
        })
        .await
    }

    /// Try `attempt` on the running container's address every health interval until it is
    /// healthy, the container stops, or the health timeout passes. An attempt that got no
    /// answer looks at what the container listens on: an app listening on another port than
    /// the routed one fails now, naming it.
    async fn poll_until_healthy<F, Fut>(
        &self,
        container: &ContainerInfo,
        port: u16,
        never: &str,
        mut attempt: F,
    ) -> Result<SocketAddr, DeployError>
    where
        F: FnMut(SocketAddr) -> Fut,
        Fut: std::future::Future<Output = Attempt>,
    {
        let settings = &self.settings;
        let deadline = Instant::now() + settings.health_timeout;
        let mut reason = never.to_string();
        let mut port_watch = listening::PortWatch::default();
        loop {
            let info = self.docker.inspect(&container.id).await?;
            if !info.running {
                reason = format!("its container stopped ({})", info.state);
                break;
            }
            if let Some(ip) = info.ip {
                let addr = SocketAddr::new(ip, port);
                match attempt(addr).await {
                    Attempt::Healthy => return Ok(addr),
                    Attempt::Answered(why) => reason = why,
                    Attempt::NoAnswer(why) => {
                        reason = why;
                        if let Some(wrong) = port_watch.check(self, container, port).await {
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
        DeployError::NotHealthyWithin {
            within: self.settings.health_timeout,
            reason,
            container: container.name.clone(),
            logs: self.log_tail(container).await,
            serving: self.serving_after_failure(container),
        }
    }

    /// The error for an instance that failed its explicit check (app.json's, or a MyPaas
    /// health check with durations): it ran its tries, the health timeout does not apply.
    async fn failed_check(&self, container: &ContainerInfo, reason: String) -> DeployError {
        DeployError::FailedHealthCheck {
            reason,
            container: container.name.clone(),
            logs: self.log_tail(container).await,
            serving: self.serving_after_failure(container),
        }
    }

    async fn log_tail(&self, container: &ContainerInfo) -> String {
        self.docker
            .logs_tail(&container.id, 20)
            .await
            .map(|lines| lines.join("\n"))
            .unwrap_or_else(|e| format!("(logs unavailable: {e})"))
    }

    /// Whether the container's app still has instances of an earlier release to serve it
    /// (a stop-first deploy starts its stopped one again).
    pub(crate) fn serving_after_failure(&self, container: &ContainerInfo) -> Serving {
        match container.labels.get(labels::APP) {
            Some(app) => self.serving_label(app),
            None => Serving::Nothing,
        }
    }

    /// What serves `app` when a new release fails before its switch: the instances serving
    /// it now, if it has any (none on a first deploy, nor when its web process is stopped).
    pub(crate) fn still_serving(&self, app: &AppName) -> Serving {
        self.serving_label(app.as_str())
    }

    /// What serves the app named `app` when a new release fails before its switch.
    pub(crate) fn serving_label(&self, app: &str) -> Serving {
        if self.instances.is_serving(app) {
            Serving::PreviousRelease
        } else {
            Serving::Nothing
        }
    }
}

impl DeploySettings {
    /// The probe timings a Dockerfile health check without its own falls back to.
    pub(crate) fn probe_defaults(&self) -> ProbeDefaults {
        ProbeDefaults {
            interval: self.health_interval,
            timeout: self.probe_timeout,
            total: self.health_timeout,
        }
    }
}

/// What an explicit check does, as the deploy's progress names it: `GET / on port 5000, up to
/// 2 tries 2s apart, expecting "Hello"`.
pub(crate) fn describe_check(check: &HealthCheckSpec, port: u16) -> String {
    let tries = check.attempts.max(1);
    let mut text = format!("GET {} on port {port}", check.path);
    if tries > 1 {
        let wait = std::time::Duration::from_millis(check.wait_ms);
        text.push_str(&format!(", up to {tries} tries {wait:?} apart"));
    }
    if let Some(content) = &check.content {
        text.push_str(&format!(", expecting {content:?}"));
    }
    text
}

/// What the default check of an instance does (an app.json check aside): a TCP connection
/// for an app that no HTTP traffic reaches, else a GET.
pub(crate) fn default_check(port: u16, path: Option<&str>, address: Option<&WebAddress>) -> String {
    if path.is_none() && address.is_none() {
        format!("TCP connect to port {port}")
    } else {
        format!("GET {} on port {port}", probe_path(path, address))
    }
}

/// The path a GET probe asks for: the health-check path, else the app's path prefix (an app
/// served at `example.com/blog` may answer nothing outside `/blog`), else `/`.
fn probe_path<'a>(path: Option<&'a str>, address: Option<&'a WebAddress>) -> &'a str {
    path.or_else(|| address.and_then(WebAddress::path))
        .unwrap_or("/")
}

/// One attempt of the default check (see [`Deployer::wait_healthy`]) on `addr`, where the
/// app's `port` is reached: a TCP connect for an app with neither a path nor an address, else
/// a GET.
async fn probe_once(
    addr: SocketAddr,
    port: u16,
    path: Option<&str>,
    address: Option<&WebAddress>,
    probe_timeout: std::time::Duration,
) -> Attempt {
    if path.is_none() && address.is_none() {
        let connect = tokio::net::TcpStream::connect(addr);
        return match tokio::time::timeout(probe_timeout, connect).await {
            Ok(Ok(_)) => Attempt::Healthy,
            Ok(Err(err)) => Attempt::NoAnswer(format!("TCP connect to port {port}: {err}")),
            Err(_) => Attempt::NoAnswer(format!("TCP connect to port {port} timed out")),
        };
    }
    let host = address.map(|a| a.domain().as_str());
    let probe_path = probe_path(path, address);
    match wharf_proxy::probe(addr, probe_path, host, probe_timeout).await {
        Ok(status) => {
            let healthy = if path.is_some() {
                status.is_success() || status.is_redirection()
            } else {
                status.as_u16() < 500
            };
            if healthy {
                Attempt::Healthy
            } else {
                Attempt::Answered(format!("GET {probe_path} on port {port} answered {status}"))
            }
        }
        Err(err) => Attempt::NoAnswer(format!("GET {probe_path} on port {port}: {err}")),
    }
}

/// What one health attempt found.
enum Attempt {
    Healthy,
    /// The app answered, but not well: why.
    Answered(String),
    /// Nothing answered (refused, timed out, broken): why.
    NoAnswer(String),
}

/// How a starting container died, if it did: it exited, or Docker restarted it after it exited
/// (more often than the `restarts` it had when the wait began).
fn death_of(info: &ContainerInfo, restarts: i64) -> Option<String> {
    let code = info
        .exit_code
        .map_or_else(String::new, |code| format!(" with code {code}"));
    if info.restart_count > restarts || info.state == "restarting" {
        Some(format!(
            "exited{code} and Docker restarted it ({} time(s))",
            info.restart_count.max(1)
        ))
    } else if !info.running && info.state != "created" {
        Some(format!("exited{code} ({})", info.state))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(written: &str) -> WebAddress {
        WebAddress::parse(written).unwrap()
    }

    #[test]
    fn an_explicit_check_is_named_as_it_runs() {
        let mut check = HealthCheckSpec {
            path: "/".into(),
            content: Some("Hello".into()),
            attempts: 2,
            wait_ms: 2000,
            timeout_ms: 5000,
            initial_delay_ms: 0,
        };
        assert_eq!(
            describe_check(&check, 5000),
            "GET / on port 5000, up to 2 tries 2s apart, expecting \"Hello\""
        );
        check.attempts = 1;
        check.content = None;
        assert_eq!(describe_check(&check, 80), "GET / on port 80");
    }

    fn info(state: &str, running: bool, restarts: i64, code: Option<i64>) -> ContainerInfo {
        ContainerInfo {
            id: "c".into(),
            name: "wharf-a-web-v2-1".into(),
            labels: Default::default(),
            running,
            state: state.into(),
            ip: None,
            image: "wharf/a:v2".into(),
            started_at: None,
            health: None,
            exit_code: code,
            restart_policy: "unless-stopped".into(),
            restart_count: restarts,
            oom_killed: false,
        }
    }

    #[test]
    fn only_an_app_no_http_reaches_is_checked_over_tcp() {
        assert_eq!(default_check(5432, None, None), "TCP connect to port 5432");
        assert_eq!(
            default_check(8080, None, Some(&address("a.example.com"))),
            "GET / on port 8080"
        );
        assert_eq!(
            default_check(8080, Some("/up"), None),
            "GET /up on port 8080"
        );
    }

    #[test]
    fn an_app_served_under_a_path_is_probed_there_unless_it_names_a_check() {
        assert_eq!(
            default_check(8080, None, Some(&address("example.com/blog"))),
            "GET /blog on port 8080"
        );
        assert_eq!(
            default_check(8080, Some("/blog/up"), Some(&address("example.com/blog"))),
            "GET /blog/up on port 8080"
        );
    }

    #[test]
    fn a_running_container_is_alive() {
        assert_eq!(death_of(&info("running", true, 0, Some(0)), 0), None);
        assert_eq!(death_of(&info("created", false, 0, None), 0), None);
        // Restarted by Docker long before this wait began (`wharf start` of a running app).
        assert_eq!(death_of(&info("running", true, 2, Some(1)), 2), None);
    }

    #[test]
    fn an_exit_or_a_restart_is_a_death() {
        let exited = death_of(&info("exited", false, 0, Some(1)), 0).unwrap();
        assert!(exited.contains("exited with code 1"), "{exited}");
        let restarting = death_of(&info("restarting", true, 0, Some(1)), 0).unwrap();
        assert!(restarting.contains("restarted"), "{restarting}");
        // Running again after a restart: still a death, the count says so.
        let restarted = death_of(&info("running", true, 2, Some(1)), 0).unwrap();
        assert!(restarted.contains("2 time(s)"), "{restarted}");
    }
}
