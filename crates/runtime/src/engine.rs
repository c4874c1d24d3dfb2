//! The engine itself rather than what runs on it: whether it answers, and a wait that ends
//! when it goes away (stopped, restarted, upgraded), read from its event stream.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;

use crate::docker::Docker;
use crate::error::RuntimeError;

/// How long a ping may take before the engine counts as not answering.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

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
