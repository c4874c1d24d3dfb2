//! Commands run inside a running container (`docker exec`): database clients, dumps and
//! restores of Wharf's services. Only containers Wharf manages are entered.

use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::ResizeExecOptionsBuilder;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tracing::instrument;

use crate::docker::Docker;
use crate::error::{RuntimeError, is_not_found};
use crate::oneoff::{Attached, Output};

/// A command to run in a container.
#[derive(Clone, Debug, Default)]
pub struct ExecSpec {
    /// The command and its arguments (no shell unless the command is one).
    pub cmd: Vec<String>,
    /// Extra environment variables (passwords go here, never on the command line).
    pub env: Vec<(String, String)>,
    /// Allocate a pseudo-terminal.
    pub tty: bool,
    /// Attach stdin.
    pub stdin: bool,
    /// Run as this user instead of the container's.
    pub user: Option<String>,
}

/// What a command run to completion by [`Docker::exec_to`] left behind.
#[derive(Clone, Debug, Default)]
pub struct ExecResult {
    pub exit_code: i64,
    /// The end of what it wrote to stderr (at most [`KEPT_STDERR`] bytes).
    pub stderr: String,
}

/// How much of a command's stderr [`ExecResult`] keeps.
pub const KEPT_STDERR: usize = 16 * 1024;

impl Docker {
    /// Starts `spec` in the container `id` and returns the exec's id and its streams.
    #[instrument(skip(self, spec), fields(cmd = ?spec.cmd.first()))]
    pub async fn exec_attached(
        &self,
        id: &str,
        spec: &ExecSpec,
    ) -> Result<(String, Attached), RuntimeError> {
        self.ensure_managed(id).await?;
        let config = ExecConfig {
            attach_stdin: Some(spec.stdin),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(spec.tty),
            env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
            cmd: Some(spec.cmd.clone()),
            user: spec.user.clone(),
            ..Default::default()
        };
        let created = match self.client.create_exec(id, config).await {
            Ok(created) => created,
            Err(e) if is_not_found(&e) => {
                return Err(RuntimeError::NotFound(format!("container {id}")));
            }
            Err(e) => return Err(self.err(format!("starting a command in container {id}"), e)),
        };
        let options = StartExecOptions {
            detach: false,
            tty: spec.tty,
            output_capacity: None,
        };
        let started = self
            .client
            .start_exec(&created.id, Some(options))
            .await
            .map_err(|e| self.err(format!("starting a command in container {id}"), e))?;
        let StartExecResults::Attached { output, input } = started else {
            return Err(RuntimeError::NotFound(format!(
                "the output of a command in container {id}"
            )));
        };
        let output = self.output_stream(
            output,
            format!("reading the output of a command in container {id}"),
        );
        Ok((
            created.id,
            Attached {
                output: Box::pin(output),
                input,
            },
        ))
    }

    /// The exit code of an exec, once it has ended (`None` while it runs).
    #[instrument(skip(self))]
    pub async fn exec_exit_code(&self, exec_id: &str) -> Result<Option<i64>, RuntimeError> {
        let inspected = self
            .client
            .inspect_exec(exec_id)
            .await
            .map_err(|e| self.err("inspecting a command's exit", e))?;
        if inspected.running.unwrap_or(false) {
            return Ok(None);
        }
        Ok(inspected.exit_code)
    }

    /// Waits (polling briefly) for an exec whose output has ended to report its exit code.
    pub async fn exec_wait(&self, exec_id: &str) -> Result<i64, RuntimeError> {
        for _ in 0..100 {
            if let Some(code) = self.exec_exit_code(exec_id).await? {
                return Ok(code);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(RuntimeError::NotFound(
            "the exit code of a command that does not end".to_string(),
        ))
    }

    /// Sets the TTY size of an exec.
    #[instrument(skip(self))]
    pub async fn resize_exec(
        &self,
        exec_id: &str,
        rows: u16,
        cols: u16,
    ) -> Result<(), RuntimeError> {
        let options = ResizeExecOptionsBuilder::default()
            .h(i32::from(rows))
            .w(i32::from(cols))
            .build();
        self.client
            .resize_exec(exec_id, options)
            .await
            .map_err(|e| self.err("resizing a command's TTY", e))
    }

    /// Runs `spec` in the container `id` to completion: `stdin` (if any) is copied to its
    /// stdin, its stdout into `stdout`; returns its exit code and the end of its stderr.
    #[instrument(skip(self, spec, stdin, stdout), fields(cmd = ?spec.cmd.first()))]
    pub async fn exec_to<R, W>(
        &self,
        id: &str,
        spec: &ExecSpec,
        stdin: Option<R>,
        stdout: &mut W,
    ) -> Result<ExecResult, RuntimeError>
    where
        R: AsyncRead + Unpin + Send,
        W: AsyncWrite + Unpin + Send,
    {
        let spec = ExecSpec {
            stdin: stdin.is_some(),
            tty: false,
            ..spec.clone()
        };
        let (exec_id, attached) = self.exec_attached(id, &spec).await?;
        let Attached {
            mut output,
            mut input,
        } = attached;
        let feed = async {
            if let Some(mut reader) = stdin {
                // A command that stops reading early shows up in its exit code, not here.
                let _ = tokio::io::copy(&mut reader, &mut input).await;
            }
            let _ = input.shutdown().await;
        };
        let drain = async {
            let mut stderr: Vec<u8> = Vec::new();
            while let Some(item) = output.next().await {
                match item? {
                    Output::Stdout(data) => stdout.write_all(&data).await.map_err(|e| {
                        RuntimeError::Io(format!("writing a command's output: {e}"))
                    })?,
                    Output::Stderr(data) => {
                        stderr.extend_from_slice(&data);
                        if stderr.len() > 2 * KEPT_STDERR {
                            stderr.drain(..stderr.len() - KEPT_STDERR);
                        }
                    }
                }
            }
            stdout
                .flush()
                .await
                .map_err(|e| RuntimeError::Io(format!("writing a command's output: {e}")))?;
            Ok::<_, RuntimeError>(stderr)
        };
        let ((), stderr) = tokio::join!(feed, drain);
        let mut stderr = stderr?;
        if stderr.len() > KEPT_STDERR {
            stderr.drain(..stderr.len() - KEPT_STDERR);
        }
        let exit_code = self.exec_wait(&exec_id).await?;
        Ok(ExecResult {
            exit_code,
            stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
        })
    }
}
