//! Containers' lifecycle as the engine reports it on its event stream: a container's process
//! exiting (`die`, with its exit code), being sent a signal (`kill`: Wharf or someone stopping
//! it), or being killed by the kernel for running out of memory (`oom`). Only Wharf's
//! containers are asked for.

use std::collections::HashMap;

use futures_util::{Stream, StreamExt};

use crate::docker::Docker;
use crate::error::RuntimeError;
use crate::labels::{MANAGED, MANAGED_VALUE};

/// What happened to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerAction {
    /// Its process exited, with this code when the engine said.
    Die { exit_code: Option<i64> },
    /// It was sent a signal (a stop sends one before the process exits).
    Kill,
    /// The kernel killed a process in it for going over its memory limit.
    OutOfMemory,
}

/// One event of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    pub action: ContainerAction,
    /// The container's id.
    pub id: String,
    /// Its labels (and the engine's other attributes: `name`, `image`, `exitCode`).
    pub attributes: HashMap<String, String>,
    /// When (Unix seconds).
    pub time: i64,
}

impl Docker {
    /// Follow the `die`, `kill` and `oom` events of Wharf's containers until the stream ends
    /// (the engine stopped or the connection broke); the stream's last item is then the error.
    pub fn container_events(
        &self,
    ) -> impl Stream<Item = Result<ContainerEvent, RuntimeError>> + use<> {
        let managed = format!("{MANAGED}={MANAGED_VALUE}");
        let filters = HashMap::from([
            ("type", vec!["container"]),
            ("event", vec!["die", "kill", "oom"]),
            ("label", vec![managed.as_str()]),
        ]);
        let options = bollard::query_parameters::EventsOptionsBuilder::new()
            .filters(&filters)
            .build();
        let endpoint = self.endpoint.clone();
        self.client.events(Some(options)).filter_map(move |event| {
            let endpoint = endpoint.clone();
            async move {
                match event {
                    Ok(message) => container_event(message).map(Ok),
                    Err(source) => Some(Err(RuntimeError::from_bollard(
                        &endpoint,
                        "following the containers' events",
                        source,
                    ))),
                }
            }
        })
    }
}

/// The event a message of the engine's stream is, if it is one of ours.
fn container_event(message: bollard::models::EventMessage) -> Option<ContainerEvent> {
    let actor = message.actor?;
    let attributes = actor.attributes.unwrap_or_default();
    let action = match message.action.as_deref()? {
        "die" => ContainerAction::Die {
            exit_code: attributes
                .get("exitCode")
                .and_then(|code| code.parse().ok()),
        },
        "kill" => ContainerAction::Kill,
        "oom" => ContainerAction::OutOfMemory,
        _ => return None,
    };
    Some(ContainerEvent {
        action,
        id: actor.id?,
        attributes,
        time: message.time.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{EventActor, EventMessage};

    fn message(action: &str, attributes: &[(&str, &str)]) -> EventMessage {
        EventMessage {
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some("abc".into()),
                attributes: Some(
                    attributes
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            time: Some(1_700_000_000),
            ..Default::default()
        }
    }

    #[test]
    fn the_engine_s_messages_are_read_as_container_events() {
        let die =
            container_event(message("die", &[("exitCode", "3"), ("wharf.app", "blog")])).unwrap();
        assert_eq!(die.action, ContainerAction::Die { exit_code: Some(3) });
        assert_eq!(die.attributes["wharf.app"], "blog");
        assert_eq!(
            container_event(message("oom", &[])).unwrap().action,
            ContainerAction::OutOfMemory
        );
        assert_eq!(container_event(message("start", &[])), None);
    }
}
