//! Usage text and refusals in the command line's words: each form's usage and what it does
//! come from the grammar (`clap`'s arguments and `about`), and clap's errors become
//! [`SshCommandError`]s that name the command as it was typed.

use super::SshCommandError;
use super::forms::{DokkuFlag, FORMS, Grammar};
use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use wharf_domain::NameError;

/// The commands a key may run, for `help` and the refusal message: git's, then each form's
/// usage and what it does, both from the command line's grammar.
pub fn allowed() -> String {
    let mut out = String::from(
        "  git push wharf@HOST:APP BRANCH
      build and deploy APP (created on its first push)
  git clone/fetch wharf@HOST:APP
      read the pushed code back\n",
    );
    let grammar = Grammar::command();
    for form in FORMS {
        let (sub, _) = subcommand(&grammar, form.wharf.iter().copied());
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        // The first sentence, without the `wharf` example that may follow it.
        let about = about.lines().next().unwrap_or_default();
        let about = about.split(": `wharf ").next().unwrap_or_default();
        let mut about = about.trim_end_matches(['.', ' ']).to_string();
        let mut notes: Vec<String> = form.dokku.iter().map(|f| f.note().to_string()).collect();
        if let [_, aliases @ ..] = form.names
            && !aliases.is_empty()
        {
            notes.push(format!("also {}", aliases.join(", ")));
        }
        if !notes.is_empty() {
            about = format!("{about} ({})", notes.join("; "));
        }
        let usage = usage_of(sub, form.names[0], form.dokku, form.wharf);
        out.push_str(&format!("  {usage}\n      {about}\n"));
    }
    out.push_str(
        "  services[:COMMAND] ARGS...
      databases, as `wharf services COMMAND ARGS` (also Dokku's postgres:create NAME,
      redis:link NAME APP, mysql:destroy NAME --force, ...)
  help
      this list",
    );
    out
}

/// The subcommand of `grammar` that `words` name, as far as they name one (flags among them
/// are skipped), and the names on the way.
pub(super) fn subcommand<'a, 'w>(
    grammar: &'a clap::Command,
    words: impl IntoIterator<Item = &'w str>,
) -> (&'a clap::Command, Vec<&'a str>) {
    let mut sub = grammar;
    let mut walked = Vec::new();
    for word in words.into_iter().filter(|w| !w.starts_with('-')) {
        match sub.find_subcommand(word) {
            Some(found) => {
                sub = found;
                walked.push(found.get_name());
            }
            None => break,
        }
    }
    (sub, walked)
}

/// The long flags a subcommand takes under a Dokku name: Dokku's and its own (without those
/// the name implies), sorted.
pub(super) fn flags_of(sub: &clap::Command, dokku: &[DokkuFlag], implied: &[&str]) -> Vec<String> {
    let mut flags: Vec<String> = dokku.iter().map(|f| f.name().to_string()).collect();
    for arg in sub.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        let flag = format!("--{long}");
        if arg.is_positional() || arg.is_hide_set() || implied.contains(&flag.as_str()) {
            continue;
        }
        if arg.get_action().takes_values() {
            flags.push(format!("{flag} {}", value_name(arg)));
        } else {
            flags.push(flag);
        }
    }
    flags.sort();
    flags
}

/// `config:set [--encoded] [--no-restart] APP KEY=VALUE...`: a subcommand's usage under the
/// name it was typed as, from the grammar.
pub(super) fn usage_of(
    sub: &clap::Command,
    typed: &str,
    dokku: &[DokkuFlag],
    implied: &[&str],
) -> String {
    let mut words = vec![typed.to_string()];
    words.extend(
        flags_of(sub, dokku, implied)
            .into_iter()
            .map(|f| format!("[{f}]")),
    );
    if sub.has_subcommands() {
        words.push("COMMAND".to_string());
    }
    for arg in sub.get_arguments().filter(|a| a.is_positional()) {
        let mut word = value_name(arg);
        if matches!(arg.get_action(), clap::ArgAction::Append) {
            word.push_str("...");
        }
        if !arg.is_required_set() {
            word = format!("[{word}]");
        }
        words.push(word);
    }
    words.join(" ")
}

fn value_name(arg: &clap::Arg) -> String {
    match arg.get_value_names() {
        Some([name, ..]) => name.to_string(),
        _ => arg.get_id().as_str().to_uppercase(),
    }
}

/// The flag or word clap refused, if it named one.
fn invalid_arg(err: &clap::Error) -> Option<String> {
    match err.get(ContextKind::InvalidArg)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        _ => None,
    }
}

/// Why the grammar refused the arguments of `sub`, typed as `typed`, in those terms.
pub(super) fn refusal(
    typed: &str,
    sub: &clap::Command,
    dokku: &[DokkuFlag],
    implied: &[&str],
    err: clap::Error,
) -> SshCommandError {
    let usage = usage_of(sub, typed, dokku, implied);
    match err.kind() {
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => invalid_value(typed, &err),
        ErrorKind::UnknownArgument => match invalid_arg(&err) {
            Some(flag) if flag.starts_with('-') && flag.len() > 1 => {
                let flag = flag.split('=').next().unwrap_or(&flag).to_string();
                let known = if sub.get_name() == "run" && (flag == "--env" || flag == "-e") {
                    "give the command its vars as `run APP env KEY=VALUE CMD...`".to_string()
                } else {
                    match flags_of(sub, dokku, implied).as_slice() {
                        [] => "it takes no flags".to_string(),
                        known => format!("it takes {}", known.join(", ")),
                    }
                };
                SshCommandError::UnknownFlag {
                    command: typed.to_string(),
                    flag,
                    known,
                }
            }
            Some(word) => SshCommandError::Usage(format!("{usage} (`{word}` is one too many)")),
            None => SshCommandError::Usage(usage),
        },
        ErrorKind::MissingRequiredArgument | ErrorKind::MissingSubcommand => {
            match invalid_arg(&err) {
                Some(missing) => SshCommandError::Usage(format!("{usage} ({missing} is missing)")),
                None => SshCommandError::Usage(usage),
            }
        }
        _ => SshCommandError::Usage(format!("{usage} ({})", clap_message(&err))),
    }
}

/// A value refused by its type: an app name as [`SshCommandError::App`], others as the
/// command line says it (`invalid value 'Web' for '[PROCESS]': process name ...`).
pub(super) fn invalid_value(typed: &str, err: &clap::Error) -> SshCommandError {
    let is_app = invalid_arg(err).is_some_and(|arg| arg.contains("<APP>"));
    let name = std::error::Error::source(err).and_then(|s| s.downcast_ref::<NameError>());
    match name {
        Some(name) if is_app => SshCommandError::App(name.clone()),
        _ => SshCommandError::Invalid {
            command: typed.to_string(),
            message: clap_message(err),
        },
    }
}

/// Clap's first line, without its `error: `.
fn clap_message(err: &clap::Error) -> String {
    let text = err.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.trim_start_matches("error: ")
        .trim_end_matches(':')
        .to_string()
}
