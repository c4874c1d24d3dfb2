//! app.json's predeploy command keeps what it writes, as on Dokku: once it exits 0, its
//! container is committed as the release's image (`wharf/APP:vN`), so every process of the
//! release, and a later rollback to it, sees the files it made. Only a release that built its
//! image does this; a release reusing an earlier image (config, scale or storage change,
//! rollback) runs the command on that image, which already holds the first run's changes, and
//! keeps nothing new. What it writes into volumes and storage mounts is in those, not the image.
//!
//! A commit stores the container's own config beside the image (and fills what the new config
//! leaves empty from it), so the container must hold nothing private: it is a "holder" that
//! only waits, made with the image's labels and environment, and the command runs in it by
//! `docker exec` (`/bin/sh -c COMMAND`, without the image's ENTRYPOINT), with the release's
//! environment (config vars, secrets among them) given to the exec alone. The commit then takes
//! the image's config (`Docker::commit_as`). The holder's name says what it is
//! (`wharf-APP.predeploy-vN`); it has no `wharf.task` label, which the image would inherit.

use crate::container::shell;
use crate::deployer::{INSTANCE_LABEL, image_tag};
use crate::tasks::Task;
use crate::{DeployError, Deployer, Progress, ReleaseSpec};
use std::time::Duration;
use wharf_runtime::{ContainerSpec, ExecSpec, labels};
use wharf_store::ReleaseRecord;

/// Lines of the command's output shown to the user.
const SHOWN_LINES: usize = 200;
/// What the holder runs: nothing, for as long as it is needed.
const WAIT: &str = "while :; do sleep 3600; done";

/// Whether this release's predeploy changes are kept: it built its own image.
pub(crate) fn keeps_changes(release: &ReleaseRecord) -> bool {
    release.image == image_tag(&release.app, release.version)
}

/// Turn a predeploy task's container into a holder: it only waits, with no environment of
/// its own and the labels its image already has. Returns the environment, for the exec.
fn holder(container: &mut ContainerSpec) -> Vec<(String, String)> {
    container.cmd = Some(shell(WAIT));
    container.entrypoint = Some(Vec::new());
    container
        .labels
        .retain(|key, _| [labels::APP, labels::RELEASE, INSTANCE_LABEL].contains(&key.as_str()));
    std::mem::take(&mut container.env)
}

impl Deployer {
    /// Run the predeploy `command` of a release that built its image, and commit what it
    /// changed as that image. Its output goes to `progress`; a failure keeps nothing.
    pub(crate) async fn run_predeploy_kept(
        &self,
        release: &ReleaseRecord,
        spec: &ReleaseSpec,
        port: u16,
        command: &str,
        progress: &Progress,
    ) -> Result<(), DeployError> {
        let suffix = release.version.to_string();
        let mut container =
            self.task_container(release, spec, port, Task::Predeploy, command, &suffix, 1)?;
        let env = holder(&mut container);
        let started = self.create_container(&container).await?;
        let result = async {
            let exec = ExecSpec {
                cmd: shell(command),
                env,
                ..Default::default()
            };
            let mut stdout: Vec<u8> = Vec::new();
            let ran = self
                .docker
                .exec_to(&started.id, &exec, None::<tokio::io::Empty>, &mut stdout)
                .await?;
            let output = format!("{}\n{}", String::from_utf8_lossy(&stdout), ran.stderr);
            let lines: Vec<&str> = output.lines().filter(|l| !l.is_empty()).collect();
            for line in &lines[lines.len().saturating_sub(SHOWN_LINES)..] {
                progress.line(format!("       {line}"));
            }
            if ran.exit_code != 0 {
                return Err(DeployError::TaskFailed {
                    phase: Task::Predeploy.to_string(),
                    code: ran.exit_code,
                    logs: lines[lines.len().saturating_sub(20)..].join("\n"),
                    serving: self.still_serving(&release.app),
                });
            }
            self.docker
                .commit_as(&started.id, &release.image, &release.image)
                .await?;
            progress.line(format!(
                "-----> Predeploy's changes kept in {}",
                release.image
            ));
            Ok(())
        }
        .await;
        if let Err(err) = self
            .docker
            .stop_and_remove(&started.id, Duration::ZERO)
            .await
        {
            tracing::warn!(container = %started.name, error = %err, "could not remove the predeploy container");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_holder_keeps_nothing_of_its_own_and_hands_over_the_environment() {
        let mut container = ContainerSpec {
            env: vec![("SECRET".into(), "s3cret".into())],
            cmd: Some(shell("touch /app/ready")),
            labels: HashMap::from([
                (labels::APP.to_string(), "blog".to_string()),
                (labels::RELEASE.to_string(), "3".to_string()),
                (INSTANCE_LABEL.to_string(), "abc".to_string()),
                (labels::TASK.to_string(), "predeploy".to_string()),
            ]),
            ..Default::default()
        };
        let env = holder(&mut container);
        assert_eq!(env, vec![("SECRET".to_string(), "s3cret".to_string())]);
        assert!(container.env.is_empty());
        assert_eq!(container.cmd, Some(shell(WAIT)));
        assert_eq!(container.entrypoint, Some(vec![]));
        let mut keys: Vec<&String> = container.labels.keys().collect();
        keys.sort();
        assert_eq!(keys, ["wharf.app", "wharf.instance", "wharf.release"]);
    }
}
