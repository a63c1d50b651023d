//! Verdicts: a clock becomes a [`Timer`] with its status (breached,
//! warning, running, paused, met), its due instant and, once breached, the
//! instant it breached.

use crate::policy::Fraction;
use crate::time::Timestamp;

use super::replay::{Calendars, Clock};
use super::{Segment, Timer, TimerStatus};

/// The verdict on `clock` at `now`: its open segment counted up to `now`,
/// judged against `target` (the one in force when it stopped, or the
/// current one while it runs).
pub(super) fn judge(
    clock: Clock,
    target: i64,
    now: Timestamp,
    calendars: Calendars<'_>,
    warning: Fraction,
) -> Timer {
    let crossing = crossing(calendars, &clock, target);
    judge_crossing(clock, target, now, calendars, warning, crossing)
}

/// [`judge`], given the instant the clock's elapsed time reaches `target`
/// ([`crossing`]: it does not change with `now`).
pub(super) fn judge_crossing(
    mut clock: Clock,
    target: i64,
    now: Timestamp,
    calendars: Calendars<'_>,
    warning: Fraction,
    crossing: Option<Timestamp>,
) -> Timer {
    let running_at_now = clock.running_since;
    // The open segment counted up to now.
    let open = running_at_now.zip(clock.open_seconds(now, &calendars));
    let breached = clock.elapsed().saturating_add(open.map_or(0, |(_, s)| s)) > target;
    // Asked of the clock as it runs, before its open segment is added.
    let breached_at = breached
        .then(|| breach_began(calendars, &clock, target, crossing))
        .flatten();
    // Count the open segment up to now, but remember it is open.
    if let Some((since, business_s)) = open {
        clock.segments.push(Segment {
            from: since,
            to: None,
            calendar: clock.calendar.clone(),
            business_s,
        });
    }
    let elapsed = clock.elapsed();
    let status = if clock.stopped.is_some() {
        if breached {
            TimerStatus::Breached
        } else {
            TimerStatus::Met
        }
    } else if breached {
        TimerStatus::Breached
    } else if running_at_now.is_none() {
        TimerStatus::Paused
    } else if warning.reached(elapsed, target) {
        TimerStatus::Warning
    } else {
        TimerStatus::Running
    };
    let due = match (clock.stopped, running_at_now) {
        (None, Some(_)) => crossing,
        _ => None,
    };
    Timer {
        metric: clock.metric,
        level: clock.level.map(Into::into),
        cycle: clock.cycle,
        calendar: clock.calendar.into(),
        status,
        target_s: target,
        elapsed_s: elapsed,
        remaining_s: remaining(target, elapsed),
        due,
        started_at: clock.started_at,
        stopped_at: clock.stopped.map(|(at, _)| at),
        breached_at,
        segments: clock.segments,
    }
}

/// The instant a breach of `target` began: from it on, the clock's
/// elapsed time exceeds the target. That is `crossing` (where elapsed
/// reaches the target) when the clock counts on from there, in a working
/// window; when the target is reached at the end of a window or of a
/// running spell (a target that fills Friday to 17:00), the breach begins
/// where counting resumes (Monday 09:00), the instant elapsed reaches one
/// second past the target, less that second. A watchdog that ran at
/// `crossing` saw the target reached, not passed: `--since` counts the
/// breach from when it began.
fn breach_began(
    calendars: Calendars<'_>,
    clock: &Clock,
    target: i64,
    crossing: Option<Timestamp>,
) -> Option<Timestamp> {
    let crossing = crossing?;
    // The common case: reached within the open spell, which goes on
    // counting through the next second.
    let counts_on = clock.running_since.is_some_and(|since| {
        since <= crossing
            && calendars
                .get(&clock.calendar)
                .business_seconds(crossing.utc(), crossing.plus(1).utc())
                == 1
    });
    if counts_on {
        return Some(crossing);
    }
    self::crossing(calendars, clock, target.saturating_add(1)).map(|past| past.plus(-1))
}

/// `target - elapsed`, saturating, and never `i64::MIN`, so that a renderer
/// may negate it.
fn remaining(target: i64, elapsed: i64) -> i64 {
    target.saturating_sub(elapsed).max(-i64::MAX)
}

/// The instant `clock`'s cumulative elapsed time reaches `target`: walking
/// its closed segments, then extending the open one (while it runs) into
/// the future. The same at every instant: the open segment's end does not
/// enter into it.
pub(super) fn crossing(calendars: Calendars<'_>, clock: &Clock, target: i64) -> Option<Timestamp> {
    let from = |calendar: &str, at: Timestamp, seconds: i64| {
        calendars
            .get(calendar)
            .add_business(at.utc(), seconds)
            .map(Timestamp::from_utc)
    };
    let mut before: i64 = 0;
    for seg in &clock.segments {
        if before.saturating_add(seg.business_s) >= target {
            return from(&seg.calendar, seg.from, target.saturating_sub(before));
        }
        before = before.saturating_add(seg.business_s);
    }
    let since = clock.running_since?;
    from(&clock.calendar, since, target.saturating_sub(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_threshold_never_overflows() {
        let f = |num, den| Fraction { num, den };
        assert!(f(75, 100).reached(750, 1_000));
        assert!(!f(75, 100).reached(749, 1_000));
        assert!(!f(75, 100).reached(3_600, i64::MAX));
        assert!(!f(75, 100).reached(i64::MAX / 2, i64::MAX));
        assert!(f(1, 1).reached(i64::MAX, i64::MAX));
        assert!(f(75, 100).reached(i64::MAX, i64::MAX));
        assert!(f(0, 1).reached(0, 1_000));
        let tiny = f(1, 1_000_000_000_000_000);
        assert!(tiny.reached(1, 1_000) && !tiny.reached(0, 1));
    }

    #[test]
    fn remaining_saturates_and_can_be_negated() {
        assert_eq!(remaining(100, 30), 70);
        assert_eq!(remaining(100, 130), -30);
        assert_eq!(remaining(i64::MAX, -1), i64::MAX);
        assert_eq!(remaining(i64::MIN, 1), -i64::MAX);
        assert_eq!(remaining(0, i64::MAX), -i64::MAX);
        assert_eq!(-remaining(0, i64::MAX), i64::MAX);
    }
}
