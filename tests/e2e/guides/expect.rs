//! Whether what a block printed is what its guide shows.
//!
//! The shown output's non-empty lines must each be a whole printed line, in the same order and
//! one after the other, except where the guide writes a line of its own that is exactly `...`:
//! any number of printed lines (none too) go there. Runs of spaces count as one (tables widen
//! with longer names), and `<a placeholder>` (a lowercase word or words in angle brackets)
//! stands for any text of at least one character: `<token>`, `<time ago>`.

/// The shown output's lines, parsed.
#[derive(Debug)]
pub struct Expected {
    lines: Vec<Shown>,
}

#[derive(Debug)]
enum Shown {
    /// `...`: any printed lines.
    Elided,
    /// A line with its placeholders: literal pieces, each placeholder between two of them.
    Line { text: String, pieces: Vec<String> },
}

/// The first shown line the output does not have, and where the search for it began.
#[derive(Debug, PartialEq)]
pub struct Mismatch {
    pub missing: String,
    /// Printed line index (0-based) at which the missing line was expected.
    pub at: usize,
}

impl Expected {
    pub fn parse(shown: &str) -> Expected {
        let lines = shown
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                if l == "..." {
                    Shown::Elided
                } else {
                    let text = squeeze(l);
                    let pieces = pieces(&text);
                    Shown::Line { text, pieces }
                }
            })
            .collect();
        Expected { lines }
    }

    /// Ok when `printed` is what the guide shows.
    pub fn check(&self, printed: &str) -> Result<(), Mismatch> {
        let printed: Vec<String> = printed
            .lines()
            .map(squeeze)
            .filter(|l| !l.is_empty())
            .collect();
        matches_from(&self.lines, &printed, 0, true)
    }
}

/// Match `shown` against `printed[at..]`; `free` when the first shown line may come later
/// (after an elision, and at the start: what came before the guide's first line is not shown).
fn matches_from(
    shown: &[Shown],
    printed: &[String],
    at: usize,
    free: bool,
) -> Result<(), Mismatch> {
    let Some((first, rest)) = shown.split_first() else {
        return Ok(());
    };
    let Shown::Line { text, pieces } = first else {
        return matches_from(rest, printed, at, true);
    };
    let candidates = if free {
        at..printed.len()
    } else {
        at..(at + 1).min(printed.len())
    };
    let mut deepest = Mismatch {
        missing: text.clone(),
        at,
    };
    for i in candidates {
        if line_matches(pieces, &printed[i]) {
            match matches_from(rest, printed, i + 1, false) {
                Ok(()) => return Ok(()),
                Err(m) if m.at >= deepest.at => deepest = m,
                Err(_) => {}
            }
        }
    }
    Err(deepest)
}

/// Trimmed, with every run of whitespace as one space.
fn squeeze(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The literal pieces of a shown line around its placeholders (one more piece than
/// placeholders).
pub fn pieces(line: &str) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut rest = line;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>');
        let name = close.map(|c| &after[..c]);
        let is_placeholder = name.is_some_and(|n| {
            n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || " _-".contains(c))
        });
        let last = pieces.last_mut().unwrap();
        if is_placeholder {
            last.push_str(&rest[..open]);
            pieces.push(String::new());
            rest = &after[close.unwrap() + 1..];
        } else {
            last.push_str(&rest[..open + 1]);
            rest = after;
        }
    }
    pieces.last_mut().unwrap().push_str(rest);
    pieces
}

/// Whether `line` is the pieces with at least one character in place of each placeholder.
fn line_matches(pieces: &[String], line: &str) -> bool {
    let (first, rest) = pieces.split_first().unwrap();
    let Some(mut tail) = line.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for piece in middle {
        // The placeholder before `piece` takes at least one character.
        let Some(skip) = tail.char_indices().nth(1).map(|(i, _)| i) else {
            return false;
        };
        match tail[skip..].find(piece.as_str()) {
            Some(found) => tail = &tail[skip + found + piece.len()..],
            None => return false,
        }
    }
    tail.len() > last.len() && tail.ends_with(last.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_lines_must_be_printed_in_order_and_together() {
        let shown = Expected::parse("b\nc\n");
        assert_eq!(shown.check("a\nb\nc\nd\n"), Ok(()));
        assert_eq!(
            shown.check("b\nx\nc\n"),
            Err(Mismatch {
                missing: "c".into(),
                at: 1
            })
        );
        assert!(shown.check("c\nb\n").is_err());
        assert!(shown.check("b\n").is_err());
        // A whole line, not a part of one.
        assert!(Expected::parse("ok").check("not ok").is_err());
    }

    #[test]
    fn an_elision_takes_any_lines_and_spaces_are_squeezed() {
        let shown = Expected::parse("Deploying blog\n...\n  Applying  auth.0001_initial... OK\n");
        assert_eq!(
            shown.check("Deploying blog\nstep 1\nstep 2\nApplying auth.0001_initial... OK\n"),
            Ok(())
        );
        assert_eq!(
            shown.check("Deploying blog\nApplying   auth.0001_initial... OK"),
            Ok(())
        );
        assert!(
            shown
                .check("Applying auth.0001_initial... OK\nDeploying blog")
                .is_err()
        );
    }

    #[test]
    fn placeholders_stand_for_some_text() {
        let shown = Expected::parse("Token <token> made <time ago> (<n> uses)");
        assert_eq!(
            shown.check("Token abc123 made 2 minutes ago (1 uses)"),
            Ok(())
        );
        assert!(shown.check("Token  made 2 minutes ago (1 uses)").is_err());
        assert!(shown.check("Token abc made (1 uses)").is_err());
        // Angle brackets around anything else are text.
        let html = Expected::parse("<!doctype html> Hello</p>");
        assert_eq!(html.check("<!doctype html> Hello</p>"), Ok(()));
        assert!(html.check("<!doctype html> Hello</b>").is_err());
        let trailing = Expected::parse("url: <url>");
        assert_eq!(trailing.check("url: https://x"), Ok(()));
        assert!(trailing.check("url: ").is_err());
    }

    #[test]
    fn a_match_later_on_is_found_after_a_false_start() {
        let shown = Expected::parse("a\nb\n");
        assert_eq!(shown.check("a\nx\na\nb\n"), Ok(()));
    }
}
