//! Colour for a person at a terminal: only when stdout is one and `NO_COLOR` is not set
//! (<https://no-color.org>); pipes, files and tests get plain text.

use std::io::IsTerminal;

/// The few colours the command line uses, for states at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Red,
    Green,
    Yellow,
}

impl Colour {
    fn code(self) -> &'static str {
        match self {
            Colour::Red => "31",
            Colour::Green => "32",
            Colour::Yellow => "33",
        }
    }
}

/// Whether output on `stream` may be coloured: a terminal, and no `NO_COLOR` with a value.
pub fn wanted(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && no_color_unset(std::env::var_os("NO_COLOR"))
}

fn no_color_unset(value: Option<std::ffi::OsString>) -> bool {
    value.is_none_or(|v| v.is_empty())
}

/// Whether stdout may be coloured.
pub fn enabled() -> bool {
    wanted(&std::io::stdout())
}

/// `error:`, in red when stderr is a terminal that wants colour.
pub fn error_prefix() -> String {
    paint_if(wanted(&std::io::stderr()), Some(Colour::Red), "error:")
}

/// `text` as it may go to `stream`: untouched where colour is wanted, else without the
/// terminal escape sequences it carries (a build's own coloured output, say).
pub fn for_stream<'a>(stream: &impl IsTerminal, text: &'a str) -> std::borrow::Cow<'a, str> {
    if wanted(stream) || !text.contains('\u{1b}') {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(without_escapes(text))
    }
}

/// `text` without ANSI escape sequences: CSI (`ESC [` parameters, then a final byte from `@`
/// to `~`), OSC (`ESC ]` up to BEL or `ESC \\`) and two-byte ones (`ESC` and one more).
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn paint_if(on: bool, colour: Option<Colour>, text: &str) -> String {
    match colour {
        Some(colour) if on => format!("\u{1b}[{}m{text}\u{1b}[0m", colour.code()),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_taken_out() {
        assert_eq!(
            without_escapes("\u{1b}[91mERROR:\u{1b}[0m pip failed"),
            "ERROR: pip failed"
        );
        assert_eq!(without_escapes("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(without_escapes("plain [text]"), "plain [text]");
        assert_eq!(without_escapes("cut \u{1b}["), "cut ");
    }

    #[test]
    fn no_color_with_a_value_turns_colour_off() {
        assert!(no_color_unset(None));
        assert!(no_color_unset(Some("".into())));
        assert!(!no_color_unset(Some("1".into())));
    }

    #[test]
    fn plain_text_when_off() {
        assert_eq!(paint_if(false, Some(Colour::Red), "x"), "x");
        assert_eq!(paint_if(true, None, "x"), "x");
        assert_eq!(
            paint_if(true, Some(Colour::Green), "x"),
            "\u{1b}[32mx\u{1b}[0m"
        );
    }
}
