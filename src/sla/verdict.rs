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
    } else if elapsed * 1000 >= target * warning_permille {
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
        remaining_s: target - elapsed,
        due,
        started_at: clock.started_at,
        stopped_at: clock.stopped.map(|(at, _)| at),
        breached_at: if breached { crossing } else { None },
        segments: clock.segments,
    }
}

/// The instant cumulative elapsed time reaches `target`, walking the
/// segments and extending the last open one into the future.
fn crossing(calendars: Calendars<'_>, segments: &[Segment], target: i64) -> Option<Timestamp> {
    let mut before = 0;
    for seg in segments {
        let open = seg.to.is_none();
        if open || before + seg.business_s >= target {
            let calendar = calendars.get(&seg.calendar);
            return calendar
                .add_business(seg.from.utc(), target - before)
                .map(Timestamp::from_utc);
        }
        before += seg.business_s;
    }
    None
}
