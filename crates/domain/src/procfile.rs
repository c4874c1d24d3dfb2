//! The Procfile: the processes an app runs, one `name: command` per line.
//!
//! Read the way Heroku and Dokku read it, with two differences: lines Heroku
//! would skip silently (no `:`, a bad name) are errors here, and process
//! names follow Wharf's stricter [`ProcessName`] rule (lowercase letters,
//! digits and `-`, starting with a letter), because they become part of
//! container names. Errors say which line is wrong and suggest a valid name.
//!
//! `web` is the process that receives HTTP traffic. `release` is not a
//! long-running process: it runs once per deploy, before the switch.

use std::collections::HashMap;

use thiserror::Error;

use crate::{NameError, ProcessName};

/// The process that runs once per deploy instead of running continuously.
pub const RELEASE: &str = "release";

/// Longest piece of a line quoted back in an error message, in characters.
const MAX_QUOTED: usize = 80;

/// A parsed Procfile: its processes in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Procfile {
    /// Each process's name and command (trimmed, never empty), in file order.
    /// Names are unique.
    pub processes: Vec<(ProcessName, String)>,
}

impl Procfile {
    /// Parses a Procfile. Blank lines and lines starting with `#` are
    /// skipped; every other line must be `name: command`. Surrounding
    /// whitespace, a byte-order mark and CRLF line endings are tolerated.
    /// The first problem found is returned, naming its line.
    pub fn parse(text: &str) -> Result<Procfile, ProcfileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut processes: Vec<(ProcessName, String)> = Vec::new();
        // Process name -> line it is defined on.
        let mut lines: HashMap<ProcessName, usize> = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let error = |kind| ProcfileError { line, kind };
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let not_a_process = || {
                error(ProcfileErrorKind::NotNameCommand {
                    text: quote(trimmed),
                })
            };
            let Some((raw_name, raw_command)) = trimmed.split_once(':') else {
                return Err(not_a_process());
            };
            let name_text = raw_name.trim();
            // `gunicorn app:app` has no name; its "name" would contain a space.
            if name_text.is_empty() || name_text.chars().any(char::is_whitespace) {
                return Err(not_a_process());
            }
            let name = ProcessName::parse(name_text).map_err(|reason| {
                error(ProcfileErrorKind::BadName {
                    suggestion: rename_suggestion(name_text, &reason),
                    reason,
                })
            })?;
            let command = raw_command.trim();
            if command.is_empty() {
                return Err(error(ProcfileErrorKind::EmptyCommand { name }));
            }
            if let Some(first_line) = lines.get(&name).copied() {
                return Err(error(ProcfileErrorKind::Duplicate { name, first_line }));
            }
            lines.insert(name.clone(), line);
            processes.push((name, command.to_owned()));
        }
        Ok(Procfile { processes })
    }

    /// The command of process `name`, if the Procfile has it.
    pub fn command(&self, name: &str) -> Option<&str> {
        self.processes
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, command)| command.as_str())
    }

    /// The `web` command: the process that receives HTTP traffic.
    pub fn web(&self) -> Option<&str> {
        self.command(crate::WEB)
    }

    /// The `release` command, run once per deploy before the new release
    /// takes traffic.
    pub fn release(&self) -> Option<&str> {
        self.command(RELEASE)
    }

    /// Every process except `release`, in file order: the ones that run
    /// continuously (`web` included).
    pub fn long_running(&self) -> impl Iterator<Item = (&ProcessName, &str)> {
        self.processes
            .iter()
            .filter(|(name, _)| name.as_str() != RELEASE)
            .map(|(name, command)| (name, command.as_str()))
    }
}

/// A problem in a Procfile, tied to the 1-based line it is on.
///
/// Displays as `Procfile line 3: <what is wrong and how to fix it>`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("Procfile line {line}: {kind}")]
pub struct ProcfileError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: ProcfileErrorKind,
}

impl crate::Documented for ProcfileError {
    fn docs(&self) -> Option<crate::DocsLink> {
        Some(crate::docs_link::PROCFILE_ERRORS)
    }
}

/// What is wrong with a Procfile line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProcfileErrorKind {
    /// No `:`, or nothing usable as a name before it.
    #[error(
        "`{text}` is not `name: command`; write a process name, a colon, then the command, e.g. `web: gunicorn mysite.wsgi` (start the line with `#` to make it a comment)"
    )]
    NotNameCommand {
        /// The line (trimmed, shortened if long).
        text: String,
    },
    /// A name Heroku may accept but Wharf does not.
    #[error(
        "{reason}{}. Wharf process names become part of container names, so they are stricter than Heroku's (no `_`, no uppercase, must start with a letter)",
        suggestion.as_ref().map(|s| format!("; rename it to `{s}` (and in app.json `formation`, if listed there)")).unwrap_or_default()
    )]
    BadName {
        /// Why the name was refused.
        reason: NameError,
        /// A valid name close to the given one.
        suggestion: Option<String>,
    },
    /// `name:` with nothing after it.
    #[error("process `{name}` has no command; write it after the colon, e.g. `{name}: ./start.sh`")]
    EmptyCommand {
        /// The process.
        name: ProcessName,
    },
    /// The same name on two lines.
    #[error(
        "process `{name}` is defined twice, on line {first_line} and on this line; keep only one `{name}:` line"
    )]
    Duplicate {
        /// The repeated process.
        name: ProcessName,
        /// Where it was first defined.
        first_line: usize,
    },
}

/// The name to suggest in a "bad name" error, unless `reason` already
/// names it (the uppercase error suggests the lowercase form itself).
pub(crate) fn rename_suggestion(name: &str, reason: &NameError) -> Option<String> {
    if matches!(reason, NameError::Uppercase { .. }) {
        return None;
    }
    suggest_process_name(name)
}

/// A valid process name close to `name` (`worker_1` -> `worker-1`,
/// `Web` -> `web`), or `None` if nothing sensible comes out.
pub(crate) fn suggest_process_name(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_owned();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "p-");
    }
    let mut out: String = out.chars().take(crate::dns_label::MAX_LABEL_LEN).collect();
    while out.ends_with('-') {
        out.pop();
    }
    (out != name && ProcessName::parse(&out).is_ok()).then_some(out)
}

/// `text`, shortened to [`MAX_QUOTED`] characters with `…` if longer.
fn quote(text: &str) -> String {
    if text.chars().count() <= MAX_QUOTED {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_QUOTED).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Procfile {
        Procfile::parse(text).unwrap()
    }

    fn fail(text: &str) -> ProcfileError {
        Procfile::parse(text).unwrap_err()
    }

    fn names(p: &Procfile) -> Vec<&str> {
        p.processes.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn django_example() {
        let p = parse(
            "web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n\
             release: python manage.py migrate --noinput\n\
             worker: celery -A mysite worker\n",
        );
        assert_eq!(names(&p), ["web", "release", "worker"]);
        assert_eq!(p.web(), Some("gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"));
        assert_eq!(p.release(), Some("python manage.py migrate --noinput"));
        assert_eq!(p.command("worker"), Some("celery -A mysite worker"));
        assert_eq!(p.command("clock"), None);
        let long: Vec<(&str, &str)> = p.long_running().map(|(n, c)| (n.as_str(), c)).collect();
        assert_eq!(
            long,
            [
                ("web", "gunicorn mysite.wsgi --bind 0.0.0.0:$PORT"),
                ("worker", "celery -A mysite worker")
            ]
        );
    }

    #[test]
    fn empty_and_comments() {
        assert_eq!(parse(""), Procfile::default());
        assert_eq!(
            parse("\n  \n# web: nope\n   # also a comment\n"),
            Procfile::default()
        );
        let p = parse("# processes\n\nworker: ./work\n");
        assert_eq!(p.web(), None);
        assert_eq!(p.release(), None);
        assert_eq!(p.long_running().count(), 1);
    }

    #[test]
    fn whitespace_crlf_and_bom() {
        let p = parse("\u{feff}  web :   bundle exec puma  \r\n\r\nworker:sidekiq\r\n");
        assert_eq!(p.web(), Some("bundle exec puma"));
        assert_eq!(p.command("worker"), Some("sidekiq"));
        let tabs = parse("web:\tnode server.js\t");
        assert_eq!(tabs.web(), Some("node server.js"));
    }

    #[test]
    fn command_keeps_colons_and_hashes() {
        let p = parse("web: gunicorn app:app --bind 0.0.0.0:$PORT # not a comment");
        assert_eq!(
            p.web(),
            Some("gunicorn app:app --bind 0.0.0.0:$PORT # not a comment")
        );
    }

    #[test]
    fn order_is_kept() {
        let p = parse("z: a\nb: b\nm: c\n");
        assert_eq!(names(&p), ["z", "b", "m"]);
    }

    #[test]
    fn line_without_colon() {
        let e = fail("web: ok\n\nnode server.js\n");
        assert_eq!(e.line, 3);
        assert!(
            e.to_string()
                .starts_with("Procfile line 3: `node server.js` is not `name: command`"),
            "{e}"
        );
        let e = fail("gunicorn app:app");
        assert!(matches!(e.kind, ProcfileErrorKind::NotNameCommand { .. }));
        let e = fail(": ./run");
        assert!(matches!(e.kind, ProcfileErrorKind::NotNameCommand { .. }));
    }

    #[test]
    fn long_lines_are_shortened_in_errors() {
        let line = "x".repeat(500);
        let msg = fail(&line).to_string();
        assert!(msg.contains('…'), "{msg}");
        assert!(msg.len() < 400, "{msg}");
    }

    #[test]
    fn empty_command() {
        let e = fail("web: gunicorn x\nworker:   \n");
        assert_eq!(e.line, 2);
        let msg = e.to_string();
        assert!(msg.contains("process `worker` has no command"), "{msg}");
        assert!(msg.contains("`worker: ./start.sh`"), "{msg}");
    }

    #[test]
    fn duplicate_names_both_lines() {
        let e = fail("web: a\n# c\nworker: b\nweb: c\n");
        assert_eq!(e.line, 4);
        assert!(matches!(
            e.kind,
            ProcfileErrorKind::Duplicate { first_line: 1, .. }
        ));
        let msg = e.to_string();
        assert!(
            msg.starts_with("Procfile line 4: process `web` is defined twice, on line 1"),
            "{msg}"
        );
    }

    #[test]
    fn heroku_names_wharf_refuses() {
        let cases: &[(&str, &str, &str)] = &[
            ("worker_1", "'_'", "worker-1"),
            ("Worker_Low", "'W'", "worker-low"),
            ("1worker", "start with", "p-1worker"),
            ("__init", "'_'", "init"),
            ("my.proc", "'.'", "my-proc"),
            ("job-", "ends with", "job"),
        ];
        for (name, reason, suggestion) in cases {
            let e = fail(&format!("web: x\n{name}: ./run\n"));
            assert_eq!(e.line, 2);
            let msg = e.to_string();
            assert!(msg.starts_with("Procfile line 2: process name"), "{msg}");
            assert!(msg.contains(reason), "{name}: {msg}");
            assert!(
                msg.contains(&format!("rename it to `{suggestion}`")),
                "{name}: {msg}"
            );
            assert!(msg.contains("stricter than Heroku's"), "{msg}");
        }
        let msg = fail("Web: x").to_string();
        assert!(msg.contains("use lowercase: `web`"), "{msg}");
        assert!(!msg.contains("rename it"), "{msg}");
        let long = "a_".repeat(40);
        let msg = fail(&format!("{long}: x")).to_string();
        assert!(msg.contains("at most 63"), "{msg}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest_process_name("worker_1").as_deref(),
            Some("worker-1")
        );
        assert_eq!(suggest_process_name("WEB").as_deref(), Some("web"));
        assert_eq!(suggest_process_name("web"), None);
        assert_eq!(suggest_process_name("___"), None);
        assert_eq!(suggest_process_name("é"), None);
        assert_eq!(
            suggest_process_name("café_worker").as_deref(),
            Some("caf-worker")
        );
        let long = suggest_process_name(&"ab_".repeat(40)).unwrap();
        assert!(long.len() <= 63 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn many_processes() {
        let text: String = (0..20_000).map(|i| format!("p{i}: run {i}\n")).collect();
        let p = parse(&text);
        assert_eq!(p.processes.len(), 20_000);
        assert_eq!(p.command("p19999"), Some("run 19999"));
        let e = fail(&format!("{text}p7: again\n"));
        assert_eq!(e.line, 20_001);
        assert!(matches!(
            e.kind,
            ProcfileErrorKind::Duplicate { first_line: 8, .. }
        ));
    }

    #[test]
    fn release_is_not_long_running() {
        let p = parse("release: ./migrate\n");
        assert_eq!(p.release(), Some("./migrate"));
        assert_eq!(p.long_running().count(), 0);
    }

    #[test]
    fn never_panics() {
        for text in [
            ":",
            "::",
            " : ",
            "a:",
            "a: :",
            "\u{0}: x",
            "é: x",
            "\r",
            "\u{feff}",
            "#",
            "a:\u{feff}",
            "web: ✓",
            "\n\n\n:",
            // Uppercase with no lowercase form: once endless recursion in the name check.
            "ϒ: x",
            "webℂ: x",
            "𝐀pp: x",
        ] {
            let _ = Procfile::parse(text);
        }
    }
}
