//! The command reference in markdown, docs/reference/cli.md: for each command a user can
//! type, what it does, its usage and every argument with its default, choices and
//! environment variable. A test writes it, so the published file is always current.

use super::visible_commands;
use std::fmt::Write as _;
use std::path::Path;

/// The command reference in markdown: each command's description, usage and options.
fn markdown() -> String {
    let mut out = String::from(
        "# Command reference\n\n\
         Generated from `wharf`'s own definitions (a test rewrites this file when they change),\n\
         so it is exactly what `wharf COMMAND --help` prints. Options marked *global* work with\n\
         every command.\n",
    );
    let commands = visible_commands();
    out.push_str("\n## Commands\n\n");
    for (name, command) in &commands[1..] {
        let about = command
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- [`{name}`](#{}): {}",
            anchor(name),
            sentence(&about.replace('\n', " "))
        );
    }
    for (name, command) in &commands {
        section(&mut out, name, command);
    }
    out
}

fn section(out: &mut String, name: &str, command: &clap::Command) {
    let _ = write!(out, "\n## {name}\n\n");
    if let Some(about) = command.get_long_about().or(command.get_about()) {
        let _ = writeln!(out, "{}\n", sentence(&about.to_string()));
    }
    let mut command = command.clone();
    let usage = command.render_usage().to_string();
    let _ = writeln!(out, "```text\n{}\n```", usage.trim_start_matches("Usage: "));
    let arguments: Vec<&clap::Arg> = command
        .get_arguments()
        .filter(|arg| !arg.is_hide_set() && arg.get_id() != "help" && arg.get_id() != "version")
        .filter(|arg| name == "wharf" || !arg.is_global_set())
        .collect();
    if arguments.is_empty() {
        return;
    }
    out.push_str("\n| argument | what it is |\n| --- | --- |\n");
    for arg in arguments {
        let _ = writeln!(out, "| `{}` | {} |", written(arg), described(arg));
    }
}

/// How an argument is written: `--app <APP>`, `-f, --follow`, `<APP>`.
fn written(arg: &clap::Arg) -> String {
    let value = || {
        arg.get_value_names()
            .map(|names| {
                names
                    .iter()
                    .map(|n| format!("<{n}>"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()))
    };
    let takes_value = arg.get_action().takes_values();
    match (arg.get_short(), arg.get_long()) {
        (None, None) => {
            let value = value();
            if arg.is_required_set() {
                value
            } else {
                format!("[{}]", value.trim_matches(['<', '>']))
            }
        }
        (short, Some(long)) => {
            let mut text = short.map(|s| format!("-{s}, ")).unwrap_or_default();
            text.push_str(&format!("--{long}"));
            if takes_value {
                text.push(' ');
                text.push_str(&value());
            }
            text
        }
        (Some(short), None) => format!("-{short}"),
    }
}

/// Its help, then its default, choices, environment variable and whether it is global.
fn described(arg: &clap::Arg) -> String {
    let mut text = sentence(
        &arg.get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default()
            .replace('\n', " ")
            .replace('|', "\\|"),
    );
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        let _ = write!(text, " Default: `{}`.", defaults.join(" "));
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| format!("`{}`", v.get_name()))
        .collect();
    if !choices.is_empty() && arg.get_action().takes_values() {
        let _ = write!(text, " One of {}.", choices.join(", "));
    }
    if let Some(env) = arg.get_env() {
        let _ = write!(text, " Environment: `{}`.", env.to_string_lossy());
    }
    if arg.is_global_set() {
        text.push_str(" *Global.*");
    }
    text.trim().to_owned()
}

/// GitHub's anchor for a heading.
fn anchor(heading: &str) -> String {
    heading.to_lowercase().replace(' ', "-")
}

/// `text` ending with a full stop (clap drops the one a one-line doc comment ends with).
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() || text.ends_with(['.', ':', '?', '!']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rewrites docs/reference/cli.md from the definitions and fails once when it changed,
    /// so the committed reference is always the current one.
    #[test]
    fn the_published_command_reference_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reference/cli.md");
        let wanted = markdown();
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        if published != wanted {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &wanted).unwrap();
            panic!("docs/reference/cli.md was out of date and has been rewritten: commit it");
        }
    }
}
