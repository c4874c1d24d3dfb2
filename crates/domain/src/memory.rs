//! Memory limits: parsing sizes such as `512m` or `1.5g` into bytes.

use thiserror::Error;

/// Docker refuses memory limits below 6 MiB.
pub const MIN_MEMORY_BYTES: u64 = 6 * 1024 * 1024;

/// Why a memory size was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MemoryError {
    /// Nothing was given.
    #[error("memory size is empty; give a size such as `512m` or `1g`")]
    Empty,
    /// Not a number followed by an optional unit.
    #[error(
        "memory size `{input}` is not a number with an optional unit; use e.g. `512m`, `1.5g`, `1024k` or plain bytes `1048576`"
    )]
    Invalid {
        /// What was given.
        input: String,
    },
    /// An unknown unit.
    #[error(
        "memory size `{input}` has unknown unit `{unit}`; use b, k, m or g (kb/mb/gb and kib/mib/gib also work)"
    )]
    UnknownUnit {
        /// What was given.
        input: String,
        /// The unit part.
        unit: String,
    },
    /// A fraction of a byte.
    #[error(
        "memory size `{input}` is a fraction of a byte; give whole bytes or add a unit such as `m`"
    )]
    FractionalBytes {
        /// What was given.
        input: String,
    },
    /// Below Docker's minimum.
    #[error("memory size `{input}` is {bytes} bytes; Docker's minimum memory limit is 6m (6 MiB)")]
    TooSmall {
        /// What was given.
        input: String,
        /// The parsed value.
        bytes: u64,
    },
    /// Does not fit in 64 bits.
    #[error("memory size `{input}` is too large")]
    TooLarge {
        /// What was given.
        input: String,
    },
}

/// Parses a memory size into bytes.
///
/// Accepts a decimal number with an optional case-insensitive unit: none or
/// `b` (bytes), `k`/`kb`/`kib`, `m`/`mb`/`mib`, `g`/`gb`/`gib`, `t`/`tb`/`tib`.
/// Units are binary (1k = 1024 bytes), as in Docker. Fractions are allowed
/// with a unit (`1.5g`) and rounded down to whole bytes. The result must be at
/// least [`MIN_MEMORY_BYTES`].
pub fn parse_memory(input: &str) -> Result<u64, MemoryError> {
    let bytes = parse_size(input)?;
    if bytes < MIN_MEMORY_BYTES {
        return Err(MemoryError::TooSmall {
            input: input.to_owned(),
            bytes,
        });
    }
    Ok(bytes)
}

/// Parses a size in bytes as [`parse_memory`] does, with no minimum (a file size).
pub fn parse_size(input: &str) -> Result<u64, MemoryError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(MemoryError::Empty);
    }
    let invalid = || MemoryError::Invalid {
        input: input.to_owned(),
    };
    let too_large = || MemoryError::TooLarge {
        input: input.to_owned(),
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let unit = unit.trim_start();
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            if number.is_empty() {
                return Err(invalid());
            }
            return Err(MemoryError::UnknownUnit {
                input: input.to_owned(),
                unit: unit.to_owned(),
            });
        }
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(invalid());
    }
    if number.ends_with('.') {
        return Err(invalid());
    }
    let whole_value: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    let mut bytes = whole_value.checked_mul(multiplier).ok_or_else(too_large)?;
    if !fraction.is_empty() {
        if multiplier == 1 && fraction.bytes().any(|b| b != b'0') {
            return Err(MemoryError::FractionalBytes {
                input: input.to_owned(),
            });
        }
        // Digits beyond 25 are ignored so the arithmetic stays within u128
        // (10^25 * 2^40 < 2^128); they cannot matter for a byte count.
        let digits = &fraction[..fraction.len().min(25)];
        let numerator: u128 = digits.parse().map_err(|_| invalid())?;
        let denominator: u128 = 10u128.pow(digits.len() as u32);
        let extra = numerator * u128::from(multiplier) / denominator;
        let extra = u64::try_from(extra).map_err(|_| too_large())?;
        bytes = bytes.checked_add(extra).ok_or_else(too_large)?;
    }
    Ok(bytes)
}

/// Formats a byte count compactly for display, e.g. `512m`, `1.5g`, `6291456`.
pub fn format_memory(bytes: u64) -> String {
    for (unit, size) in [
        ("t", 1u64 << 40),
        ("g", 1 << 30),
        ("m", 1 << 20),
        ("k", 1 << 10),
    ] {
        if bytes >= size {
            if bytes.is_multiple_of(size) {
                return format!("{}{unit}", bytes / size);
            }
            // One decimal when exact, e.g. 1.5g.
            let tenths = u128::from(bytes) * 10;
            if tenths.is_multiple_of(u128::from(size)) {
                let t = tenths / u128::from(size);
                return format!("{}.{}{unit}", t / 10, t % 10);
            }
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * MIB;

    #[test]
    fn parses_units() {
        assert_eq!(parse_memory("512m").unwrap(), 512 * MIB);
        assert_eq!(parse_memory("512M").unwrap(), 512 * MIB);
        assert_eq!(parse_memory("256mb").unwrap(), 256 * MIB);
        assert_eq!(parse_memory("256MiB").unwrap(), 256 * MIB);
        assert_eq!(parse_memory("1g").unwrap(), GIB);
        assert_eq!(parse_memory("1.5g").unwrap(), GIB + GIB / 2);
        // The unit is understood, but 1 MiB is under Docker's minimum.
        assert_eq!(
            parse_memory("1024k"),
            Err(MemoryError::TooSmall {
                input: "1024k".into(),
                bytes: MIB
            })
        );
        assert_eq!(parse_memory("10240k").unwrap(), 10 * MIB);
        assert_eq!(parse_memory("1048576000").unwrap(), 1000 * MIB);
        assert_eq!(parse_memory("6291456").unwrap(), 6 * MIB);
        assert_eq!(parse_memory("6291456b").unwrap(), 6 * MIB);
        assert_eq!(parse_memory(" 2 g ").unwrap(), 2 * GIB);
        assert_eq!(parse_memory("1t").unwrap(), 1024 * GIB);
        assert_eq!(parse_memory(".5g").unwrap(), GIB / 2);
        assert_eq!(
            parse_memory("7.000").unwrap_err(),
            MemoryError::TooSmall {
                input: "7.000".into(),
                bytes: 7
            }
        );
    }

    #[test]
    fn fractions_round_down() {
        assert_eq!(parse_memory("6.0000001m").unwrap(), 6 * MIB);
        assert_eq!(
            parse_memory("1.333333333333333333333333g").unwrap(),
            GIB + GIB / 3
        );
    }

    #[test]
    fn enforces_docker_minimum() {
        assert_eq!(parse_memory("6m").unwrap(), MIN_MEMORY_BYTES);
        let e = parse_memory("5m").unwrap_err();
        assert!(matches!(e, MemoryError::TooSmall { bytes, .. } if bytes == 5 * MIB));
        assert!(e.to_string().contains("Docker's minimum"), "{e}");
        assert!(matches!(
            parse_memory("1048576"),
            Err(MemoryError::TooSmall { .. })
        ));
        assert!(matches!(
            parse_memory("0"),
            Err(MemoryError::TooSmall { .. })
        ));
        assert!(matches!(
            parse_memory("0g"),
            Err(MemoryError::TooSmall { .. })
        ));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_memory(""), Err(MemoryError::Empty));
        assert_eq!(parse_memory("   "), Err(MemoryError::Empty));
        for bad in [
            "m", "-1g", "1..5g", "1.5.2g", "1.g", ".", "g512", "1 2m", "+5g", "1e9",
        ] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            parse_memory("512x"),
            Err(MemoryError::UnknownUnit { ref unit, .. }) if unit == "x"
        ));
        assert!(matches!(
            parse_memory("1.5"),
            Err(MemoryError::FractionalBytes { .. })
        ));
        assert!(
            parse_memory("512q")
                .unwrap_err()
                .to_string()
                .contains("use b, k, m or g")
        );
    }

    #[test]
    fn rejects_overflow() {
        assert!(matches!(
            parse_memory("99999999999999999999999"),
            Err(MemoryError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_memory("20000000t"),
            Err(MemoryError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_memory("16777216t"),
            Err(MemoryError::TooLarge { .. })
        ));
        assert!(parse_memory("16777215.9999t").is_ok());
        assert!(parse_memory("18446744073709551615").is_ok());
    }

    #[test]
    fn formats() {
        assert_eq!(format_memory(512 * MIB), "512m");
        assert_eq!(format_memory(GIB + GIB / 2), "1.5g");
        assert_eq!(format_memory(GIB), "1g");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_memory(1536), "1.5k");
        assert_eq!(format_memory(6 * MIB + 1), "6291457");
        assert_eq!(format_memory(u64::MAX), u64::MAX.to_string());
    }
}
