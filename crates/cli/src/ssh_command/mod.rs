//! What a key may run over SSH. sshd hands the client's command line over in
//! `SSH_ORIGINAL_COMMAND`; it is split into words here (`shlex`: quotes as `sh` reads them, but
//! no expansion of any kind, and never run by a shell) and must be git's push or fetch, or one
//! of Wharf's commands as Dokku users type them (`config:set APP K=V`, ...). Anything else is
//! refused.
//!
//! Those commands are parsed by the command line's own grammar (`args::Command`, clap), so
//! their arguments, their checks and their usage text are `wharf`'s: each Dokku name is the
//! `wharf` subcommand a [`Form`] says, Dokku's flags that `wharf` has no use for
//! ([`DokkuFlag`]) are taken out first, and what clap parsed becomes an [`SshCommand`]. The
//! options of `wharf` itself (`--data-dir`, `--server`, ...) are the forced command's, never the
//! client's: the grammar used here has none.

mod forms;
mod usage;

pub(crate) use forms::services_args;
pub use usage::allowed;

use crate::args::{
    AppsArgs, AppsCommand, Command, ConfigCommand, DomainsCommand, RunArgs, StorageCommand,
};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use forms::{DOKKU_SERVICE_COMMANDS, DokkuFlag, FORMS, Form, Grammar};
use usage::{refusal, subcommand, usage_of};
use wharf_api::LifecycleAction;
use wharf_domain::{
    AppName, DomainName, MountSelector, MountSpec, NameError, ProcessName, ProcessScale,
    ReleaseVersion,
};

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
        version: Option<ReleaseVersion>,
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
        action: LifecycleAction,
        app: AppName,
        process: Option<ProcessName>,
    },
    /// `ps:scale [--skip-deploy] APP web=2 worker=1` (`deploy: false`: stored for the next
    /// deploy).
    PsScale {
        app: AppName,
        formation: Vec<ProcessScale>,
        deploy: bool,
    },
    /// `domains APP` (alias: `domains:report APP`): the app's domains.
    Domains(AppName),
    /// `domains:add APP DOMAIN...` and `domains:remove APP DOMAIN...` (the action, its targets).
    DomainsChange {
        change: DomainChange,
        app: AppName,
        domains: Vec<DomainName>,
    },
    /// `storage:list APP` (alias: `storage:report APP`): the app's storage mounts.
    StorageList(AppName),
    /// `storage:mount APP SOURCE:/path[:ro]`.
    StorageMount {
        app: AppName,
        mount: MountSpec,
    },
    /// `storage:unmount APP SOURCE:/path` (or `/path`).
    StorageUnmount {
        app: AppName,
        mount: MountSelector,
    },
    /// `services[:SUBCOMMAND] ARGS...`, or Dokku's `postgres:create NAME` and friends: the
    /// arguments of `wharf services`, already checked by its grammar ([`services_args`]).
    Services(Vec<String>),
}

/// Whether `domains:add` or `domains:remove` was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainChange {
    Add,
    Remove,
}

/// Why a command line is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SshCommandError {
    #[error("command not allowed: `{0}`\nallowed commands:\n{list}", list = allowed())]
    NotAllowed(String),
    #[error("usage: {0}")]
    Usage(String),
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
    /// A value the command line's grammar refused (a domain, a process name, a release...),
    /// in the words of the type that refused it.
    #[error("{command}: {message}")]
    Invalid { command: String, message: String },
}

impl SshCommand {
    /// Parse `SSH_ORIGINAL_COMMAND` (`None`: the client asked for no command, i.e. a shell).
    pub fn parse(original: Option<&str>) -> Result<SshCommand, SshCommandError> {
        let Some(original) = original else {
            return Ok(SshCommand::Help);
        };
        let words = split_words(original)?;
        let refuse = || SshCommandError::NotAllowed(shown(original));
        let (first, rest) = match words.as_slice() {
            [] => return Ok(SshCommand::Help),
            [git, sub, rest @ ..] if git == "git" => (format!("git-{sub}"), rest),
            [first, rest @ ..] => (first.clone(), rest),
        };
        match (first.as_str(), rest) {
            ("git-receive-pack", [repo]) => return Ok(SshCommand::ReceivePack(repo_app(repo)?)),
            ("git-upload-pack", [repo]) => return Ok(SshCommand::UploadPack(repo_app(repo)?)),
            ("git-receive-pack" | "git-upload-pack", _) => {
                return Err(SshCommandError::Usage("git-receive-pack 'APP'".to_string()));
            }
            ("help" | "--help" | "-h", _) => return Ok(SshCommand::Help),
            _ => {}
        }
        if let Some(service_words) = service_words(&first, rest) {
            let Some(service_words) = service_words else {
                return Err(refuse());
            };
            return match services_args(&service_words) {
                Ok(_) => Ok(SshCommand::Services(service_words)),
                Err(err) if err.kind() == ErrorKind::InvalidSubcommand => Err(refuse()),
                Err(err) => {
                    // Named as `wharf services` names it: Dokku's spellings change the words.
                    let grammar = Grammar::command();
                    let path =
                        std::iter::once("services").chain(service_words.iter().map(String::as_str));
                    let (sub, walked) = subcommand(&grammar, path);
                    Err(refusal(&walked.join(" "), sub, &[], &[], err))
                }
            };
        }
        let form = FORMS
            .iter()
            .find(|form| form.names.contains(&first.as_str()))
            .ok_or_else(refuse)?;
        let (words, dokku) = take_dokku_flags(&first, form, rest)?;
        let argv = std::iter::once("wharf")
            .chain(form.wharf.iter().copied())
            .chain(words.iter().map(String::as_str));
        let command = match Grammar::try_parse_from(argv) {
            Ok(parsed) => parsed.command,
            Err(err) => {
                let grammar = Grammar::command();
                let (sub, _) = subcommand(&grammar, form.wharf.iter().copied());
                return Err(refusal(&first, sub, form.dokku, form.wharf, err));
            }
        };
        from_command(command, &first, form, &dokku).ok_or_else(refuse)?
    }
}

/// Take Dokku's flags that the form knows out of `args` (before any `--`), and refuse
/// `--global`, which Dokku's config commands have and Wharf has no use for.
fn take_dokku_flags(
    command: &str,
    form: &Form,
    args: &[String],
) -> Result<(Vec<String>, Vec<DokkuFlag>), SshCommandError> {
    let mut words = Vec::new();
    let mut taken = Vec::new();
    let mut flags_end = false;
    for arg in args {
        flags_end |= arg == "--";
        if flags_end {
            words.push(arg.clone());
        } else if let Some(flag) = form.dokku.iter().find(|f| f.name() == arg) {
            taken.push(*flag);
        } else if arg == "--global" && form.wharf.first() == Some(&"config") {
            return Err(SshCommandError::UnknownFlag {
                command: command.to_string(),
                flag: arg.clone(),
                known: "Wharf has no global config vars: set them on each app".to_string(),
            });
        } else {
            words.push(arg.clone());
        }
    }
    Ok((words, taken))
}

/// What the grammar parsed, as the command a key runs, with Dokku's flags applied; `None` for
/// a subcommand the form does not stand for (which no form's words can reach).
fn from_command(
    command: Command,
    typed: &str,
    form: &Form,
    dokku: &[DokkuFlag],
) -> Option<Result<SshCommand, SshCommandError>> {
    let lifecycle = |action, app, process| SshCommand::PsLifecycle {
        action,
        app,
        process,
    };
    Some(Ok(match command {
        Command::Apps(AppsArgs {
            command: Some(AppsCommand::List),
        }) => SshCommand::AppsList,
        Command::Apps(AppsArgs {
            command: Some(AppsCommand::Destroy { app, confirm }),
        }) => {
            let confirmed =
                dokku.contains(&DokkuFlag::Force) || confirm.as_deref() == Some(app.as_str());
            if !confirmed {
                let grammar = Grammar::command();
                let (sub, _) = subcommand(&grammar, form.wharf.iter().copied());
                return Some(Err(SshCommandError::Usage(format!(
                    "{} (the app and its releases are removed)",
                    usage_of(sub, typed, form.dokku, form.wharf)
                ))));
            }
            SshCommand::AppsDestroy(app)
        }
        Command::Releases { app } => SshCommand::Releases(app),
        Command::Rollback { app, version } => SshCommand::Rollback { app, version },
        Command::Config { command } => match command {
            ConfigCommand::Show { app, reveal } => SshCommand::ConfigShow { app, reveal },
            ConfigCommand::Get { app, key, quoted } => SshCommand::ConfigGet { app, key, quoted },
            ConfigCommand::Keys { app } => SshCommand::ConfigKeys(app),
            ConfigCommand::Set {
                app,
                assignments,
                no_restart,
            } => {
                let assignments = if dokku.contains(&DokkuFlag::Encoded) {
                    match assignments.iter().map(|a| decode_assignment(a)).collect() {
                        Ok(decoded) => decoded,
                        Err(err) => return Some(Err(err)),
                    }
                } else {
                    assignments
                };
                SshCommand::ConfigSet {
                    app,
                    assignments,
                    restart: !no_restart,
                }
            }
            ConfigCommand::Unset {
                app,
                keys,
                no_restart,
            } => SshCommand::ConfigUnset {
                app,
                keys,
                restart: !no_restart,
            },
        },
        Command::Run(RunArgs {
            app,
            detach,
            no_tty,
            command,
        }) => SshCommand::Run {
            app,
            command,
            detach,
            tty: !no_tty,
        },
        Command::Ps { app } => SshCommand::Ps(app),
        Command::Scale {
            app,
            formation,
            skip_deploy,
        } => SshCommand::PsScale {
            app,
            formation,
            deploy: !skip_deploy,
        },
        Command::Stop { app, process } => lifecycle(LifecycleAction::Stop, app, process),
        Command::Start { app, process } => lifecycle(LifecycleAction::Start, app, process),
        Command::Restart { app, process } => lifecycle(LifecycleAction::Restart, app, process),
        Command::Domains { command } => match command {
            DomainsCommand::List { app } => SshCommand::Domains(app),
            DomainsCommand::Add { app, domains } => SshCommand::DomainsChange {
                change: DomainChange::Add,
                app,
                domains,
            },
            DomainsCommand::Remove { app, domains } => SshCommand::DomainsChange {
                change: DomainChange::Remove,
                app,
                domains,
            },
        },
        Command::Storage { command } => match command {
            StorageCommand::List { app } => SshCommand::StorageList(app),
            StorageCommand::Mount { app, mount } => SshCommand::StorageMount { app, mount },
            StorageCommand::Unmount { app, mount } => SshCommand::StorageUnmount { app, mount },
        },
        _ => return None,
    }))
}

/// The `wharf services` words of `services[:SUBCOMMAND] ARGS` and of Dokku's `KIND:COMMAND
/// ARGS` (`postgres:create db`, `redis:destroy cache --force`); `None` when `command` is
/// neither, `Some(None)` for a database plugin's command that Wharf does not have.
fn service_words(command: &str, args: &[String]) -> Option<Option<Vec<String>>> {
    if command == "services" {
        return Some(Some(args.to_vec()));
    }
    if let Some(sub) = command.strip_prefix("services:") {
        return Some(Some([&[sub.to_string()], args].concat()));
    }
    let (kind, sub) = command.split_once(':')?;
    wharf_domain::ServiceKind::parse(kind).ok()?;
    if !DOKKU_SERVICE_COMMANDS.contains(&sub) {
        return Some(None);
    }
    let words = match (sub, args) {
        ("create", _) => [&[sub.to_string(), kind.to_string()], args].concat(),
        // Dokku's `--force` skips the question, as `--confirm NAME` does here.
        ("destroy", [name, force]) if force == "--force" || force == "-f" => vec![
            "destroy".to_string(),
            name.clone(),
            "--confirm".to_string(),
            name.clone(),
        ],
        _ => [&[sub.to_string()], args].concat(),
    };
    Some(Some(words))
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

/// Split a command line into words the way `sh` would, without expanding anything (`shlex`):
/// single quotes keep everything, double quotes and backslashes escape, whitespace separates,
/// and a word starting with `#` begins a comment.
pub fn split_words(line: &str) -> Result<Vec<String>, SshCommandError> {
    shlex::split(line).ok_or(SshCommandError::Quote)
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
                version: Some("v2".parse().unwrap())
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
                formation: vec!["web=2".parse().unwrap(), "worker=0".parse().unwrap()],
                deploy: true,
            })
        );
        assert!(matches!(
            parse("ps:scale blog"),
            Err(SshCommandError::Usage(_))
        ));
        // A bad pair is refused by the one PROCESS=COUNT parser, naming the pair.
        for (pair, needle) in [
            ("web=lots", "`web=lots`: the count must be a whole number"),
            ("web", "`web` is not PROCESS=COUNT"),
            ("web=1000", "`web=1000`: a process can have at most"),
        ] {
            let err = parse(&format!("ps:scale blog {pair}")).unwrap_err();
            assert!(
                matches!(err, SshCommandError::Invalid { .. }),
                "{pair}: {err:?}"
            );
            assert!(err.to_string().contains(needle), "{pair}: {err}");
        }
        assert_eq!(
            parse("ps:restart blog web"),
            Ok(SshCommand::PsLifecycle {
                action: LifecycleAction::Restart,
                app: app("blog"),
                process: Some("web".parse().unwrap())
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
                formation: vec!["web=2".parse().unwrap()],
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
                change: DomainChange::Add,
                app: app("blog"),
                domains: vec!["www.blog.example.com".parse().unwrap()]
            })
        );
        assert_eq!(
            parse("domains:remove blog www.blog.example.com blog.example.org"),
            Ok(SshCommand::DomainsChange {
                change: DomainChange::Remove,
                app: app("blog"),
                domains: vec![
                    "www.blog.example.com".parse().unwrap(),
                    "blog.example.org".parse().unwrap()
                ]
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
                mount: "/var/lib/dokku/data/storage/blog:/app/storage"
                    .parse()
                    .unwrap()
            })
        );
        assert_eq!(
            parse("storage:unmount blog 'media:/app/media'"),
            Ok(SshCommand::StorageUnmount {
                app: app("blog"),
                mount: "media:/app/media".parse().unwrap()
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
    fn only_the_listed_commands_reach_the_grammar() {
        for line in [
            "server",
            "init",
            "keys list",
            "tokens create x",
            "deploy .",
            "push http://x",
            "logs blog",
            "certs",
            "limits set blog web --memory 1g",
            "cron blog",
            "ssh-command other",
            "git-hook blog",
            "scale blog web=2",
            "apps:frobnicate",
            "services:frobnicate db",
        ] {
            assert!(
                matches!(parse(line), Err(SshCommandError::NotAllowed(_))),
                "{line}: {:?}",
                parse(line)
            );
        }
        // The command line's own options belong to the forced command, not to the client.
        for line in [
            "ps --data-dir /tmp blog",
            "ps blog --server http://example.com",
            "apps:list --token x",
            "services --json",
        ] {
            assert!(
                matches!(parse(line), Err(SshCommandError::UnknownFlag { .. })),
                "{line}: {:?}",
                parse(line)
            );
        }
    }

    #[test]
    fn usage_and_help_come_from_the_command_lines_grammar() {
        let err = parse("config:set blog").unwrap_err().to_string();
        assert_eq!(
            err,
            "usage: config:set [--encoded] [--no-restart] APP KEY=VALUE... (<KEY=VALUE>... is missing)"
        );
        let err = parse("services link db").unwrap_err().to_string();
        assert_eq!(err, "usage: services link NAME APP (<APP> is missing)");
        let list = allowed();
        for form in FORMS {
            assert!(
                list.contains(&format!("\n  {} ", form.names[0]))
                    || list.contains(&format!("\n  {}\n", form.names[0])),
                "{}",
                form.names[0]
            );
        }
        // Each line says what `wharf`'s own subcommand says it does.
        assert!(list.contains("ps:scale [--skip-deploy] APP PROCESS=COUNT...\n      Set how many containers run each process\n"), "{list}");
        assert!(
            list.contains("config:get [--merged] [--quoted] APP KEY\n"),
            "{list}"
        );
    }

    #[test]
    fn values_are_parsed_into_their_types_with_their_messages() {
        let invalid = |line: &str| match parse(line) {
            Err(SshCommandError::Invalid { message, .. }) => message,
            other => panic!("{line}: {other:?}"),
        };
        let domain = DomainName::parse("http://x.example.com").unwrap_err();
        assert!(invalid("domains:add blog http://x.example.com").contains(&domain.to_string()));
        let process = ProcessName::parse("Web").unwrap_err();
        assert!(invalid("ps:restart blog Web").contains(&process.to_string()));
        assert!(invalid("rollback blog latest").contains("`latest` is not a release"));
        let service = wharf_domain::ServiceName::parse("Bad_x").unwrap_err();
        assert!(invalid("services:link Bad_x blog").contains(&service.to_string()));
        assert!(invalid("redis:create wharf-cache").contains("reserved"));
        assert_eq!(
            parse("domains:add blog WWW.Blog.Example.com."),
            Ok(SshCommand::DomainsChange {
                change: DomainChange::Add,
                app: app("blog"),
                domains: vec![DomainName::parse("www.blog.example.com").unwrap()],
            })
        );
        assert_eq!(
            parse("rollback blog 3"),
            Ok(SshCommand::Rollback {
                app: app("blog"),
                version: ReleaseVersion::new(3),
            })
        );
    }

    #[test]
    fn dokku_flags_end_where_the_command_begins() {
        assert_eq!(
            parse("run blog -- echo --force --merged --global"),
            Ok(SshCommand::Run {
                app: app("blog"),
                command: ["echo", "--force", "--merged", "--global"]
                    .map(String::from)
                    .to_vec(),
                detach: false,
                tty: true,
            })
        );
        assert_eq!(
            parse("apps:destroy blog --confirm blog"),
            Ok(SshCommand::AppsDestroy(app("blog")))
        );
        assert!(matches!(
            parse("apps:destroy blog --confirm other"),
            Err(SshCommandError::Usage(_))
        ));
    }

    #[test]
    fn words_split_like_sh_without_expansion() {
        assert_eq!(
            split_words(r#"a 'b c' "d \"e\" $HOME" f\ g ''"#).unwrap(),
            vec!["a", "b c", "d \"e\" $HOME", "f g", ""]
        );
    }
}
