//! The engine itself rather than what runs on it: whether it answers, and a wait that ends
//! when it goes away (stopped, restarted, upgraded), read from its event stream.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;

use crate::docker::Docker;
use crate::error::RuntimeError;

/// How long a ping may take before the engine counts as not answering.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// What the engine says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFacts {
    pub version: Option<String>,
    pub root_dir: Option<std::path::PathBuf>,
}

impl Docker {
    /// Whether the engine answers a ping within a few seconds.
    pub async fn ping(&self) -> Result<(), RuntimeError> {
        match tokio::time::timeout(PING_TIMEOUT, self.client.ping()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(self.err("pinging the engine", e)),
            Err(_) => Err(self.err(
                "pinging the engine",
                bollard::errors::Error::RequestTimeoutError,
            )),
        }
    }

    /// The engine's version and the directory it keeps its data in (`DockerRootDir`), as
    /// its `info` answers them; `None` for what it does not say.
    pub async fn facts(&self) -> Result<EngineFacts, RuntimeError> {
        let info = match tokio::time::timeout(PING_TIMEOUT, self.client.info()).await {
            Ok(Ok(info)) => info,
            Ok(Err(e)) => return Err(self.err("asking the engine about itself", e)),
            Err(_) => {
                return Err(self.err(
                    "asking the engine about itself",
                    bollard::errors::Error::RequestTimeoutError,
                ));
            }
        };
        Ok(EngineFacts {
            version: info.server_version,
            root_dir: info.docker_root_dir.map(std::path::PathBuf::from),
        })
    }

    /// Follow the engine's event stream until it ends: the engine stopped, or the
    /// connection to it broke. Only the engine's own events are asked for, so the stream
    /// stays quiet while the engine runs. Returns at once if the engine cannot be reached.
    pub async fn wait_until_gone(&self) {
        let filters = HashMap::from([("type", vec!["daemon"])]);
        let options = bollard::query_parameters::EventsOptionsBuilder::new()
            .filters(&filters)
            .build();
        let mut events = self.client.events(Some(options));
        while let Some(event) = events.next().await {
            if let Err(e) = event {
                tracing::debug!(error = %crate::error::describe(&e), "the engine's event stream broke");
                return;
            }
        }
    }
}
