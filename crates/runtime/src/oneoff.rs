//! One-off containers: a command run once in an app's image (`wharf run`), attached to the
//! caller's stdin/stdout/stderr (optionally through a TTY), waited for, and removed.

use std::pin::Pin;

use bollard::container::LogOutput;
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptionsBuilder, ResizeContainerTTYOptionsBuilder,
    WaitContainerOptionsBuilder,
};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWrite;
use tracing::{debug, instrument};

use crate::container::{create_body, missing_dependency};
use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{RuntimeError, is_not_found};
use crate::{ContainerSpec, RestartPolicy};

/// A one-off container: the app's container spec plus how its standard streams are wired.
#[derive(Clone, Debug, Default)]
pub struct OneOffSpec {
    /// Name, image, env, labels, mounts, limits and the command (`cmd`).
    /// The restart policy is ignored: one-off containers are never restarted.
    pub container: ContainerSpec,
    /// Allocate a pseudo-terminal (stdout and stderr then arrive merged, as stdout).
    pub tty: bool,
    /// Keep stdin open so it can be attached; it closes when the attached client closes it.
    pub stdin: bool,
    /// Let the engine remove the container when it exits (detached runs).
    pub auto_remove: bool,
}

/// Output of an attached container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Standard output (and everything, when the container has a TTY).
    Stdout(Bytes),
    /// Standard error.
    Stderr(Bytes),
}

/// The streams of an attached container.
pub struct Attached {
    /// What the container writes, until it exits.
    pub output: Pin<Box<dyn Stream<Item = Result<Output, RuntimeError>> + Send>>,
    /// Its stdin; shutting it down closes the container's stdin.
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

/// The engine's multiplexed output of an attached container or command.
pub(crate) type RawOutput = Pin<Box<dyn Stream<Item = Result<LogOutput, BollardError>> + Send>>;

impl Docker {
    /// Maps the engine's output frames to [`Output`], dropping echoed stdin; errors name
    /// `context`.
    pub(crate) fn output_stream(
        &self,
        raw: RawOutput,
        context: String,
    ) -> impl Stream<Item = Result<Output, RuntimeError>> + Send + 'static {
        let endpoint = self.endpoint.clone();
        raw.filter_map(move |item| {
            std::future::ready(match item {
                Ok(LogOutput::StdOut { message }) | Ok(LogOutput::Console { message }) => {
                    Some(Ok(Output::Stdout(message)))
                }
                Ok(LogOutput::StdErr { message }) => Some(Ok(Output::Stderr(message))),
                Ok(LogOutput::StdIn { .. }) => None,
                Err(e) => Some(Err(RuntimeError::from_bollard(
                    &endpoint,
                    context.clone(),
                    e,
                ))),
            })
        })
    }

    /// Creates (does not start) a one-off container and returns its id.
    #[instrument(skip(self, spec), fields(name = %spec.container.name, image = %spec.container.image))]
    pub async fn create_one_off(&self, spec: &OneOffSpec) -> Result<String, RuntimeError> {
        let mut container = spec.container.clone();
        container.restart = RestartPolicy::No;
        let mut body = create_body(&container)?;
        body.tty = Some(spec.tty);
        body.open_stdin = Some(spec.stdin);
        body.stdin_once = Some(spec.stdin);
        body.attach_stdin = Some(spec.stdin);
        body.attach_stdout = Some(true);
        body.attach_stderr = Some(true);
        if let Some(host) = body.host_config.as_mut() {
            host.auto_remove = Some(spec.auto_remove);
        }
        let options = CreateContainerOptionsBuilder::default()
            .name(&container.name)
            .build();
        match self.client.create_container(Some(options), body).await {
            Ok(created) => {
                debug!(id = %created.id, "one-off container created");
                if let Err(e) = self.join_extra_networks(&created.id, &container).await {
                    let remove =
                        bollard::query_parameters::RemoveContainerOptionsBuilder::default()
                            .force(true)
                            .v(true)
                            .build();
                    let _ = self
                        .client
                        .remove_container(&created.id, Some(remove))
                        .await;
                    return Err(e);
                }
                Ok(created.id)
            }
            Err(e) if is_not_found(&e) => Err(missing_dependency(&container, &e)),
            Err(e) => Err(self.err(format!("creating container {}", container.name), e)),
        }
    }

    /// Attaches to a container's stdin, stdout and stderr (before starting it, so no output
    /// is missed).
    #[instrument(skip(self))]
    pub async fn attach(&self, id: &str) -> Result<Attached, RuntimeError> {
        let options = AttachContainerOptionsBuilder::default()
            .stream(true)
            .stdin(true)
            .stdout(true)
            .stderr(true)
            .logs(false)
            .build();
        let attached = match self.client.attach_container(id, Some(options)).await {
            Ok(a) => a,
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("container {id}")));
            }
            Err(e) => return Err(self.err(format!("attaching to container {id}"), e)),
        };
        let output = self.output_stream(
            attached.output,
            format!("reading the output of container {id}"),
        );
        Ok(Attached {
            output: Box::pin(output),
            input: attached.input,
        })
    }

    /// Waits until the container is not running and returns its exit code.
    #[instrument(skip(self))]
    pub async fn wait(&self, id: &str) -> Result<i64, RuntimeError> {
        let options = WaitContainerOptionsBuilder::default()
            .condition("not-running")
            .build();
        let client = self.client_with_timeout(LONG_TIMEOUT);
        let mut stream = client.wait_container(id, Some(options));
        match stream.next().await {
            Some(Ok(response)) => Ok(response.status_code),
            Some(Err(BollardError::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) if is_not_found(&e) => {
                Err(RuntimeError::NotFound(format!("container {id}")))
            }
            Some(Err(e)) => Err(self.err(format!("waiting for container {id}"), e)),
            None => Err(RuntimeError::NotFound(format!(
                "exit code of container {id}"
            ))),
        }
    }

    /// Sets the size of a container's TTY.
    #[instrument(skip(self))]
    pub async fn resize(&self, id: &str, rows: u16, cols: u16) -> Result<(), RuntimeError> {
        let options = ResizeContainerTTYOptionsBuilder::default()
            .h(i32::from(rows))
            .w(i32::from(cols))
            .build();
        match self.client.resize_container_tty(id, options).await {
            Ok(()) => Ok(()),
            Err(e) if is_not_found(&e) => Err(RuntimeError::NotFound(format!("container {id}"))),
            Err(e) => Err(self.err(format!("resizing the TTY of container {id}"), e)),
        }
    }
}
