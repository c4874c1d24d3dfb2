//! The bare repository of each app, `DATA/repos/APP.git`, created on its first push. Its
//! `pre-receive` hook runs `wharf git-hook APP`, which deploys the pushed revision; a failed
//! deploy makes the hook fail, so git rejects the push and the ref is not updated.

use crate::RunAs;
use crate::authorized_keys::quote_path;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use wharf_domain::AppName;

/// Errors preparing a repository.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{action}: {source}")]
    Io {
        action: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`git {args}` failed: {stderr}")]
    Git { args: String, stderr: String },
    #[error(transparent)]
    Path(#[from] crate::AuthorizedKeysError),
}

/// Where the apps' repositories live.
pub fn repos_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("repos")
}

/// The repository of `app`.
pub fn repo_path(data_dir: &Path, app: &AppName) -> PathBuf {
    repos_dir(data_dir).join(format!("{app}.git"))
}

/// Create the repositories' directory (0700, owned by `owner`); the daemon does this at start.
pub fn prepare_repos_dir(data_dir: &Path, owner: Option<&RunAs>) -> Result<(), RepoError> {
    let dir = repos_dir(data_dir);
    let io = |action: &str, source| RepoError::Io {
        action: format!("{action} {}", dir.display()),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(|e| io("creating", e))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io("setting permissions of", e))?;
    if let Some(owner) = owner {
        owner
            .chown(&dir)
            .map_err(|e| io("giving to the wharf user", e))?;
    }
    Ok(())
}

/// Make sure `app` has its bare repository with Wharf's settings and an up-to-date hook that
/// calls `binary`; returns its path. Safe to run again (and concurrently): `git init` on an
/// existing repository changes nothing, the hook is replaced atomically.
pub fn ensure_repo(
    data_dir: &Path,
    app: &AppName,
    binary: &Path,
    run_as: Option<&RunAs>,
) -> Result<PathBuf, RepoError> {
    let repo = repo_path(data_dir, app);
    if !repo.join("HEAD").exists() {
        git(run_as, &repo, &["init", "--quiet", "--bare"], true)?;
    }
    // Any branch may be pushed, force pushes included; deleting branches is refused.
    for (key, value) in [
        ("receive.denyNonFastForwards", "false"),
        ("receive.denyDeletes", "true"),
        ("gc.auto", "200"),
    ] {
        git(run_as, &repo, &["config", key, value], false)?;
    }
    let hooks = repo.join("hooks");
    let hook = hook_script(binary, data_dir, app)?;
    let io = |action: &str, source| RepoError::Io {
        action: format!("{action} the pre-receive hook in {}", hooks.display()),
        source,
    };
    std::fs::create_dir_all(&hooks).map_err(|e| io("creating", e))?;
    let temp = hooks.join("pre-receive.wharf-tmp");
    std::fs::write(&temp, hook).map_err(|e| io("writing", e))?;
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| io("setting permissions of", e))?;
    if let Some(owner) = run_as {
        owner.chown(&temp).map_err(|e| io("giving away", e))?;
    }
    std::fs::rename(&temp, hooks.join("pre-receive")).map_err(|e| io("installing", e))?;
    Ok(repo)
}

/// The hook: `exec 'BINARY' --data-dir 'DATA' git-hook APP` (the app name is a validated DNS
/// label, the paths are single-quoted).
pub fn hook_script(binary: &Path, data_dir: &Path, app: &AppName) -> Result<String, RepoError> {
    Ok(format!(
        "#!/bin/sh\n# Written by Wharf: deploys what is pushed. Do not edit; it is rewritten on every push.\nexec {} --data-dir {} git-hook {app}\n",
        quote_path("the wharf binary", binary)?,
        quote_path("the data directory", data_dir)?,
    ))
}

/// Run `git ARGS` on `repo` (`init` takes it as an argument, the others as GIT_DIR).
fn git(run_as: Option<&RunAs>, repo: &Path, args: &[&str], init: bool) -> Result<(), RepoError> {
    let mut command = Command::new("git");
    if init {
        command.args(args).arg(repo);
    } else {
        command.arg("--git-dir").arg(repo).args(args);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(user) = run_as {
        user.apply(&mut command);
    }
    let output = command.output().map_err(|source| RepoError::Io {
        action: "running git (is it installed?)".to_string(),
        source,
    })?;
    if !output.status.success() {
        return Err(RepoError::Git {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repo_is_created_once_with_its_hook() {
        let data = tempfile::tempdir().unwrap();
        prepare_repos_dir(data.path(), None).unwrap();
        let app = AppName::parse("blog").unwrap();
        let bin = Path::new("/usr/bin/wharf");
        let repo = ensure_repo(data.path(), &app, bin, None).unwrap();
        assert_eq!(repo, data.path().join("repos/blog.git"));
        assert!(repo.join("HEAD").is_file());
        let hook = std::fs::read_to_string(repo.join("hooks/pre-receive")).unwrap();
        assert!(
            hook.ends_with(&format!(
                "exec '/usr/bin/wharf' --data-dir '{}' git-hook blog\n",
                data.path().display()
            )),
            "{hook}"
        );
        // Again: nothing breaks.
        ensure_repo(data.path(), &app, bin, None).unwrap();
        let config = std::fs::read_to_string(repo.join("config")).unwrap();
        assert!(config.contains("denyNonFastForwards = false"), "{config}");
    }
}
