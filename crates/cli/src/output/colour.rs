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
