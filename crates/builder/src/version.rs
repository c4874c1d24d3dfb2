//! Language versions: read from the files each ecosystem already uses to pin one, and turned
//! into the tag of an official image Wharf knows exists. A version Wharf has no image for, or
//! cannot read, is an error naming the file and line, never a silent default.
//!
//! Supported: Python 3.9 to 3.14 (`python:X.Y-slim`), Node 18 to 24 even majors
//! (`node:N-slim`), Go 1.22 to 1.25 (`golang:1.N`; an older `go` directive builds with 1.22,
//! since Go keeps old code building).

use crate::PlanError;

/// Python when nothing pins one.
pub const DEFAULT_PYTHON: &str = "3.13";
/// Node when nothing pins one.
pub const DEFAULT_NODE: u32 = 20;

const PYTHON_MINORS: std::ops::RangeInclusive<u32> = 9..=14;
const NODE_MAJORS: [u32; 4] = [18, 20, 22, 24];
const GO_MINORS: std::ops::RangeInclusive<u32> = 22..=25;

/// Node's LTS code names as `.nvmrc` writes them (`lts/iron`).
const NODE_LTS_NAMES: [(&str, u32); 4] =
    [("hydrogen", 18), ("iron", 20), ("jod", 22), ("krypton", 24)];

fn refuse(file: &str, line: usize, message: String) -> PlanError {
    PlanError::Version {
        file: file.to_owned(),
        line,
        message,
    }
}

/// The first line of `text` that is not blank or a `#` comment, with its 1-based number.
pub fn first_value_line(text: &str) -> Option<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .find(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// The leading whole number of `text` and the rest after it.
fn leading_number(text: &str) -> Option<(u32, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number = text[..end].parse().ok()?;
    Some((number, &text[end..]))
}

/// `3.12`, `3.12.4` (and `python-3.12.4` in runtime.txt): `3.12`, checked supported.
pub fn python(file: &str, line: usize, text: &str) -> Result<String, PlanError> {
    let version = text.strip_prefix("python-").unwrap_or(text);
    let parsed = leading_number(version).and_then(|(major, rest)| {
        let (minor, rest) = leading_number(rest.strip_prefix('.')?)?;
        let patch_ok = rest.is_empty()
            || rest
                .strip_prefix('.')
                .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        (major == 3 && patch_ok).then_some(minor)
    });
    match parsed {
        Some(minor) if PYTHON_MINORS.contains(&minor) => Ok(format!("3.{minor}")),
        Some(minor) => Err(refuse(
            file,
            line,
            format!(
                "Python 3.{minor} is not supported: Wharf builds with Python 3.{} to 3.{}",
                PYTHON_MINORS.start(),
                PYTHON_MINORS.end()
            ),
        )),
        None => Err(refuse(
            file,
            line,
            format!("`{text}` is not a CPython version such as 3.12 or 3.12.4"),
        )),
    }
}

/// A Node major from a version or a range: `20`, `v20.11.0`, `20.x`, `^20.1`, `~20`, `>=18`
/// (the newest of the default and that floor), `lts/iron`, `lts/*` or `*` (the default).
pub fn node(file: &str, line: usize, text: &str) -> Result<u32, PlanError> {
    // Of `A || B`, the first alternative decides.
    let first = text.split("||").next().unwrap_or(text).trim();
    let unsupported = |major: u32| {
        let known: Vec<String> = NODE_MAJORS.iter().map(u32::to_string).collect();
        refuse(
            file,
            line,
            format!(
                "Node {major} is not supported: Wharf builds with Node {}",
                known.join(", ")
            ),
        )
    };
    if matches!(first, "*" | "" | "lts/*" | "node" | "latest" | "x") {
        return Ok(DEFAULT_NODE);
    }
    if let Some(name) = first.strip_prefix("lts/") {
        let found = NODE_LTS_NAMES
            .iter()
            .find(|(n, _)| *n == name.to_ascii_lowercase());
        return found.map(|(_, major)| *major).ok_or_else(|| {
            refuse(
                file,
                line,
                format!("`{text}` is not a Node LTS name Wharf knows"),
            )
        });
    }
    let at_least = first.starts_with('>');
    let bare = first.trim_start_matches(['>', '=', '^', '~', 'v', ' ']);
    let Some((major, _)) = leading_number(bare) else {
        return Err(refuse(
            file,
            line,
            format!("`{text}` is not a Node version such as 20, 20.x or >=18"),
        ));
    };
    if at_least {
        let newest = NODE_MAJORS.iter().copied().max().unwrap_or(DEFAULT_NODE);
        if major > newest {
            return Err(unsupported(major));
        }
        return Ok(NODE_MAJORS
            .iter()
            .copied()
            .filter(|m| *m >= major)
            .min_by_key(|m| (*m != DEFAULT_NODE, *m))
            .unwrap_or(DEFAULT_NODE));
    }
    if NODE_MAJORS.contains(&major) {
        Ok(major)
    } else {
        Err(unsupported(major))
    }
}

/// The Go version of a `go` directive (`1.23`, `1.23.4`, `1.21rc1`) as the image's `1.N`,
/// with a note when an older one is built with the oldest supported toolchain.
pub fn go(file: &str, line: usize, text: &str) -> Result<(String, Option<String>), PlanError> {
    let parsed = leading_number(text).and_then(|(major, rest)| {
        let (minor, _) = leading_number(rest.strip_prefix('.')?)?;
        (major == 1).then_some(minor)
    });
    let Some(minor) = parsed else {
        return Err(refuse(
            file,
            line,
            format!("`go {text}` is not a Go version such as 1.23"),
        ));
    };
    let oldest = *GO_MINORS.start();
    if minor < oldest {
        let note =
            format!("go {text} is older than Wharf's oldest Go image: built with Go 1.{oldest}");
        return Ok((format!("1.{oldest}"), Some(note)));
    }
    if minor > *GO_MINORS.end() {
        return Err(refuse(
            file,
            line,
            format!(
                "Go 1.{minor} is not supported: Wharf builds with Go 1.{oldest} to 1.{}",
                GO_MINORS.end()
            ),
        ));
    }
    Ok((format!("1.{minor}"), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_versions() {
        assert_eq!(python("f", 1, "3.12").unwrap(), "3.12");
        assert_eq!(python("f", 1, "3.12.4").unwrap(), "3.12");
        assert_eq!(python("runtime.txt", 1, "python-3.11.9").unwrap(), "3.11");
        let e = python(".python-version", 2, "3.7").unwrap_err().to_string();
        assert_eq!(
            e,
            ".python-version, line 2: Python 3.7 is not supported: Wharf builds with Python 3.9 to 3.14"
        );
        for bad in ["pypy3.10", "system", "3", "2.7", "3.12.x", "3.12."] {
            let e = python("f", 1, bad).unwrap_err().to_string();
            assert!(
                e.contains("is not a CPython version") || e.contains("not supported"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn node_versions() {
        for (text, major) in [
            ("20", 20),
            ("v22.11.0", 22),
            ("18.x", 18),
            ("^22.1.0", 22),
            ("~18.19", 18),
            (">=18", 20),
            (">= 21", 22),
            ("lts/iron", 20),
            ("lts/*", 20),
            ("*", 20),
            ("20 || 22", 20),
        ] {
            assert_eq!(node("f", 1, text).unwrap(), major, "{text}");
        }
        let e = node("package.json", 5, "16.x").unwrap_err().to_string();
        assert!(
            e.starts_with("package.json, line 5: Node 16 is not supported"),
            "{e}"
        );
        assert!(node(".nvmrc", 1, "banana").is_err());
        assert!(node(".nvmrc", 1, ">=30").is_err());
    }

    #[test]
    fn go_versions() {
        assert_eq!(go("go.mod", 3, "1.23").unwrap(), ("1.23".to_owned(), None));
        assert_eq!(go("go.mod", 3, "1.24.2").unwrap().0, "1.24");
        let (old, note) = go("go.mod", 3, "1.16").unwrap();
        assert_eq!(old, "1.22");
        assert!(note.unwrap().contains("built with Go 1.22"));
        let e = go("go.mod", 3, "1.99").unwrap_err().to_string();
        assert!(
            e.starts_with("go.mod, line 3: Go 1.99 is not supported"),
            "{e}"
        );
        assert!(go("go.mod", 3, "two").is_err());
    }
}
