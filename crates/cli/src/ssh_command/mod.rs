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
mod tests;
