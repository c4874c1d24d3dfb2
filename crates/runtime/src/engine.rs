//! The engine itself rather than what runs on it: whether it answers, what it says of itself
//! (kept for a while: asking costs a round trip in which the engine counts its containers and
//! images), and a wait that ends when it goes away (stopped, restarted, upgraded), read from
//! its event stream.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};

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

/// The engine's facts as last read, and when; kept only when the engine answered.
#[derive(Debug, Default)]
pub(crate) struct KeptFacts(Mutex<Option<(Instant, EngineFacts)>>);

impl KeptFacts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, EngineFacts)>> {
        // Only a plain value lives under the lock: a poisoned one is still whole.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn fresh(&self, max_age: Duration) -> Option<EngineFacts> {
        match &*self.lock() {
            Some((read, facts)) if read.elapsed() <= max_age => Some(facts.clone()),
            _ => None,
        }
    }

    fn keep(&self, facts: &EngineFacts) {
        *self.lock() = Some((Instant::now(), facts.clone()));
    }

    fn forget(&self) {
        *self.lock() = None;
    }
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
        let facts = EngineFacts {
            version: info.server_version,
            root_dir: info.docker_root_dir.map(std::path::PathBuf::from),
        };
        self.facts.keep(&facts);
        Ok(facts)
    }

    /// The engine's facts read at most `max_age` ago, else read now. They change only when
    /// the engine is upgraded, which restarts it: when `wait_until_gone` sees it go, they
    /// are forgotten. An engine that does not answer is asked again on the next call.
    pub async fn recent_facts(&self, max_age: Duration) -> Result<EngineFacts, RuntimeError> {
        match self.facts.fresh(max_age) {
            Some(facts) => Ok(facts),
            None => self.facts().await,
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
                break;
            }
        }
        // Whatever comes back may be another version of the engine.
        self.facts.forget();
    }

    /// The ids of containers labelled `label` (`KEY=VALUE`) as they start, until the event
    /// stream ends (the engine stopped, or cannot be reached).
    pub fn container_starts(&self, label: &str) -> impl Stream<Item = String> + Send + 'static {
        let filters = HashMap::from([
            ("type", vec!["container"]),
            ("event", vec!["start"]),
            ("label", vec![label]),
        ]);
        let options = bollard::query_parameters::EventsOptionsBuilder::new()
            .filters(&filters)
            .build();
        self.client
            .events(Some(options))
            .take_while(|event| std::future::ready(event.is_ok()))
            .filter_map(|event| std::future::ready(event.ok().and_then(|e| e.actor?.id)))
    }
}
