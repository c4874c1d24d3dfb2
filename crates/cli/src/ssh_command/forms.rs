//! The commands a key may run as Dokku names them ([`FORMS`]), the `wharf` subcommand each
//! one is, and Dokku's flags that `wharf` has no use for ([`DokkuFlag`]); the grammar they are
//! parsed with is the command line's own (`args::Command`), without its global options.

use crate::args::{Command, ServicesArgs};
use clap::Parser;

/// A flag of Dokku's that `wharf`'s own subcommand does not have: taken out of the words before
/// they are parsed, and applied to what was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DokkuFlag {
    /// `--merged`: accepted; Wharf has no global config, so an app's vars are the merged ones.
    Merged,
    /// `config:set --encoded`: the values are base64, decoded after parsing.
    Encoded,
    /// `apps:destroy --force`: the confirmation, as there is no prompt to answer over SSH.
    Force,
}

impl DokkuFlag {
    pub(super) fn name(self) -> &'static str {
        match self {
            DokkuFlag::Merged => "--merged",
            DokkuFlag::Encoded => "--encoded",
            DokkuFlag::Force => "--force",
        }
    }

    /// What it does, for the list of commands.
    pub(super) fn note(self) -> &'static str {
        match self {
            DokkuFlag::Merged => "--merged is accepted",
            DokkuFlag::Encoded => "--encoded: the values are base64",
            DokkuFlag::Force => "--force is required",
        }
    }
}

/// One of Wharf's commands as Dokku names it, and the `wharf` words it stands for.
pub(super) struct Form {
    /// Dokku's name, then the other names it is known by.
    pub(super) names: &'static [&'static str],
    /// The `wharf` subcommand (and any flag the name implies, as `run:detached` does).
    pub(super) wharf: &'static [&'static str],
    /// Dokku's flags it takes besides the subcommand's own.
    pub(super) dokku: &'static [DokkuFlag],
}

const fn form(
    names: &'static [&'static str],
    wharf: &'static [&'static str],
    dokku: &'static [DokkuFlag],
) -> Form {
    Form {
        names,
        wharf,
        dokku,
    }
}

/// The commands a key may run besides git's and `services`: nothing else reaches the grammar.
pub(super) const FORMS: &[Form] = &[
    form(&["apps:list", "apps"], &["apps", "list"], &[]),
    form(&["apps:destroy"], &["apps", "destroy"], &[DokkuFlag::Force]),
    form(
        &["releases", "releases:list", "ps:releases"],
        &["releases"],
        &[],
    ),
    form(&["rollback", "releases:rollback"], &["rollback"], &[]),
    form(
        &["config:show", "config"],
        &["config", "show"],
        &[DokkuFlag::Merged],
    ),
    form(&["config:get"], &["config", "get"], &[DokkuFlag::Merged]),
    form(&["config:keys"], &["config", "keys"], &[DokkuFlag::Merged]),
    form(&["config:set"], &["config", "set"], &[DokkuFlag::Encoded]),
    form(&["config:unset"], &["config", "unset"], &[]),
    form(&["run"], &["run"], &[]),
    form(&["run:detached"], &["run", "--detach"], &[]),
    form(&["ps", "ps:report"], &["ps"], &[]),
    form(&["ps:scale"], &["scale"], &[]),
    form(&["ps:stop"], &["stop"], &[]),
    form(&["ps:start"], &["start"], &[]),
    form(&["ps:restart"], &["restart"], &[]),
    form(&["domains", "domains:report"], &["domains", "list"], &[]),
    form(&["domains:add"], &["domains", "add"], &[]),
    form(&["domains:remove"], &["domains", "remove"], &[]),
    form(
        &["storage:list", "storage:report"],
        &["storage", "list"],
        &[],
    ),
    form(&["storage:mount"], &["storage", "mount"], &[]),
    form(&["storage:unmount"], &["storage", "unmount"], &[]),
];

/// What Dokku's database plugins call their commands, and the `wharf services` subcommand each
/// one is.
pub(super) const DOKKU_SERVICE_COMMANDS: &[&str] = &[
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

/// `wharf`'s subcommands without its global options, which over SSH are the forced command's.
#[derive(Parser, Debug)]
#[command(
    name = "wharf",
    disable_help_subcommand = true,
    args_override_self = true
)]
pub(super) struct Grammar {
    #[command(subcommand)]
    pub(super) command: Command,
}

/// `wharf services` arguments, parsed by the command line's grammar.
#[derive(Parser, Debug)]
#[command(name = "services", args_override_self = true)]
struct ServicesGrammar {
    #[command(flatten)]
    args: ServicesArgs,
}

/// The arguments of `wharf services` that [`super::SshCommand::Services`] holds.
pub(crate) fn services_args(words: &[String]) -> Result<ServicesArgs, clap::Error> {
    let words = std::iter::once("services").chain(words.iter().map(String::as_str));
    ServicesGrammar::try_parse_from(words).map(|parsed| parsed.args)
}
