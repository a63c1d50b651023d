//! On-call rotations: who serves an escalation level (optionally for one
//! team) at an instant. People take turns in order, each for one period
//! (a day or a week) from a handoff at a local wall-clock time in a zone;
//! the local time is turned into an instant as the calendars do (a handoff
//! in a DST gap happens at the first instant after it, a folded one at the
//! earlier instant), so a 09:00 handoff stays at 09:00 across DST changes.
//! Overrides put someone else on call for a range of instants.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use chrono_tz::Tz;

use crate::calendar::{local_date, local_instant};
use crate::time::Timestamp;

/// How long each turn lasts, and for weekly turns the handoff weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Daily,
    Weekly(Weekday),
}

impl Period {
    fn days(self) -> i64 {
        match self {
            Period::Daily => 1,
            Period::Weekly(_) => 7,
        }
    }
}

/// Someone covering a rotation from `from` (inclusive) to `until`
/// (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub person: String,
    pub from: Timestamp,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The escalation level it serves.
    pub level: String,
    /// The team it serves; `None` serves every team of the level.
    pub team: Option<String>,
    /// Handles, in turn order.
    pub people: Vec<String>,
    pub zone: Tz,
    pub period: Period,
    /// The handoff's local time, seconds after midnight.
    pub handoff: u32,
    /// The first turn (of `people[0]`) starts at the first handoff on or
    /// after this local date.
    pub start: NaiveDate,
    /// Later ones win where they overlap.
    pub overrides: Vec<Override>,
}

/// A stretch of time one person is on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub person: String,
    pub from: Timestamp,
    pub until: Timestamp,
    /// Covering by an override rather than taking a regular turn.
    pub covering: bool,
}

impl Rotation {
    /// The instant of the handoff on local `date`.
    fn handoff_on(&self, date: NaiveDate) -> Option<Timestamp> {
        Timestamp::from_unix(local_instant(self.zone, date, self.handoff))
    }

    /// The local date of the first handoff.
    fn first_date(&self) -> NaiveDate {
        match self.period {
            Period::Daily => self.start,
            Period::Weekly(day) => {
                let ahead = (7 + day.num_days_from_monday() as i64
                    - self.start.weekday().num_days_from_monday() as i64)
                    % 7;
                self.start + TimeDelta::days(ahead)
            }
        }
    }

    /// The regular turn at `at`, ignoring overrides; `None` before the
    /// rotation starts or without people.
    fn turn(&self, at: Timestamp) -> Option<Shift> {
        if self.people.is_empty() {
            return None;
        }
        let step = self.period.days();
        let first = self.first_date();
        // The latest handoff date at or before `at`'s local date...
        let today = local_date(self.zone, at.unix());
        let back = match self.period {
            Period::Daily => 0,
            Period::Weekly(day) => {
                (7 + today.weekday().num_days_from_monday() as i64
                    - day.num_days_from_monday() as i64)
                    % 7
            }
        };
        let mut date = today - TimeDelta::days(back);
        // ...whose handoff instant has come.
        if self.handoff_on(date)? > at {
            date -= TimeDelta::days(step);
        }
        if date < first {
            return None;
        }
        let turn = (date - first).num_days() / step;
        let person = self.people[(turn as usize) % self.people.len()].clone();
        Some(Shift {
            person,
            from: self.handoff_on(date)?,
            until: self.handoff_on(date + TimeDelta::days(step))?,
            covering: false,
        })
    }

    /// Who is on call at `at`: the last override covering it, else the
    /// regular turn, cut short where an override begins.
    pub fn on_call(&self, at: Timestamp) -> Option<Shift> {
        if let Some(o) = self
            .overrides
            .iter()
            .rev()
            .find(|o| o.from <= at && at < o.until)
        {
            return Some(Shift {
                person: o.person.clone(),
                from: o.from,
                until: o.until,
                covering: true,
            });
        }
        let mut shift = self.turn(at)?;
        if let Some(next) = self
            .overrides
            .iter()
            .filter(|o| o.from > at && o.from < shift.until)
            .map(|o| o.from)
            .min()
        {
            shift.until = next;
        }
        // An override that ended inside the turn: the turn resumes then.
        if let Some(end) = self
            .overrides
            .iter()
            .filter(|o| o.until <= at && o.until > shift.from)
            .map(|o| o.until)
            .max()
        {
            shift.from = end;
        }
        Some(shift)
    }

    /// The shift after the one at `at`.
    pub fn next(&self, at: Timestamp) -> Option<Shift> {
        let now = self.on_call(at)?;
        self.on_call(now.until)
    }

    /// Whether the rotation serves `level` for `team`.
    pub fn serves(&self, level: &str, team: Option<&str>) -> bool {
        self.level == level && (self.team.is_none() || self.team.as_deref() == team)
    }
}

/// The rotation for `level` and the ticket's `team`: the team's own
/// rotation first, else the level's rotation for every team.
pub fn rotation_for<'r>(
    rotations: &'r [Rotation],
    level: &str,
    team: Option<&str>,
) -> Option<&'r Rotation> {
    rotations
        .iter()
        .find(|r| r.level == level && r.team.is_some() && r.team.as_deref() == team)
        .or_else(|| {
            rotations
                .iter()
                .find(|r| r.level == level && r.team.is_none())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    fn weekly() -> Rotation {
        Rotation {
            level: "L2".into(),
            team: None,
            people: vec!["bo".into(), "chen".into(), "hugo".into()],
            zone: "Europe/Berlin".parse().unwrap(),
            period: Period::Weekly(Weekday::Mon),
            handoff: 9 * 3600,
            start: NaiveDate::from_ymd_opt(2026, 10, 14).unwrap(), // a Wednesday
            overrides: Vec::new(),
        }
    }

    #[test]
    fn weekly_turns_start_at_the_first_handoff_and_keep_local_time_across_dst() {
        let r = weekly();
        // First handoff: Monday 2026-10-19 09:00 CEST (07:00Z).
        assert_eq!(r.on_call(at("2026-10-19T06:59:59Z")), None);
        let bo = r.on_call(at("2026-10-19T07:00:00Z")).unwrap();
        assert_eq!(
            (bo.person.as_str(), bo.from, bo.until),
            ("bo", at("2026-10-19T07:00:00Z"), at("2026-10-26T08:00:00Z"))
        );
        // Berlin leaves summer time on 2026-10-25: the next handoff is at
        // 09:00 CET, 08:00Z.
        assert_eq!(r.on_call(at("2026-10-26T07:59:59Z")).unwrap().person, "bo");
        assert_eq!(
            r.on_call(at("2026-10-26T08:00:00Z")).unwrap().person,
            "chen"
        );
        assert_eq!(
            r.on_call(at("2026-11-02T08:00:00Z")).unwrap().person,
            "hugo"
        );
        assert_eq!(r.on_call(at("2026-11-09T08:00:00Z")).unwrap().person, "bo");
        let next = r.next(at("2026-10-20T12:00:00Z")).unwrap();
        assert_eq!(
            (next.person.as_str(), next.from),
            ("chen", at("2026-10-26T08:00:00Z"))
        );
    }

    #[test]
    fn daily_turns_and_a_handoff_inside_the_spring_gap() {
        let r = Rotation {
            period: Period::Daily,
            handoff: 2 * 3600 + 30 * 60, // 02:30 does not exist on 2026-03-29
            start: NaiveDate::from_ymd_opt(2026, 3, 28).unwrap(),
            people: vec!["a".into(), "b".into()],
            ..weekly()
        };
        // 2026-03-28 02:30 CET = 01:30Z; 2026-03-29 02:30 is skipped: the
        // handoff is at 03:00 CEST = 01:00Z.
        let a = r.on_call(at("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(
            (a.person.as_str(), a.from, a.until),
            ("a", at("2026-03-28T01:30:00Z"), at("2026-03-29T01:00:00Z"))
        );
        assert_eq!(r.on_call(at("2026-03-29T01:00:00Z")).unwrap().person, "b");
        assert_eq!(r.on_call(at("2026-03-30T00:29:59Z")).unwrap().person, "b");
        assert_eq!(r.on_call(at("2026-03-30T00:30:00Z")).unwrap().person, "a");
    }

    #[test]
    fn overrides_cover_a_range_and_cut_the_turn_around_them() {
        let mut r = weekly();
        r.overrides.push(Override {
            person: "eli".into(),
            from: at("2026-10-21T16:00:00Z"),
            until: at("2026-10-22T06:00:00Z"),
        });
        let before = r.on_call(at("2026-10-21T12:00:00Z")).unwrap();
        assert_eq!(
            (before.person.as_str(), before.until),
            ("bo", at("2026-10-21T16:00:00Z"))
        );
        let eli = r.on_call(at("2026-10-21T20:00:00Z")).unwrap();
        assert!(eli.covering);
        assert_eq!(
            (eli.person.as_str(), eli.until),
            ("eli", at("2026-10-22T06:00:00Z"))
        );
        let after = r.on_call(at("2026-10-22T06:00:00Z")).unwrap();
        assert_eq!(
            (after.person.as_str(), after.from, after.until),
            ("bo", at("2026-10-22T06:00:00Z"), at("2026-10-26T08:00:00Z"))
        );
        assert_eq!(r.next(at("2026-10-21T12:00:00Z")).unwrap().person, "eli");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Shifts tile time: the shift at any instant contains it, holds
        /// one person throughout, and the next one starts where it ends;
        /// a regular turn lasts a period give or take a DST hour.
        #[test]
        fn shifts_tile_time(
            offset in 0i64..(3 * 365 * 86_400),
            zone in proptest::sample::select(vec!["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]),
            daily in proptest::bool::ANY,
            handoff in 0u32..86_400,
            day in 0u8..7,
            cover in proptest::option::of((0i64..(3 * 365 * 86_400), 60i64..(3 * 86_400))),
        ) {
            let base = at("2026-01-01T00:00:00Z");
            let mut r = Rotation {
                zone: zone.parse().unwrap(),
                period: if daily { Period::Daily } else { Period::Weekly(Weekday::try_from(day).unwrap()) },
                handoff: handoff / 60 * 60,
                start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                ..weekly()
            };
            if let Some((from, len)) = cover {
                r.overrides.push(Override {
                    person: "cover".into(),
                    from: base.plus(from),
                    until: base.plus(from + len),
                });
            }
            let t = base.plus(offset + 8 * 86_400);
            let shift = r.on_call(t).unwrap();
            proptest::prop_assert!(shift.from <= t && t < shift.until, "{shift:?} at {t}");
            let last = shift.until.plus(-1);
            proptest::prop_assert_eq!(&r.on_call(last).unwrap().person, &shift.person);
            proptest::prop_assert_eq!(&r.on_call(shift.from).unwrap().person, &shift.person);
            let next = r.next(t).unwrap();
            proptest::prop_assert_eq!(next.from, shift.until);
            if r.overrides.is_empty() {
                let period = r.period.days() * 86_400;
                let length = shift.until.unix() - shift.from.unix();
                proptest::prop_assert!((length - period).abs() <= 3_600, "{length} for {period}");
                proptest::prop_assert_ne!(&next.person, &shift.person);
            }
        }
    }

    #[test]
    fn a_team_rotation_comes_before_the_levels() {
        let all = weekly();
        let payments = Rotation {
            team: Some("payments".into()),
            people: vec!["chen".into()],
            ..weekly()
        };
        let rotations = [all, payments];
        assert_eq!(
            rotation_for(&rotations, "L2", Some("payments"))
                .unwrap()
                .people,
            ["chen"]
        );
        assert_eq!(
            rotation_for(&rotations, "L2", Some("identity"))
                .unwrap()
                .people
                .len(),
            3
        );
        assert_eq!(
            rotation_for(&rotations, "L2", None).unwrap().people.len(),
            3
        );
        assert!(rotation_for(&rotations, "L3", None).is_none());
    }
}
