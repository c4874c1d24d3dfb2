//! The name of an app: a validated DNS label, unique per server.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::NameError;
use crate::dns_label::check_label;

/// Names that apps may not take because Wharf uses them itself.
const RESERVED: &[&str] = &["wharf"];

/// A validated app name.
///
/// Rules: 1..=63 characters of lowercase `a-z`, `0-9` and `-`, starting with a
/// letter and not ending with `-`; `wharf` is reserved. Uppercase input is
/// rejected rather than lowered, so the name you type is the name you get.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppName(String);

impl AppName {
    /// Validates `input` as an app name.
    pub fn parse(input: &str) -> Result<AppName, NameError> {
        check_label("app name", input)?;
        if RESERVED.contains(&input) {
            return Err(NameError::Reserved {
                kind: "app name",
                name: input.to_owned(),
            });
        }
        Ok(AppName(input.to_owned()))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AppName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AppName::parse(s)
    }
}

impl TryFrom<String> for AppName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AppName::parse(&s)
    }
}

impl TryFrom<&str> for AppName {
    type Error = NameError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        AppName::parse(s)
    }
}

impl From<AppName> for String {
    fn from(name: AppName) -> String {
        name.0
    }
}

/// Lets maps keyed by app names be looked up with a plain label (e.g. one Docker gives back).
impl std::borrow::Borrow<str> for AppName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AppName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StringDeserializer};

    fn de(s: &str) -> Result<AppName, DeError> {
        let d: StringDeserializer<DeError> = s.to_owned().into_deserializer();
        AppName::deserialize(d)
    }

    #[test]
    fn parses_valid_names() {
        let n = AppName::parse("blog").unwrap();
        assert_eq!(n.as_str(), "blog");
        assert_eq!(n.to_string(), "blog");
        assert_eq!("my-app-2".parse::<AppName>().unwrap().as_str(), "my-app-2");
        assert!(AppName::parse(&"x".repeat(63)).is_ok());
    }

    #[test]
    fn rejects_reserved() {
        let err = AppName::parse("wharf").unwrap_err();
        assert!(matches!(err, NameError::Reserved { .. }));
        assert!(err.to_string().contains("reserved"), "{err}");
        // Only the exact name is reserved.
        assert!(AppName::parse("wharf-docs").is_ok());
    }

    #[test]
    fn rejects_uppercase_without_lowering() {
        let err = AppName::parse("Blog").unwrap_err();
        assert_eq!(
            err.to_string(),
            "app name `Blog` contains uppercase letters; use lowercase: `blog`"
        );
        assert!(matches!(
            AppName::parse("WHARF"),
            Err(NameError::Uppercase { .. })
        ));
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "", "1blog", "-blog", "blog-", "my_app", "my app", " blog", "blog\n", "ünï",
        ] {
            assert!(AppName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(AppName::parse(&"x".repeat(64)).is_err());
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            AppName::parse("").unwrap_err().to_string(),
            "app name is empty; give a name such as `blog`"
        );
        assert!(
            AppName::parse("9lives")
                .unwrap_err()
                .to_string()
                .contains("must start with a lowercase letter")
        );
    }

    #[test]
    fn serde_roundtrip_validates() {
        assert_eq!(de("blog").unwrap(), AppName::parse("blog").unwrap());
        assert!(de("Bad Name").is_err());
        assert!(de("wharf").is_err());
        let s: String = AppName::parse("blog").unwrap().into();
        assert_eq!(s, "blog");
    }

    #[test]
    fn try_from_variants() {
        assert!(AppName::try_from("ok").is_ok());
        assert!(AppName::try_from(String::from("NOT")).is_err());
    }
}
