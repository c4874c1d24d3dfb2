//! Image builds with the classic (v1) builder: the tar context is streamed
//! from disk, output is forwarded line by line, and a failing step is
//! reported with its `Step n/m : ...` header.

use std::collections::HashMap;
use std::path::Path;

use bollard::auth::DockerCredentials;
use bollard::errors::Error as BollardError;
use bollard::models::BuildInfo;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;
use tokio_util::io::ReaderStream;
use tracing::{debug, info, instrument, warn};

use crate::docker::{Docker, LONG_TIMEOUT};
use crate::error::{BuildError, RuntimeError, describe};
use crate::labels;

/// A registry login handed to the engine for one build.
#[derive(Clone)]
pub struct RegistryAuth {
    /// The engine's key for the registry: `host[:port]`, or Docker Hub's
    /// `https://index.docker.io/v1/`.
    pub server: String,
    pub username: String,
    pub password: String,
}

impl Docker {
    /// Builds an image from the tar build context at `context_tar` with the
    /// classic builder, tags it `tag` and labels it with `labels` plus
    /// `wharf.managed=true`. `dockerfile` is the Dockerfile's path inside the
    /// context (`""` means `Dockerfile`).
    ///
    /// Every output line (`Step 3/7 : RUN ...`, command output, ...) is passed
    /// to `on_line` as it arrives, without its trailing newline. Returns the
    /// image id (`sha256:...`).
    pub async fn build(
        &self,
        context_tar: &Path,
        dockerfile: &str,
        tag: &str,
        labels: HashMap<String, String>,
        on_line: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, BuildError> {
        self.build_with_logins(context_tar, dockerfile, tag, labels, &[], on_line)
            .await
    }

    /// [`Docker::build`], with registry logins the engine uses to pull the images the
    /// Dockerfile starts `FROM` (never logged).
    #[instrument(skip(self, labels, logins, on_line), fields(context = %context_tar.display()))]
    pub async fn build_with_logins(
        &self,
        context_tar: &Path,
        dockerfile: &str,
        tag: &str,
        labels: HashMap<String, String>,
        logins: &[RegistryAuth],
        on_line: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, BuildError> {
        let file = tokio::fs::File::open(context_tar)
            .await
            .map_err(|source| BuildError::Io {
                path: context_tar.to_owned(),
                source,
            })?;
        let body = bollard::body_try_stream(ReaderStream::new(file));

        let dockerfile = if dockerfile.trim().is_empty() {
            "Dockerfile"
        } else {
            dockerfile
        };
        let options = BuildImageOptionsBuilder::default()
            .dockerfile(dockerfile)
            .t(tag)
            .labels(&labels::with_managed(&labels))
            .rm(true)
            .forcerm(true)
            .version(BuilderVersion::BuilderV1)
            .build();

        // The engine answers only once the context is uploaded and the first
        // step starts, which may take a while for big contexts.
        let client = self.client_with_timeout(LONG_TIMEOUT);
        let credentials = (!logins.is_empty()).then(|| {
            logins
                .iter()
                .map(|login| {
                    let credentials = DockerCredentials {
                        username: Some(login.username.clone()),
                        password: Some(login.password.clone()),
                        serveraddress: Some(login.server.clone()),
                        ..Default::default()
                    };
                    (login.server.clone(), credentials)
                })
                .collect::<HashMap<_, _>>()
        });
        let mut stream = client.build_image(options, credentials, Some(body));

        let mut progress = BuildProgress::default();
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => progress.handle(info, on_line),
                Err(e) => {
                    progress.flush(on_line);
                    return Err(progress.failure(self, tag, e));
                }
            }
        }
        progress.flush(on_line);

        let id = match progress.image_id {
            Some(id) => id,
            None => {
                warn!(%tag, "build finished without reporting an image id; inspecting the tag");
                self.client
                    .inspect_image(tag)
                    .await
                    .map_err(|e| self.err(format!("inspecting built image {tag}"), e))?
                    .id
                    .ok_or_else(|| BuildError::Rejected {
                        message: format!("the build of {tag} finished but produced no image"),
                    })?
            }
        };
        info!(%tag, %id, "image built");
        Ok(id)
    }
}

/// State accumulated while reading the build output stream.
#[derive(Default)]
struct BuildProgress {
    /// Output not yet terminated by a newline.
    partial: String,
    /// The most recent `Step n/m : ...` line.
    current_step: Option<String>,
    /// Image id from the final `aux` message or `Successfully built` line.
    image_id: Option<String>,
    /// Whether the current step was answered from the cache (or is a `FROM`), so its image
    /// is not one this build created.
    step_not_ours: bool,
    /// Images created by this build's steps, in order.
    created: Vec<String>,
}

impl BuildProgress {
    fn handle(&mut self, info: BuildInfo, on_line: &mut (dyn FnMut(&str) + Send)) {
        if let Some(id) = info.aux.and_then(|aux| aux.id) {
            self.image_id = Some(id);
        }
        if let Some(text) = info.stream {
            self.push(&text, on_line);
        }
        if let Some(status) = info.status {
            // Pull progress for FROM; one message per status update.
            let line = match info.id {
                Some(id) => format!("{id}: {status}"),
                None => status,
            };
            self.push(&line, on_line);
            self.push("\n", on_line);
        }
    }

    fn push(&mut self, text: &str, on_line: &mut (dyn FnMut(&str) + Send)) {
        self.partial.push_str(text);
        while let Some(pos) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=pos).collect();
            self.emit(line.trim_end_matches(['\n', '\r']), on_line);
        }
    }

    fn flush(&mut self, on_line: &mut (dyn FnMut(&str) + Send)) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.emit(line.trim_end_matches('\r'), on_line);
        }
    }

    fn emit(&mut self, line: &str, on_line: &mut (dyn FnMut(&str) + Send)) {
        if line.starts_with("Step ") && line.contains(" : ") {
            self.current_step = Some(line.to_owned());
            self.step_not_ours = line.split_once(" : ").is_some_and(|(_, instruction)| {
                instruction.to_ascii_uppercase().starts_with("FROM")
            });
        } else if line.trim() == "---> Using cache" {
            self.step_not_ours = true;
        } else if let Some(id) = line.trim().strip_prefix("---> ")
            && !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            if !self.step_not_ours {
                self.created.push(id.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("Successfully built ")
            && self.image_id.is_none()
        {
            self.image_id = Some(rest.trim().to_owned());
        }
        on_line(line);
    }

    /// Turns a stream error into the right [`BuildError`].
    fn failure(&self, docker: &Docker, tag: &str, e: BollardError) -> BuildError {
        debug!(error = %describe(&e), step = ?self.current_step, "build failed");
        match e {
            BollardError::DockerStreamError { error } => match &self.current_step {
                Some(step) => BuildError::StepFailed {
                    step: step.clone(),
                    message: error.trim().to_owned(),
                    intermediates: self.created.clone(),
                },
                None => BuildError::Rejected {
                    message: error.trim().to_owned(),
                },
            },
            BollardError::DockerResponseServerError {
                status_code,
                ref message,
            } if (400..500).contains(&status_code) || !message.trim().is_empty() => {
                BuildError::Rejected {
                    message: describe(&e),
                }
            }
            other => BuildError::Engine(RuntimeError::from_bollard(
                &docker.endpoint,
                format!("building image {tag}"),
                other,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_partial_lines_and_tracks_steps() {
        let mut p = BuildProgress::default();
        let mut seen = Vec::new();
        let mut on_line = |l: &str| seen.push(l.to_owned());
        p.push(
            "Step 1/2 : FROM busybox\n ---> abc\nStep 2/2 : RUN ec",
            &mut on_line,
        );
        p.push("ho hi\nhi\nSuccessfully built 123abc\n", &mut on_line);
        p.push("tail", &mut on_line);
        p.flush(&mut on_line);
        assert_eq!(
            seen,
            [
                "Step 1/2 : FROM busybox",
                " ---> abc",
                "Step 2/2 : RUN echo hi",
                "hi",
                "Successfully built 123abc",
                "tail"
            ]
        );
        assert_eq!(p.current_step.as_deref(), Some("Step 2/2 : RUN echo hi"));
        assert_eq!(p.image_id.as_deref(), Some("123abc"));
    }

    #[test]
    fn remembers_the_images_this_build_created_but_not_base_or_cached_ones() {
        let mut p = BuildProgress::default();
        let mut on_line = |_: &str| {};
        p.push(
            "Step 1/4 : FROM busybox\n ---> aaa111\nStep 2/4 : RUN one\n ---> Using cache\n ---> bbb222\n\
             Step 3/4 : RUN two\n ---> Running in ccc333\nRemoving intermediate container ccc333\n ---> ddd444\n\
             Step 4/4 : RUN false\n ---> Running in eee555\n",
            &mut on_line,
        );
        assert_eq!(p.created, vec!["ddd444".to_string()]);
    }
}
