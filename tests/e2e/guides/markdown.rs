//! A guide read as a test: its fenced blocks become `Step`s, in the order the reader meets them.
//!
//! A ```` ```sh test ```` block is a `Step::Run`; the first ```` ```text ```` block after it
//! (before any other fenced block) is what it prints, `Run::expected`; `wait=SECONDS` and
//! `server=NAME` in its info string are `Run::wait` and `Run::server`. A block whose info
//! string says `file=PATH` (```` ```python file=mysite/views.py ````) is a `Step::Write`.
//! Every other block is prose to the runner. A guide names its apps and services in an HTML
//! comment, `<!-- guide names: blog blog-db -->`, so that the runner can give them names of
//! their own on a shared Docker engine (`names.rs`). A page that starts the server itself (the
//! install page) says so with `<!-- guide daemon: none -->`: the runner then starts none.

use std::time::Duration;

/// One thing the runner does, with the guide's line number of the block's opening fence.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Run(Run),
    Write {
        line: usize,
        path: String,
        text: String,
    },
}

/// A block of shell commands, run by `bash -e`.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub line: usize,
    pub script: String,
    /// What the guide shows it printing, and the line of that block's fence.
    pub expected: Option<(usize, String)>,
    /// `wait=SECONDS`: run it again until its output matches, for that long at most (a
    /// certificate being issued, a cron job's next minute).
    pub wait: Option<Duration>,
    /// `server=NAME`: the server it runs on, for a guide about two (moving from one to
    /// another); `None` is the first.
    pub server: Option<String>,
}

/// A guide: its steps and the names it declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Guide {
    pub steps: Vec<Step>,
    pub names: Vec<String>,
    /// `<!-- guide daemon: none -->`: the page starts the server itself, so the runner must not.
    pub starts_its_server: bool,
}

/// A fenced block as written.
struct Fence {
    line: usize,
    info: Vec<String>,
    text: String,
}

/// What is wrong with a guide's markup, with the line.
#[derive(Debug, PartialEq)]
pub struct MarkupError(pub String);

const NAMES_MARK: &str = "<!-- guide names:";
const DAEMON_MARK: &str = "<!-- guide daemon:";

impl Guide {
    pub fn parse(markdown: &str) -> Result<Guide, MarkupError> {
        let names = markdown
            .lines()
            .find_map(|l| l.trim().strip_prefix(NAMES_MARK))
            .map(|rest| {
                rest.trim_end_matches("-->")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let starts_its_server = match markdown
            .lines()
            .find_map(|l| l.trim().strip_prefix(DAEMON_MARK))
            .map(|rest| rest.trim_end_matches("-->").trim())
        {
            None => false,
            Some("none") => true,
            Some(other) => {
                return Err(MarkupError(format!(
                    "`{DAEMON_MARK} {other} -->`: the only value is `none` (the page starts the server itself); leave the comment out for a daemon started by the runner"
                )));
            }
        };
        let mut steps: Vec<Step> = Vec::new();
        // Whether the last block was a run that may still take its output block.
        let mut awaiting_output = false;
        for fence in fences(markdown)? {
            let file = fence.info.iter().find_map(|w| w.strip_prefix("file="));
            let lang = fence.info.first().map(String::as_str).unwrap_or("");
            if let Some(path) = file {
                steps.push(Step::Write {
                    line: fence.line,
                    path: path.to_string(),
                    text: fence.text,
                });
                awaiting_output = false;
            } else if lang == "sh" && fence.info.iter().any(|w| w == "test") {
                let wait = match fence.info.iter().find_map(|w| w.strip_prefix("wait=")) {
                    Some(secs) => Some(Duration::from_secs(secs.parse().map_err(|_| {
                        MarkupError(format!("line {}: wait={secs} is no number", fence.line))
                    })?)),
                    None => None,
                };
                let server = fence.info.iter().find_map(|w| w.strip_prefix("server="));
                steps.push(Step::Run(Run {
                    line: fence.line,
                    script: fence.text,
                    expected: None,
                    wait,
                    server: server.map(str::to_string),
                }));
                awaiting_output = true;
            } else if lang == "text" && awaiting_output {
                if let Some(Step::Run(run)) = steps.last_mut() {
                    run.expected = Some((fence.line, fence.text));
                }
                awaiting_output = false;
            } else {
                awaiting_output = false;
            }
        }
        Ok(Guide {
            steps,
            names,
            starts_its_server,
        })
    }
}

/// Every fenced block (```` ``` ```` or longer), with its info string split into words.
fn fences(markdown: &str) -> Result<Vec<Fence>, MarkupError> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String, Vec<String>, Vec<&str>)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|c| *c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                let info = trimmed[ticks..].split_whitespace().map(str::to_string);
                open = Some((number, "`".repeat(ticks), info.collect(), Vec::new()));
            }
            None => {}
            Some((_, fence, _, _)) if trimmed.trim_end() == fence.as_str() => {
                let (line, _, info, body) = open.take().unwrap();
                let mut text = body.join("\n");
                text.push('\n');
                found.push(Fence { line, info, text });
            }
            Some((_, _, _, body)) => body.push(line),
        }
    }
    match open {
        Some((line, ..)) => Err(MarkupError(format!(
            "line {line}: this fenced block is never closed"
        ))),
        None => Ok(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = "# A guide
<!-- guide names: blog blog-db -->

```sh
wharf prose-only
```

```sh test
mkdir blog && cd blog
```

Write this:

```python file=mysite/views.py
print(\"hi\")
```

```sh test wait=30 server=new
curl https://blog.example.com/
```

It prints:

```text
Hello
...
```

```text
not an output: a file block came between
```
";

    #[test]
    fn blocks_files_outputs_and_names_in_order() {
        let guide = Guide::parse(GUIDE).unwrap();
        assert_eq!(guide.names, ["blog", "blog-db"]);
        assert_eq!(
            guide.steps,
            [
                Step::Run(Run {
                    line: 8,
                    script: "mkdir blog && cd blog\n".into(),
                    expected: None,
                    wait: None,
                    server: None,
                }),
                Step::Write {
                    line: 14,
                    path: "mysite/views.py".into(),
                    text: "print(\"hi\")\n".into(),
                },
                Step::Run(Run {
                    line: 18,
                    script: "curl https://blog.example.com/\n".into(),
                    expected: Some((24, "Hello\n...\n".into())),
                    wait: Some(Duration::from_secs(30)),
                    server: Some("new".into()),
                }),
            ]
        );
    }

    #[test]
    fn an_output_belongs_only_to_the_run_just_before_it() {
        let guide = Guide::parse("```sh test\na\n```\n```sh\nb\n```\n```text\nc\n```\n").unwrap();
        assert_eq!(
            guide.steps,
            [Step::Run(Run {
                line: 1,
                script: "a\n".into(),
                expected: None,
                wait: None,
                server: None,
            })]
        );
    }

    #[test]
    fn a_page_may_start_its_server_itself() {
        assert!(!Guide::parse(GUIDE).unwrap().starts_its_server);
        let page = "<!-- guide daemon: none -->\n```sh test\nsudo scripts/install.sh\n```\n";
        assert!(Guide::parse(page).unwrap().starts_its_server);
        let wrong = Guide::parse("<!-- guide daemon: mine -->\n").unwrap_err();
        assert!(wrong.0.contains("the only value is `none`"), "{wrong:?}");
    }

    #[test]
    fn longer_fences_hold_shorter_ones_and_an_open_fence_is_an_error() {
        let guide = Guide::parse("````sh test\necho '```'\n````\n").unwrap();
        let Step::Run(run) = &guide.steps[0] else {
            panic!("{guide:?}")
        };
        assert_eq!(run.script, "echo '```'\n");
        assert_eq!(
            Guide::parse("text\n```sh test\necho\n"),
            Err(MarkupError(
                "line 2: this fenced block is never closed".into()
            ))
        );
    }
}
