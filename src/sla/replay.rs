//! The clocks of one ticket: what each event does to each timer cycle
//! (start, pause, resume, stop, restart, re-calendar, drop), as
//! business-time segments. Every cycle is kept: a cycle that stops goes to
//! the ledger with the target and calendar in force then, and a later
//! event never rewrites it. Verdicts are [`super::verdict`]'s.

use std::collections::{BTreeMap, BTreeSet};

use crate::calendar::Calendar;
use crate::policy::{Policy, Severity};
use crate::ticket::{Event, ReviewPart};
use crate::time::Timestamp;

use super::{Action, Dropped, Effect, Metric, Segment, Timer, verdict};

mod tier;

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

/// Which metric (and, for escalations, level) a cycle measures.
type Key = (Metric, Option<String>);

/// One timer cycle being built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Clock {
    pub(super) metric: Metric,
    pub(super) level: Option<String>,
    /// 1-based per ticket, metric and level; never reused.
    pub(super) cycle: u32,
    pub(super) started_at: Timestamp,
    pub(super) segments: Vec<Segment>,
    pub(super) running_since: Option<Timestamp>,
    /// When it stopped, and the target in force then.
    pub(super) stopped: Option<(Timestamp, i64)>,
    /// When it was dropped without a verdict (its metric left the tier, or
    /// a reopen ended a review that had not breached).
    pub(super) dropped: Option<Timestamp>,
    pub(super) calendar: String,
}

impl Clock {
    /// Business seconds of the open spell (while it runs) up to `at`.
    pub(super) fn open_seconds(&self, at: Timestamp, calendars: &Calendars<'_>) -> Option<i64> {
        let since = self.running_since?;
        Some(
            calendars
                .get(&self.calendar)
                .business_seconds(since.utc(), at.utc()),
        )
    }

    fn close_segment(&mut self, at: Timestamp, calendars: &Calendars<'_>) {
        if let Some(business_s) = self.open_seconds(at, calendars)
            && let Some(since) = self.running_since.take()
        {
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
        self.stopped.is_none() && self.dropped.is_none()
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
pub(super) struct Calendars<'p>(pub(super) &'p Policy);

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
    opened_at: Option<Timestamp>,
    /// Whether the ticket is paused (waiting).
    paused: bool,
    open: bool,
    /// Whether the customer was ever notified (also while resolved).
    notified_once: bool,
    /// The current cycle of each metric (escalations: one per level).
    first_response: Option<Clock>,
    cadence: Option<Clock>,
    resolution: Option<Clock>,
    escalations: Vec<Clock>,
    review: Option<Clock>,
    /// Cycles that are over: stopped with a verdict, or dropped.
    ledger: Vec<Clock>,
    /// The last cycle number given, per metric and level.
    cycles: BTreeMap<Key, u32>,
    /// Review parts recorded since the last reopen.
    review_parts: BTreeSet<ReviewPart>,
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
            opened_at: None,
            paused: false,
            open: true,
            notified_once: false,
            first_response: None,
            cadence: None,
            resolution: None,
            escalations: Vec::new(),
            review: None,
            ledger: Vec::new(),
            cycles: BTreeMap::new(),
            review_parts: BTreeSet::new(),
            reached_review_level: false,
            effects: Vec::new(),
        }
    }

    fn calendar_name(&self) -> String {
        self.severity
            .map(|s| s.calendar.clone())
            .unwrap_or_else(|| crate::policy::ALWAYS.to_string())
    }

    /// A new cycle of `metric` (and `level`), numbered after the last.
    fn new_clock(
        &mut self,
        metric: Metric,
        level: Option<String>,
        at: Timestamp,
        calendar: &str,
        running: bool,
    ) -> Clock {
        let cycle = self.cycles.entry((metric, level.clone())).or_insert(0);
        *cycle += 1;
        Clock {
            metric,
            level,
            cycle: *cycle,
            started_at: at,
            segments: Vec::new(),
            running_since: running.then_some(at),
            stopped: None,
            dropped: None,
            calendar: calendar.to_string(),
        }
    }

    /// Whether the ticket ever had a cycle of `key`.
    fn ever_had(&self, key: &Key) -> bool {
        self.cycles.contains_key(key)
    }

    fn effect(&mut self, event: usize, clock: &Clock, action: Action) {
        self.effects.push(Effect {
            event,
            metric: clock.metric,
            level: clock.level.clone(),
            cycle: clock.cycle,
            action,
        });
    }

    fn target(&self, metric: Metric, level: Option<&str>) -> Option<i64> {
        target_of(self.policy, self.severity, metric, level)
    }

    /// Stops `clock` at `at` with the target in force now (dropped when
    /// there is none); returns what happened.
    fn stop_clock(&self, clock: &mut Clock, at: Timestamp) -> Action {
        clock.close_segment(at, &self.calendars);
        match self.target(clock.metric, clock.level.as_deref()) {
            Some(target) => {
                clock.stopped = Some((at, target));
                Action::Stopped
            }
            None => {
                clock.dropped = Some(at);
                Action::Dropped
            }
        }
    }

    /// Ends `clock` without a verdict.
    fn drop_clock(&self, clock: &mut Clock, at: Timestamp) {
        clock.close_segment(at, &self.calendars);
        clock.dropped = Some(at);
    }

    /// Stops the current cycle in `slot` if it is active and `which`
    /// selects it, recording the effect.
    fn stop_slot(
        &mut self,
        i: usize,
        at: Timestamp,
        take: impl Fn(&mut Self) -> &mut Option<Clock>,
    ) {
        let Some(mut clock) = take(self).take() else {
            return;
        };
        if clock.is_active() {
            let action = self.stop_clock(&mut clock, at);
            self.effect(i, &clock, action);
        }
        *take(self) = Some(clock);
    }

    /// Stops the active escalation cycles `which` selects.
    fn stop_escalations(&mut self, i: usize, at: Timestamp, which: impl Fn(&Clock) -> bool) {
        let mut clocks = std::mem::take(&mut self.escalations);
        for clock in &mut clocks {
            if clock.is_active() && which(clock) {
                let action = self.stop_clock(clock, at);
                self.effect(i, clock, action);
            }
        }
        self.escalations = clocks;
    }

    /// Every current cycle, mutable, for pause, resume and re-calendar.
    fn current_mut(&mut self) -> Vec<&mut Clock> {
        let mut all: Vec<&mut Clock> = Vec::new();
        all.extend(self.first_response.as_mut());
        all.extend(self.cadence.as_mut());
        all.extend(self.resolution.as_mut());
        all.extend(self.escalations.iter_mut());
        all.extend(self.review.as_mut());
        all
    }

    /// Runs `f` on each current cycle and records the actions it reports.
    fn each_current(
        &mut self,
        event: usize,
        mut f: impl FnMut(&mut Clock, &Calendars<'_>) -> Option<Action>,
    ) {
        let mut done = Vec::new();
        let calendars = self.calendars;
        for clock in self.current_mut() {
            if let Some(action) = f(clock, &calendars) {
                done.push(Effect {
                    event,
                    metric: clock.metric,
                    level: clock.level.clone(),
                    cycle: clock.cycle,
                    action,
                });
            }
        }
        self.effects.extend(done);
    }

    /// Applies event `i` (file index), taking effect at `at`; `ends_wait`:
    /// it is a customer's reply that ends the wait (the status replay
    /// decides, `Status::reply_ends_wait`).
    pub(super) fn apply(&mut self, i: usize, event: &Event, at: Timestamp, ends_wait: bool) {
        if ends_wait {
            self.resume(i, at);
            return;
        }
        match event {
            // A second `opened` (a hand edit) changes nothing, as in the
            // status replay.
            Event::Opened { .. } if self.opened_at.is_some() => {}
            Event::Opened {
                severity, level, ..
            } => {
                self.opened_at = Some(at);
                self.severity = self.policy.severity(severity);
                self.level_rank = self.policy.level_rank(level).unwrap_or(0);
                self.reached_review_level = self.policy.review.levels.iter().any(|l| l == level);
                let cal = self.calendar_name();
                let Some(sev) = self.severity else { return };
                if sev.first_response.is_some() {
                    let clock = self.new_clock(Metric::FirstResponse, None, at, &cal, true);
                    self.effect(i, &clock, Action::Started);
                    self.first_response = Some(clock);
                }
                if sev.resolution.is_some() {
                    let clock = self.new_clock(Metric::Resolution, None, at, &cal, true);
                    self.effect(i, &clock, Action::Started);
                    self.resolution = Some(clock);
                }
                self.sync_escalations(i, at, None);
            }
            Event::Notified { .. } => {
                // Counted whenever it happened: a cadence starts at a later
                // reopen even if this notice went out while resolved.
                self.notified_once = true;
                if !self.open {
                    return;
                }
                self.stop_slot(i, at, |r| &mut r.first_response);
                self.restart_cadence(i, at);
            }
            Event::Paused { .. } => {
                if !self.open || self.paused {
                    return;
                }
                self.paused = true;
                self.each_current(i, |clock, calendars| {
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
            Event::Resumed { .. } => self.resume(i, at),
            Event::SeverityChanged { to, .. } => self.change_severity(i, at, to),
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
                self.stop_escalations(i, at, |c| {
                    c.level
                        .as_deref()
                        .and_then(|l| policy.level_rank(l))
                        .is_some_and(|r| r <= reached)
                });
            }
            Event::Resolved { .. } => {
                self.open = false;
                self.paused = false;
                self.stop_work(i, at);
            }
            Event::Closed { .. } => {
                self.open = false;
                self.paused = false;
                self.stop_work(i, at);
                self.start_review(i, at);
            }
            Event::Reopened { .. } => self.reopen(i, at),
            Event::Reviewed { .. } => {
                self.review_parts.extend(event.review_parts());
                let complete = self
                    .policy
                    .review
                    .requires
                    .iter()
                    .all(|p| self.review_parts.contains(p));
                if complete {
                    self.stop_slot(i, at, |r| &mut r.review);
                }
            }
            Event::Note { .. }
            | Event::Amended { .. }
            | Event::Diagnosed { .. }
            | Event::Flagged { .. }
            | Event::Assigned { .. }
            | Event::Involved { .. }
            | Event::Answered { .. }
            | Event::Approved { .. }
            | Event::ActionDone { .. }
            | Event::Attached { .. }
            // Timers stop when a notice is recorded, not when it arrives.
            | Event::Delivered { .. }
            | Event::DeliveryFailed { .. }
            | Event::CustomerReplied { .. }
            | Event::Voided { .. } => {}
        }
    }

    fn resume(&mut self, i: usize, at: Timestamp) {
        if !self.paused {
            return;
        }
        self.paused = false;
        self.each_current(i, |clock, _| {
            if clock.is_active() && !clock.is_running() {
                clock.running_since = Some(at);
                Some(Action::Resumed)
            } else {
                None
            }
        });
    }

    /// Resolution and closure stop every cycle of the work itself.
    fn stop_work(&mut self, i: usize, at: Timestamp) {
        self.stop_slot(i, at, |r| &mut r.first_response);
        self.stop_slot(i, at, |r| &mut r.cadence);
        self.stop_slot(i, at, |r| &mut r.resolution);
        self.stop_escalations(i, at, |_| true);
    }

    fn reopen(&mut self, i: usize, at: Timestamp) {
        self.open = true;
        // Review parts recorded before the reopen no longer count. A review
        // cycle still running stops here: breached stays breached, anything
        // else is dropped; the next close starts a new one.
        self.review_parts.clear();
        if let Some(mut review) = self.review.take() {
            if review.is_active() {
                review.close_segment(at, &self.calendars);
                let target = self.target(Metric::Review, None).unwrap_or(i64::MAX);
                if review.elapsed() > target {
                    review.stopped = Some((at, target));
                    self.effect(i, &review, Action::Stopped);
                } else {
                    review.dropped = Some(at);
                    self.effect(i, &review, Action::Dropped);
                }
            }
            self.ledger.push(review);
        }
        // Resolution and unmet escalations continue where they were, on
        // the current tier's calendar; a pause does not survive a reopen.
        self.close_retargeted_breaches();
        let was_paused = std::mem::take(&mut self.paused);
        let policy = self.policy;
        let reached = self.level_rank;
        let calendar = self.calendar_name();
        self.each_current(i, |clock, _| {
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
                clock.calendar = calendar.clone();
                clock.running_since = Some(at);
                Some(Action::Resumed)
            } else if was_paused && clock.is_active() && !clock.is_running() {
                clock.running_since = Some(at);
                Some(Action::Resumed)
            } else {
                None
            }
        });
        // What was closed above, or dropped by a change of tier while
        // resolved, starts afresh when the tier asks for it.
        if self.resolution.is_none() && self.severity.is_some_and(|s| s.resolution.is_some()) {
            let clock = self.new_clock(Metric::Resolution, None, at, &calendar, true);
            self.effect(i, &clock, Action::Started);
            self.resolution = Some(clock);
        }
        self.sync_escalations(i, at, None);
        if self.notified_once {
            self.restart_cadence(i, at);
        }
    }

    /// A new update-cadence cycle at `at`; the current one stops there.
    fn restart_cadence(&mut self, i: usize, at: Timestamp) {
        let Some(sev) = self.severity else { return };
        if sev.update_every.is_none() {
            return;
        }
        let restarted = match self.cadence.take() {
            Some(mut old) => {
                if old.is_active() {
                    let action = self.stop_clock(&mut old, at);
                    self.effect(i, &old, action);
                }
                self.ledger.push(old);
                true
            }
            None => false,
        };
        let cal = self.calendar_name();
        let clock = self.new_clock(Metric::UpdateCadence, None, at, &cal, !self.paused);
        let action = if restarted {
            Action::Restarted
        } else {
            Action::Started
        };
        self.effect(i, &clock, action);
        self.cadence = Some(clock);
    }

    /// A review cycle starts at a close, for tickets the policy says need
    /// one; it is met at the first review event by which every required
    /// part has been recorded since the last reopen.
    fn start_review(&mut self, i: usize, at: Timestamp) {
        let Some(sev) = self.severity else { return };
        if self.policy.review.within.is_none() || !(sev.review || self.reached_review_level) {
            return;
        }
        if self.review.as_ref().is_some_and(Clock::is_active) {
            return;
        }
        if let Some(old) = self.review.take() {
            self.ledger.push(old);
        }
        let calendar = self.policy.review.calendar.clone();
        let clock = self.new_clock(Metric::Review, None, at, &calendar, true);
        self.effect(i, &clock, Action::Started);
        self.review = Some(clock);
    }

    /// Every cycle with its verdict at `now`, the dropped ones apart, and
    /// the effects trail.
    pub(super) fn finish(self) -> (Vec<Timer>, Vec<Dropped>, Vec<Effect>) {
        let (now, calendars, warning) = (self.now, self.calendars, self.policy.warning);
        let (clocks, dropped, effects) = self.finish_clocks();
        let timers = clocks
            .into_iter()
            .map(|(clock, target)| verdict::judge(clock, target, now, calendars, warning))
            .collect();
        (timers, dropped, effects)
    }

    /// Every cycle with a verdict to give (with the target it is judged
    /// against), in metric, level and cycle order; the dropped ones apart;
    /// the effects trail.
    pub(super) fn finish_clocks(mut self) -> (Vec<(Clock, i64)>, Vec<Dropped>, Vec<Effect>) {
        let mut clocks: Vec<Clock> = std::mem::take(&mut self.ledger);
        clocks.extend(self.first_response.take());
        clocks.extend(self.cadence.take());
        clocks.extend(self.resolution.take());
        clocks.append(&mut self.escalations);
        clocks.extend(self.review.take());
        let policy = self.policy;
        clocks.sort_by_key(|c| {
            (
                c.metric,
                c.level.as_deref().and_then(|l| policy.level_rank(l)),
                c.cycle,
            )
        });
        let mut judged = Vec::new();
        let mut dropped = Vec::new();
        for clock in clocks {
            if let Some(at) = clock.dropped {
                dropped.push(Dropped {
                    metric: clock.metric,
                    level: clock.level.clone(),
                    cycle: clock.cycle,
                    started_at: clock.started_at,
                    dropped_at: at,
                    elapsed_s: clock.elapsed(),
                });
                continue;
            }
            let target = match clock.stopped {
                Some((_, target)) => target,
                None => match self.target(clock.metric, clock.level.as_deref()) {
                    Some(target) => target,
                    // Unreachable: a cycle whose target left is dropped.
                    None => continue,
                },
            };
            judged.push((clock, target));
        }
        (judged, dropped, self.effects)
    }
}
