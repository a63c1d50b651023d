//! The clocks of one ticket: what each event does to each timer (start,
//! pause, resume, stop, restart, re-calendar, discard), as business-time
//! segments. Verdicts are [`super::verdict`]'s.

use crate::calendar::Calendar;
use crate::policy::{Policy, Severity};
use crate::ticket::{Event, ReviewPart};
use crate::time::Timestamp;

use super::{Action, Effect, Metric, Segment, Timer, verdict};

/// The target of a metric under a severity (`None`: the tier has no such
/// target, so there is no timer).
fn target_of(
    policy: &Policy,
    severity: Option<&Severity>,
    metric: Metric,
    level: Option<&str>,
) -> Option<i64> {
    let sev = severity?;
    match metric {
        Metric::FirstResponse => sev.first_response,
        Metric::UpdateCadence => sev.update_every,
        Metric::Resolution => sev.resolution,
        Metric::Escalation => sev
            .escalations
            .iter()
            .find(|e| Some(e.level.as_str()) == level)
            .map(|e| e.within),
        Metric::Review => policy.review.within,
    }
}

/// One timer being built.
pub(super) struct Clock {
    pub(super) metric: Metric,
    pub(super) level: Option<String>,
    pub(super) started_at: Timestamp,
    pub(super) segments: Vec<Segment>,
    pub(super) running_since: Option<Timestamp>,
    /// When it stopped, and the target in force then.
    pub(super) stopped: Option<(Timestamp, Option<i64>)>,
    pub(super) calendar: String,
}

impl Clock {
    fn new(
        metric: Metric,
        level: Option<String>,
        at: Timestamp,
        calendar: &str,
        running: bool,
    ) -> Self {
        Clock {
            metric,
            level,
            started_at: at,
            segments: Vec::new(),
            running_since: running.then_some(at),
            stopped: None,
            calendar: calendar.to_string(),
        }
    }

    fn close_segment(&mut self, at: Timestamp, calendars: &Calendars<'_>) {
        if let Some(since) = self.running_since.take() {
            let business_s = calendars
                .get(&self.calendar)
                .business_seconds(since.utc(), at.utc());
            self.segments.push(Segment {
                from: since,
                to: Some(at),
                calendar: self.calendar.clone(),
                business_s,
            });
        }
    }

    fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    fn is_active(&self) -> bool {
        self.stopped.is_none()
    }

    /// Business seconds over every segment; saturating, though a segment is
    /// never longer than the wall time it spans.
    pub(super) fn elapsed(&self) -> i64 {
        self.segments
            .iter()
            .fold(0, |sum: i64, s| sum.saturating_add(s.business_s))
    }
}

/// Calendars by name. A validated policy defines every calendar it
/// references, and always has `24x7`, the answer for anything else.
#[derive(Clone, Copy)]
pub(super) struct Calendars<'p>(&'p Policy);

impl<'p> Calendars<'p> {
    pub(super) fn get(self, name: &str) -> &'p Calendar {
        self.0
            .calendar(name)
            .or_else(|| self.0.calendar(crate::policy::ALWAYS))
            .expect("every policy has the 24x7 calendar")
    }
}

pub(super) struct Replay<'p> {
    policy: &'p Policy,
    calendars: Calendars<'p>,
    now: Timestamp,
    severity: Option<&'p Severity>,
    level_rank: usize,
    /// Whether the ticket is paused (waiting).
    paused: bool,
    open: bool,
    notified_once: bool,
    first_response: Option<Clock>,
    cadence: Option<Clock>,
    resolution: Option<Clock>,
    escalations: Vec<Clock>,
    review: Option<Clock>,
    review_parts: Vec<ReviewPart>,
    reached_review_level: bool,
    effects: Vec<Effect>,
}

impl<'p> Replay<'p> {
    pub(super) fn new(policy: &'p Policy, now: Timestamp) -> Self {
        Replay {
            policy,
            calendars: Calendars(policy),
            now,
            severity: None,
            level_rank: 0,
            paused: false,
            open: true,
            notified_once: false,
            first_response: None,
            cadence: None,
            resolution: None,
            escalations: Vec::new(),
            review: None,
            review_parts: Vec::new(),
            reached_review_level: false,
            effects: Vec::new(),
        }
    }

    fn calendar_name(&self) -> String {
        self.severity
            .map(|s| s.calendar.clone())
            .unwrap_or_else(|| crate::policy::ALWAYS.to_string())
    }

    fn effect(&mut self, event: usize, clock: &Clock, action: Action) {
        self.effects.push(Effect {
            event,
            metric: clock.metric,
            level: clock.level.clone(),
            action,
        });
    }

    /// Every clock that exists, mutable, for bulk actions.
    fn clocks_mut(&mut self) -> Vec<&mut Clock> {
        let mut all: Vec<&mut Clock> = Vec::new();
        all.extend(self.first_response.as_mut());
        all.extend(self.cadence.as_mut());
        all.extend(self.resolution.as_mut());
        all.extend(self.escalations.iter_mut());
        all.extend(self.review.as_mut());
        all
    }

    /// Runs `f` on each clock and records the actions it reports.
    fn each_clock(
        &mut self,
        event: usize,
        mut f: impl FnMut(&mut Clock, &Calendars<'_>) -> Option<Action>,
    ) {
        let mut done = Vec::new();
        let calendars = self.calendars;
        for clock in self.clocks_mut() {
            if let Some(action) = f(clock, &calendars) {
                done.push(Effect {
                    event,
                    metric: clock.metric,
                    level: clock.level.clone(),
                    action,
                });
            }
        }
        self.effects.extend(done);
    }

    fn target(&self, metric: Metric, level: Option<&str>) -> Option<i64> {
        target_of(self.policy, self.severity, metric, level)
    }

    /// Stops the active clocks `which` selects, judging each later against
    /// the target in force now.
    fn stop(&mut self, event: usize, at: Timestamp, which: impl Fn(&Clock) -> bool) {
        let (policy, severity) = (self.policy, self.severity);
        self.each_clock(event, |clock, calendars| {
            if clock.is_active() && which(clock) {
                clock.close_segment(at, calendars);
                let target = target_of(policy, severity, clock.metric, clock.level.as_deref());
                clock.stopped = Some((at, target));
                Some(Action::Stopped)
            } else {
                None
            }
        });
    }

    /// Applies event `i` (file index), taking effect at `at`.
    pub(super) fn apply(&mut self, i: usize, event: &Event, at: Timestamp) {
        match event {
            Event::Opened {
                severity, level, ..
            } => {
                self.severity = self.policy.severity(severity);
                self.level_rank = self.policy.level_rank(level).unwrap_or(0);
                self.reached_review_level = self.policy.review.levels.iter().any(|l| l == level);
                let cal = self.calendar_name();
                let Some(sev) = self.severity else { return };
                if sev.first_response.is_some() {
                    let clock = Clock::new(Metric::FirstResponse, None, at, &cal, true);
                    self.effect(i, &clock, Action::Started);
                    self.first_response = Some(clock);
                }
                if sev.resolution.is_some() {
                    let clock = Clock::new(Metric::Resolution, None, at, &cal, true);
                    self.effect(i, &clock, Action::Started);
                    self.resolution = Some(clock);
                }
                self.sync_escalations(i, at);
            }
            Event::Notified { .. } => {
                if !self.open {
                    return;
                }
                self.notified_once = true;
                self.stop(i, at, |c| c.metric == Metric::FirstResponse);
                self.restart_cadence(i, at);
            }
            Event::Paused { .. } => {
                if !self.open || self.paused {
                    return;
                }
                self.paused = true;
                self.each_clock(i, |clock, calendars| {
                    let pausable = matches!(
                        clock.metric,
                        Metric::UpdateCadence | Metric::Resolution | Metric::Escalation
                    );
                    if pausable && clock.is_active() && clock.is_running() {
                        clock.close_segment(at, calendars);
                        Some(Action::Paused)
                    } else {
                        None
                    }
                });
            }
            Event::Resumed { .. } => {
                if !self.paused {
                    return;
                }
                self.paused = false;
                self.each_clock(i, |clock, _| {
                    if clock.is_active() && !clock.is_running() {
                        clock.running_since = Some(at);
                        Some(Action::Resumed)
                    } else {
                        None
                    }
                });
            }
            Event::SeverityChanged { to, .. } => {
                let Some(new) = self.policy.severity(to) else {
                    return;
                };
                self.severity = Some(new);
                let cal = new.calendar.clone();
                self.each_clock(i, |clock, calendars| {
                    if clock.is_active() && clock.metric != Metric::Review && clock.calendar != cal
                    {
                        let running = clock.is_running();
                        clock.close_segment(at, calendars);
                        clock.calendar = cal.clone();
                        if running {
                            clock.running_since = Some(at);
                        }
                        Some(Action::Recalendared)
                    } else {
                        None
                    }
                });
                // Metrics the new tier has and the old did not start now.
                if new.first_response.is_some()
                    && self.first_response.is_none()
                    && !self.notified_once
                    && self.open
                {
                    let clock = Clock::new(Metric::FirstResponse, None, at, &cal, true);
                    self.effect(i, &clock, Action::Started);
                    self.first_response = Some(clock);
                }
                if new.resolution.is_some() && self.resolution.is_none() && self.open {
                    let clock = Clock::new(Metric::Resolution, None, at, &cal, !self.paused);
                    self.effect(i, &clock, Action::Started);
                    self.resolution = Some(clock);
                }
                if new.update_every.is_some()
                    && self.cadence.is_none()
                    && self.notified_once
                    && self.open
                {
                    let clock = Clock::new(Metric::UpdateCadence, None, at, &cal, !self.paused);
                    self.effect(i, &clock, Action::Started);
                    self.cadence = Some(clock);
                }
                self.sync_escalations(i, at);
            }
            Event::Escalated { to, .. } => {
                let Some(rank) = self.policy.level_rank(to) else {
                    return;
                };
                self.level_rank = self.level_rank.max(rank);
                if self.policy.review.levels.iter().any(|l| l == to) {
                    self.reached_review_level = true;
                }
                let policy = self.policy;
                let reached = self.level_rank;
                self.stop(i, at, |c| {
                    c.metric == Metric::Escalation
                        && c.level
                            .as_deref()
                            .and_then(|l| policy.level_rank(l))
                            .is_some_and(|r| r <= reached)
                });
            }
            Event::Resolved { .. } => {
                self.open = false;
                self.paused = false;
                self.stop(i, at, |c| c.metric != Metric::Review);
            }
            Event::Closed { .. } => {
                self.open = false;
                self.paused = false;
                self.stop(i, at, |c| c.metric != Metric::Review);
                self.start_review(i, at);
            }
            Event::Reopened { .. } => {
                self.open = true;
                if let Some(review) = self.review.take() {
                    self.effect(i, &review, Action::Discarded);
                }
                self.review_parts.clear();
                // Resolution and unmet escalations continue where they were.
                let policy = self.policy;
                let reached = self.level_rank;
                self.each_clock(i, |clock, _| {
                    let resumes = match clock.metric {
                        Metric::Resolution => true,
                        Metric::Escalation => clock
                            .level
                            .as_deref()
                            .and_then(|l| policy.level_rank(l))
                            .is_some_and(|r| r > reached),
                        _ => false,
                    };
                    if resumes && clock.stopped.is_some() {
                        clock.stopped = None;
                        clock.running_since = Some(at);
                        Some(Action::Resumed)
                    } else {
                        None
                    }
                });
                if self.notified_once {
                    self.restart_cadence(i, at);
                }
            }
            Event::Reviewed { .. } => {
                self.review_parts.extend(event.review_parts());
                let complete = self
                    .policy
                    .review
                    .requires
                    .iter()
                    .all(|p| self.review_parts.contains(p));
                if complete {
                    self.stop(i, at, |c| c.metric == Metric::Review);
                }
            }
            Event::Note { .. }
            | Event::Amended { .. }
            | Event::Diagnosed { .. }
            | Event::Flagged { .. }
            | Event::Assigned { .. }
            | Event::Involved { .. }
            | Event::Answered { .. }
            | Event::Attached { .. }
            | Event::Voided { .. } => {}
        }
    }

    fn restart_cadence(&mut self, i: usize, at: Timestamp) {
        let Some(sev) = self.severity else { return };
        if sev.update_every.is_none() {
            return;
        }
        let cal = self.calendar_name();
        let target = sev.update_every.unwrap_or(0);
        let restarted = if let Some(mut old) = self.cadence.take() {
            if old.is_active() {
                old.close_segment(at, &self.calendars);
                old.stopped = Some((at, Some(target)));
            }
            true
        } else {
            false
        };
        let clock = Clock::new(Metric::UpdateCadence, None, at, &cal, !self.paused);
        self.effect(
            i,
            &clock,
            if restarted {
                Action::Restarted
            } else {
                Action::Started
            },
        );
        self.cadence = Some(clock);
    }

    /// Makes the escalation clocks match the current severity's targets.
    fn sync_escalations(&mut self, i: usize, at: Timestamp) {
        let Some(sev) = self.severity else { return };
        let cal = self.calendar_name();
        let opened_at = self.resolution.as_ref().map(|c| c.started_at).unwrap_or(at);
        let wanted: Vec<String> = sev.escalations.iter().map(|e| e.level.clone()).collect();
        // Targets the new tier no longer has are dropped.
        let dropped: Vec<Clock> = {
            let (keep, drop): (Vec<Clock>, Vec<Clock>) = std::mem::take(&mut self.escalations)
                .into_iter()
                .partition(|c| c.level.as_ref().is_some_and(|l| wanted.contains(l)));
            self.escalations = keep;
            drop
        };
        for clock in &dropped {
            self.effect(i, clock, Action::Discarded);
        }
        for level in wanted {
            if self
                .escalations
                .iter()
                .any(|c| c.level.as_deref() == Some(level.as_str()))
            {
                continue;
            }
            let rank = self.policy.level_rank(&level).unwrap_or(usize::MAX);
            let already = rank <= self.level_rank;
            let mut clock = Clock::new(
                Metric::Escalation,
                Some(level),
                opened_at,
                &cal,
                !already && !self.paused && self.open,
            );
            // A target added by a severity change counts from opening, on
            // the time the resolution clock has already run.
            if let Some(res) = &self.resolution
                && opened_at < at
                && !already
            {
                clock.segments = res.segments.clone();
                if let Some(since) = res.running_since {
                    clock.running_since = Some(since);
                }
            }
            if already || !self.open {
                clock.stopped = Some((at, None));
            }
            self.effect(i, &clock, Action::Started);
            if already {
                self.effect(i, &clock, Action::Stopped);
            }
            self.escalations.push(clock);
        }
        self.escalations
            .sort_by_key(|c| c.level.as_deref().and_then(|l| self.policy.level_rank(l)));
    }

    fn start_review(&mut self, i: usize, at: Timestamp) {
        let Some(sev) = self.severity else { return };
        if self.policy.review.within.is_none() || !(sev.review || self.reached_review_level) {
            return;
        }
        if self.review.is_some() {
            return;
        }
        let complete = !self.review_parts.is_empty()
            && self
                .policy
                .review
                .requires
                .iter()
                .all(|p| self.review_parts.contains(p));
        let mut clock = Clock::new(
            Metric::Review,
            None,
            at,
            &self.policy.review.calendar,
            !complete,
        );
        if complete {
            clock.stopped = Some((at, self.policy.review.within));
        }
        self.effect(i, &clock, Action::Started);
        self.review = Some(clock);
    }

    /// Every timer with its verdict at `now`, and the effects trail.
    pub(super) fn finish(mut self) -> (Vec<Timer>, Vec<Effect>) {
        let now = self.now;
        let mut timers = Vec::new();
        let mut clocks: Vec<Clock> = Vec::new();
        clocks.extend(self.first_response.take());
        clocks.extend(self.cadence.take());
        clocks.extend(self.resolution.take());
        clocks.append(&mut self.escalations);
        clocks.extend(self.review.take());
        for clock in clocks {
            let Some(current_target) = self.target(clock.metric, clock.level.as_deref()) else {
                continue;
            };
            timers.push(verdict::judge(
                clock,
                current_target,
                now,
                self.calendars,
                self.policy.warning_permille,
            ));
        }
        (timers, self.effects)
    }
}
