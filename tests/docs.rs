#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The documentation holds together: every markdown page under docs/ is reachable from the
//! site's table of contents (docs/SUMMARY.md), and every relative link in docs/ and README.md
//! (and every `{{#include}}` of the site) names a file that exists, and a heading of it when it
//! names one (`dockerfile-config.md#port`). Links with a scheme (`https:`) or an absolute path
//! are not followed; links inside code (fenced blocks, `spans`) are not links.
//!
//! The markdown is read by a small scanner rather than a full parser: the docs use inline
//! links `[text](target)`, reference definitions `[name]: target` and ATX headings (`## Title`),
//! and nothing here needs more.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.md` file under `dir`, sorted.
fn markdown_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|err| panic!("{dir:?}: {err}")) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A markdown file's lines outside fenced code blocks, with their line numbers, inline code
/// spans blanked out.
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut fence: Option<&str> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let opener = ["```", "~~~"]
            .into_iter()
            .find(|marker| trimmed.starts_with(marker));
        match (fence, opener) {
            (None, Some(marker)) => fence = Some(marker),
            (Some(open), Some(marker)) if open == marker => fence = None,
            (None, None) => lines.push((index + 1, without_code_spans(line))),
            _ => {}
        }
    }
    lines
}

fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else {
            out.push(if in_code { ' ' } else { c });
        }
    }
    out
}

/// The targets of a line's links: inline `](target)`, a reference definition, an include.
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = match after.strip_prefix('<') {
            Some(bracketed) => bracketed.split('>').next().unwrap_or_default(),
            None => after[..end].split_whitespace().next().unwrap_or_default(),
        };
        targets.push(target.to_string());
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some((label, target)) = trimmed.split_once("]: ")
        && !label.contains(']')
    {
        targets.push(
            target
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
        );
    }
    if let Some(include) = trimmed.strip_prefix("{{#include ") {
        targets.push(include.trim_end_matches("}}").trim().to_string());
    }
    targets
}

/// The anchors of a markdown file's headings, as mdBook (and GitHub) make them.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    for (_, line) in prose_lines_keeping_code(text) {
        let Some(heading) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let text = link_texts(heading.trim());
        let id: String = text
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
                c if c.is_whitespace() => Some('-'),
                _ => None,
            })
            .collect();
        let count = seen.entry(id.clone()).or_insert(0);
        anchors.insert(if *count == 0 {
            id.clone()
        } else {
            format!("{id}-{count}")
        });
        *count += 1;
    }
    anchors
}

/// Lines outside fences, code spans kept (a heading's id is made from its code's text too).
fn prose_lines_keeping_code(text: &str) -> Vec<(usize, String)> {
    let blanked = prose_lines(text);
    let lines: Vec<&str> = text.lines().collect();
    blanked
        .into_iter()
        .map(|(number, _)| (number, lines[number - 1].replace('`', "")))
        .collect()
}

/// A heading's text with its links reduced to their text: `[a](b)` is `a`.
fn link_texts(heading: &str) -> String {
    let mut out = String::new();
    let mut rest = heading;
    while let Some(start) = rest.find("](") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        rest = &after[after.find(')').map_or(after.len(), |end| end + 1)..];
    }
    out.push_str(rest);
    out.replace(['[', '*'], "")
}

/// `target` resolved against the directory of `from`, lexically (`a/../b` is `b`).
fn resolve(from: &Path, target: &str) -> PathBuf {
    let mut path = from.parent().unwrap_or(Path::new("")).to_path_buf();
    for component in Path::new(target).components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// What is wrong with the relative links of `file`, one line each.
fn broken_links(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let root = repository();
    let shown = file
        .strip_prefix(&root)
        .unwrap_or(file)
        .display()
        .to_string();
    let mut broken = Vec::new();
    for (number, line) in prose_lines(&text) {
        for target in link_targets(&line) {
            if target.is_empty() || target.contains(':') || target.starts_with('/') {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or_default();
            let linked = if path.is_empty() {
                file.to_path_buf()
            } else {
                resolve(file, path)
            };
            if !linked.exists() {
                broken.push(format!(
                    "{shown}:{number}: `{target}` names no file ({})",
                    linked.display()
                ));
                continue;
            }
            if let Some(anchor) = anchor
                && linked.extension().is_some_and(|ext| ext == "md")
            {
                let headings = anchors(&std::fs::read_to_string(&linked).unwrap());
                if !headings.contains(anchor) {
                    broken.push(format!(
                        "{shown}:{number}: `{target}`: no heading of {} has the anchor `{anchor}`",
                        linked.display()
                    ));
                }
            }
        }
    }
    broken
}

#[test]
fn every_page_under_docs_is_in_the_table_of_contents() {
    let docs = repository().join("docs");
    let summary = docs.join("SUMMARY.md");
    let text = std::fs::read_to_string(&summary).unwrap();
    let listed: BTreeSet<PathBuf> = prose_lines(&text)
        .iter()
        .flat_map(|(_, line)| link_targets(line))
        .map(|target| resolve(&summary, &target))
        .collect();
    let missing: Vec<String> = markdown_under(&docs)
        .into_iter()
        .filter(|page| *page != summary && !listed.contains(page))
        .map(|page| page.strip_prefix(&docs).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "pages under docs/ that docs/SUMMARY.md does not list (add them to it, so the site has them):\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_relative_link_in_the_docs_and_the_readme_leads_somewhere() {
    let root = repository();
    let mut files = markdown_under(&root.join("docs"));
    files.push(root.join("README.md"));
    let broken: Vec<String> = files.iter().flat_map(|file| broken_links(file)).collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_checker_sees_links_anchors_and_code() {
    let line = "See [a](b.md#c) and `[not](a link)` and [d](<e f.md>) or [g](https://x.y).";
    assert_eq!(
        link_targets(&without_code_spans(line)),
        ["b.md#c", "e f.md", "https://x.y"]
    );
    assert_eq!(link_targets("[name]: ../x.md"), ["../x.md"]);
    assert_eq!(
        link_targets("{{#include ../ARCHITECTURE.md}}"),
        ["../ARCHITECTURE.md"]
    );
    let text = "# Title\n```sh\n# not a heading\n```\n### `port`\n## Coming from [MyPaas](x.md)\n## Title\n";
    let found = anchors(text);
    let expected: BTreeSet<String> = ["title", "port", "coming-from-mypaas", "title-1"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
    assert_eq!(
        resolve(Path::new("docs/guides/a.md"), "../b.md"),
        Path::new("docs/b.md")
    );
}
