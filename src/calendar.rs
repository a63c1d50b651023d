//! Business calendars: an IANA zone, weekly working windows and holidays, or
//! `24x7`. Pure: no I/O, no clock.
//!
//! SKELETON: being implemented (see the tests at the bottom of this file).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// Seconds since local midnight, `0..=86_400` (`24:00` is allowed as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("`{0}` is not a window like `09:00-17:00`")]
    BadWindow(String),
    #[error("window {0} ends at or before it starts")]
    EmptyWindow(String),
    #[error("windows {0} and {1} overlap")]
    Overlap(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    _private: (),
}

impl Window {
    pub fn parse(_text: &str) -> Result<Window, CalendarError> {
        todo!()
    }
}

impl Calendar {
    pub fn always() -> Calendar {
        todo!()
    }

    /// `week[0]` is Monday. Windows of a day must not overlap.
    pub fn new(
        _zone: Tz,
        _week: [Vec<Window>; 7],
        _holidays: BTreeSet<NaiveDate>,
    ) -> Result<Calendar, CalendarError> {
        todo!()
    }

    pub fn business_seconds(&self, _from: DateTime<Utc>, _to: DateTime<Utc>) -> i64 {
        todo!()
    }

    pub fn add_business(&self, _from: DateTime<Utc>, _seconds: i64) -> Option<DateTime<Utc>> {
        todo!()
    }
}
