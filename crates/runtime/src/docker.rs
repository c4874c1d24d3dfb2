//! The [`Docker`] handle: connecting to the engine, version negotiation and
//! the shared plumbing (timeouts, error mapping) used by the other modules.

use std::sync::Arc;
use std::time::Duration;

use bollard::errors::Error as BollardError;
use tracing::{debug, info, instrument};

use crate::error::{MIN_API_VERSION, RuntimeError, describe};

/// The socket used when `DOCKER_HOST` is not set.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Timeout for ordinary requests (until the response headers arrive).
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Timeout for connecting and negotiating the API version.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Timeout for requests whose answer can legitimately take long (builds).
pub(crate) const LONG_TIMEOUT: Duration = Duration::from_secs(6 * 60 * 60);

/// A connection to the local Docker engine. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Docker {
    pub(crate) client: bollard::Docker,
    /// Where we connected, for error messages (`unix:///var/run/docker.sock`, `tcp://...`).
    pub(crate) endpoint: Arc<str>,
    /// What the engine last said of itself, shared by every clone (`Docker::recent_facts`).
    pub(crate) facts: Arc<crate::engine::KeptFacts>,
}

impl Docker {
    /// Connects to the local engine: `DOCKER_HOST` if set (`unix://` or
    /// `tcp://`), else the unix socket `/var/run/docker.sock`. Negotiates the
    /// API version, requires at least 1.41, and pings the engine.
    #[instrument(name = "docker.connect")]
    pub async fn connect() -> Result<Docker, RuntimeError> {
        match std::env::var("DOCKER_HOST") {
            Ok(host) if !host.trim().is_empty() => Self::connect_host(host.trim()).await,
            _ => Self::connect_with_socket(DEFAULT_SOCKET).await,
        }
    }

    /// Connects to the engine listening on the unix socket `path`
    /// (a plain path, or `unix://` followed by the path).
    #[instrument(name = "docker.connect_with_socket")]
    pub async fn connect_with_socket(path: &str) -> Result<Docker, RuntimeError> {
        let path = path.strip_prefix("unix://").unwrap_or(path);
        Self::connect_host(&format!("unix://{path}")).await
    }

    async fn connect_host(host: &str) -> Result<Docker, RuntimeError> {
        let unreachable = |source| RuntimeError::Unreachable {
            socket: host.to_owned(),
            source,
        };
        let timeout_secs = REQUEST_TIMEOUT.as_secs();
        let client = match host.strip_prefix("unix://") {
            Some(path) => bollard::Docker::connect_with_socket(
                path,
                timeout_secs,
                bollard::API_DEFAULT_VERSION,
            ),
            None => bollard::Docker::connect_with_host(host),
        }
        .map_err(unreachable)?;

        let client = match tokio::time::timeout(CONNECT_TIMEOUT, client.negotiate_version()).await {
            Err(_) => return Err(unreachable(BollardError::RequestTimeoutError)),
            Ok(Err(e)) => return Err(classify_connect_error(host, e)),
            Ok(Ok(client)) => client,
        };

        let version = client.client_version();
        debug!(%host, api_version = %version, "negotiated Docker API version");
        if (version.major_version, version.minor_version) < MIN_API_VERSION {
            return Err(RuntimeError::TooOld {
                version: version.to_string(),
            });
        }

        match tokio::time::timeout(CONNECT_TIMEOUT, client.ping()).await {
            Err(_) => return Err(unreachable(BollardError::RequestTimeoutError)),
            Ok(Err(e)) => return Err(classify_connect_error(host, e)),
            Ok(Ok(_)) => {}
        }
        info!(%host, api_version = %version, "connected to Docker engine");
        Ok(Docker {
            client,
            endpoint: Arc::from(host),
            facts: Arc::default(),
        })
    }

    /// The negotiated Engine API version, e.g. `1.41`.
    pub fn api_version(&self) -> String {
        self.client.client_version().to_string()
    }

    /// Where this handle connects to, e.g. `unix:///var/run/docker.sock`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How many CPUs the engine can give containers: its limit for a container's CPU quota.
    pub async fn cpu_count(&self) -> Result<u64, RuntimeError> {
        let info = self
            .client
            .info()
            .await
            .map_err(|e| self.err("reading the engine's CPU count", e))?;
        Ok(info.ncpu.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
    }

    /// A copy of the client with a different request timeout.
    pub(crate) fn client_with_timeout(&self, timeout: Duration) -> bollard::Docker {
        self.client.clone().with_timeout(timeout)
    }

    /// Maps a bollard error from the operation `context` (see [`RuntimeError::from_bollard`]).
    pub(crate) fn err(&self, context: impl Into<String>, e: BollardError) -> RuntimeError {
        RuntimeError::from_bollard(&self.endpoint, context, e)
    }
}

/// During connection every failure short of an HTTP error response means the
/// engine is not usable at `host`.
fn classify_connect_error(host: &str, e: BollardError) -> RuntimeError {
    match e {
        BollardError::DockerResponseServerError { .. } | BollardError::JsonDataError { .. } => {
            RuntimeError::Api {
                context: format!("connecting to the Docker engine at {host}"),
                source: e,
            }
        }
        other => {
            debug!(%host, error = %describe(&other), "Docker engine unreachable");
            RuntimeError::Unreachable {
                socket: host.to_owned(),
                source: other,
            }
        }
    }
}
