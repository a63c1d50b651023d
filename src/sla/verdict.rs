//! Verdicts: a clock becomes a [`Timer`] with its status (breached,
//! warning, running, paused, met), its due instant and, once breached, the
//! instant it breached.

use crate::time::Timestamp;

use super::replay::{Calendars, Clock};
use super::{Segment, Timer, TimerStatus};

/// The verdict on `clock` at `now`: its open segment counted up to `now`,
/// judged against the target in force when it stopped (or `current_target`
/// while it runs).
pub(super) fn judge(
    mut clock: Clock,
    current_target: i64,
    now: Timestamp,
    calendars: Calendars<'_>,
    warning_permille: i64,
) -> Timer {
    let running_at_now = clock.running_since;
    // Count the open segment up to now, but remember it is open.
    if let Some(since) = running_at_now {
        let business_s = calendars
            .get(&clock.calendar)
            .business_seconds(since.utc(), now.utc());
        clock.segments.push(Segment {
            from: since,
            to: None,
            calendar: clock.calendar.clone(),
            business_s,
        });
    }
    let elapsed = clock.elapsed();
    let target = match clock.stopped {
        Some((_, Some(target_then))) => target_then,
        _ => current_target,
    };
    let breached = elapsed > target;
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
    } else if reached_warning(elapsed, target, warning_permille) {
        TimerStatus::Warning
    } else {
        TimerStatus::Running
    };
    let crossing = crossing(calendars, &clock.segments, target);
    let due = match (clock.stopped, running_at_now) {
        (None, Some(_)) => crossing,
        _ => None,
    };
    Timer {
        metric: clock.metric,
        level: clock.level,
        calendar: clock.calendar,
        status,
        target_s: target,
        elapsed_s: elapsed,
        remaining_s: remaining(target, elapsed),
        due,
        started_at: clock.started_at,
        stopped_at: clock.stopped.map(|(at, _)| at),
        breached_at: if breached { crossing } else { None },
        segments: clock.segments,
    }
}

/// Whether `elapsed` has used `warning_permille` per mille of `target`.
/// Widened to `i128`: both factors are `i64`, so the products always fit,
/// whatever a policy built in code holds.
fn reached_warning(elapsed: i64, target: i64, warning_permille: i64) -> bool {
    i128::from(elapsed) * 1000 >= i128::from(target) * i128::from(warning_permille)
}

/// `target - elapsed`, saturating, and never `i64::MIN`, so that a renderer
/// may negate it.
fn remaining(target: i64, elapsed: i64) -> i64 {
    target.saturating_sub(elapsed).max(-i64::MAX)
}

/// The instant cumulative elapsed time reaches `target`, walking the
/// segments and extending the last open one into the future.
fn crossing(calendars: Calendars<'_>, segments: &[Segment], target: i64) -> Option<Timestamp> {
    let mut before: i64 = 0;
    for seg in segments {
        let open = seg.to.is_none();
        if open || before.saturating_add(seg.business_s) >= target {
            let calendar = calendars.get(&seg.calendar);
            return calendar
                .add_business(seg.from.utc(), target.saturating_sub(before))
                .map(Timestamp::from_utc);
        }
        before = before.saturating_add(seg.business_s);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_threshold_never_overflows() {
        assert!(reached_warning(750, 1_000, 750));
        assert!(!reached_warning(749, 1_000, 750));
        assert!(!reached_warning(3_600, i64::MAX, 750));
        assert!(!reached_warning(i64::MAX / 2, i64::MAX, 750));
        assert!(reached_warning(i64::MAX, i64::MAX, 1_000));
        assert!(reached_warning(i64::MAX, i64::MAX, 750));
        assert!(reached_warning(0, 1_000, 0));
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
