//! SLA timers, computed from a ticket's events, the policy and an instant.
//!
//! A timer counts business seconds on a calendar while it runs. Events start,
//! pause, resume and stop it; the verdict compares elapsed time with the
//! target (docs/sla.md has the full rules and worked examples):
//!
//! * `first_response`: opened → first customer notification (or resolution,
//!   if nobody was notified). Never paused.
//! * `update_cadence`: from each customer notification to the next, while
//!   the ticket is open; paused while the ticket waits; stopped by
//!   resolution; a reopen starts a new one. Only the current one is reported.
//! * `resolution`: opened → resolved, paused while waiting; a reopen resumes
//!   it with its elapsed time.
//! * `escalation` (one per target of the severity): opened → the ticket is at
//!   the target level or above (met), or resolved first (met if in time);
//!   paused while waiting.
//! * `review`: closed → review complete, for tickets the policy says need
//!   one; a reopen discards it.
//!
//! Events are taken in time order (same instant: file order), and only those
//! at or before `now`, so any past instant can be replayed. A severity change
//! switches running timers to the new tier's calendar from that instant on and
//! judges them against the new target; elapsed time carries over. A stopped
//! timer keeps the verdict of the target in force when it stopped.

use serde::Serialize;

use crate::calendar::Calendar;
use crate::policy::{Policy, ReviewPart, Severity};
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    FirstResponse,
    UpdateCadence,
    Resolution,
    Escalation,
    Review,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::UpdateCadence => "update_cadence",
            Metric::Resolution => "resolution",
            Metric::Escalation => "escalation",
            Metric::Review => "review",
        }
    }
}

/// Ordered by urgency: breached first, met last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerStatus {
    Breached,
    Warning,
    Running,
    Paused,
    Met,
}

impl TimerStatus {
    pub fn name(self) -> &'static str {
        match self {
            TimerStatus::Breached => "breached",
            TimerStatus::Warning => "warning",
            TimerStatus::Running => "running",
            TimerStatus::Paused => "paused",
            TimerStatus::Met => "met",
        }
    }

    pub fn parse(text: &str) -> Option<TimerStatus> {
        [
            TimerStatus::Breached,
            TimerStatus::Warning,
            TimerStatus::Running,
            TimerStatus::Paused,
            TimerStatus::Met,
        ]
        .into_iter()
        .find(|s| s.name() == text)
    }
}

/// A stretch of time during which a timer ran, on one calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub from: Timestamp,
    /// `None` while still running (counted up to `now`).
    pub to: Option<Timestamp>,
    pub calendar: String,
    pub business_s: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timer {
    pub metric: Metric,
    /// The level an escalation timer requires; `None` for other metrics.
    pub level: Option<String>,
    pub calendar: String,
    pub status: TimerStatus,
    pub target_s: i64,
    pub elapsed_s: i64,
    pub remaining_s: i64,
    /// When elapsed will reach the target if nothing pauses (in the past for
    /// a running timer that breached); `None` when paused or stopped.
    pub due: Option<Timestamp>,
    pub started_at: Timestamp,
    pub stopped_at: Option<Timestamp>,
    /// When elapsed reached the target of a breached timer.
    pub breached_at: Option<Timestamp>,
    #[serde(skip)]
    pub segments: Vec<Segment>,
}

impl Timer {
    pub fn is_stopped(&self) -> bool {
        self.stopped_at.is_some()
    }
}

/// What an event did to a timer, for `tkt sla explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Started,
    Paused,
    Resumed,
    Stopped,
    Restarted,
    Recalendared,
    Discarded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// Index of the event in the ticket's file order.
    pub event: usize,
    pub metric: Metric,
    pub level: Option<String>,
    pub action: Action,
}

/// Timers plus the trail that produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub timers: Vec<Timer>,
    pub effects: Vec<Effect>,
    /// Events after `now` that were ignored, by file index.
    pub ignored_future: Vec<usize>,
}

/// The timers of one ticket at `now`.
pub fn timers(policy: &Policy, ticket: &Ticket, now: Timestamp) -> Vec<Timer> {
    evaluate(policy, ticket, now).timers
}

/// Replays `ticket` at `now`. Reads only this ticket and the policy.
pub fn evaluate(policy: &Policy, ticket: &Ticket, now: Timestamp) -> Evaluation {
    let mut order: Vec<usize> = (0..ticket.events.len()).collect();
    // Stable: events at the same instant keep their file order.
    order.sort_by_key(|&i| ticket.events[i].at());
    let (current, ignored): (Vec<usize>, Vec<usize>) = order
        .into_iter()
        .partition(|&i| ticket.events[i].at() <= now);
    let mut replay = Replay::new(policy, now);
    for i in current {
        replay.apply(i, &ticket.events[i]);
    }
    let mut eval = replay.finish();
    eval.ignored_future = ignored;
    eval
}

/// Which timers a listing shows.
#[derive(Debug, Clone, Default)]
pub struct TimerFilter {
    /// Only these statuses; empty means every status but `met` (unless
    /// `include_met`).
    pub statuses: Vec<TimerStatus>,
    pub include_met: bool,
}

impl TimerFilter {
    pub fn matches(&self, timer: &Timer) -> bool {
        if self.statuses.is_empty() {
            self.include_met || timer.status != TimerStatus::Met
        } else {
            self.statuses.contains(&timer.status)
        }
    }
}

/// Most urgent first: breached (longest overdue first), warning, running,
/// paused, met; then by due instant.
pub fn urgency_key(timer: &Timer) -> (TimerStatus, i64, i64) {
    let due = timer
        .due
        .or(timer.breached_at)
        .map(Timestamp::unix)
        .unwrap_or(i64::MAX);
    (timer.status, due, timer.remaining_s)
}

/// How a `--check` gate reads timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Breach,
    Warning,
}

impl Gate {
    pub fn fails(self, timer: &Timer) -> bool {
        match self {
            Gate::Breach => timer.status == TimerStatus::Breached,
            Gate::Warning => matches!(timer.status, TimerStatus::Breached | TimerStatus::Warning),
        }
    }
}

/// Why a ticket is due for escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueReason {
    /// An escalation deadline of its severity passed.
    Deadline,
    /// It is flagged as a repeated outage (`[criteria] repeated_outage`).
    RepeatedOutage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueEscalation {
    /// The level the ticket must reach.
    pub level: String,
    pub reason: DueReason,
    /// When it became due (the deadline, or when the ticket was flagged or
    /// opened).
    pub since: Timestamp,
    /// Wall-clock seconds since then.
    pub overdue_s: i64,
}

/// The escalations an open ticket owes at `now`: passed deadlines (from its
/// timers) and criteria. Highest level first within a ticket.
pub fn escalations_due(
    policy: &Policy,
    status: &crate::workflow::Status,
    timers: &[Timer],
    now: Timestamp,
) -> Vec<DueEscalation> {
    if !status.state.is_open() {
        return Vec::new();
    }
    let current = policy.level_rank(&status.level).unwrap_or(0);
    let mut due: Vec<DueEscalation> = timers
        .iter()
        .filter(|t| {
            t.metric == Metric::Escalation && t.status == TimerStatus::Breached && !t.is_stopped()
        })
        .filter_map(|t| {
            let since = t.breached_at?;
            Some(DueEscalation {
                level: t.level.clone()?,
                reason: DueReason::Deadline,
                since,
                overdue_s: (now.unix() - since.unix()).max(0),
            })
        })
        .collect();
    if status.repeated_outage
        && let Some(level) = &policy.repeated_outage_level
        && policy.level_rank(level).is_some_and(|r| r > current)
        && !due
            .iter()
            .any(|d| policy.level_rank(&d.level) >= policy.level_rank(level))
    {
        let since = status.repeated_outage_since.unwrap_or(status.opened_at);
        due.push(DueEscalation {
            level: level.clone(),
            reason: DueReason::RepeatedOutage,
            since,
            overdue_s: (now.unix() - since.unix()).max(0),
        });
    }
    due.sort_by_key(|d| std::cmp::Reverse(policy.level_rank(&d.level)));
    due
}

/// When the next customer update is owed if one is sent at `at`: the
/// severity's `update_every` on its calendar. `None` without a cadence.
pub fn next_update_due(policy: &Policy, severity: &str, at: Timestamp) -> Option<Timestamp> {
    let sev = policy.severity(severity)?;
    let every = sev.update_every?;
    let calendar = policy.calendar(&sev.calendar)?;
    calendar
        .add_business(at.utc(), every)
        .map(Timestamp::from_utc)
}

/// Whether a timer means the customer is owed word now: a first response
/// not yet given, or an update that is at risk or late.
pub fn owes_customer(timer: &Timer) -> bool {
    match timer.metric {
        Metric::FirstResponse => !timer.is_stopped(),
        Metric::UpdateCadence => {
            !timer.is_stopped()
                && matches!(timer.status, TimerStatus::Warning | TimerStatus::Breached)
        }
        _ => false,
    }
}

/// The most urgent timer still counting (not paused, not stopped).
pub fn next_deadline(timers: &[Timer]) -> Option<&Timer> {
    timers
        .iter()
        .filter(|t| !t.is_stopped() && t.status != TimerStatus::Paused)
        .min_by_key(|t| urgency_key(t))
}

/// The SOP's next step for a ticket at `now`, taking owed escalations into
/// account (for `show` and handovers).
pub fn next_step(
    policy: &Policy,
    status: &crate::workflow::Status,
    timers: &[Timer],
    now: Timestamp,
) -> Option<crate::workflow::NextStep> {
    let due = escalations_due(policy, status, timers, now);
    crate::workflow::next_step(policy, status, due.first().map(|d| d.level.as_str()))
}

/// What a ticket can be owed, for `tkt list --needs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// An escalation deadline passed or a criterion applies.
    Escalation,
    /// The customer is owed a first response or an update at risk or late.
    Update,
    /// Closed, needs a post-escalation review, and it is incomplete.
    Review,
}

/// Whether a ticket owes `need` at `now`.
pub fn needs(
    policy: &Policy,
    status: &crate::workflow::Status,
    timers: &[Timer],
    now: Timestamp,
    need: Need,
) -> bool {
    match need {
        Need::Escalation => !escalations_due(policy, status, timers, now).is_empty(),
        Need::Update => status.state.is_open() && timers.iter().any(owes_customer),
        Need::Review => {
            status.state == crate::workflow::State::Closed
                && crate::workflow::needs_review(policy, status)
                && !crate::workflow::missing_review_parts(policy, status).is_empty()
        }
    }
}

/// A timer whose verdict or due instant differs between two policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFlip {
    pub metric: Metric,
    pub level: Option<String>,
    /// Status and due under the old policy (`None`: no such timer).
    pub before: Option<(TimerStatus, Option<Timestamp>)>,
    pub after: Option<(TimerStatus, Option<Timestamp>)>,
}

/// How the timers of `ticket` at `now` change from policy `old` to `new`.
pub fn policy_flips(
    old: &Policy,
    new: &Policy,
    ticket: &Ticket,
    now: Timestamp,
) -> Vec<PolicyFlip> {
    let (a, b) = (timers(old, ticket, now), timers(new, ticket, now));
    let key = |t: &Timer| (t.metric, t.level.clone());
    let mut keys: Vec<(Metric, Option<String>)> = a.iter().chain(&b).map(key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(metric, level)| {
            let find = |list: &[Timer]| {
                list.iter()
                    .find(|t| t.metric == metric && t.level == level)
                    .map(|t| (t.status, t.due))
            };
            let (before, after) = (find(&a), find(&b));
            (before != after).then_some(PolicyFlip {
                metric,
                level,
                before,
                after,
            })
        })
        .collect()
}

// ---- Replay ----------------------------------------------------------------

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
struct Clock {
    metric: Metric,
    level: Option<String>,
    started_at: Timestamp,
    segments: Vec<Segment>,
    running_since: Option<Timestamp>,
    /// When it stopped, and the target in force then.
    stopped: Option<(Timestamp, Option<i64>)>,
    calendar: String,
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

    fn elapsed(&self) -> i64 {
        self.segments.iter().map(|s| s.business_s).sum()
    }
}

/// Calendars by name. A validated policy defines every calendar it
/// references, and always has `24x7`, the answer for anything else.
#[derive(Clone, Copy)]
struct Calendars<'p>(&'p Policy);

impl<'p> Calendars<'p> {
    fn get(self, name: &str) -> &'p Calendar {
        self.0
            .calendar(name)
            .or_else(|| self.0.calendar(crate::policy::ALWAYS))
            .expect("every policy has the 24x7 calendar")
    }
}

struct Replay<'p> {
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
    fn new(policy: &'p Policy, now: Timestamp) -> Self {
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

    fn apply(&mut self, i: usize, event: &Event) {
        let at = event.at();
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
                self.review_parts
                    .extend(crate::workflow::review_parts(event));
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
            | Event::Answered { .. } => {}
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

    fn finish(mut self) -> Evaluation {
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
            timers.push(self.judge(clock, current_target, now));
        }
        Evaluation {
            timers,
            effects: self.effects,
            ignored_future: Vec::new(),
        }
    }

    fn judge(&self, mut clock: Clock, current_target: i64, now: Timestamp) -> Timer {
        let running_at_now = clock.running_since;
        // Count the open segment up to now, but remember it is open.
        if let Some(since) = running_at_now {
            let business_s = self
                .calendars
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
        } else if elapsed * 1000 >= target * self.policy.warning_permille {
            TimerStatus::Warning
        } else {
            TimerStatus::Running
        };
        let crossing = self.crossing(&clock.segments, target);
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
    fn crossing(&self, segments: &[Segment], target: i64) -> Option<Timestamp> {
        let mut before = 0;
        for seg in segments {
            let open = seg.to.is_none();
            if open || before + seg.business_s >= target {
                let calendar = self.calendars.get(&seg.calendar);
                return calendar
                    .add_business(seg.from.utc(), target - before)
                    .map(Timestamp::from_utc);
            }
            before += seg.business_s;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format;
    use crate::policy::DEFAULT_POLICY;

    fn policy() -> Policy {
        Policy::parse(DEFAULT_POLICY).unwrap()
    }

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    /// A ticket opened at `opened` with `severity`, plus `events` given as
    /// (time, YAML body lines after `type`).
    fn ticket(severity: &str, opened: &str, events: &[(&str, &str)]) -> Ticket {
        let mut text = format!(
            "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\nevents:\n- type: opened\n  at: {opened}\n  by: a\n  severity: {severity}\n  level: L1\n"
        );
        for (at, body) in events {
            let mut lines = body.lines();
            let kind = lines.next().unwrap();
            text.push_str(&format!("- type: {kind}\n  at: {at}\n  by: a\n"));
            for line in lines {
                text.push_str(&format!("  {line}\n"));
            }
        }
        format::parse(text.as_bytes()).unwrap()
    }

    fn find<'a>(timers: &'a [Timer], metric: Metric, level: Option<&str>) -> &'a Timer {
        timers
            .iter()
            .find(|t| t.metric == metric && t.level.as_deref() == level)
            .unwrap_or_else(|| panic!("no {metric:?} {level:?} timer in {timers:#?}"))
    }

    const NOTIFY: &str = "notified\nchannel: email\nkind: acknowledgement\nmessage: m";

    #[test]
    fn a_fresh_critical_ticket_runs_the_sops_30m_2h_4h_clocks() {
        let p = policy();
        let tk = ticket("critical", "2026-11-20T09:00:00Z", &[]);
        let timers = timers(&p, &tk, t("2026-11-20T09:20:00Z"));
        let fr = find(&timers, Metric::FirstResponse, None);
        assert_eq!(
            (fr.status, fr.target_s, fr.elapsed_s, fr.remaining_s),
            (TimerStatus::Running, 1800, 1200, 600)
        );
        assert_eq!(fr.due, Some(t("2026-11-20T09:30:00Z")));
        assert_eq!(
            find(&timers, Metric::Escalation, Some("L2")).due,
            Some(t("2026-11-20T11:00:00Z"))
        );
        assert_eq!(
            find(&timers, Metric::Escalation, Some("L3")).due,
            Some(t("2026-11-20T13:00:00Z"))
        );
        assert_eq!(
            find(&timers, Metric::Resolution, None).due,
            Some(t("2026-11-20T17:00:00Z"))
        );
        // No notification yet, so no cadence timer.
        assert!(timers.iter().all(|t| t.metric != Metric::UpdateCadence));

        let at_25 = super::timers(&p, &tk, t("2026-11-20T09:25:00Z"));
        assert_eq!(
            find(&at_25, Metric::FirstResponse, None).status,
            TimerStatus::Warning
        );
        let late = super::timers(&p, &tk, t("2026-11-20T09:31:00Z"));
        let fr = find(&late, Metric::FirstResponse, None);
        assert_eq!((fr.status, fr.remaining_s), (TimerStatus::Breached, -60));
        assert_eq!(fr.due, Some(t("2026-11-20T09:30:00Z")));
        assert_eq!(fr.breached_at, Some(t("2026-11-20T09:30:00Z")));
    }

    #[test]
    fn stopping_exactly_at_the_target_is_met_one_second_later_is_breached() {
        let p = policy();
        let on_time = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[("2026-11-20T09:30:00Z", NOTIFY)],
        );
        let fr = timers(&p, &on_time, t("2026-11-20T12:00:00Z"))[0].clone();
        assert_eq!(
            (fr.metric, fr.status, fr.elapsed_s, fr.due),
            (Metric::FirstResponse, TimerStatus::Met, 1800, None)
        );
        let late = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[("2026-11-20T09:30:01Z", NOTIFY)],
        );
        let fr = timers(&p, &late, t("2026-11-20T12:00:00Z"))[0].clone();
        assert_eq!(
            (fr.status, fr.remaining_s, fr.stopped_at),
            (TimerStatus::Breached, -1, Some(t("2026-11-20T09:30:01Z")))
        );
    }

    #[test]
    fn escalation_deadlines_are_met_by_reaching_the_level_and_pause_while_waiting() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:20:00Z", NOTIFY),
                ("2026-11-20T10:30:00Z", "escalated\nto: L2\nreason: r"),
                (
                    "2026-11-20T11:00:00Z",
                    "paused\nreason: waiting-on-customer",
                ),
                ("2026-11-20T12:00:00Z", "resumed"),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T14:20:00Z"));
        let l2 = find(&timers, Metric::Escalation, Some("L2"));
        assert_eq!((l2.status, l2.elapsed_s), (TimerStatus::Met, 5400));
        let l3 = find(&timers, Metric::Escalation, Some("L3"));
        // 4h target, one hour paused: due 14:00, overdue by 20m at 14:20.
        assert_eq!(
            (l3.status, l3.due, l3.remaining_s),
            (
                TimerStatus::Breached,
                Some(t("2026-11-20T14:00:00Z")),
                -1200
            )
        );
        let cadence = find(&timers, Metric::UpdateCadence, None);
        assert_eq!(cadence.started_at, t("2026-11-20T09:20:00Z"));
        // 1h cadence: 09:20–11:00 ran 100m, then paused, then 12:00–14:20.
        assert_eq!(
            (cadence.status, cadence.elapsed_s),
            (TimerStatus::Breached, 6000 + 8400)
        );
        let paused = super::timers(&p, &tk, t("2026-11-20T11:30:00Z"));
        let res = find(&paused, Metric::Resolution, None);
        assert_eq!(
            (res.status, res.due, res.elapsed_s),
            (TimerStatus::Paused, None, 7200)
        );
    }

    #[test]
    fn resolution_stops_timers_reopen_resumes_resolution_and_restarts_cadence() {
        let p = policy();
        let tk = ticket(
            "high",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:30:00Z", NOTIFY),
                ("2026-11-20T11:00:00Z", "resolved\nsummary: s"),
                ("2026-11-20T15:00:00Z", "reopened\nreason: still broken"),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T16:00:00Z"));
        let res = find(&timers, Metric::Resolution, None);
        assert_eq!(
            (res.status, res.elapsed_s),
            (TimerStatus::Running, 2 * 3600 + 3600)
        );
        let cadence = find(&timers, Metric::UpdateCadence, None);
        assert_eq!(
            (cadence.started_at, cadence.elapsed_s),
            (t("2026-11-20T15:00:00Z"), 3600)
        );
        let l2 = find(&timers, Metric::Escalation, Some("L2"));
        // 3h of a 4h target: past the 75% warning line.
        assert_eq!((l2.status, l2.elapsed_s), (TimerStatus::Warning, 3 * 3600));
    }

    #[test]
    fn time_before_the_first_working_window_counts_nothing() {
        let p = policy();
        // Saturday morning, business calendar Mon–Fri 09:00–17:00 UTC.
        let tk = ticket("low", "2026-11-21T10:00:00Z", &[]);
        let timers = timers(&p, &tk, t("2026-11-22T20:00:00Z"));
        let fr = find(&timers, Metric::FirstResponse, None);
        assert_eq!((fr.elapsed_s, fr.status), (0, TimerStatus::Running));
        assert_eq!(fr.due, Some(t("2026-11-23T17:00:00Z")));
    }

    #[test]
    fn a_severity_change_switches_calendar_and_target_and_keeps_elapsed() {
        let p = policy();
        // Medium (business, FR 4h) opened Friday 16:00, raised to critical
        // (24x7, FR 30m) at 16:20: 20 business minutes carried over, then
        // every second counts, so 30m are used up at 16:30.
        let tk = ticket(
            "medium",
            "2026-11-20T16:00:00Z",
            &[(
                "2026-11-20T16:20:00Z",
                "severity-changed\nto: critical\nreason: all EU customers",
            )],
        );
        let timers = timers(&p, &tk, t("2026-11-20T16:40:00Z"));
        let fr = find(&timers, Metric::FirstResponse, None);
        assert_eq!(
            (fr.calendar.as_str(), fr.target_s, fr.elapsed_s),
            ("24x7", 1800, 2400)
        );
        assert_eq!(
            (fr.status, fr.breached_at),
            (TimerStatus::Breached, Some(t("2026-11-20T16:30:00Z")))
        );
        // Critical adds an L3 target medium did not have; it counts from opening.
        let l3 = find(&timers, Metric::Escalation, Some("L3"));
        assert_eq!(l3.elapsed_s, 2400);
    }

    #[test]
    fn review_is_due_after_closure_and_stops_when_complete() {
        let p = policy();
        let mut events = vec![
            ("2026-11-16T09:10:00Z", NOTIFY),
            ("2026-11-16T12:00:00Z", "resolved\nsummary: s"),
            ("2026-11-16T13:00:00Z", "closed\nconfirmed_by: c"),
            (
                "2026-11-17T10:00:00Z",
                "reviewed\nwent_well: w\nsatisfaction: 4\nlessons: l",
            ),
        ];
        let partial = ticket("critical", "2026-11-16T09:00:00Z", &events);
        let timers = super::timers(&p, &partial, t("2026-11-17T12:00:00Z"));
        let review = find(&timers, Metric::Review, None);
        // Closed Monday 13:00: 4h Monday + 3h Tuesday on the business
        // calendar; not complete yet (no action items).
        assert_eq!(
            (review.status, review.elapsed_s, review.target_s),
            (TimerStatus::Running, 7 * 3600, 40 * 3600)
        );
        events.push((
            "2026-11-17T11:00:00Z",
            "reviewed\naction_items:\n- text: x\n  owner: o\n  due: 2026-12-01",
        ));
        let complete = ticket("critical", "2026-11-16T09:00:00Z", &events);
        let timers = super::timers(&p, &complete, t("2026-11-18T12:00:00Z"));
        let review = find(&timers, Metric::Review, None);
        assert_eq!(
            (review.status, review.stopped_at),
            (TimerStatus::Met, Some(t("2026-11-17T11:00:00Z")))
        );
    }

    #[test]
    fn events_after_now_are_ignored_so_history_replays() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[("2026-11-20T09:10:00Z", NOTIFY)],
        );
        let before = evaluate(&p, &tk, t("2026-11-20T09:05:00Z"));
        assert_eq!(before.ignored_future, vec![1]);
        assert_eq!(
            find(&before.timers, Metric::FirstResponse, None).status,
            TimerStatus::Running
        );
    }

    #[test]
    fn events_at_the_same_instant_apply_in_file_order() {
        let p = policy();
        // Resolved and reopened in the same second: in file order the ticket
        // ends up open, so resolution keeps running.
        let reopened = ticket(
            "high",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T10:00:00Z", "resolved\nsummary: s"),
                ("2026-11-20T10:00:00Z", "reopened\nreason: r"),
            ],
        );
        let res = find(
            &timers(&p, &reopened, t("2026-11-20T11:00:00Z")),
            Metric::Resolution,
            None,
        )
        .clone();
        assert_eq!((res.status, res.elapsed_s), (TimerStatus::Running, 7200));
        // A notification and a resolution at the same instant: first
        // response met at that instant either way.
        for order in [
            [NOTIFY, "resolved\nsummary: s"],
            ["resolved\nsummary: s", NOTIFY],
        ] {
            let tk = ticket(
                "high",
                "2026-11-20T09:00:00Z",
                &[
                    ("2026-11-20T09:30:00Z", order[0]),
                    ("2026-11-20T09:30:00Z", order[1]),
                ],
            );
            let fr = find(
                &timers(&p, &tk, t("2026-11-20T11:00:00Z")),
                Metric::FirstResponse,
                None,
            )
            .clone();
            assert_eq!(
                (fr.status, fr.stopped_at),
                (TimerStatus::Met, Some(t("2026-11-20T09:30:00Z")))
            );
        }
    }

    #[test]
    fn out_of_order_events_are_taken_in_time_order() {
        let p = policy();
        let mut tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:40:00Z", "note\ntext: x"),
                ("2026-11-20T09:10:00Z", NOTIFY),
            ],
        );
        let fr = find(
            &timers(&p, &tk, t("2026-11-20T10:00:00Z")),
            Metric::FirstResponse,
            None,
        )
        .clone();
        assert_eq!((fr.status, fr.elapsed_s), (TimerStatus::Met, 600));
        tk.events.swap(1, 2);
        assert_eq!(
            find(
                &timers(&p, &tk, t("2026-11-20T10:00:00Z")),
                Metric::FirstResponse,
                None
            ),
            &fr
        );
    }

    mod laws {
        use super::*;
        use proptest::prelude::*;

        /// Opened at 0; then steps of (gap minutes, action) where action 0 =
        /// notify, 1 = pause, 2 = resume, 3 = note.
        fn build(steps: &[(u16, u8)], severity: &str) -> Ticket {
            let base = t("2026-11-16T08:00:00Z");
            let mut at = base;
            let mut events = Vec::new();
            let mut stamps = Vec::new();
            for (gap, action) in steps {
                at = at.plus(i64::from(*gap) * 60);
                stamps.push(at.to_string());
                events.push(*action);
            }
            let bodies: Vec<(&str, &str)> = events
                .iter()
                .zip(&stamps)
                .map(|(a, s)| {
                    let body = match a {
                        0 => NOTIFY,
                        1 => "paused\nreason: waiting-on-customer",
                        2 => "resumed",
                        _ => "note\ntext: n",
                    };
                    (s.as_str(), body)
                })
                .collect();
            ticket(severity, &base.to_string(), &bodies)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn pausing_never_increases_elapsed(
                steps in proptest::collection::vec((0u16..600, 0u8..4), 0..12),
                pause_at in 0usize..12,
                pause_for in 1u16..600,
                severity in prop_oneof![Just("critical"), Just("medium")],
                horizon in 0i64..(14 * 86_400),
            ) {
                let p = policy();
                let plain = build(&steps, severity);
                // Either insert a lone pause anywhere, or (into a timeline
                // without pauses) a pause and a resume `pause_for` minutes
                // later; later events shift so the file stays in time order.
                let mut with_pause = steps.clone();
                let idx = pause_at.min(with_pause.len());
                with_pause.insert(idx, (0, 1));
                if steps.iter().all(|(_, a)| *a == 0 || *a == 3) {
                    with_pause.insert(idx + 1, (pause_for, 2));
                }
                let paused = build(&with_pause, severity);
                let now = t("2026-11-16T08:00:00Z").plus(horizon);
                let a = timers(&p, &plain, now);
                let b = timers(&p, &paused, now);
                let res_a = a.iter().find(|x| x.metric == Metric::Resolution).map(|x| x.elapsed_s).unwrap_or(0);
                let res_b = b.iter().find(|x| x.metric == Metric::Resolution).map(|x| x.elapsed_s).unwrap_or(0);
                prop_assert!(res_b <= res_a, "pause increased resolution elapsed: {} > {}", res_b, res_a);
                for timer in a.iter().chain(&b) {
                    prop_assert!(timer.elapsed_s >= 0);
                    prop_assert_eq!(timer.remaining_s, timer.target_s - timer.elapsed_s);
                    prop_assert!(timer.elapsed_s <= (now.unix() - timer.started_at.unix()).max(0));
                    prop_assert_eq!(timer.status == TimerStatus::Breached, timer.elapsed_s > timer.target_s);
                    if matches!(timer.status, TimerStatus::Paused | TimerStatus::Met) || timer.is_stopped() {
                        prop_assert_eq!(timer.due, None);
                    }
                }
            }
        }
    }
}
