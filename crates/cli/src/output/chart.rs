//! Small charts for a terminal: a series drawn as one line of block characters (a sparkline,
//! `▁▂▃▄▅▆▇█`) between its least and its most value, and byte counts as people read them.

/// The eight heights of a sparkline, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A series drawn in at most `width` characters, each the average of the values it covers
/// (a gap, no value, is a space), and the least and the most value drawn; `None` when the
/// series has no value at all.
pub fn sparkline(values: &[Option<f64>], width: usize) -> Option<(String, f64, f64)> {
    let width = width.max(1);
    let columns: Vec<Option<f64>> = if values.len() <= width {
        values.to_vec()
    } else {
        (0..width)
            .map(|column| {
                let from = column * values.len() / width;
                let to = ((column + 1) * values.len() / width).max(from + 1);
                let known: Vec<f64> = values[from..to].iter().flatten().copied().collect();
                (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
            })
            .collect()
    };
    let known = columns.iter().flatten().copied();
    let least = known.clone().fold(f64::INFINITY, f64::min);
    let most = known.fold(f64::NEG_INFINITY, f64::max);
    if !least.is_finite() || !most.is_finite() {
        return None;
    }
    let line = columns
        .iter()
        .map(|value| match value {
            None => ' ',
            Some(_) if most <= least => BARS[0],
            Some(v) => {
                let step = ((v - least) / (most - least) * (BARS.len() - 1) as f64).round();
                BARS[(step as usize).min(BARS.len() - 1)]
            }
        })
        .collect();
    Some((line, least, most))
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `64.0 MiB`, `2.3 GiB`.
pub fn bytes(count: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_drawn_between_its_least_and_most() {
        let series = [Some(0.0), Some(50.0), None, Some(100.0)];
        assert_eq!(
            sparkline(&series, 10),
            Some(("▁▅ █".to_string(), 0.0, 100.0))
        );
        // Flat: the lowest bar throughout.
        assert_eq!(
            sparkline(&[Some(3.0), Some(3.0)], 10),
            Some(("▁▁".to_string(), 3.0, 3.0))
        );
        assert_eq!(sparkline(&[None, None], 10), None);
        assert_eq!(sparkline(&[], 10), None);
    }

    #[test]
    fn a_long_series_is_averaged_into_the_width() {
        let series: Vec<Option<f64>> = (0..360).map(|i| Some(f64::from(i / 45))).collect();
        let (line, least, most) = sparkline(&series, 8).unwrap();
        assert_eq!(line, "▁▂▃▄▅▆▇█");
        assert_eq!((least, most), (0.0, 7.0));
    }

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(64.0 * 1024.0 * 1024.0), "64.0 MiB");
    }
}
