//! What a key may run over SSH. sshd hands the client's command line over in
//! `SSH_ORIGINAL_COMMAND`; it is split into words here (quotes as `sh` reads them, but no
//! expansion of any kind and never run by a shell) and must be one of a short list: git's
//! push and fetch, and Dokku-style commands (`config:set APP K=V`, ...). Anything else is refused.

use wharf_domain::{AppName, NameError};

/// A command a key may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshCommand {
    /// `git push`: `git-receive-pack 'APP'` (or `/APP.git`, or `git receive-pack ...`).
    ReceivePack(AppName),
    /// `git clone`/`fetch`, read-only: `git-upload-pack 'APP'`.
    UploadPack(AppName),
    Help,
    AppsList,
    AppsDestroy(AppName),
    Releases(AppName),
    Rollback {
        app: AppName,
        version: Option<String>,
    },
    ConfigShow {
        app: AppName,
        reveal: bool,
    },
    ConfigSet {
        app: AppName,
        assignments: Vec<String>,
    },
    ConfigUnset {
        app: AppName,
        keys: Vec<String>,
    },
    /// `run APP [--detach] [--] CMD...`: a one-off command (with a TTY under `ssh -t`).
    Run {
        app: AppName,
        command: Vec<String>,
        detach: bool,
    },
    /// `ps APP` / `ps:report APP`: the app's containers.
    Ps(AppName),
    /// `ps:stop APP [PROCESS]`, `ps:start ...`, `ps:restart ...`: the action and its target.
    PsLifecycle {
        action: &'static str,
        app: AppName,
        process: Option<String>,
    },
    /// `ps:scale APP web=2 worker=1`.
    PsScale {
        app: AppName,
        formation: Vec<String>,
    },
    /// `domains APP` (alias: `domains:report APP`): the app's domains.
    Domains(AppName),
    /// `domains:add APP DOMAIN` and `domains:remove APP DOMAIN` (the action and its target).
    DomainsChange {
        add: bool,
        app: AppName,
        domain: String,
    },
    /// `storage:list APP` (alias: `storage:report APP`): the app's storage mounts.
    StorageList(AppName),
    /// `storage:mount APP SOURCE:/path[:ro]`.
    StorageMount {
        app: AppName,
        mount: String,
    },
    /// `storage:unmount APP SOURCE:/path` (or `/path`).
    StorageUnmount {
        app: AppName,
        mount: String,
    },
    /// `services[:SUBCOMMAND] ARGS...`, or Dokku's `postgres:create NAME` and friends: the
    /// arguments of `wharf services`, checked there.
    Services(Vec<String>),
}

/// What Dokku's database plugins call their commands, and the `wharf services` subcommand each
/// one is.
const DOKKU_SERVICE_COMMANDS: &[&str] = &[
    "create",
    "list",
    "info",
    "link",
    "unlink",
    "connect",
    "expose",
    "unexpose",
    "backup",
    "backups",
    "backup-schedule",
    "restore",
    "destroy",
];

/// The commands a key may run, for the help text and the refusal message.
pub const ALLOWED: &str =
    "  git push wharf@HOST:APP BRANCH     build and deploy APP (created on its first push)
  git clone/fetch wharf@HOST:APP     read the pushed code back
  apps:list                          list apps
  apps:destroy APP --force           destroy APP (its named volumes are kept)
  releases APP                       list APP's releases
  rollback APP [vN]                  deploy an earlier release again
  config:show APP [--reveal]         APP's config vars (alias: config APP)
  config:set APP KEY=VALUE...        set config vars and redeploy
  config:unset APP KEY...            remove config vars and redeploy
  run APP [--detach] [--] CMD...     run a one-off command (ssh -t for a terminal)
  ps APP                             APP's containers (alias: ps:report APP)
  ps:scale APP PROCESS=COUNT...      scale APP's processes
  ps:stop|ps:start|ps:restart APP [PROCESS]   stop, start or restart APP
  storage:list APP                   APP's storage mounts (alias: storage:report APP)
  storage:mount APP SOURCE:/PATH     mount a volume or server directory and redeploy
  storage:unmount APP SOURCE:/PATH   remove a mount (the data stays) and redeploy
  services[:COMMAND] ARGS...         databases, as `wharf services COMMAND ARGS` (also Dokku's
                                     postgres:create NAME, redis:link NAME APP, ...)
  help                               this list";

/// Why a command line is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SshCommandError {
    #[error("command not allowed: `{0}`\nallowed commands:\n{ALLOWED}")]
    NotAllowed(String),
    #[error("usage: {0}")]
    Usage(&'static str),
    #[error("the command has an unterminated quote")]
    Quote,
    #[error(transparent)]
    App(#[from] NameError),
}

impl SshCommand {
    /// Parse `SSH_ORIGINAL_COMMAND` (`None`: the client asked for no command, i.e. a shell).
    pub fn parse(original: Option<&str>) -> Result<SshCommand, SshCommandError> {
        let Some(original) = original else {
            return Ok(SshCommand::Help);
        };
        let words = split_words(original)?;
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let refuse = || SshCommandError::NotAllowed(shown(original));
        let (first, rest) = match words.as_slice() {
            [] => return Ok(SshCommand::Help),
            ["git", sub, rest @ ..] => (format!("git-{sub}"), rest),
            [first, rest @ ..] => (first.to_string(), rest),
        };
        Ok(match (first.as_str(), rest) {
            ("git-receive-pack", [repo]) => SshCommand::ReceivePack(repo_app(repo)?),
            ("git-upload-pack", [repo]) => SshCommand::UploadPack(repo_app(repo)?),
            ("git-receive-pack" | "git-upload-pack", _) => {
                return Err(SshCommandError::Usage("git-receive-pack 'APP'"));
            }
            ("help" | "--help" | "-h", _) => SshCommand::Help,
            ("apps:list" | "apps", []) => SshCommand::AppsList,
            ("apps:destroy", [app, "--force"] | ["--force", app]) => {
                SshCommand::AppsDestroy(AppName::parse(app)?)
            }
            ("apps:destroy", _) => {
                return Err(SshCommandError::Usage(
                    "apps:destroy APP --force (the app and its releases are removed)",
                ));
            }
            ("releases" | "releases:list" | "ps:releases", [app]) => {
                SshCommand::Releases(AppName::parse(app)?)
            }
            ("rollback" | "releases:rollback", [app, version @ ..]) if version.len() <= 1 => {
                SshCommand::Rollback {
                    app: AppName::parse(app)?,
                    version: version.first().map(|v| v.to_string()),
                }
            }
            ("config" | "config:show", [app]) => SshCommand::ConfigShow {
                app: AppName::parse(app)?,
                reveal: false,
            },
            ("config" | "config:show", [app, "--reveal"] | ["--reveal", app]) => {
                SshCommand::ConfigShow {
                    app: AppName::parse(app)?,
                    reveal: true,
                }
            }
            ("config:set", [app, assignments @ ..]) if !assignments.is_empty() => {
                SshCommand::ConfigSet {
                    app: AppName::parse(app)?,
                    assignments: assignments.iter().map(|s| s.to_string()).collect(),
                }
            }
            ("config:unset", [app, keys @ ..]) if !keys.is_empty() => SshCommand::ConfigUnset {
                app: AppName::parse(app)?,
                keys: keys.iter().map(|s| s.to_string()).collect(),
            },
            ("run", [app, rest @ ..]) => {
                let (detach, rest) = match rest {
                    ["--detach" | "-d", rest @ ..] => (true, rest),
                    rest => (false, rest),
                };
                let rest = match rest {
                    ["--", rest @ ..] => rest,
                    rest => rest,
                };
                if rest.is_empty() {
                    return Err(SshCommandError::Usage("run APP [--detach] [--] CMD..."));
                }
                SshCommand::Run {
                    app: AppName::parse(app)?,
                    command: rest.iter().map(|s| s.to_string()).collect(),
                    detach,
                }
            }
            ("run", _) => return Err(SshCommandError::Usage("run APP [--detach] [--] CMD...")),
            ("ps" | "ps:report", [app]) => SshCommand::Ps(AppName::parse(app)?),
            ("ps:scale", [app, formation @ ..]) if !formation.is_empty() => SshCommand::PsScale {
                app: AppName::parse(app)?,
                formation: formation.iter().map(|s| s.to_string()).collect(),
            },
            ("ps:scale", _) => return Err(SshCommandError::Usage("ps:scale APP PROCESS=COUNT...")),
            ("ps:stop" | "ps:start" | "ps:restart", [app, process @ ..]) if process.len() <= 1 => {
                SshCommand::PsLifecycle {
                    action: match first.as_str() {
                        "ps:stop" => "stop",
                        "ps:start" => "start",
                        _ => "restart",
                    },
                    app: AppName::parse(app)?,
                    process: process.first().map(|p| p.to_string()),
                }
            }
            ("ps:stop" | "ps:start" | "ps:restart", _) => {
                return Err(SshCommandError::Usage(
                    "ps:stop|ps:start|ps:restart APP [PROCESS]",
                ));
            }
            ("domains" | "domains:report", [app]) => SshCommand::Domains(AppName::parse(app)?),
            ("domains" | "domains:report", _) => {
                return Err(SshCommandError::Usage("domains APP"));
            }
            ("domains:add" | "domains:remove", [app, domain]) => SshCommand::DomainsChange {
                add: first == "domains:add",
                app: AppName::parse(app)?,
                domain: domain.to_string(),
            },
            ("domains:add" | "domains:remove", _) => {
                return Err(SshCommandError::Usage(
                    "domains:add|domains:remove APP DOMAIN",
                ));
            }
            ("storage:list" | "storage:report", [app]) => {
                SshCommand::StorageList(AppName::parse(app)?)
            }
            ("storage:list" | "storage:report", _) => {
                return Err(SshCommandError::Usage("storage:list APP"));
            }
            ("storage:mount", [app, mount]) => SshCommand::StorageMount {
                app: AppName::parse(app)?,
                mount: mount.to_string(),
            },
            ("storage:mount", _) => {
                return Err(SshCommandError::Usage(
                    "storage:mount APP SOURCE:/PATH[:ro]",
                ));
            }
            ("storage:unmount", [app, mount]) => SshCommand::StorageUnmount {
                app: AppName::parse(app)?,
                mount: mount.to_string(),
            },
            ("storage:unmount", _) => {
                return Err(SshCommandError::Usage("storage:unmount APP SOURCE:/PATH"));
            }
            (command, args) if command == "services" || command.starts_with("services:") => {
                let mut out: Vec<String> = command
                    .strip_prefix("services:")
                    .map(|sub| sub.to_string())
                    .into_iter()
                    .collect();
                out.extend(args.iter().map(|a| a.to_string()));
                SshCommand::Services(out)
            }
            (command, args)
                if command
                    .split_once(':')
                    .is_some_and(|(kind, _)| wharf_domain::ServiceKind::parse(kind).is_ok()) =>
            {
                dokku_service_command(command, args).ok_or_else(refuse)?
            }
            (
                "apps:list" | "apps" | "releases" | "rollback" | "config" | "config:show" | "ps"
                | "ps:report",
                _,
            ) => {
                return Err(SshCommandError::Usage(
                    "see `help` for each command's arguments",
                ));
            }
            ("config:set", _) => return Err(SshCommandError::Usage("config:set APP KEY=VALUE...")),
            ("config:unset", _) => return Err(SshCommandError::Usage("config:unset APP KEY...")),
            _ => return Err(refuse()),
        })
    }
}

/// Dokku's `KIND:COMMAND ARGS` (`postgres:create db`, `redis:destroy cache --force`) as the
/// arguments of `wharf services`.
fn dokku_service_command(command: &str, args: &[&str]) -> Option<SshCommand> {
    let (kind, sub) = command.split_once(':')?;
    if !DOKKU_SERVICE_COMMANDS.contains(&sub) {
        return None;
    }
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = match (sub, args.as_slice()) {
        ("create", _) => [vec![sub.to_string(), kind.to_string()], args].concat(),
        // Dokku's `--force` skips the question, as `--confirm NAME` does here.
        ("destroy", [name, force]) if force == "--force" || force == "-f" => vec![
            "destroy".to_string(),
            name.clone(),
            "--confirm".to_string(),
            name.clone(),
        ],
        _ => [vec![sub.to_string()], args].concat(),
    };
    Some(SshCommand::Services(out))
}

/// The app a repository path names: `APP`, `/APP`, `APP.git`, `/APP.git/`.
fn repo_app(path: &str) -> Result<AppName, NameError> {
    let name = path.trim_start_matches('/').trim_end_matches('/');
    let name = name.strip_suffix(".git").unwrap_or(name);
    AppName::parse(name)
}

/// The command as shown in an error: one line, at most 80 characters.
fn shown(command: &str) -> String {
    let line: String = command
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    line.trim().to_string()
}

/// Split a command line into words the way `sh` would, without expanding anything: single
/// quotes keep everything, double quotes and backslashes escape, whitespace separates.
pub fn split_words(line: &str) -> Result<Vec<String>, SshCommandError> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(SshCommandError::Quote),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(SshCommandError::Quote),
                        },
                        Some(c) => w.push(c),
                        None => return Err(SshCommandError::Quote),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(c) => word.get_or_insert_with(String::new).push(c),
                None => return Err(SshCommandError::Quote),
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(done) = word {
        words.push(done);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> AppName {
        AppName::parse(name).unwrap()
    }

    fn parse(line: &str) -> Result<SshCommand, SshCommandError> {
        SshCommand::parse(Some(line))
    }

    #[test]
    fn git_commands_in_every_spelling() {
        for line in [
            "git-receive-pack 'blog'",
            "git-receive-pack '/blog.git'",
            "git receive-pack 'blog.git'",
            "git-receive-pack blog",
        ] {
            assert_eq!(
                parse(line),
                Ok(SshCommand::ReceivePack(app("blog"))),
                "{line}"
            );
        }
        assert_eq!(
            parse("git-upload-pack '/blog'"),
            Ok(SshCommand::UploadPack(app("blog")))
        );
        assert!(matches!(
            parse("git-receive-pack 'Bad_Name'"),
            Err(SshCommandError::App(_))
        ));
        assert!(matches!(
            parse("git-receive-pack '../etc'"),
            Err(SshCommandError::App(_))
        ));
        assert!(matches!(
            parse("git-receive-pack 'a' 'b'"),
            Err(SshCommandError::Usage(_))
        ));
    }

    #[test]
    fn dokku_style_commands() {
        assert_eq!(
            parse("config:set blog A=1 'B=two words'"),
            Ok(SshCommand::ConfigSet {
                app: app("blog"),
                assignments: vec!["A=1".into(), "B=two words".into()]
            })
        );
        assert_eq!(
            parse("config blog"),
            Ok(SshCommand::ConfigShow {
                app: app("blog"),
                reveal: false
            })
        );
        assert_eq!(
            parse("rollback blog v2"),
            Ok(SshCommand::Rollback {
                app: app("blog"),
                version: Some("v2".into())
            })
        );
        assert_eq!(parse("apps:list"), Ok(SshCommand::AppsList));
        assert_eq!(SshCommand::parse(None), Ok(SshCommand::Help));
        assert!(matches!(
            parse("apps:destroy blog"),
            Err(SshCommandError::Usage(_))
        ));
        assert_eq!(
            parse("apps:destroy blog --force"),
            Ok(SshCommand::AppsDestroy(app("blog")))
        );
        assert!(matches!(
            parse("config:set blog"),
            Err(SshCommandError::Usage(_))
        ));
        assert_eq!(parse("ps:report blog"), Ok(SshCommand::Ps(app("blog"))));
        assert_eq!(
            parse("run blog -- python manage.py migrate"),
            Ok(SshCommand::Run {
                app: app("blog"),
                command: vec!["python".into(), "manage.py".into(), "migrate".into()],
                detach: false
            })
        );
        assert!(matches!(
            parse("run blog --"),
            Err(SshCommandError::Usage(_))
        ));
        assert_eq!(
            parse("ps:scale blog web=2 worker=0"),
            Ok(SshCommand::PsScale {
                app: app("blog"),
                formation: vec!["web=2".into(), "worker=0".into()]
            })
        );
        assert!(matches!(
            parse("ps:scale blog"),
            Err(SshCommandError::Usage(_))
        ));
        assert_eq!(
            parse("ps:restart blog web"),
            Ok(SshCommand::PsLifecycle {
                action: "restart",
                app: app("blog"),
                process: Some("web".into())
            })
        );
    }

    #[test]
    fn service_commands_as_wharf_and_dokku_users_type_them() {
        let services = |args: &[&str]| {
            Ok(SshCommand::Services(
                args.iter().map(|a| a.to_string()).collect(),
            ))
        };
        assert_eq!(parse("services"), services(&[]));
        assert_eq!(
            parse("services:link db blog"),
            services(&["link", "db", "blog"])
        );
        assert_eq!(
            parse("postgres:create db --version 16"),
            services(&["create", "postgres", "db", "--version", "16"])
        );
        assert_eq!(
            parse("redis:destroy cache --force"),
            services(&["destroy", "cache", "--confirm", "cache"])
        );
        assert_eq!(
            parse("mariadb:link db blog"),
            services(&["link", "db", "blog"])
        );
        assert!(matches!(
            parse("postgres:export db"),
            Err(SshCommandError::NotAllowed(_))
        ));
        assert!(matches!(
            parse("mongo:create db"),
            Err(SshCommandError::NotAllowed(_))
        ));
    }

    #[test]
    fn domains_commands_as_dokku_users_type_them() {
        assert_eq!(
            parse("domains:add blog www.blog.example.com"),
            Ok(SshCommand::DomainsChange {
                add: true,
                app: app("blog"),
                domain: "www.blog.example.com".into()
            })
        );
        assert_eq!(
            parse("domains:remove blog www.blog.example.com"),
            Ok(SshCommand::DomainsChange {
                add: false,
                app: app("blog"),
                domain: "www.blog.example.com".into()
            })
        );
        assert_eq!(
            parse("domains:report blog"),
            Ok(SshCommand::Domains(app("blog")))
        );
        assert_eq!(parse("domains blog"), Ok(SshCommand::Domains(app("blog"))));
        for usage in ["domains:add blog", "domains:remove blog a b", "domains"] {
            assert!(
                matches!(parse(usage), Err(SshCommandError::Usage(_))),
                "{usage}"
            );
        }
    }

    #[test]
    fn storage_commands_as_dokku_users_type_them() {
        assert_eq!(
            parse("storage:mount blog /var/lib/dokku/data/storage/blog:/app/storage"),
            Ok(SshCommand::StorageMount {
                app: app("blog"),
                mount: "/var/lib/dokku/data/storage/blog:/app/storage".into()
            })
        );
        assert_eq!(
            parse("storage:unmount blog 'media:/app/media'"),
            Ok(SshCommand::StorageUnmount {
                app: app("blog"),
                mount: "media:/app/media".into()
            })
        );
        assert_eq!(
            parse("storage:list blog"),
            Ok(SshCommand::StorageList(app("blog")))
        );
        assert_eq!(
            parse("storage:report blog"),
            Ok(SshCommand::StorageList(app("blog")))
        );
        for bad in [
            "storage:mount blog",
            "storage:mount blog a:/a b:/b",
            "storage:unmount blog",
            "storage:list",
        ] {
            assert!(
                matches!(parse(bad), Err(SshCommandError::Usage(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse("storage:mount Bad /a:/b"),
            Err(SshCommandError::App(_))
        ));
    }

    #[test]
    fn anything_else_is_refused() {
        for line in [
            "bash",
            "rm -rf /",
            "sh -c 'id'",
            "git-upload-archive blog",
            "scp -t /",
        ] {
            let err = parse(line).unwrap_err();
            assert!(matches!(err, SshCommandError::NotAllowed(_)), "{line}");
            assert!(err.to_string().contains("command not allowed"), "{err}");
        }
        assert_eq!(parse("echo 'open"), Err(SshCommandError::Quote));
    }

    #[test]
    fn words_split_like_sh_without_expansion() {
        assert_eq!(
            split_words(r#"a 'b c' "d \"e\" $HOME" f\ g ''"#).unwrap(),
            vec!["a", "b c", "d \"e\" $HOME", "f g", ""]
        );
    }
}
