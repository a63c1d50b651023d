//! Durations as people write them in `policy.toml` (`30m`, `2h`, `1h30m`,
//! `5d`) and as tkt prints them (`1h 5m`).
//!
//! Units are exact: `d` is 24 hours and `w` is 7 days. On a business calendar
//! a target is business time, so `40h` on a 09:00–17:00 calendar is five
//! working days.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a duration (use a number and a unit: s, m, h, d, w; e.g. `30m`, `1h30m`, `5d`)"
)]
pub struct InvalidDuration(pub String);

/// Parses `30m`, `2h`, `1h30m`, `1h 30m`, `90s`, `5d`, `2w` into seconds.
/// Zero and negative durations are refused: a target of nothing is a mistake.
pub fn parse(text: &str) -> Result<i64, InvalidDuration> {
    let err = || InvalidDuration(text.to_string());
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for ch in text.trim().chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else if ch == ' ' && digits.is_empty() {
            continue;
        } else {
            let unit = match ch {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(err()),
            };
            let n: i64 = digits.parse().map_err(|_| err())?;
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(err)?;
            digits.clear();
            any = true;
        }
    }
    if !digits.is_empty() || !any || total == 0 {
        return Err(err());
    }
    Ok(total)
}

/// Compact human form with at most two units: `45s`, `23m`, `1h 5m`, `3d 4h`.
pub fn format(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let sign = if seconds < 0 { "-" } else { "" };
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let text = if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if sec > 0 && m < 10 {
            format!("{m}m {sec}s")
        } else {
            format!("{m}m")
        }
    } else {
        format!("{sec}s")
    };
    format!("{sign}{text}")
}

/// Like [`format`], but never in days: for business time, where "1d" would
/// read as a calendar day (`40h` on a 09:00–17:00 calendar is a working week).
pub fn format_hours(seconds: i64) -> String {
    if seconds.unsigned_abs() < 86_400 {
        return format(seconds);
    }
    let s = seconds.unsigned_abs();
    let sign = if seconds < 0 { "-" } else { "" };
    let (h, m) = (s / 3_600, s % 3_600 / 60);
    if m > 0 {
        format!("{sign}{h}h {m}m")
    } else {
        format!("{sign}{h}h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_write() {
        assert_eq!(parse("30m"), Ok(1_800));
        assert_eq!(parse("2h"), Ok(7_200));
        assert_eq!(parse("1h30m"), Ok(5_400));
        assert_eq!(parse("1h 30m"), Ok(5_400));
        assert_eq!(parse("5d"), Ok(432_000));
        assert_eq!(parse("1w"), Ok(604_800));
        for bad in [
            "2x",
            "",
            "h",
            "30",
            "0m",
            "-5m",
            "1.5h",
            "99999999999999999w",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_compactly() {
        assert_eq!(format(45), "45s");
        assert_eq!(format(23 * 60), "23m");
        assert_eq!(format(3_900), "1h 5m");
        assert_eq!(format(3 * 86_400 + 4 * 3_600 + 59), "3d 4h");
        assert_eq!(format(-3_900), "-1h 5m");
        assert_eq!(format(0), "0s");
        assert_eq!(format_hours(40 * 3_600), "40h");
        assert_eq!(format_hours(-(25 * 3_600 + 60)), "-25h 1m");
        assert_eq!(format_hours(3_900), "1h 5m");
    }
}
