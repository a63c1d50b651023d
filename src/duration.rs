//! Durations as people write them in `policy.toml` (`30m`, `2h`, `1h30m`,
//! `5d`) and as tkt prints them (`1h 5m`).
//!
//! Units are exact: `d` is 24 hours and `w` is 7 days. On a business calendar
//! a target is business time, so `40h` on a 09:00–17:00 calendar is five
//! working days.

/// The longest duration tkt takes: 3650 days, ten years. A target longer
/// than that is a typo, and the bound keeps every sum of targets and
/// business seconds far from `i64`'s range.
pub const MAX_SECONDS: i64 = 3_650 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDuration {
    #[error(
        "`{0}` is not a duration (use a number and a unit: s, m, h, d, w; e.g. `30m`, `1h30m`, `5d`)"
    )]
    Malformed(String),
    #[error("`{0}` is longer than the longest duration allowed, 3650d (ten years)")]
    TooLong(String),
    #[error("`{0}` is no time at all; a duration is at least 1s")]
    Zero(String),
}

/// Parses `30m`, `2h`, `1h30m`, `1h 30m`, `90s`, `5d`, `2w` into seconds.
/// Zero and negative durations are refused: a target of nothing is a mistake;
/// so is one longer than [`MAX_SECONDS`]. Any number of digits is read
/// without overflow: past the maximum the value only counts as too long.
pub fn parse(text: &str) -> Result<i64, InvalidDuration> {
    let malformed = || InvalidDuration::Malformed(text.to_string());
    // Both saturate just past the maximum, so nothing here can overflow.
    let cap = MAX_SECONDS as u64 + 1;
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    let mut any = false;
    for ch in text.trim().chars() {
        if let Some(digit) = ch.to_digit(10) {
            let n = number.unwrap_or(0);
            number = Some(
                n.saturating_mul(10)
                    .saturating_add(u64::from(digit))
                    .min(cap),
            );
        } else if ch == ' ' && number.is_none() {
            continue;
        } else {
            let unit: u64 = match ch {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(malformed()),
            };
            let n = number.take().ok_or_else(malformed)?;
            total = total.saturating_add(n.saturating_mul(unit)).min(cap);
            any = true;
        }
    }
    if number.is_some() || !any {
        return Err(malformed());
    }
    if total == 0 {
        return Err(InvalidDuration::Zero(text.to_string()));
    }
    if total >= cap {
        return Err(InvalidDuration::TooLong(text.to_string()));
    }
    Ok(total as i64)
}

/// Compact human form with at most two units: `45s`, `23m`, `1h 5m`, `3d 4h`.
pub fn format(seconds: i64) -> String {
    Compact(seconds).to_string()
}

/// [`format`] as a value that writes itself (no `String` made).
#[derive(Debug, Clone, Copy)]
pub struct Compact(pub i64);

impl std::fmt::Display for Compact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
        if d > 0 {
            if h > 0 {
                write!(f, "{d}d {h}h")
            } else {
                write!(f, "{d}d")
            }
        } else if h > 0 {
            if m > 0 {
                write!(f, "{h}h {m}m")
            } else {
                write!(f, "{h}h")
            }
        } else if m > 0 {
            if sec > 0 && m < 10 {
                write!(f, "{m}m {sec}s")
            } else {
                write!(f, "{m}m")
            }
        } else {
            write!(f, "{sec}s")
        }
    }
}

/// Like [`format`], but never in days: for business time, where "1d" would
/// read as a calendar day (`40h` on a 09:00–17:00 calendar is a working week).
pub fn format_hours(seconds: i64) -> String {
    Hours(seconds).to_string()
}

/// [`format_hours`] as a value that writes itself (no `String` made).
#[derive(Debug, Clone, Copy)]
pub struct Hours(pub i64);

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.0;
        if seconds.unsigned_abs() < 86_400 {
            return Compact(seconds).fmt(f);
        }
        let s = seconds.unsigned_abs();
        let sign = if seconds < 0 { "-" } else { "" };
        let (h, m) = (s / 3_600, s % 3_600 / 60);
        if m > 0 {
            write!(f, "{sign}{h}h {m}m")
        } else {
            write!(f, "{sign}{h}h")
        }
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
            "2x", "", "h", "30", "-5m", "1.5h", "h30m", "1h m", "30m 5", "٣m",
        ] {
            assert_eq!(
                parse(bad),
                Err(InvalidDuration::Malformed(bad.into())),
                "{bad}"
            );
        }
        for nothing in ["0m", "0s", "0h 0m"] {
            assert_eq!(parse(nothing), Err(InvalidDuration::Zero(nothing.into())));
        }
        assert_eq!(
            InvalidDuration::Zero("0s".into()).to_string(),
            "`0s` is no time at all; a duration is at least 1s"
        );
    }

    #[test]
    fn the_maximum_is_ten_years_and_nothing_overflows() {
        assert_eq!(MAX_SECONDS, 315_360_000);
        assert_eq!(parse("3650d"), Ok(MAX_SECONDS));
        assert_eq!(parse("521w 3d"), Ok(MAX_SECONDS));
        assert_eq!(parse("315360000s"), Ok(MAX_SECONDS));
        assert_eq!(parse("3649d 23h 59m 60s"), Ok(MAX_SECONDS));
        for long in [
            "3650d 1s",
            "315360001s",
            "3651d",
            "522w",
            "9223372036854775807s",
            "9223372036854775808s",
            "99999999999999999999d",
            "99999999999999999w",
            "18446744073709551615w 18446744073709551615w",
            "00000000000000000000000000000000000000003651d",
        ] {
            assert_eq!(
                parse(long),
                Err(InvalidDuration::TooLong(long.into())),
                "{long}"
            );
        }
        // Leading zeros are only digits.
        assert_eq!(parse("0000000000000000000000000000000030m"), Ok(1_800));
        // Malformed wins over too long: the text is not a duration at all.
        assert!(matches!(
            parse("99999999999999999999x"),
            Err(InvalidDuration::Malformed(_))
        ));
        let message = parse("9223372036854775807s").unwrap_err().to_string();
        assert!(message.contains("3650d"), "{message}");
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
