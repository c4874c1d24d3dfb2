//! Environment variables: parsing `KEY=VALUE` assignments.

use thiserror::Error;

/// Why an environment assignment was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvError {
    /// No `=` in the assignment.
    #[error(
        "environment variable `{input}` has no `=`; write it as `KEY=VALUE` (the value may be empty: `KEY=`)"
    )]
    MissingEquals {
        /// What was given.
        input: String,
    },
    /// Nothing before the `=`.
    #[error("environment variable `{input}` has no name before `=`; write it as `KEY=VALUE`")]
    EmptyKey {
        /// What was given.
        input: String,
    },
    /// Spaces around the name.
    #[error(
        "environment variable name `{key}` has spaces around it; write `{trimmed}=VALUE` with no spaces around `=`"
    )]
    SpacedKey {
        /// The key as given.
        key: String,
        /// The key without spaces.
        trimmed: String,
    },
    /// A name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error(
        "environment variable name `{key}` is invalid; use letters, digits and `_`, not starting with a digit (e.g. `DATABASE_URL`)"
    )]
    InvalidKey {
        /// The rejected key.
        key: String,
    },
    /// A NUL byte in the value, which processes cannot receive.
    #[error("environment variable `{key}` has a NUL character in its value; remove it")]
    NulInValue {
        /// The variable's name.
        key: String,
    },
}

/// Checks an environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_valid_env_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `KEY=VALUE` into `(key, value)`. The split is at the first `=`, so
/// the value may itself contain `=`; the value may be empty and is kept
/// verbatim (no trimming, no quote removal).
pub fn parse_env_assignment(input: &str) -> Result<(String, String), EnvError> {
    let Some((key, value)) = input.split_once('=') else {
        return Err(EnvError::MissingEquals {
            input: input.to_owned(),
        });
    };
    if key.trim().is_empty() {
        return Err(EnvError::EmptyKey {
            input: input.to_owned(),
        });
    }
    if key.trim() != key && is_valid_env_key(key.trim()) {
        return Err(EnvError::SpacedKey {
            key: key.to_owned(),
            trimmed: key.trim().to_owned(),
        });
    }
    if !is_valid_env_key(key) {
        return Err(EnvError::InvalidKey {
            key: key.to_owned(),
        });
    }
    if value.contains('\0') {
        return Err(EnvError::NulInValue {
            key: key.to_owned(),
        });
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> (String, String) {
        parse_env_assignment(s).unwrap()
    }

    #[test]
    fn parses_assignments() {
        assert_eq!(ok("KEY=VALUE"), ("KEY".into(), "VALUE".into()));
        assert_eq!(ok("EMPTY="), ("EMPTY".into(), String::new()));
        assert_eq!(
            ok("URL=postgres://u:p@h/db?x=1"),
            ("URL".into(), "postgres://u:p@h/db?x=1".into())
        );
        assert_eq!(ok("_x1=a=b=c"), ("_x1".into(), "a=b=c".into()));
        assert_eq!(
            ok("lower=  spaced  "),
            ("lower".into(), "  spaced  ".into())
        );
        assert_eq!(ok("Q=\"quoted\""), ("Q".into(), "\"quoted\"".into()));
    }

    #[test]
    fn rejects_missing_equals_and_empty_key() {
        assert!(matches!(
            parse_env_assignment("KEY"),
            Err(EnvError::MissingEquals { .. })
        ));
        assert!(matches!(
            parse_env_assignment(""),
            Err(EnvError::MissingEquals { .. })
        ));
        assert!(matches!(
            parse_env_assignment("=value"),
            Err(EnvError::EmptyKey { .. })
        ));
        assert!(matches!(
            parse_env_assignment(" =value"),
            Err(EnvError::EmptyKey { .. })
        ));
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in ["1KEY=x", "MY-KEY=x", "MY.KEY=x", "KÉY=x", "A B=x", "$X=x"] {
            assert!(
                matches!(parse_env_assignment(bad), Err(EnvError::InvalidKey { .. })),
                "{bad}"
            );
        }
        let e = parse_env_assignment("KEY =x").unwrap_err();
        assert_eq!(
            e,
            EnvError::SpacedKey {
                key: "KEY ".into(),
                trimmed: "KEY".into()
            }
        );
        assert!(e.to_string().contains("no spaces around `=`"), "{e}");
    }

    #[test]
    fn rejects_nul_in_value() {
        assert!(matches!(
            parse_env_assignment("A=b\0c"),
            Err(EnvError::NulInValue { .. })
        ));
    }

    #[test]
    fn key_rule() {
        assert!(is_valid_env_key("_"));
        assert!(is_valid_env_key("A1_b"));
        assert!(!is_valid_env_key(""));
        assert!(!is_valid_env_key("9"));
    }
}
