//! CPU limits: parsing `maxcpu` values such as `0.5` or `2` and converting them for Docker.

use thiserror::Error;

/// The smallest CPU limit Docker accepts.
pub const MIN_CPUS: f64 = 0.01;
/// The largest CPU limit Wharf accepts.
pub const MAX_CPUS: f64 = 1024.0;

/// Why a CPU limit was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CpuError {
    /// Nothing was given.
    #[error("CPU limit is empty; give a number of CPUs such as `0.5` or `2`")]
    Empty,
    /// Not a plain decimal number.
    #[error("CPU limit `{input}` is not a number; give a number of CPUs such as `0.5` or `2`")]
    Invalid {
        /// What was given.
        input: String,
    },
    /// Zero, or below Docker's minimum.
    #[error("CPU limit `{input}` is too small; Docker's minimum is 0.01 CPUs")]
    TooSmall {
        /// What was given.
        input: String,
    },
    /// Above 1024.
    #[error("CPU limit `{input}` is too large; the maximum is 1024 CPUs")]
    TooLarge {
        /// What was given.
        input: String,
    },
}

/// Parses a CPU limit: a plain decimal number (`0.5`, `2`, `1.25`) between
/// 0.01 and 1024 inclusive. Signs, exponents, `inf` and `NaN` are rejected.
pub fn parse_cpus(input: &str) -> Result<f64, CpuError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(CpuError::Empty);
    }
    let invalid = || CpuError::Invalid {
        input: input.to_owned(),
    };
    let dots = s.chars().filter(|c| *c == '.').count();
    if dots > 1
        || !s.chars().all(|c| c.is_ascii_digit() || c == '.')
        || !s.chars().any(|c| c.is_ascii_digit())
    {
        return Err(invalid());
    }
    let cpus: f64 = s.parse().map_err(|_| invalid())?;
    if !cpus.is_finite() {
        return Err(invalid());
    }
    // Compare with a small tolerance so `0.01` itself is accepted.
    if cpus < MIN_CPUS - 1e-12 {
        return Err(CpuError::TooSmall {
            input: input.to_owned(),
        });
    }
    if cpus > MAX_CPUS {
        return Err(CpuError::TooLarge {
            input: input.to_owned(),
        });
    }
    Ok(cpus)
}

/// Converts a CPU count to Docker's `NanoCpus` (billionths of a CPU), rounded
/// to the nearest integer. Negative and NaN inputs give 0; huge ones saturate.
pub fn cpus_to_nano(cpus: f64) -> i64 {
    if cpus.is_nan() || cpus <= 0.0 {
        return 0;
    }
    // `as` saturates at i64::MAX for out-of-range floats.
    (cpus * 1e9).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers() {
        assert_eq!(parse_cpus("0.5").unwrap(), 0.5);
        assert_eq!(parse_cpus("2").unwrap(), 2.0);
        assert_eq!(parse_cpus(" 1.25 ").unwrap(), 1.25);
        assert_eq!(parse_cpus(".5").unwrap(), 0.5);
        assert_eq!(parse_cpus("2.").unwrap(), 2.0);
        assert_eq!(parse_cpus("0.01").unwrap(), 0.01);
        assert_eq!(parse_cpus("1024").unwrap(), 1024.0);
    }

    #[test]
    fn rejects_out_of_range() {
        for small in ["0", "0.0", "0.001", "0.009"] {
            assert!(
                matches!(parse_cpus(small), Err(CpuError::TooSmall { .. })),
                "{small}"
            );
        }
        assert!(matches!(
            parse_cpus("1024.5"),
            Err(CpuError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_cpus("99999999999999999999999999"),
            Err(CpuError::TooLarge { .. })
        ));
        assert!(parse_cpus("0").unwrap_err().to_string().contains("0.01"));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_cpus(""), Err(CpuError::Empty));
        for bad in [
            "-1", "+1", "1e3", "inf", "NaN", "1.2.3", ".", "two", "50%", "1 5", "1,5",
        ] {
            assert!(
                matches!(parse_cpus(bad), Err(CpuError::Invalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn converts_to_nano() {
        assert_eq!(cpus_to_nano(0.5), 500_000_000);
        assert_eq!(cpus_to_nano(2.0), 2_000_000_000);
        assert_eq!(cpus_to_nano(0.01), 10_000_000);
        assert_eq!(cpus_to_nano(1.1), 1_100_000_000);
        assert_eq!(cpus_to_nano(0.0), 0);
        assert_eq!(cpus_to_nano(-3.0), 0);
        assert_eq!(cpus_to_nano(f64::NAN), 0);
        assert_eq!(cpus_to_nano(f64::INFINITY), i64::MAX);
        assert_eq!(cpus_to_nano(1e30), i64::MAX);
    }
}
