//! Instants as tkt stores them: UTC, whole seconds, RFC 3339 with `Z`.

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an RFC 3339 timestamp (e.g. 2026-11-27T09:30:00Z)")]
pub struct InvalidTimestamp(pub String);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(DateTime::<Utc>::UNIX_EPOCH);
    /// The latest instant chrono represents: later than any event.
    pub const MAX: Timestamp = Timestamp(DateTime::<Utc>::MAX_UTC);
    pub const MIN: Timestamp = Timestamp(DateTime::<Utc>::MIN_UTC);

    /// The years tkt writes events in. Readers accept any RFC 3339 instant;
    /// writers (`--now`, `--at`, every verb) refuse instants outside these
    /// years, so that every file tkt writes reads back (a year before 0 or
    /// after 9999 has no RFC 3339 form).
    pub const WRITABLE_YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

    /// Whether tkt writes events at this instant (its UTC year is in
    /// [`Self::WRITABLE_YEARS`]).
    pub fn is_writable(self) -> bool {
        use chrono::Datelike;
        Self::WRITABLE_YEARS.contains(&self.0.year())
    }

    /// Parses RFC 3339 with any offset; stores UTC. Sub-second parts are
    /// dropped: SLA math is in whole seconds.
    pub fn parse(text: &str) -> Result<Self, InvalidTimestamp> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Timestamp(t.with_timezone(&Utc).trunc_subsecs(0)))
            .map_err(|_| InvalidTimestamp(text.to_string()))
    }

    pub fn from_utc(t: DateTime<Utc>) -> Self {
        Timestamp(t.trunc_subsecs(0))
    }

    pub fn from_unix(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).map(Timestamp)
    }

    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    /// `self + seconds`, saturating at chrono's range (its first and last
    /// whole seconds). Never panics: `TimeDelta::seconds` would, past about
    /// `i64::MAX / 1000`.
    pub fn plus(self, seconds: i64) -> Self {
        chrono::TimeDelta::try_seconds(seconds)
            .and_then(|delta| self.0.checked_add_signed(delta))
            .map(Timestamp)
            .unwrap_or_else(|| {
                Timestamp::from_utc(if seconds < 0 {
                    DateTime::<Utc>::MIN_UTC
                } else {
                    DateTime::<Utc>::MAX_UTC
                })
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

/// RFC 3339 text for people and JSON; seconds and nanoseconds since the
/// epoch for binary formats (the desk's index), exact and compact.
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            (self.0.timestamp(), self.0.timestamp_subsec_nanos()).serialize(serializer)
        }
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "An RFC 3339 instant, e.g. 2026-11-20T09:14:00Z (an offset is converted to UTC)"
        })
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            crate::text::parse_text(deserializer, Timestamp::parse)
        } else {
            let (secs, nanos) = <(i64, u32)>::deserialize(deserializer)?;
            DateTime::from_timestamp(secs, nanos)
                .map(Timestamp)
                .ok_or_else(|| serde::de::Error::custom("instant out of range"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_utc_and_print_with_z() {
        let t = Timestamp::parse("2026-03-08T01:30:00-05:00").unwrap();
        assert_eq!(t.to_string(), "2026-03-08T06:30:00Z");
        let t = Timestamp::parse("2026-03-08T06:30:00.987Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-08T06:30:00Z");
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn plus_saturates_at_the_range_and_never_panics() {
        let t = Timestamp::parse("2026-03-08T06:30:00Z").unwrap();
        assert_eq!(t.plus(90).to_string(), "2026-03-08T06:31:30Z");
        assert_eq!(t.plus(-90).to_string(), "2026-03-08T06:28:30Z");
        let last = Timestamp::from_utc(DateTime::<Utc>::MAX_UTC);
        let first = Timestamp::from_utc(DateTime::<Utc>::MIN_UTC);
        for huge in [i64::MAX, i64::MAX / 1000 + 1, 1 << 50] {
            assert_eq!(t.plus(huge), last, "{huge}");
            assert_eq!(t.plus(-huge), first, "{huge}");
        }
        assert_eq!(t.plus(i64::MIN), first);
        assert_eq!(last.plus(1), last);
        assert_eq!(first.plus(-1), first);
        assert_eq!(last.plus(-1).unix(), last.unix() - 1);
    }
}
