//! What is generated from the command line's own definitions, so it can never drift from it:
//! shell completions (`wharf completions SHELL`), man pages (`wharf man DIR`, for packages)
//! and the command reference in markdown (docs/reference/cli.md, rewritten by a test: see
//! [`markdown`]).

#[cfg(test)]
mod markdown;

use crate::args::Cli;
use anyhow::Context;
use clap::CommandFactory;
use std::path::Path;
use std::process::ExitCode;

/// Print the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "wharf", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// Write `wharf.1` and a page for every visible command (`wharf-config-set.1`) into `dir`.
pub fn man_pages(dir: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = 0;
    for (name, command) in visible_commands() {
        let title = name.replace(' ', "-");
        let file = dir.join(format!("{title}.1"));
        let mut page = Vec::new();
        clap_mangen::Man::new(command.clone())
            .title(title)
            .source(concat!("wharf ", env!("CARGO_PKG_VERSION")))
            .manual("Wharf")
            .render(&mut page)
            .with_context(|| format!("rendering the page of {name}"))?;
        std::fs::write(&file, page).with_context(|| format!("writing {}", file.display()))?;
        written += 1;
    }
    println!("wrote {written} man pages into {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Every command a user can type, with its full name (`wharf config set`), the top first
/// and each parent before its subcommands. Hidden ones (run by sshd or git) are left out.
pub fn visible_commands() -> Vec<(String, clap::Command)> {
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    walk("wharf".to_owned(), &root, &mut out);
    out
}

fn walk(name: String, command: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
    out.push((name.clone(), command.clone()));
    for sub in command.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        walk(format!("{name} {}", sub.get_name()), sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_argument_says_what_it_is() {
        let mut missing = Vec::new();
        for (name, command) in visible_commands() {
            if command.get_about().is_none() {
                missing.push(format!("the command `{name}`"));
            }
            for arg in command.get_arguments() {
                if arg.is_hide_set() || ["help", "version"].contains(&arg.get_id().as_str()) {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("`{name}`'s argument `{}`", arg.get_id()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no description (add a doc comment to the variant or field in args.rs):\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn man_pages_and_completions_cover_every_command() {
        let dir = tempfile::tempdir().unwrap();
        man_pages(dir.path()).unwrap();
        let page = std::fs::read_to_string(dir.path().join("wharf-config-set.1")).unwrap();
        assert!(page.contains(".TH wharf-config-set 1"), "{page}");
        assert!(
            page.contains("wharf\\-config\\-set \\- Set config vars"),
            "{page}"
        );
        let pages = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(pages, visible_commands().len());
        assert!(!dir.path().join("wharf-ssh-command.1").exists());

        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            "wharf",
            &mut script,
        );
        let script = String::from_utf8(script).unwrap();
        assert!(script.contains("complete -F _wharf"), "{}", &script[..200]);
        assert!(script.contains("build-plan"));
    }
}
