//! Releases: the numbered, immutable result of a deploy, and its lifecycle status.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a release version or status could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReleaseError {
    /// Not `vN` or `N` with N a positive integer.
    #[error(
        "release version `{input}` is invalid; write it as `v3` or `3` (a whole number, 1 or more)"
    )]
    Version {
        /// What was given.
        input: String,
    },
    /// Not one of the known status strings.
    #[error(
        "release status `{input}` is unknown; expected one of: building, deploying, active, superseded, failed"
    )]
    Status {
        /// What was given.
        input: String,
    },
}

/// A release number, shown as `v3`. Numbers start at 1 per app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ReleaseVersion(u32);

impl ReleaseVersion {
    /// The first release of an app.
    pub const FIRST: ReleaseVersion = ReleaseVersion(1);

    /// Wraps a number. Returns `None` for 0, which is never a release.
    pub fn new(n: u32) -> Option<ReleaseVersion> {
        (n > 0).then_some(ReleaseVersion(n))
    }

    /// Parses `v3`, `V3` or `3`.
    pub fn parse(input: &str) -> Result<ReleaseVersion, ReleaseError> {
        let s = input.trim();
        let digits = s
            .strip_prefix('v')
            .or_else(|| s.strip_prefix('V'))
            .unwrap_or(s);
        let error = || ReleaseError::Version {
            input: input.to_owned(),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(error());
        }
        let n: u32 = digits.parse().map_err(|_| error())?;
        ReleaseVersion::new(n).ok_or_else(error)
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The version after this one, or `None` at `u32::MAX`.
    pub fn next(self) -> Option<ReleaseVersion> {
        self.0.checked_add(1).map(ReleaseVersion)
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl TryFrom<u32> for ReleaseVersion {
    type Error = ReleaseError;
    fn try_from(n: u32) -> Result<Self, Self::Error> {
        ReleaseVersion::new(n).ok_or(ReleaseError::Version {
            input: n.to_string(),
        })
    }
}

impl From<ReleaseVersion> for u32 {
    fn from(v: ReleaseVersion) -> u32 {
        v.0
    }
}

impl FromStr for ReleaseVersion {
    type Err = ReleaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReleaseVersion::parse(s)
    }
}

/// Where a release is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseStatus {
    /// The image is being built.
    Building,
    /// Containers are being started and health-checked.
    Deploying,
    /// Serving traffic.
    Active,
    /// Was active; replaced by a newer release.
    Superseded,
    /// Build or deploy failed; never served traffic.
    Failed,
}

impl ReleaseStatus {
    /// All statuses, in lifecycle order.
    pub const ALL: [ReleaseStatus; 5] = [
        ReleaseStatus::Building,
        ReleaseStatus::Deploying,
        ReleaseStatus::Active,
        ReleaseStatus::Superseded,
        ReleaseStatus::Failed,
    ];

    /// The lowercase storage string.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Building => "building",
            ReleaseStatus::Deploying => "deploying",
            ReleaseStatus::Active => "active",
            ReleaseStatus::Superseded => "superseded",
            ReleaseStatus::Failed => "failed",
        }
    }

    /// Parses the lowercase storage string (exact match).
    pub fn parse(input: &str) -> Result<ReleaseStatus, ReleaseError> {
        ReleaseStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == input)
            .ok_or_else(|| ReleaseError::Status {
                input: input.to_owned(),
            })
    }

    /// Whether the release can still change status on its own (building or deploying).
    pub fn is_in_progress(self) -> bool {
        matches!(self, ReleaseStatus::Building | ReleaseStatus::Deploying)
    }
}

impl fmt::Display for ReleaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReleaseStatus {
    type Err = ReleaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReleaseStatus::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_display_and_parse() {
        let v3 = ReleaseVersion::parse("v3").unwrap();
        assert_eq!(v3.to_string(), "v3");
        assert_eq!(v3.get(), 3);
        assert_eq!(ReleaseVersion::parse("3").unwrap(), v3);
        assert_eq!(ReleaseVersion::parse("V3").unwrap(), v3);
        assert_eq!(ReleaseVersion::parse(" v3 ").unwrap(), v3);
        assert_eq!("v42".parse::<ReleaseVersion>().unwrap().get(), 42);
        assert_eq!(
            ReleaseVersion::parse("v4294967295").unwrap().get(),
            u32::MAX
        );
    }

    #[test]
    fn version_rejects_bad_input() {
        for bad in [
            "",
            "v",
            "v0",
            "0",
            "-1",
            "v-1",
            "vv3",
            "3.0",
            "v 3",
            "x3",
            "v4294967296",
            "+3",
            "٣",
        ] {
            assert!(ReleaseVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert!(
            ReleaseVersion::parse("v0")
                .unwrap_err()
                .to_string()
                .contains("`v3`")
        );
    }

    #[test]
    fn version_new_and_next() {
        assert_eq!(ReleaseVersion::new(0), None);
        assert_eq!(ReleaseVersion::new(1), Some(ReleaseVersion::FIRST));
        assert_eq!(ReleaseVersion::FIRST.next().map(|v| v.get()), Some(2));
        assert_eq!(ReleaseVersion::new(u32::MAX).and_then(|v| v.next()), None);
        assert!(ReleaseVersion::FIRST < ReleaseVersion::parse("v2").unwrap());
    }

    #[test]
    fn version_deserialize_rejects_zero() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as DeError, U32Deserializer};
        let ok: U32Deserializer<DeError> = 7u32.into_deserializer();
        assert_eq!(ReleaseVersion::deserialize(ok).unwrap().get(), 7);
        let zero: U32Deserializer<DeError> = 0u32.into_deserializer();
        assert!(ReleaseVersion::deserialize(zero).is_err());
        assert_eq!(u32::from(ReleaseVersion::FIRST), 1);
    }

    #[test]
    fn status_roundtrip() {
        for s in ReleaseStatus::ALL {
            assert_eq!(ReleaseStatus::parse(s.as_str()).unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        assert_eq!(ReleaseStatus::Active.as_str(), "active");
        assert!(ReleaseStatus::Building.is_in_progress());
        assert!(!ReleaseStatus::Failed.is_in_progress());
    }

    #[test]
    fn status_rejects_unknown() {
        for bad in ["", "Active", "ACTIVE", "running", " active"] {
            assert!(ReleaseStatus::parse(bad).is_err(), "{bad:?}");
        }
        let e = ReleaseStatus::parse("running").unwrap_err();
        assert!(
            e.to_string()
                .contains("building, deploying, active, superseded, failed")
        );
    }
}
