//! The DNS-label naming rule shared by app names and process names.

use crate::NameError;

/// Longest allowed label, in characters (the DNS limit).
pub(crate) const MAX_LABEL_LEN: usize = 63;

/// Checks `name` against the DNS-label rule: 1..=63 characters, lowercase
/// `a-z`, `0-9` and `-`, starting with a letter and not ending with `-`.
///
/// `kind` names what is being checked ("app name", "process name") for the error.
/// A name that only its uppercase letters keep from passing gets [`NameError::Uppercase`],
/// which suggests the lowercase form. Nothing here recurses, whatever `name` holds.
pub(crate) fn check_label(kind: &'static str, name: &str) -> Result<(), NameError> {
    check_length(kind, name)?;
    if name.chars().any(|c| c.is_uppercase()) {
        let lowered = name.to_lowercase();
        // Only suggest the lowercase form when that alone would fix it. The lowercase form
        // is checked by the rules alone, never by this function again: some characters are
        // uppercase and have no lowercase form (`ℂ`, `𝐀`), so `lowered` can still hold
        // uppercase characters, and calling back here would never end.
        if check_length(kind, &lowered).is_ok() && check_chars(kind, &lowered).is_ok() {
            return Err(NameError::Uppercase {
                kind,
                name: name.to_owned(),
                lowered,
            });
        }
    }
    check_chars(kind, name)
}

/// The rule on characters: lowercase `a-z`, `0-9` and `-`, starting with a letter and not
/// ending with `-`.
fn check_chars(kind: &'static str, name: &str) -> Result<(), NameError> {
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameError::InvalidChar {
            kind,
            name: name.to_owned(),
            ch,
        });
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(NameError::BadStart {
            kind,
            name: name.to_owned(),
        });
    }
    if name.ends_with('-') {
        return Err(NameError::EndsWithHyphen {
            kind,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// 1..=[`MAX_LABEL_LEN`] characters.
fn check_length(kind: &'static str, name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let len = name.chars().count();
    if len > MAX_LABEL_LEN {
        return Err(NameError::TooLong {
            kind,
            name: name.to_owned(),
            len,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_labels() {
        for ok in ["a", "blog", "my-app", "a1", "a-1-b", &"a".repeat(63)] {
            assert_eq!(check_label("app name", ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(
            check_label("app name", ""),
            Err(NameError::Empty { kind: "app name" })
        );
    }

    #[test]
    fn rejects_too_long() {
        let long = "a".repeat(64);
        assert!(matches!(
            check_label("app name", &long),
            Err(NameError::TooLong { len: 64, .. })
        ));
    }

    #[test]
    fn too_long_counts_chars_not_bytes() {
        let err = check_label("app name", &"é".repeat(70));
        assert!(matches!(err, Err(NameError::TooLong { len: 70, .. })));
    }

    #[test]
    fn uppercase_suggests_lowercase() {
        let err = check_label("app name", "MyApp");
        assert_eq!(
            err,
            Err(NameError::Uppercase {
                kind: "app name",
                name: "MyApp".into(),
                lowered: "myapp".into()
            })
        );
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("use lowercase"), "{msg}");
        assert!(msg.contains("`myapp`"), "{msg}");
    }

    #[test]
    fn uppercase_with_other_problems_reports_the_other_problem() {
        assert!(matches!(
            check_label("app name", "My_App"),
            Err(NameError::InvalidChar { ch: 'M', .. })
        ));
    }

    /// Some characters are uppercase and have no lowercase form (`ϒ`, `ℂ`, `𝐀`); such a name
    /// used to make the uppercase check call itself on the same text until the stack overflowed.
    #[test]
    fn uppercase_without_a_lowercase_form_is_an_invalid_char() {
        for (bad, ch) in [("ϒ", 'ϒ'), ("webℂ", 'ℂ'), ("𝐀pp", '𝐀'), ("İx", 'İ')] {
            assert!(
                matches!(check_label("process name", bad), Err(NameError::InvalidChar { ch: c, .. }) if c == ch),
                "{bad}: {:?}",
                check_label("process name", bad)
            );
        }
    }

    #[test]
    fn rejects_bad_chars() {
        for (bad, ch) in [
            ("my_app", '_'),
            ("my.app", '.'),
            ("my app", ' '),
            ("café", 'é'),
            ("a/b", '/'),
        ] {
            assert!(
                matches!(check_label("app name", bad), Err(NameError::InvalidChar { ch: c, .. }) if c == ch),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_bad_start_and_end() {
        assert!(matches!(
            check_label("app name", "1app"),
            Err(NameError::BadStart { .. })
        ));
        assert!(matches!(
            check_label("app name", "-app"),
            Err(NameError::BadStart { .. })
        ));
        assert!(matches!(
            check_label("app name", "app-"),
            Err(NameError::EndsWithHyphen { .. })
        ));
    }
}
