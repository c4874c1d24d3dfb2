//! Environment variables: parsing `KEY=VALUE` assignments, and `EnvVars`, an app's config vars
//! with every name checked as it enters.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
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

/// Config vars: names (checked once, as they enter) to values, ordered by name; one value per
/// name. Serialized as a list of `[NAME, VALUE]` pairs, the form release snapshots have always
/// stored, and checked again when read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvVars(BTreeMap<String, String>);

impl EnvVars {
    /// No vars.
    pub fn new() -> EnvVars {
        EnvVars::default()
    }

    /// Vars from `KEY=VALUE` assignments as a user types them; a later one wins.
    pub fn from_assignments<S: AsRef<str>>(assignments: &[S]) -> Result<EnvVars, EnvError> {
        let mut vars = EnvVars::new();
        for assignment in assignments {
            let (key, value) = parse_env_assignment(assignment.as_ref())?;
            vars.0.insert(key, value);
        }
        Ok(vars)
    }

    /// Vars from name/value pairs (stored rows, a snapshot), each checked; a later one wins.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<EnvVars, EnvError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut vars = EnvVars::new();
        for (key, value) in pairs {
            vars.insert(key, value)?;
        }
        Ok(vars)
    }

    /// Sets `key` to `value`, after checking both.
    pub fn insert(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<(), EnvError> {
        let (key, value) = (key.into(), value.into());
        if !is_valid_env_key(&key) {
            return Err(EnvError::InvalidKey { key });
        }
        if value.contains('\0') {
            return Err(EnvError::NulInValue { key });
        }
        self.0.insert(key, value);
        Ok(())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.0.remove(key)
    }

    /// Sets every var of `other` (its values win).
    pub fn extend(&mut self, other: EnvVars) {
        self.0.extend(other.0);
    }

    /// Keeps only the vars `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.0.retain(|k, v| keep(k, v));
    }

    /// The same names with their values turned by `f` (e.g. masked for display).
    pub fn map_values(&self, f: impl Fn(&str) -> String) -> EnvVars {
        EnvVars(self.0.iter().map(|(k, v)| (k.clone(), f(v))).collect())
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Whether `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// The vars, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names set (new, or with another value) and unset since `earlier`, each in order:
    /// what a release changed, told without its values.
    pub fn changed_since(&self, earlier: &EnvVars) -> (Vec<String>, Vec<String>) {
        let set = self
            .0
            .iter()
            .filter(|(name, value)| earlier.0.get(*name) != Some(*value))
            .map(|(name, _)| name.clone())
            .collect();
        let unset = earlier
            .0
            .keys()
            .filter(|name| !self.0.contains_key(*name))
            .cloned()
            .collect();
        (set, unset)
    }

    /// The vars as owned pairs, ordered by name (a container's environment).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl Serialize for EnvVars {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for EnvVars {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<EnvVars, D::Error> {
        let pairs = Vec::<(String, String)>::deserialize(deserializer)?;
        EnvVars::from_pairs(pairs).map_err(serde::de::Error::custom)
    }
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

    #[test]
    fn env_vars_check_names_once_and_keep_one_value_per_name() {
        let vars = EnvVars::from_assignments(&["B=2", "A=1", "B=3"]).unwrap();
        assert_eq!(
            vars.to_pairs(),
            vec![("A".into(), "1".into()), ("B".into(), "3".into())]
        );
        assert_eq!(vars.get("B"), Some("3"));
        assert!(!vars.contains("C"));
        assert!(matches!(
            EnvVars::from_assignments(&["1X=a"]),
            Err(EnvError::InvalidKey { .. })
        ));
        assert!(matches!(
            EnvVars::from_pairs([("BAD-KEY", "x")]),
            Err(EnvError::InvalidKey { .. })
        ));
        assert!(matches!(
            EnvVars::new().insert("A", "x\0y"),
            Err(EnvError::NulInValue { .. })
        ));
    }

    #[test]
    fn env_vars_keep_the_snapshot_form_of_name_value_pairs() {
        let vars = EnvVars::from_pairs([("SECRET", "x"), ("EMPTY", "")]).unwrap();
        let json = serde_json::to_string(&vars).unwrap();
        assert_eq!(json, r#"[["EMPTY",""],["SECRET","x"]]"#);
        assert_eq!(serde_json::from_str::<EnvVars>(&json).unwrap(), vars);
        let err = serde_json::from_str::<EnvVars>(r#"[["NO-DASH","x"]]"#).unwrap_err();
        assert!(err.to_string().contains("NO-DASH"), "{err}");
    }

    #[test]
    fn what_changed_is_told_by_name_only() {
        let vars = |pairs: &[(&str, &str)]| {
            EnvVars::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap()
        };
        let earlier = vars(&[("A", "1"), ("B", "2"), ("C", "3")]);
        let now = vars(&[("A", "1"), ("B", "20"), ("D", "4")]);
        assert_eq!(
            now.changed_since(&earlier),
            (
                vec!["B".to_string(), "D".to_string()],
                vec!["C".to_string()]
            )
        );
        assert_eq!(now.changed_since(&now), (vec![], vec![]));
    }
}
