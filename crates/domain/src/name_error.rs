//! The error returned when an app name or a process name breaks the naming rules.

use thiserror::Error;

/// Why a name (app name, process name) was rejected.
///
/// `kind` is what the name is for, e.g. "app name", so the message reads naturally.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// Nothing was given.
    #[error("{kind} is empty; give a name such as `blog`")]
    Empty {
        /// What the name is for.
        kind: &'static str,
    },
    /// More than 63 characters.
    #[error("{kind} `{name}` is {len} characters long; use at most 63")]
    TooLong {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
        /// Its length in characters.
        len: usize,
    },
    /// Contains uppercase letters (they are not lowered silently).
    #[error("{kind} `{name}` contains uppercase letters; use lowercase: `{lowered}`")]
    Uppercase {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
        /// The same name in lowercase, as a suggestion.
        lowered: String,
    },
    /// Contains a character outside a-z, 0-9 and '-'.
    #[error("{kind} `{name}` contains {ch:?}; use only lowercase letters a-z, digits 0-9 and '-'")]
    InvalidChar {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
        /// The first offending character.
        ch: char,
    },
    /// Does not start with a letter.
    #[error("{kind} `{name}` must start with a lowercase letter a-z")]
    BadStart {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
    },
    /// Ends with '-'.
    #[error("{kind} `{name}` ends with '-'; end it with a letter or digit")]
    EndsWithHyphen {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
    },
    /// The name is reserved for Wharf itself.
    #[error("{kind} `{name}` is reserved for Wharf itself; choose another name")]
    Reserved {
        /// What the name is for.
        kind: &'static str,
        /// The rejected name.
        name: String,
    },
}
