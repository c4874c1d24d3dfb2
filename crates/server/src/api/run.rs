//! `POST /v1/apps/{app}/run`: a one-off command in a new container of the app; and
//! `POST /v1/services/{name}/connect`: the database's client inside a service's container,
//! relayed over the same upgraded connection.
//!
//! Detached (`"detach": true`): answered with JSON `{"name", "id"}`; the engine removes the
//! container when its command ends. Attached: the client asks for `Upgrade: wharf-run`; the
//! container is created, attached and started before the server agrees (so a command that
//! cannot start is an ordinary JSON error), then the connection carries
//! [`crate::run_protocol`] frames until the exit code, and the container is removed.
//!
//! In a cluster a run without a TTY (attached or detached) is a Swarm job on a node
//! (`Deployer::start_run_job`): attached, its output is followed through the manager until it
//! ends, then its exit code is sent and the job removed; detached, the answer names the job,
//! which the server removes once it ended. A run with a TTY is a container here, as above.

use super::params::{AppPath, ServicePath};
use super::{ApiError, ApiState};
use crate::run_protocol::{Frame, UPGRADE_PROTOCOL, read_frame, write_frame};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use wharf_api::{ConnectRequest, RunRequest, RunStarted};
use wharf_deploy::{DeployError, Deployer, Job, OneOff, RunOptions};
use wharf_domain::AppName;
use wharf_runtime::{Attached, Docker, Output, RuntimeError};

/// Largest accepted request body (the command line).
const MAX_REQUEST: usize = 256 * 1024;

pub async fn run(
    State(state): State<ApiState>,
    AppPath(app): AppPath,
    mut request: Request,
) -> Result<Response, ApiError> {
    let on_upgrade = wants_upgrade(&request).then(|| hyper::upgrade::on(&mut request));
    let run: RunRequest = read_json(request, "run").await?;
    let options = RunOptions {
        cmd: run.cmd,
        tty: run.terminal.tty && !run.detach,
        detach: run.detach,
        stdin: run.stdin && !run.detach,
    };
    let deployer = state.deployer.clone();
    // The work runs in tasks of its own: if the client goes away, this handler is dropped, but
    // a container that was created is still started and cleaned up (or relayed) properly.
    if options.detach {
        let one_off = tokio::spawn(async move {
            if let Some(job) = deployer.start_run_job(&app, &options).await? {
                let started = OneOff {
                    id: job.id.clone(),
                    name: job.name.clone(),
                };
                // Nobody follows it: the server removes it once it ended.
                tokio::spawn(async move { deployer.remove_job_when_done(&job).await });
                return Ok(started);
            }
            let one_off = deployer.create_one_off(&app, &options).await?;
            deployer.start_one_off(&one_off).await?;
            Ok::<_, DeployError>(one_off)
        })
        .await
        .map_err(ApiError::internal)??;
        return Ok(Json(RunStarted {
            name: one_off.name,
            id: one_off.id,
        })
        .into_response());
    }
    let Some(on_upgrade) = on_upgrade else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "an attached run needs `Connection: Upgrade` and `Upgrade: {UPGRADE_PROTOCOL}`, or \"detach\": true"
            ),
        ));
    };
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), DeployError>>();
    let size = run.terminal.rows.zip(run.terminal.cols);
    tokio::spawn(async move {
        let attached = match AttachedRun::start(&deployer, &app, &options, size).await {
            Ok(attached) => attached,
            Err(err) => {
                let _ = ready_tx.send(Err(err));
                return;
            }
        };
        if ready_tx.send(Ok(())).is_err() {
            tracing::info!(container = %attached.session.name(), "run client went away before its command started");
            attached.abandon().await;
            return;
        }
        match on_upgrade.await {
            Ok(upgraded) => attached.relay(TokioIo::new(upgraded)).await,
            Err(err) => {
                tracing::info!(error = %err, "the run connection was not upgraded");
                attached.abandon().await;
            }
        }
    });
    ready_rx
        .await
        .map_err(|_| ApiError::internal("the run task ended unexpectedly"))??;
    switching_protocols()
}

/// True if the request asks to switch to the run protocol.
fn wants_upgrade(request: &Request) -> bool {
    request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(UPGRADE_PROTOCOL))
}

/// The request's JSON body (a command line or a TTY size: small).
async fn read_json<T: serde::de::DeserializeOwned>(
    request: Request,
    what: &str,
) -> Result<T, ApiError> {
    let body = axum::body::to_bytes(request.into_body(), MAX_REQUEST)
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("reading the request: {e}")))?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("bad {what} request: {e}")))
}

/// The answer that agrees to switch the connection to the run protocol.
fn switching_protocols() -> Result<Response, ApiError> {
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, UPGRADE_PROTOCOL)
        .body(axum::body::Body::empty())
        .map_err(ApiError::internal)
}

/// A one-off command of an app, created, attached and started: what an attached `wharf run`
/// relays over its upgraded connection, and what the dashboard's console relays over a
/// websocket (`dashboard::console_socket`). One way to make, attach and remove the container
/// for both.
pub(crate) struct AttachedRun {
    session: Session,
    attached: Attached,
}

impl AttachedRun {
    /// Create the container, attach to it and start it (so no output is missed), and size its
    /// TTY to `size` (rows, columns).
    pub(crate) async fn start(
        deployer: &Arc<Deployer>,
        app: &AppName,
        options: &RunOptions,
        size: Option<(u16, u16)>,
    ) -> Result<AttachedRun, DeployError> {
        if let Some(job) = deployer.start_run_job(app, options).await? {
            // In a cluster: a Swarm job on a node, whose output is followed from its start;
            // it has no stdin to attach (what the client sends is dropped).
            let output = deployer.docker().job_output(&job.name, &job.task);
            tracing::info!(%app, job = %job.name, node = ?job.node, "one-off job started");
            return Ok(AttachedRun {
                session: Session::Job {
                    deployer: deployer.clone(),
                    job,
                },
                attached: Attached {
                    output: Box::pin(output),
                    input: Box::pin(tokio::io::sink()),
                },
            });
        }
        let one_off = deployer.create_one_off(app, options).await?;
        let attached = match deployer.docker().attach(&one_off.id).await {
            Ok(attached) => attached,
            Err(err) => {
                deployer.remove_one_off(&one_off.id).await;
                return Err(err.into());
            }
        };
        deployer.start_one_off(&one_off).await?;
        if options.tty
            && let Some((rows, cols)) = size
            && rows > 0
            && cols > 0
            && let Err(err) = deployer.docker().resize(&one_off.id, rows, cols).await
        {
            tracing::debug!(error = %err, "could not set the TTY size");
        }
        tracing::info!(%app, container = %one_off.name, "one-off command started");
        Ok(AttachedRun {
            session: Session::OneOff {
                deployer: deployer.clone(),
                one_off,
            },
            attached,
        })
    }

    /// Relay `client`, a connection speaking [`crate::run_protocol`], until the command ends
    /// or the client goes away; the container is removed either way.
    pub(crate) async fn relay<S>(self, client: S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin,
    {
        relay(client, self.attached, &self.session).await
    }

    /// No client came to relay: kill and remove the container.
    pub(crate) async fn abandon(self) {
        self.session.finish(false).await
    }
}

/// Pass stdin and resizes from the client to the container and its output back, then its exit
/// code. Whatever happens, the container is removed at the end (before the exit code is sent).
async fn relay<S>(client: S, attached: Attached, session: &Session)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin,
{
    let (mut from_client, mut to_client) = tokio::io::split(client);
    let Attached {
        mut output,
        mut input,
    } = attached;
    // Returns when the client is gone (or breaks the protocol).
    let inbound = async {
        let mut stdin_open = true;
        loop {
            match read_frame(&mut from_client).await {
                Ok(Some(Frame::Stdin(data))) => {
                    if stdin_open && input.write_all(&data).await.is_err() {
                        stdin_open = false;
                    }
                }
                Ok(Some(Frame::StdinEof)) => {
                    if stdin_open {
                        let _ = input.shutdown().await;
                        stdin_open = false;
                    }
                }
                Ok(Some(Frame::Resize { rows, cols })) => {
                    if let Err(err) = session.resize(rows, cols).await {
                        tracing::debug!(error = %err, "could not resize the TTY");
                    }
                }
                Ok(Some(other)) => {
                    tracing::debug!(frame = ?other, "unexpected frame from a run client");
                    return;
                }
                Ok(None) => return,
                Err(err) => {
                    tracing::debug!(error = %err, "run client connection failed");
                    return;
                }
            }
        }
    };
    tokio::pin!(inbound);
    let outbound = async {
        while let Some(item) = output.next().await {
            let frame = match item {
                Ok(Output::Stdout(data)) => Frame::Stdout(data),
                Ok(Output::Stderr(data)) => Frame::Stderr(data),
                Err(err) => {
                    tracing::warn!(error = %err, "reading a one-off container's output failed");
                    break;
                }
            };
            if write_frame(&mut to_client, &frame).await.is_err() {
                return false;
            }
        }
        true
    };
    let client_listening = tokio::select! {
        () = &mut inbound => false,
        listening = outbound => listening,
    };
    if client_listening {
        let last = tokio::select! {
            () = &mut inbound => None,
            code = session.exit_code() => Some(match code {
                Ok(code) => Frame::Exit(i32::try_from(code).unwrap_or(1)),
                Err(err) => Frame::Error(format!("could not get the command's exit code: {err}")),
            }),
        };
        if let Some(frame) = last {
            tracing::info!(session = %session.name(), ?frame, "command ended");
            // Removed before the client hears the exit code: when `wharf run` returns, the
            // container is gone.
            session.finish(true).await;
            let _ = write_frame(&mut to_client, &frame).await;
            let _ = to_client.shutdown().await;
            return;
        }
    } else {
        tracing::info!(session = %session.name(), "run client went away; ending its command");
    }
    session.finish(false).await;
}

/// What a relayed connection runs: a one-off container, a one-off job on a cluster's node, or
/// a command inside a service's container (which ends when its input closes).
enum Session {
    OneOff {
        deployer: Arc<Deployer>,
        one_off: OneOff,
    },
    Job {
        deployer: Arc<Deployer>,
        job: Job,
    },
    Exec {
        docker: Docker,
        exec_id: String,
        service: String,
    },
}

impl Session {
    fn name(&self) -> &str {
        match self {
            Session::OneOff { one_off, .. } => &one_off.name,
            Session::Job { job, .. } => &job.name,
            Session::Exec { service, .. } => service,
        }
    }

    async fn resize(&self, rows: u16, cols: u16) -> Result<(), RuntimeError> {
        match self {
            Session::OneOff { deployer, one_off } => {
                deployer.docker().resize(&one_off.id, rows, cols).await
            }
            // A job has no TTY.
            Session::Job { .. } => Ok(()),
            Session::Exec {
                docker, exec_id, ..
            } => docker.resize_exec(exec_id, rows, cols).await,
        }
    }

    async fn exit_code(&self) -> Result<i64, String> {
        match self {
            Session::OneOff { deployer, one_off } => deployer
                .docker()
                .wait(&one_off.id)
                .await
                .map_err(|e| e.to_string()),
            Session::Job { deployer, job } => {
                deployer.wait_job_done(job).await.map_err(|e| e.to_string())
            }
            Session::Exec {
                docker, exec_id, ..
            } => docker.exec_wait(exec_id).await.map_err(|e| e.to_string()),
        }
    }

    /// Remove what ran the command; `ended`: the command ended by itself (a job's output is
    /// then stored before its service goes).
    async fn finish(&self, ended: bool) {
        match self {
            Session::OneOff { deployer, one_off } => deployer.remove_one_off(&one_off.id).await,
            Session::Job { deployer, job } if ended => deployer.remove_finished_job(job).await,
            Session::Job { deployer, job } => deployer.remove_job(job).await,
            Session::Exec { .. } => {}
        }
    }
}

/// `POST /v1/services/{name}/connect` with `Upgrade: wharf-run`: the database's client,
/// attached, in the service's container.
pub async fn connect(
    State(state): State<ApiState>,
    ServicePath(name): ServicePath,
    mut request: Request,
) -> Result<Response, ApiError> {
    if !wants_upgrade(&request) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("connecting needs `Connection: Upgrade` and `Upgrade: {UPGRADE_PROTOCOL}`"),
        ));
    }
    let on_upgrade = hyper::upgrade::on(&mut request);
    let ConnectRequest { terminal: connect } = read_json(request, "connect").await?;
    let (exec_id, attached) = state.services.open_client(&name, connect.tty).await?;
    let docker = state.deployer.docker().clone();
    if connect.tty
        && let (Some(rows), Some(cols)) = (connect.rows, connect.cols)
        && rows > 0
        && cols > 0
        && let Err(err) = docker.resize_exec(&exec_id, rows, cols).await
    {
        tracing::debug!(error = %err, "could not set the TTY size");
    }
    tracing::info!(service = %name, "client connected to a service");
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let session = Session::Exec {
                    docker,
                    exec_id,
                    service: name.to_string(),
                };
                relay(TokioIo::new(upgraded), attached, &session).await
            }
            Err(err) => tracing::info!(error = %err, "the connect request was not upgraded"),
        }
    });
    switching_protocols()
}
