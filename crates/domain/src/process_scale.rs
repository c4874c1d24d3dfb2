//! How many containers one process runs, as `wharf scale APP web=2 worker=1` and the SSH
//! `ps:scale` write it (`PROCESS=COUNT`), and as the API's `{"web": 2}` carries it: one check
//! of the name and of the count (at most [`MAX_SCALE`]) for every way in.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::{MAX_SCALE, NameError, ProcessName};

/// Why a `PROCESS=COUNT` pair was refused; each names the pair as it was given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScaleError {
    /// No `=`.
    #[error("`{pair}` is not PROCESS=COUNT, e.g. web=2")]
    NotAPair {
        /// What was given.
        pair: String,
    },
    /// The part before `=` is not a process name.
    #[error("`{pair}`: {source}")]
    Process {
        /// What was given.
        pair: String,
        /// Why the name was refused.
        source: NameError,
    },
    /// The part after `=` is not a count.
    #[error("`{pair}`: the count must be a whole number")]
    NotACount {
        /// What was given.
        pair: String,
    },
    /// More containers than one process may have.
    #[error("`{pair}`: a process can have at most {MAX_SCALE} containers")]
    TooMany {
        /// What was given.
        pair: String,
    },
}

/// A process and how many containers it runs (0 to [`MAX_SCALE`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessScale {
    process: ProcessName,
    count: u32,
}

impl ProcessScale {
    /// `process` at `count` containers, refused above [`MAX_SCALE`].
    pub fn new(process: ProcessName, count: u32) -> Result<ProcessScale, ScaleError> {
        if count > MAX_SCALE {
            return Err(ScaleError::TooMany {
                pair: format!("{process}={count}"),
            });
        }
        Ok(ProcessScale { process, count })
    }

    /// Reads `PROCESS=COUNT`, e.g. `web=2`.
    pub fn parse(pair: &str) -> Result<ProcessScale, ScaleError> {
        let (process, count) = pair.split_once('=').ok_or_else(|| ScaleError::NotAPair {
            pair: pair.to_owned(),
        })?;
        let process = ProcessName::parse(process).map_err(|source| ScaleError::Process {
            pair: pair.to_owned(),
            source,
        })?;
        let count = count.parse().map_err(|_| ScaleError::NotACount {
            pair: pair.to_owned(),
        })?;
        ProcessScale::new(process, count).map_err(|_| ScaleError::TooMany {
            pair: pair.to_owned(),
        })
    }

    /// The process.
    pub fn process(&self) -> &ProcessName {
        &self.process
    }

    /// How many containers it runs.
    pub fn count(&self) -> u32 {
        self.count
    }
}

impl fmt::Display for ProcessScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.process, self.count)
    }
}

impl FromStr for ProcessScale {
    type Err = ScaleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcessScale::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pair_and_writes_it_back() {
        let scale = ProcessScale::parse("worker=3").unwrap();
        assert_eq!((scale.process().as_str(), scale.count()), ("worker", 3));
        assert_eq!(scale.to_string(), "worker=3");
        assert_eq!(ProcessScale::parse("web=0").unwrap().count(), 0);
        assert_eq!(
            ProcessScale::parse(&format!("web={MAX_SCALE}"))
                .unwrap()
                .count(),
            MAX_SCALE
        );
    }

    #[test]
    fn refusals_name_the_pair_and_the_fix() {
        for (pair, needle) in [
            ("web", "`web` is not PROCESS=COUNT, e.g. web=2"),
            ("web:2", "`web:2` is not PROCESS=COUNT"),
            ("web=lots", "`web=lots`: the count must be a whole number"),
            ("web=-1", "`web=-1`: the count must be a whole number"),
            ("web=", "`web=`: the count must be a whole number"),
            (
                "web=101",
                "`web=101`: a process can have at most 100 containers",
            ),
            ("web=99999999999", "whole number"),
        ] {
            let err = ProcessScale::parse(pair).unwrap_err().to_string();
            assert!(err.contains(needle), "{pair}: {err}");
        }
        let err = ProcessScale::parse("Web=1").unwrap_err();
        assert!(matches!(err, ScaleError::Process { .. }), "{err:?}");
        let name = ProcessName::parse("Web").unwrap_err().to_string();
        assert_eq!(err.to_string(), format!("`Web=1`: {name}"));
        assert!(matches!(
            ProcessScale::parse("=1"),
            Err(ScaleError::Process { .. })
        ));
    }

    #[test]
    fn a_count_from_elsewhere_has_the_same_limit() {
        let web = ProcessName::web();
        assert!(ProcessScale::new(web.clone(), MAX_SCALE).is_ok());
        assert_eq!(
            ProcessScale::new(web, MAX_SCALE + 1)
                .unwrap_err()
                .to_string(),
            "`web=101`: a process can have at most 100 containers"
        );
    }
}
