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
    /// `config:show APP [--reveal] [--merged]`; Wharf has no global config, so the app's vars
    /// are already Dokku's merged view.
    ConfigShow {
        app: AppName,
        reveal: bool,
    },
    /// `config:get APP KEY [--quoted]`: one var's value (`--quoted`: quoted for a shell).
    ConfigGet {
        app: AppName,
        key: String,
        quoted: bool,
    },
    /// `config:keys APP [--merged]`: the names of the app's vars.
    ConfigKeys(AppName),
    /// `config:set [--encoded] [--no-restart] APP KEY=VALUE...`. With `--encoded`, the values
    /// were base64 and are decoded here; `restart: false` stores the vars without deploying.
    ConfigSet {
        app: AppName,
        assignments: Vec<String>,
        restart: bool,
    },
    /// `config:unset [--no-restart] APP KEY...`.
    ConfigUnset {
        app: AppName,
        keys: Vec<String>,
        restart: bool,
    },
    /// `run [--no-tty] APP [--detach] [--] CMD...` (or `run:detached APP CMD...`): a one-off
    /// command, with a terminal under `ssh -t` unless `tty` is false (`--no-tty`).
    Run {
        app: AppName,
        command: Vec<String>,
        detach: bool,
        tty: bool,
    },
    /// `ps APP` / `ps:report APP`: the app's containers.
    Ps(AppName),
    /// `ps:stop APP [PROCESS]`, `ps:start ...`, `ps:restart ...`: the action and its target.
    PsLifecycle {
        action: &'static str,
        app: AppName,
        process: Option<String>,
    },
    /// `ps:scale [--skip-deploy] APP web=2 worker=1` (`deploy: false`: stored for the next
    /// deploy).
    PsScale {
        app: AppName,
        formation: Vec<String>,
        deploy: bool,
    },
    /// `domains APP` (alias: `domains:report APP`): the app's domains.
    Domains(AppName),
    /// `domains:add APP DOMAIN...` and `domains:remove APP DOMAIN...` (the action, its targets).
    DomainsChange {
        add: bool,
        app: AppName,
        domains: Vec<String>,
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
  config:show APP [--reveal]         APP's config vars (alias: config APP; --merged is accepted)
  config:get [--quoted] APP KEY      one config var's value
  config:keys APP                    the names of APP's config vars
  config:set [--encoded] [--no-restart] APP KEY=VALUE...
                                     set config vars and redeploy (--encoded: values in
                                     base64; --no-restart: store them for the next deploy)
  config:unset [--no-restart] APP KEY...   remove config vars and redeploy
  run [--no-tty] APP [--detach] [--] CMD...  run a one-off command (ssh -t for a terminal;
                                     also run:detached APP CMD...)
  ps APP                             APP's containers (alias: ps:report APP)
  ps:scale [--skip-deploy] APP PROCESS=COUNT...
                                     scale APP's processes (--skip-deploy: at the next deploy)
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
    #[error("{command} does not take `{flag}`; {known}")]
    UnknownFlag {
        command: String,
        flag: String,
        known: String,
    },
    #[error(
        "config:set --encoded: the value of {key} is not {what}; give it as `{key}=$(printf %s VALUE | base64 -w0)`"
    )]
    NotBase64 { key: String, what: &'static str },
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
            (
                "config" | "config:show" | "config:get" | "config:keys" | "config:set"
                | "config:unset",
                args,
            ) => config_command(&first, args)?,
            ("run" | "run:detached", args) => run_command(&first, args)?,
            ("ps" | "ps:report", [app]) => SshCommand::Ps(AppName::parse(app)?),
            ("ps:scale", args) => {
                let (flags, rest) = Flags::take(&first, args, &["--skip-deploy"])?;
                let [app, formation @ ..] = rest.as_slice() else {
                    return Err(SshCommandError::Usage(
                        "ps:scale [--skip-deploy] APP PROCESS=COUNT...",
                    ));
                };
                if formation.is_empty() {
                    return Err(SshCommandError::Usage(
                        "ps:scale [--skip-deploy] APP PROCESS=COUNT...",
                    ));
                }
                SshCommand::PsScale {
                    app: AppName::parse(app)?,
                    formation: formation.iter().map(|s| s.to_string()).collect(),
                    deploy: !flags.has("--skip-deploy"),
                }
            }
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
            ("domains:add" | "domains:remove", [app, domains @ ..]) if !domains.is_empty() => {
                Flags::take(&first, domains, &[])?;
                SshCommand::DomainsChange {
                    add: first == "domains:add",
                    app: AppName::parse(app)?,
                    domains: domains.iter().map(|d| d.to_string()).collect(),
                }
            }
            ("domains:add" | "domains:remove", _) => {
                return Err(SshCommandError::Usage(
                    "domains:add|domains:remove APP DOMAIN...",
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
            ("apps:list" | "apps" | "releases" | "rollback" | "ps" | "ps:report", _) => {
                return Err(SshCommandError::Usage(
                    "see `help` for each command's arguments",
                ));
            }
            _ => return Err(refuse()),
        })
    }
}

/// The flags given to a command (`--name`), taken from anywhere among its arguments.
struct Flags<'a>(Vec<&'a str>);

impl<'a> Flags<'a> {
    /// Split `args` into the flags in `known` and the other arguments; any other word that
    /// starts with `-` is refused, naming the flags the command does take.
    fn take(
        command: &str,
        args: &[&'a str],
        known: &[&str],
    ) -> Result<(Flags<'a>, Vec<&'a str>), SshCommandError> {
        let mut flags = Vec::new();
        let mut rest = Vec::new();
        for arg in args {
            if known.contains(arg) {
                flags.push(*arg);
            } else if arg.starts_with('-') && arg.len() > 1 {
                return Err(SshCommandError::UnknownFlag {
                    command: command.to_string(),
                    flag: arg.to_string(),
                    known: match known {
                        [] => "it takes no flags".to_string(),
                        known => format!("it takes {}", known.join(", ")),
                    },
                });
            } else {
                rest.push(*arg);
            }
        }
        Ok((Flags(flags), rest))
    }

    fn has(&self, flag: &str) -> bool {
        self.0.contains(&flag)
    }
}

/// Dokku's `config` commands, with their flags before or after the app.
fn config_command(command: &str, args: &[&str]) -> Result<SshCommand, SshCommandError> {
    let known: &[&str] = match command {
        "config" | "config:show" => &["--reveal", "--merged"],
        "config:get" => &["--quoted", "--merged"],
        "config:keys" => &["--merged"],
        "config:set" => &["--encoded", "--no-restart"],
        _ => &["--no-restart"],
    };
    if args.contains(&"--global") {
        return Err(SshCommandError::UnknownFlag {
            command: command.to_string(),
            flag: "--global".to_string(),
            known: "Wharf has no global config vars: set them on each app".to_string(),
        });
    }
    let (flags, rest) = Flags::take(command, args, known)?;
    let usage = match command {
        "config" | "config:show" => "config:show APP [--reveal]",
        "config:get" => "config:get [--quoted] APP KEY",
        "config:keys" => "config:keys APP",
        "config:set" => "config:set [--encoded] [--no-restart] APP KEY=VALUE...",
        _ => "config:unset [--no-restart] APP KEY...",
    };
    let (app, words) = match rest.as_slice() {
        [app, words @ ..] => (AppName::parse(app)?, words),
        [] => return Err(SshCommandError::Usage(usage)),
    };
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let restart = !flags.has("--no-restart");
    Ok(match (command, words.as_slice()) {
        ("config" | "config:show", []) => SshCommand::ConfigShow {
            app,
            reveal: flags.has("--reveal"),
        },
        ("config:get", [key]) => SshCommand::ConfigGet {
            app,
            key: key.clone(),
            quoted: flags.has("--quoted"),
        },
        ("config:keys", []) => SshCommand::ConfigKeys(app),
        ("config:set", [_, ..]) => SshCommand::ConfigSet {
            app,
            assignments: if flags.has("--encoded") {
                words
                    .iter()
                    .map(|a| decode_assignment(a))
                    .collect::<Result<_, _>>()?
            } else {
                words
            },
            restart,
        },
        ("config:unset", [_, ..]) => SshCommand::ConfigUnset {
            app,
            keys: words,
            restart,
        },
        _ => return Err(SshCommandError::Usage(usage)),
    })
}

/// `run [--no-tty] APP [--detach] [--] CMD...` and `run:detached [--no-tty] APP CMD...`.
fn run_command(command: &str, args: &[&str]) -> Result<SshCommand, SshCommandError> {
    let detached = command == "run:detached";
    let usage = if detached {
        "run:detached [--no-tty] APP CMD..."
    } else {
        "run [--no-tty] APP [--detach] [--] CMD..."
    };
    let (tty, args) = match args {
        ["--no-tty", rest @ ..] => (false, rest),
        rest => (true, rest),
    };
    let [app, rest @ ..] = args else {
        return Err(SshCommandError::Usage(usage));
    };
    if app.starts_with('-') {
        return Err(run_flag(command, app));
    }
    let (detach, rest) = match rest {
        ["--detach" | "-d", rest @ ..] if !detached => (true, rest),
        rest => (detached, rest),
    };
    let rest = match rest {
        ["--", rest @ ..] => rest,
        rest => rest,
    };
    if rest.is_empty() {
        return Err(SshCommandError::Usage(usage));
    }
    Ok(SshCommand::Run {
        app: AppName::parse(app)?,
        command: rest.iter().map(|s| s.to_string()).collect(),
        detach,
        tty,
    })
}

/// Dokku's flags before `run APP`: Wharf's terminal follows `ssh -t`, and a one-off command's
/// extra vars go in its command line.
fn run_flag(command: &str, flag: &str) -> SshCommandError {
    let known = match flag.split('=').next().unwrap_or(flag) {
        "--env" | "-e" => "give the command its vars as `run APP env KEY=VALUE CMD...`",
        _ => "flags go after the app: run APP [--detach] [--] CMD...",
    };
    SshCommandError::UnknownFlag {
        command: command.to_string(),
        flag: flag.to_string(),
        known: known.to_string(),
    }
}

/// `KEY=BASE64` as `KEY=VALUE` (Dokku's `config:set --encoded`).
fn decode_assignment(assignment: &str) -> Result<String, SshCommandError> {
    use base64::Engine;
    let Some((key, encoded)) = assignment.split_once('=') else {
        // Not an assignment at all: left for the usual check, which names the mistake.
        return Ok(assignment.to_string());
    };
    let not = |what| SshCommandError::NotBase64 {
        key: key.to_string(),
        what,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| not("base64"))?;
    let value = String::from_utf8(bytes).map_err(|_| not("base64 of UTF-8 text"))?;
    Ok(format!("{key}={value}"))
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
                assignments: vec!["A=1".into(), "B=two words".into()],
                restart: true,
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
                detach: false,
                tty: true,
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
                formation: vec!["web=2".into(), "worker=0".into()],
                deploy: true,
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
    fn config_set_takes_dokkus_encoded_and_no_restart_flags() {
        // "hello world" and "a=b" in base64.
        for line in [
            "config:set --encoded --no-restart blog A=aGVsbG8gd29ybGQ= B=YT1i",
            "config:set --no-restart blog --encoded A=aGVsbG8gd29ybGQ= B=YT1i",
        ] {
            assert_eq!(
                parse(line),
                Ok(SshCommand::ConfigSet {
                    app: app("blog"),
                    assignments: vec!["A=hello world".into(), "B=a=b".into()],
                    restart: false,
                }),
                "{line}"
            );
        }
        let err = parse("config:set --encoded blog A=not*base64").unwrap_err();
        assert!(
            matches!(&err, SshCommandError::NotBase64 { key, .. } if key == "A"),
            "{err}"
        );
        assert!(err.to_string().contains("base64 -w0"), "{err}");
        // Base64 of bytes that are not UTF-8 text.
        assert!(matches!(
            parse("config:set --encoded blog A=/w=="),
            Err(SshCommandError::NotBase64 { .. })
        ));
        // Without --encoded, values are taken as they are.
        assert_eq!(
            parse("config:set blog A=YT1i"),
            Ok(SshCommand::ConfigSet {
                app: app("blog"),
                assignments: vec!["A=YT1i".into()],
                restart: true,
            })
        );
    }

    #[test]
    fn config_unset_takes_no_restart() {
        assert_eq!(
            parse("config:unset --no-restart blog A B"),
            Ok(SshCommand::ConfigUnset {
                app: app("blog"),
                keys: vec!["A".into(), "B".into()],
                restart: false,
            })
        );
        assert!(matches!(
            parse("config:unset --encoded blog A"),
            Err(SshCommandError::UnknownFlag { .. })
        ));
    }

    #[test]
    fn config_get_keys_and_show_take_dokkus_flags() {
        assert_eq!(
            parse("config:get --quoted blog DATABASE_URL"),
            Ok(SshCommand::ConfigGet {
                app: app("blog"),
                key: "DATABASE_URL".into(),
                quoted: true,
            })
        );
        assert_eq!(
            parse("config:get blog A"),
            Ok(SshCommand::ConfigGet {
                app: app("blog"),
                key: "A".into(),
                quoted: false,
            })
        );
        assert_eq!(
            parse("config:keys --merged blog"),
            Ok(SshCommand::ConfigKeys(app("blog")))
        );
        assert_eq!(
            parse("config:show --merged blog"),
            Ok(SshCommand::ConfigShow {
                app: app("blog"),
                reveal: false,
            })
        );
        assert_eq!(
            parse("config blog --reveal"),
            Ok(SshCommand::ConfigShow {
                app: app("blog"),
                reveal: true,
            })
        );
        for usage in [
            "config:get blog",
            "config:get blog A B",
            "config:keys",
            "config:set blog",
        ] {
            assert!(
                matches!(parse(usage), Err(SshCommandError::Usage(_))),
                "{usage}"
            );
        }
    }

    #[test]
    fn unknown_flags_are_refused_naming_the_known_ones() {
        let err = parse("config:set --shell blog A=1").unwrap_err();
        assert_eq!(
            err,
            SshCommandError::UnknownFlag {
                command: "config:set".into(),
                flag: "--shell".into(),
                known: "it takes --encoded, --no-restart".into(),
            }
        );
        assert!(err.to_string().contains("does not take `--shell`"), "{err}");
        let err = parse("config:set --global A=1").unwrap_err();
        assert!(err.to_string().contains("no global config"), "{err}");
        assert!(matches!(
            parse("ps:scale --parallel blog web=1"),
            Err(SshCommandError::UnknownFlag { .. })
        ));
        let err = parse("run --env A=1 blog ls").unwrap_err();
        assert!(err.to_string().contains("env KEY=VALUE"), "{err}");
    }

    #[test]
    fn ps_scale_takes_skip_deploy() {
        assert_eq!(
            parse("ps:scale --skip-deploy blog web=2"),
            Ok(SshCommand::PsScale {
                app: app("blog"),
                formation: vec!["web=2".into()],
                deploy: false,
            })
        );
        assert!(matches!(
            parse("ps:scale --skip-deploy blog"),
            Err(SshCommandError::Usage(_))
        ));
    }

    #[test]
    fn run_takes_no_tty_and_run_detached() {
        assert_eq!(
            parse("run --no-tty blog ls -l"),
            Ok(SshCommand::Run {
                app: app("blog"),
                command: vec!["ls".into(), "-l".into()],
                detach: false,
                tty: false,
            })
        );
        assert_eq!(
            parse("run:detached blog -- sleep 5"),
            Ok(SshCommand::Run {
                app: app("blog"),
                command: vec!["sleep".into(), "5".into()],
                detach: true,
                tty: true,
            })
        );
        assert!(matches!(
            parse("run:detached blog"),
            Err(SshCommandError::Usage(_))
        ));
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
                domains: vec!["www.blog.example.com".into()]
            })
        );
        assert_eq!(
            parse("domains:remove blog www.blog.example.com blog.example.org"),
            Ok(SshCommand::DomainsChange {
                add: false,
                app: app("blog"),
                domains: vec!["www.blog.example.com".into(), "blog.example.org".into()]
            })
        );
        assert_eq!(
            parse("domains:report blog"),
            Ok(SshCommand::Domains(app("blog")))
        );
        assert_eq!(parse("domains blog"), Ok(SshCommand::Domains(app("blog"))));
        assert!(matches!(
            parse("domains:add blog --force a.example.com"),
            Err(SshCommandError::UnknownFlag { .. })
        ));
        for usage in ["domains:add blog", "domains:remove blog", "domains"] {
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
