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
//! Events are taken in the one replay order (`workflow::Timeline`: `opened`
//! first, then by time, same instant in file order), and only those at or
//! before `now`, so any past instant can be replayed; an event dated before
//! `opened` counts at the opening instant. The status replay runs in the same
//! pass, so a ticket is replayed once for both. A severity change
//! switches running timers to the new tier's calendar from that instant on and
//! judges them against the new target; elapsed time carries over. A stopped
//! timer keeps the verdict of the target in force when it stopped.

//!
//! [`replay`] holds the clocks and what each event does to them; [`verdict`]
//! turns a clock into a [`Timer`] with its status, due and breach instants.

mod replay;
mod verdict;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::ticket::Ticket;
use crate::time::Timestamp;
use crate::workflow::{Status, Timeline};

pub use replay::Clock;
use replay::{Calendars, Replay};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    /// Most urgent first.
    pub const ALL: [TimerStatus; 5] = [
        TimerStatus::Breached,
        TimerStatus::Warning,
        TimerStatus::Running,
        TimerStatus::Paused,
        TimerStatus::Met,
    ];

    pub fn parse(text: &str) -> Option<TimerStatus> {
        TimerStatus::ALL.into_iter().find(|s| s.name() == text)
    }
}

/// A stretch of time during which a timer ran, on one calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub from: Timestamp,
    /// `None` while still running (counted up to `now`).
    pub to: Option<Timestamp>,
    pub calendar: String,
    pub business_s: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub metric: Metric,
    /// The level an escalation timer requires; `None` for other metrics.
    pub level: Option<Box<str>>,
    /// 1-based per ticket, metric and (for escalations) level; a number is
    /// never reused, also not by a dropped cycle.
    pub cycle: u32,
    pub calendar: Box<str>,
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

/// What an event did to a timer, for `sla explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Started,
    Paused,
    Resumed,
    Stopped,
    Restarted,
    Recalendared,
    /// Ended without a verdict: its metric left the tier, or a reopen ended
    /// a review that had not breached.
    Dropped,
}

/// A cycle that ended without a verdict. It keeps its number, and only
/// `sla explain` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    pub metric: Metric,
    pub level: Option<String>,
    pub cycle: u32,
    pub started_at: Timestamp,
    pub dropped_at: Timestamp,
    pub elapsed_s: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// Index of the event in the ticket's file order.
    pub event: usize,
    pub metric: Metric,
    pub level: Option<String>,
    pub cycle: u32,
    pub action: Action,
}

/// A ticket at an instant: its status, its timers, and the trail that
/// produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub status: Status,
    /// Every cycle with a verdict (or still running), in metric, level and
    /// cycle order.
    pub timers: Vec<Timer>,
    pub dropped: Vec<Dropped>,
    pub effects: Vec<Effect>,
    /// The events replayed, by file index, in replay order.
    pub replayed: Vec<usize>,
    /// Events after `now` that were ignored, by file index.
    pub ignored_future: Vec<usize>,
}

/// The timers of one ticket at `now`.
pub fn timers(policy: &Policy, ticket: &Ticket, now: Timestamp) -> Vec<Timer> {
    evaluate(policy, ticket, now).timers
}

/// The one pass over the replay order up to `now`: the status and the
/// clocks after every event at or before it.
fn replay<'p>(
    policy: &'p Policy,
    ticket: &Ticket,
    now: Timestamp,
) -> (Timeline, Status, Replay<'p>) {
    let timeline = Timeline::of(ticket, now);
    let mut status = Status::opened(ticket);
    let mut clocks = Replay::new(policy, now);
    let opened_at = status.opened_at;
    for (n, &i) in timeline.current.iter().enumerate() {
        let event = &ticket.events[i];
        // Whether a customer's reply ends the wait is the status replay's
        // rule; the clocks follow it.
        let ends_wait = n > 0 && status.reply_ends_wait(policy, event);
        if n > 0 {
            status.apply(policy, event);
        }
        clocks.apply(i, event, event.at().max(opened_at), ends_wait);
    }
    (timeline, status, clocks)
}

/// Replays `ticket` at `now`, status and timers in one pass over the one
/// replay order. Reads only this ticket and the policy.
pub fn evaluate(policy: &Policy, ticket: &Ticket, now: Timestamp) -> Evaluation {
    let (timeline, status, clocks) = replay(policy, ticket, now);
    let (timers, dropped, effects) = clocks.finish();
    Evaluation {
        status,
        timers,
        dropped,
        effects,
        replayed: timeline.current,
        ignored_future: timeline.future,
    }
}

/// A cycle as a replay of every event leaves it, ready for a verdict at
/// any instant at or after the ticket's last event: judged already when
/// the verdict cannot change with the instant (stopped, or paused), else
/// still running and judged at the instant asked. What a cache of the
/// desk keeps instead of the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cycle {
    Judged(Timer),
    Running {
        /// The clock as the last event left it.
        clock: Clock,
        target: i64,
        /// When its elapsed time reaches the target if nothing pauses it:
        /// the same at every instant, worked out once.
        crossing: Option<Timestamp>,
    },
}

impl Cycle {
    /// The timer at `now` (at or after the ticket's last event).
    pub fn at(self, policy: &Policy, now: Timestamp) -> Timer {
        match self {
            Cycle::Judged(timer) => timer,
            Cycle::Running {
                clock,
                target,
                crossing,
            } => verdict::judge_crossing(
                clock,
                target,
                now,
                Calendars(policy),
                policy.warning,
                crossing,
            ),
        }
    }
}

/// The status after every event, and every timer cycle with a verdict to
/// give: [`evaluate`] at any instant at or after the ticket's last event
/// is this status and these cycles [at](Cycle::at) the instant.
pub fn cycles(policy: &Policy, ticket: &Ticket) -> (Status, Vec<Cycle>) {
    let latest = ticket.latest_at().unwrap_or(Timestamp::MIN);
    let (_, status, clocks) = replay(policy, ticket, latest);
    let (clocks, _, _) = clocks.finish_clocks();
    let cycles = clocks
        .into_iter()
        .map(|(clock, target)| {
            if clock.stopped.is_none() && clock.running_since.is_some() {
                let crossing = verdict::crossing(Calendars(policy), &clock, target);
                Cycle::Running {
                    clock,
                    target,
                    crossing,
                }
            } else {
                Cycle::Judged(verdict::judge(
                    clock,
                    target,
                    latest,
                    Calendars(policy),
                    policy.warning,
                ))
            }
        })
        .collect();
    (status, cycles)
}

/// Which timer cycles a listing shows.
#[derive(Debug, Clone, Default)]
pub struct TimerFilter {
    /// Only these statuses (any cycle, history included); empty means the
    /// cycles still counting (running, warning, paused, an ongoing breach),
    /// or every cycle with `history`.
    pub statuses: Vec<TimerStatus>,
    pub history: bool,
}

impl TimerFilter {
    pub fn matches(&self, timer: &Timer) -> bool {
        if self.statuses.is_empty() {
            self.history || !timer.is_stopped()
        } else {
            self.statuses.contains(&timer.status)
        }
    }
}

/// Whether a cycle is breached and still counting: someone can still act.
pub fn is_ongoing_breach(timer: &Timer) -> bool {
    timer.status == TimerStatus::Breached && !timer.is_stopped()
}

/// The order of timer rows: ongoing breaches first (most severe ticket
/// first, then the most recently breached); then warnings and running
/// cycles by due instant; then paused ones; history (stopped cycles) last,
/// the most recent first. `severity_rank` is the ticket's (0 = most
/// severe).
pub fn urgency_key(timer: &Timer, severity_rank: usize) -> (u8, usize, i64, i64) {
    let unix = |t: Option<Timestamp>| t.map(Timestamp::unix);
    match timer.status {
        _ if timer.is_stopped() => (
            3,
            0,
            -unix(timer.stopped_at).unwrap_or(i64::MIN + 1),
            timer.remaining_s,
        ),
        TimerStatus::Breached => (
            0,
            severity_rank,
            -unix(timer.breached_at).unwrap_or(i64::MIN + 1),
            timer.remaining_s,
        ),
        TimerStatus::Warning | TimerStatus::Running => {
            (1, 0, unix(timer.due).unwrap_or(i64::MAX), timer.remaining_s)
        }
        TimerStatus::Paused | TimerStatus::Met => (2, 0, timer.remaining_s, 0),
    }
}

/// How a `--check` gate reads timers: it fails on what someone can still
/// act on. An ongoing breach fails it (any ticket, closed ones included:
/// a review runs after the close); with `since`, so does a cycle that
/// breached after that instant and has stopped since (a breach that began
/// and ended between two runs of a watchdog). History never fails alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub fail_on: FailOn,
    pub since: Option<Timestamp>,
}

/// What fails a gate besides breaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Breach,
    /// Breaches and cycles still counting past the warning fraction.
    Warning,
}

impl Gate {
    /// Whether a stopped timer can fail this gate at all: only a breach
    /// since `since` does, so without `since` a ticket whose every timer
    /// stopped never fails it.
    pub fn can_fail_stopped(self) -> bool {
        self.since.is_some()
    }

    pub fn fails(self, timer: &Timer) -> bool {
        let recent = |t: &Timer| {
            t.is_stopped()
                && t.status == TimerStatus::Breached
                // The breach begins right after `breached_at` (elapsed
                // reaches the target there): a run at that very instant saw
                // it met, so the next run must count it.
                && self
                    .since
                    .zip(t.breached_at)
                    .is_some_and(|(since, at)| at >= since)
        };
        is_ongoing_breach(timer)
            || recent(timer)
            || (self.fail_on == FailOn::Warning
                && timer.status == TimerStatus::Warning
                && !timer.is_stopped())
    }
}

/// A timer whose verdict or due instant differs between two policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFlip {
    pub metric: Metric,
    pub level: Option<String>,
    pub cycle: u32,
    /// Status and due under the old policy (`None`: no such timer).
    pub before: Option<(TimerStatus, Option<Timestamp>)>,
    pub after: Option<(TimerStatus, Option<Timestamp>)>,
}

/// How a ticket's timers change from `a` (under one policy) to `b` (under
/// another), both evaluated at the same instant.
pub fn policy_flips(a: &[Timer], b: &[Timer]) -> Vec<PolicyFlip> {
    let key = |t: &Timer| (t.metric, t.level.clone(), t.cycle);
    let mut keys: Vec<(Metric, Option<Box<str>>, u32)> = a.iter().chain(b).map(key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(metric, level, cycle)| {
            let find = |list: &[Timer]| {
                list.iter()
                    .find(|t| t.metric == metric && t.level == level && t.cycle == cycle)
                    .map(|t| (t.status, t.due))
            };
            let (before, after) = (find(a), find(b));
            (before != after).then_some(PolicyFlip {
                metric,
                level: level.map(String::from),
                cycle,
                before,
                after,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::DEFAULT_POLICY;
    use crate::ticket::file;
    use crate::workflow::State;

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
        file::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn only_a_gate_with_since_can_fail_on_a_stopped_timer() {
        // Resolved days after the resolution target: a stopped breach.
        let ticket = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[("2026-11-25T09:00:00Z", "resolved\nsummary: s")],
        );
        let timers = evaluate(&policy(), &ticket, t("2026-11-26T09:00:00Z")).timers;
        let stopped: Vec<&Timer> = timers.iter().filter(|x| x.is_stopped()).collect();
        assert!(stopped.iter().any(|x| x.status == TimerStatus::Breached));
        for fail_on in [FailOn::Breach, FailOn::Warning] {
            let without = Gate {
                fail_on,
                since: None,
            };
            assert!(!without.can_fail_stopped());
            assert!(stopped.iter().all(|x| !without.fails(x)));
            let with = Gate {
                fail_on,
                since: Some(t("2026-11-20T00:00:00Z")),
            };
            assert!(with.can_fail_stopped());
            assert!(stopped.iter().any(|x| with.fails(x)));
        }
    }

    /// The latest cycle of a metric (and level).
    fn find<'a>(timers: &'a [Timer], metric: Metric, level: Option<&str>) -> &'a Timer {
        timers
            .iter()
            .rfind(|t| t.metric == metric && t.level.as_deref() == level)
            .unwrap_or_else(|| panic!("no {metric:?} {level:?} timer in {timers:#?}"))
    }

    /// Every cycle of a metric (and level), in cycle order.
    /// Each cycle of `metric` (and `level`) as its number, status and
    /// stop.
    fn stops(
        timers: &[Timer],
        metric: Metric,
        level: Option<&str>,
    ) -> Vec<(u32, TimerStatus, Option<Timestamp>)> {
        cycles(timers, metric, level)
            .into_iter()
            .map(|x| (x.cycle, x.status, x.stopped_at))
            .collect()
    }

    fn cycles<'a>(timers: &'a [Timer], metric: Metric, level: Option<&str>) -> Vec<&'a Timer> {
        timers
            .iter()
            .filter(|t| t.metric == metric && t.level.as_deref() == level)
            .collect()
    }

    const NOTIFY: &str = "notified\nchannel: email\nkind: acknowledgement\nmessage: m";

    #[test]
    fn huge_targets_neither_wrap_nor_warn_at_once() {
        // Past what policy.toml takes (3650d), as a policy built in code may
        // hold: the verdict must still be plain arithmetic.
        for target in [crate::duration::MAX_SECONDS, i64::MAX / 750 + 1, i64::MAX] {
            let mut p = policy();
            for sev in &mut p.severities {
                sev.resolution = Some(target);
                sev.first_response = Some(target);
            }
            for (severity, opened, now) in [
                ("critical", "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"),
                ("low", "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"),
                ("low", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
            ] {
                let tk = ticket(severity, opened, &[]);
                let timers = timers(&p, &tk, t(now));
                for metric in [Metric::FirstResponse, Metric::Resolution] {
                    let timer = find(&timers, metric, None);
                    let label = format!("{target} {severity} {opened} {metric:?}");
                    assert!(timer.elapsed_s > 0, "{label}");
                    if target == crate::duration::MAX_SECONDS && opened.starts_with("0001") {
                        assert_eq!(timer.status, TimerStatus::Breached, "{label}");
                        assert!(timer.remaining_s < 0, "{label}");
                        continue;
                    }
                    assert_eq!(timer.status, TimerStatus::Running, "{label}");
                    assert_eq!(timer.remaining_s, target - timer.elapsed_s, "{label}");
                    assert!(timer.breached_at.is_none(), "{label}");
                }
            }
        }
    }

    #[test]
    fn a_ticket_opened_in_year_one_breached_long_ago() {
        let p = policy();
        let tk = ticket("medium", "0001-01-01T00:00:00Z", &[]);
        let now = t("2026-11-20T12:00:00Z");
        let timers = timers(&p, &tk, now);
        let resolution = find(&timers, Metric::Resolution, None);
        assert_eq!(resolution.status, TimerStatus::Breached);
        // 40 business hours on Mon-Fri 09:00-17:00 UTC from Monday
        // 0001-01-01 are reached on Friday 17:00 of that week, and passed
        // when the next week's first window opens: the breach begins there.
        assert_eq!(resolution.breached_at, Some(t("0001-01-08T09:00:00Z")));
        assert_eq!(
            resolution.target_s - resolution.elapsed_s,
            resolution.remaining_s
        );
        let calendar = p.calendar("business").unwrap();
        assert_eq!(
            resolution.elapsed_s,
            calendar.business_seconds(t("0001-01-01T00:00:00Z").utc(), now.utc())
        );
    }

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
    fn a_customer_reply_ends_a_wait_on_the_customer_and_nothing_else() {
        let p = policy();
        let reply = |kind: &str| {
            format!(
                "customer-replied\nfrom: ops@acme.example\nmessage_id: <m@acme.example>\nkind: {kind}\ntext: here are the logs"
            )
        };
        let run = |reason: &str, kind: &str, now: &str| {
            let tk = ticket(
                "high",
                "2026-11-20T09:00:00Z",
                &[
                    ("2026-11-20T09:20:00Z", NOTIFY),
                    ("2026-11-20T10:00:00Z", &format!("paused\nreason: {reason}")),
                    ("2026-11-20T12:00:00Z", &reply(kind)),
                ],
            );
            let e = evaluate(&p, &tk, t(now));
            let res = find(&e.timers, Metric::Resolution, None).clone();
            (e.status.state, res.status, res.elapsed_s)
        };
        // Waiting on the customer: the reply at 12:00 resumes, so at 13:00
        // the resolution clock has run 09:00–10:00 and 12:00–13:00.
        assert_eq!(
            run("waiting-on-customer", "reply", "2026-11-20T13:00:00Z"),
            (State::InProgress, TimerStatus::Running, 7200)
        );
        // Before the reply arrives, still paused.
        assert_eq!(
            run("waiting-on-customer", "reply", "2026-11-20T11:00:00Z"),
            (State::Waiting, TimerStatus::Paused, 3600)
        );
        // An automatic answer, or a bounce, resumes nothing.
        for kind in ["auto-reply", "bounce"] {
            assert_eq!(
                run("waiting-on-customer", kind, "2026-11-20T13:00:00Z"),
                (State::Waiting, TimerStatus::Paused, 3600)
            );
        }
        // Nor does the customer's reply end a wait on a third party.
        assert_eq!(
            run("waiting-on-third-party", "reply", "2026-11-20T13:00:00Z"),
            (State::Waiting, TimerStatus::Paused, 3600)
        );
        // `[pause] customer` names the reasons a reply ends.
        let both = Policy::parse(&crate::policy::DEFAULT_POLICY.replace(
            "[pause]\n",
            "[pause]\ncustomer = [\"waiting-on-customer\", \"waiting-on-third-party\"]\n",
        ))
        .unwrap();
        let tk = ticket(
            "high",
            "2026-11-20T09:00:00Z",
            &[
                (
                    "2026-11-20T10:00:00Z",
                    "paused\nreason: waiting-on-third-party",
                ),
                ("2026-11-20T12:00:00Z", &reply("reply")),
            ],
        );
        let e = evaluate(&both, &tk, t("2026-11-20T13:00:00Z"));
        assert_eq!(e.status.state, State::InProgress);
        assert_eq!(find(&e.timers, Metric::Resolution, None).elapsed_s, 7200);
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
            (&*fr.calendar, fr.target_s, fr.elapsed_s),
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
    fn a_breach_is_not_forgiven_by_a_lowering_nor_merged_into_a_raise() {
        let p = policy();
        // Critical (24x7: FR 30m, L2 within 2h) opened 09:00, nobody
        // answers; lowered to low (business, FR 8h, no escalations) at
        // 12:00, when both targets are long passed.
        let lowered = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[(
                "2026-11-20T12:00:00Z",
                "severity-changed\nto: low\nreason: a single user",
            )],
        );
        let timers = timers(&p, &lowered, t("2026-11-20T13:00:00Z"));
        let verdicts = |metric, level| stops(&timers, metric, level);
        let change = Some(t("2026-11-20T12:00:00Z"));
        // The breached cycle stops at the change, breached; low's own
        // first response starts afresh there.
        assert_eq!(
            verdicts(Metric::FirstResponse, None),
            vec![
                (1, TimerStatus::Breached, change),
                (2, TimerStatus::Running, None)
            ]
        );
        let fr1 = super::tests::cycles(&timers, Metric::FirstResponse, None)[0];
        assert_eq!((fr1.target_s, fr1.elapsed_s), (1800, 3 * 3600));
        assert_eq!(
            verdicts(Metric::Escalation, Some("L2")),
            vec![(1, TimerStatus::Breached, change)]
        );
        // Not past its target (8h): resolution runs on, judged by low's.
        assert_eq!(
            verdicts(Metric::Resolution, None),
            vec![(1, TimerStatus::Running, None)]
        );
        // Raised from low to critical after low's first response (8
        // business hours) ran out: that breach is kept, and critical's
        // 30 minutes start at the raise.
        let raised = ticket(
            "low",
            "2026-11-16T09:00:00Z",
            &[(
                "2026-11-17T12:00:00Z",
                "severity-changed\nto: critical\nreason: now all users",
            )],
        );
        let timers = super::timers(&p, &raised, t("2026-11-17T12:10:00Z"));
        let fr: Vec<_> = timers
            .iter()
            .filter(|x| x.metric == Metric::FirstResponse)
            .map(|x| (x.cycle, x.status, x.target_s, x.elapsed_s))
            .collect();
        assert_eq!(
            fr,
            vec![
                (1, TimerStatus::Breached, 8 * 3600, 11 * 3600),
                (2, TimerStatus::Running, 1800, 600)
            ]
        );
    }

    #[test]
    fn a_late_resolution_is_not_forgiven_by_a_tier_change_while_resolved() {
        let p = policy();
        // High (24x7: resolution 24h, L2 within 4h, L3 within 12h) opened
        // Friday 09:00 and resolved Saturday 12:00, 27 hours on: late. A
        // hand edit lowers it to low (business hours, 80h, no escalations)
        // while resolved; it is reopened Saturday 14:00.
        let mut events = vec![
            ("2026-11-21T12:00:00Z", "resolved\nsummary: s"),
            (
                "2026-11-21T13:00:00Z",
                "severity-changed\nto: low\nreason: r",
            ),
            ("2026-11-21T14:00:00Z", "reopened\nreason: r"),
        ];
        let reopened = ticket("high", "2026-11-20T09:00:00Z", &events);
        let now = t("2026-11-23T10:00:00Z");
        let timers = super::timers(&p, &reopened, now);
        let of = |metric| -> Vec<(u32, TimerStatus, i64, i64)> {
            timers
                .iter()
                .filter(|x| x.metric == metric)
                .map(|x| (x.cycle, x.status, x.target_s, x.elapsed_s))
                .collect()
        };
        // The late cycle keeps its breach; low's 80 hours start at the
        // reopen (Monday 09:00 on business hours: one hour by 10:00).
        assert_eq!(
            of(Metric::Resolution),
            vec![
                (1, TimerStatus::Breached, 24 * 3600, 27 * 3600),
                (2, TimerStatus::Running, 80 * 3600, 3600)
            ]
        );
        // The escalations low does not have stay breached as they stopped.
        assert!(
            of(Metric::Escalation)
                .iter()
                .all(|&(_, status, _, _)| status == TimerStatus::Breached)
        );
        // Raised instead (to critical: 8h, L2 2h, L3 4h): the escalations
        // it keeps that had breached start afresh at the reopen too.
        events[1].1 = "severity-changed\nto: critical\nreason: r";
        let raised = ticket("high", "2026-11-20T09:00:00Z", &events);
        let timers = super::timers(&p, &raised, t("2026-11-21T14:30:00Z"));
        let resolved = Some(t("2026-11-21T12:00:00Z"));
        for (metric, level) in [
            (Metric::Resolution, None),
            (Metric::Escalation, Some("L2")),
            (Metric::Escalation, Some("L3")),
        ] {
            assert_eq!(
                stops(&timers, metric, level),
                vec![
                    (1, TimerStatus::Breached, resolved),
                    (2, TimerStatus::Running, None)
                ],
                "{metric:?} {level:?}"
            );
        }
        // To the same tier, or without a change at all, the reopen resumes
        // the late cycle: it stays breached under the same target.
        events[1].1 = "severity-changed\nto: high\nreason: r";
        let same = ticket("high", "2026-11-20T09:00:00Z", &events);
        events.remove(1);
        let unchanged = ticket("high", "2026-11-20T09:00:00Z", &events);
        for ticket in [same, unchanged] {
            let timers = super::timers(&p, &ticket, now);
            assert_eq!(
                stops(&timers, Metric::Resolution, None),
                vec![(1, TimerStatus::Breached, None)]
            );
        }
    }

    #[test]
    fn a_level_added_while_resolved_counts_on_the_resolution_time() {
        let p = policy();
        // Medium (business hours: resolution 40h, L2 within 16h) opened
        // Monday 09:00 and resolved the next Monday 12:00, 43 business
        // hours on; lowered to low, then raised to critical (which adds
        // L3 within 4h) while resolved; reopened at 14:00.
        let events = [
            ("2026-11-23T12:00:00Z", "resolved\nsummary: s"),
            (
                "2026-11-23T13:00:00Z",
                "severity-changed\nto: low\nreason: r",
            ),
            (
                "2026-11-23T13:30:00Z",
                "severity-changed\nto: critical\nreason: r",
            ),
            ("2026-11-23T14:00:00Z", "reopened\nreason: r"),
        ];
        let ticket = ticket("medium", "2026-11-16T09:00:00Z", &events);
        let timers = super::timers(&p, &ticket, t("2026-11-23T15:00:00Z"));
        let resolved = Some(t("2026-11-23T12:00:00Z"));
        // L3, which the ticket never had, counts from opening on the
        // resolution's 43 hours: breached (stopped at the raise, as the
        // ticket was resolved), and resumed at the reopen under the same
        // target, breached still.
        assert_eq!(
            stops(&timers, Metric::Escalation, Some("L3")),
            vec![(1, TimerStatus::Breached, None)]
        );
        let l3 = cycles(&timers, Metric::Escalation, Some("L3"))[0];
        assert_eq!((l3.target_s, l3.elapsed_s), (4 * 3600, 44 * 3600));
        // L2 (medium's, breached at the resolution) was dropped with low,
        // keeping its verdict; it comes back with critical at the reopen,
        // not as a cycle met at once while resolved.
        assert_eq!(
            stops(&timers, Metric::Escalation, Some("L2")),
            vec![
                (1, TimerStatus::Breached, resolved),
                (2, TimerStatus::Running, None)
            ]
        );
        assert_eq!(
            stops(&timers, Metric::Resolution, None),
            vec![
                (1, TimerStatus::Breached, resolved),
                (2, TimerStatus::Running, None)
            ]
        );
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

    #[test]
    fn an_event_dated_before_opened_counts_at_the_opening_instant() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                (
                    "2026-11-20T08:50:00Z",
                    "paused\nreason: waiting-on-customer",
                ),
                ("2026-11-20T09:40:00Z", "resumed"),
            ],
        );
        let eval = evaluate(&p, &tk, t("2026-11-20T10:00:00Z"));
        assert_eq!(eval.status.state, crate::workflow::State::InProgress);
        let res = find(&eval.timers, Metric::Resolution, None);
        // Paused from 09:00 (not 08:50) to 09:40: 20 minutes ran.
        assert_eq!((res.status, res.elapsed_s), (TimerStatus::Running, 1200));
        let last = res.segments.last().expect("a running segment");
        assert_eq!((last.from, last.to), (t("2026-11-20T09:40:00Z"), None));
    }

    /// The default policy with `low` lacking a first response and an
    /// update cadence, and `[review] requires` as given.
    fn policy_with(requires: &str) -> Policy {
        let text = DEFAULT_POLICY
            .replace(
                "calendar = \"business\"\nfirst_response = \"8h\"\nupdate_every = \"24h\"\n",
                "calendar = \"business\"\n",
            )
            .replace(
                "requires = [\"assessment\", \"feedback\", \"lessons\", \"action-items\"]",
                &format!("requires = [{requires}]"),
            );
        Policy::parse(&text).unwrap()
    }

    const ALL_PARTS: &str = "reviewed\nwent_well: w\nsatisfaction: 4\nlessons: l\naction_items:\n- text: x\n  owner: o\n  due: 2026-12-01";

    #[test]
    fn every_cadence_cycle_is_kept_with_its_own_verdict() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:05:00Z", NOTIFY),
                ("2026-11-20T10:15:00Z", NOTIFY),
                ("2026-11-20T10:45:00Z", NOTIFY),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T11:00:00Z"));
        let cadence = cycles(&timers, Metric::UpdateCadence, None);
        let seen: Vec<_> = cadence
            .iter()
            .map(|c| (c.cycle, c.status, c.started_at, c.stopped_at))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    1,
                    TimerStatus::Breached,
                    t("2026-11-20T09:05:00Z"),
                    Some(t("2026-11-20T10:15:00Z"))
                ),
                (
                    2,
                    TimerStatus::Met,
                    t("2026-11-20T10:15:00Z"),
                    Some(t("2026-11-20T10:45:00Z"))
                ),
                (3, TimerStatus::Running, t("2026-11-20T10:45:00Z"), None),
            ]
        );
        // The late update stays breached however many updates follow.
        assert_eq!(cadence[0].breached_at, Some(t("2026-11-20T10:05:00Z")));
    }

    #[test]
    fn a_reopen_voids_the_review_so_far_and_the_next_close_asks_again() {
        // Rule A: a running review cycle stops at the reopen, dropped if it
        // had not breached; the next close starts a new cycle.
        let p = policy();
        let events = [
            ("2026-11-16T09:10:00Z", NOTIFY),
            ("2026-11-16T12:00:00Z", "resolved\nsummary: s"),
            (
                "2026-11-16T13:00:00Z",
                "closed\nconfirmed_by: c\napproved_by: m",
            ),
            ("2026-11-17T10:00:00Z", "reviewed\nwent_well: w\nlessons: l"),
            ("2026-11-17T11:00:00Z", "reopened\nreason: back"),
            ("2026-11-17T12:00:00Z", "resolved\nsummary: s2"),
            (
                "2026-11-17T13:00:00Z",
                "closed\nconfirmed_by: c\napproved_by: m",
            ),
        ];
        let tk = ticket("critical", "2026-11-16T09:00:00Z", &events);
        let eval = evaluate(&p, &tk, t("2026-11-17T14:00:00Z"));
        let reviews = cycles(&eval.timers, Metric::Review, None);
        assert_eq!(reviews.len(), 1, "{reviews:#?}");
        assert_eq!(
            (reviews[0].cycle, reviews[0].status),
            (2, TimerStatus::Running)
        );
        assert_eq!(reviews[0].started_at, t("2026-11-17T13:00:00Z"));
        let dropped: Vec<_> = eval.dropped.iter().map(|d| (d.metric, d.cycle)).collect();
        assert_eq!(dropped, [(Metric::Review, 1)]);
        // Parts recorded before the reopen no longer count.
        assert!(eval.status.review_parts.is_empty());
        assert!(!crate::workflow::review_done(&p, &eval.status));
        let mut events = events.to_vec();
        events.push(("2026-11-17T15:00:00Z", ALL_PARTS));
        let tk = ticket("critical", "2026-11-16T09:00:00Z", &events);
        let eval = evaluate(&p, &tk, t("2026-11-17T16:00:00Z"));
        let review = find(&eval.timers, Metric::Review, None);
        assert_eq!(
            (review.cycle, review.status, review.stopped_at),
            (2, TimerStatus::Met, Some(t("2026-11-17T15:00:00Z")))
        );
        assert!(crate::workflow::review_done(&p, &eval.status));
    }

    #[test]
    fn a_review_breached_before_a_reopen_stays_breached() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-16T09:00:00Z",
            &[
                ("2026-11-16T09:10:00Z", NOTIFY),
                ("2026-11-16T12:00:00Z", "resolved\nsummary: s"),
                (
                    "2026-11-16T13:00:00Z",
                    "closed\nconfirmed_by: c\napproved_by: m",
                ),
                // 40 business hours later is Monday the 23rd at 13:00.
                ("2026-11-24T10:00:00Z", "reopened\nreason: back"),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-24T11:00:00Z"));
        let review = find(&timers, Metric::Review, None);
        assert_eq!(
            (
                review.cycle,
                review.status,
                review.stopped_at,
                review.breached_at
            ),
            (
                1,
                TimerStatus::Breached,
                Some(t("2026-11-24T10:00:00Z")),
                Some(t("2026-11-23T13:00:00Z"))
            )
        );
    }

    #[test]
    fn a_notice_while_resolved_starts_the_cadence_at_a_reopen() {
        // Rule B.
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T10:00:00Z", "resolved\nsummary: s"),
                (
                    "2026-11-20T10:30:00Z",
                    "notified\nchannel: email\nkind: resolution\nmessage: m",
                ),
                ("2026-11-20T11:00:00Z", "reopened\nreason: r"),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T11:20:00Z"));
        let cadence = find(&timers, Metric::UpdateCadence, None);
        assert_eq!(
            (
                cadence.cycle,
                cadence.started_at,
                cadence.elapsed_s,
                cadence.status
            ),
            (1, t("2026-11-20T11:00:00Z"), 1200, TimerStatus::Running)
        );
    }

    #[test]
    fn a_stopped_timer_keeps_the_target_and_calendar_it_stopped_with() {
        // Rule C: a critical first response breached and stopped; later
        // tiers (8h on the business calendar) do not rewrite it.
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:45:00Z", NOTIFY),
                (
                    "2026-11-20T10:00:00Z",
                    "severity-changed\nto: low\nreason: r",
                ),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T11:00:00Z"));
        let fr = find(&timers, Metric::FirstResponse, None);
        assert_eq!(
            (fr.status, fr.target_s, &*fr.calendar, fr.elapsed_s),
            (TimerStatus::Breached, 1800, "24x7", 2700)
        );
        // Also when the new tier lacks the metric.
        let p = policy_with("\"assessment\"");
        let timers = super::timers(&p, &tk, t("2026-11-20T11:00:00Z"));
        let fr = find(&timers, Metric::FirstResponse, None);
        assert_eq!((fr.status, fr.target_s), (TimerStatus::Breached, 1800));
    }

    #[test]
    fn with_no_required_parts_the_first_review_after_the_close_meets_it() {
        // Rule E.
        let p = policy_with("");
        let closed = [
            ("2026-11-16T09:10:00Z", NOTIFY),
            ("2026-11-16T12:00:00Z", "resolved\nsummary: s"),
            (
                "2026-11-16T13:00:00Z",
                "closed\nconfirmed_by: c\napproved_by: m",
            ),
        ];
        let tk = ticket("critical", "2026-11-16T09:00:00Z", &closed);
        let eval = evaluate(&p, &tk, t("2026-11-17T13:00:00Z"));
        assert_eq!(
            find(&eval.timers, Metric::Review, None).status,
            TimerStatus::Running
        );
        assert!(!crate::workflow::review_done(&p, &eval.status));
        assert!(crate::due::needs(
            &p,
            &eval.status,
            &eval.timers,
            t("2026-11-17T13:00:00Z"),
            crate::due::Need::Review
        ));
        let mut events = closed.to_vec();
        events.push(("2026-11-17T14:00:00Z", "reviewed\nlessons: l"));
        let tk = ticket("critical", "2026-11-16T09:00:00Z", &events);
        let eval = evaluate(&p, &tk, t("2026-11-17T15:00:00Z"));
        let review = find(&eval.timers, Metric::Review, None);
        assert_eq!(
            (review.status, review.stopped_at),
            (TimerStatus::Met, Some(t("2026-11-17T14:00:00Z")))
        );
        assert!(crate::workflow::review_done(&p, &eval.status));
    }

    #[test]
    fn a_tier_without_a_metric_drops_its_cycle_and_a_later_tier_starts_fresh() {
        // Rule F: first response, cadence and escalations.
        let p = policy_with("\"assessment\"");
        let tk = ticket(
            "high",
            "2026-11-20T09:00:00Z",
            &[
                (
                    "2026-11-20T09:10:00Z",
                    "severity-changed\nto: low\nreason: r",
                ),
                (
                    "2026-11-20T09:40:00Z",
                    "severity-changed\nto: high\nreason: r",
                ),
            ],
        );
        let eval = evaluate(&p, &tk, t("2026-11-20T10:00:00Z"));
        let fr = find(&eval.timers, Metric::FirstResponse, None);
        assert_eq!(
            (fr.cycle, fr.started_at, fr.elapsed_s, fr.status),
            (2, t("2026-11-20T09:40:00Z"), 1200, TimerStatus::Running)
        );
        let l2 = find(&eval.timers, Metric::Escalation, Some("L2"));
        assert_eq!(
            (l2.cycle, l2.started_at, l2.elapsed_s),
            (2, t("2026-11-20T09:40:00Z"), 1200)
        );
        let dropped: Vec<_> = eval
            .dropped
            .iter()
            .map(|d| (d.metric, d.level.as_deref(), d.cycle, d.elapsed_s))
            .collect();
        assert_eq!(
            dropped,
            [
                (Metric::FirstResponse, None, 1, 600),
                (Metric::Escalation, Some("L2"), 1, 600),
                (Metric::Escalation, Some("L3"), 1, 600),
            ]
        );
        // Dropped cycles are not timers: the five statuses stay the five.
        assert_eq!(cycles(&eval.timers, Metric::FirstResponse, None).len(), 1);
    }

    #[test]
    fn a_restored_level_the_ticket_already_reached_needs_no_new_cycle() {
        let p = policy();
        let tk = ticket(
            "high",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:30:00Z", "escalated\nto: L2\nreason: r"),
                (
                    "2026-11-20T10:00:00Z",
                    "severity-changed\nto: low\nreason: r",
                ),
                (
                    "2026-11-20T11:00:00Z",
                    "severity-changed\nto: high\nreason: r",
                ),
            ],
        );
        let eval = evaluate(&p, &tk, t("2026-11-20T12:00:00Z"));
        let l2 = cycles(&eval.timers, Metric::Escalation, Some("L2"));
        assert_eq!(l2.len(), 1);
        assert_eq!((l2[0].cycle, l2[0].status), (1, TimerStatus::Met));
        let l3 = find(&eval.timers, Metric::Escalation, Some("L3"));
        assert_eq!(
            (l3.cycle, l3.started_at, l3.elapsed_s),
            (2, t("2026-11-20T11:00:00Z"), 3600)
        );
    }

    #[test]
    fn a_ticket_opened_at_a_level_has_that_target_met_at_opening() {
        let p = policy();
        let text = "schema: 1\nid: T-7FQ2M9KD3A\ntitle: t\nevents:\n- type: opened\n  at: 2026-11-20T09:00:00Z\n  by: a\n  severity: critical\n  level: L2\n";
        let tk = file::parse(text.as_bytes()).unwrap();
        let timers = timers(&p, &tk, t("2026-11-20T12:00:00Z"));
        let l2 = find(&timers, Metric::Escalation, Some("L2"));
        assert_eq!(
            (l2.status, l2.stopped_at, l2.elapsed_s),
            (TimerStatus::Met, Some(t("2026-11-20T09:00:00Z")), 0)
        );
    }

    #[test]
    fn a_target_added_without_a_resolution_clock_counts_from_the_change() {
        let text = DEFAULT_POLICY.replace(
            "[[severities]]\nid = \"low\"",
            "[[severities]]\nid = \"watch\"\ncalendar = \"24x7\"\nfirst_response = \"8h\"\n\n\
[[severities]]\nid = \"hot\"\ncalendar = \"24x7\"\nescalations = [{ level = \"L2\", within = \"4h\" }]\n\n\
[[severities]]\nid = \"low\"",
        );
        let p = Policy::parse(&text).unwrap();
        let tk = ticket(
            "watch",
            "2026-11-20T09:00:00Z",
            &[(
                "2026-11-20T10:00:00Z",
                "severity-changed\nto: hot\nreason: r",
            )],
        );
        let l2 = find(
            &timers(&p, &tk, t("2026-11-20T12:00:00Z")),
            Metric::Escalation,
            Some("L2"),
        )
        .clone();
        assert_eq!(
            (l2.started_at, l2.elapsed_s),
            (t("2026-11-20T10:00:00Z"), 7200)
        );
    }

    #[test]
    fn a_second_opened_event_changes_nothing() {
        let p = policy();
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:10:00Z", NOTIFY),
                ("2026-11-20T09:20:00Z", "opened\nseverity: low\nlevel: L1"),
            ],
        );
        let timers = timers(&p, &tk, t("2026-11-20T10:00:00Z"));
        let fr = cycles(&timers, Metric::FirstResponse, None);
        assert_eq!(fr.len(), 1);
        assert_eq!((fr[0].status, fr[0].elapsed_s), (TimerStatus::Met, 600));
        assert_eq!(find(&timers, Metric::Resolution, None).elapsed_s, 3600);
    }

    #[test]
    fn a_reopen_resumes_on_the_current_tier_and_ends_a_pause() {
        let p = policy();
        // Critical (24x7) resolved, lowered to medium (business hours),
        // reopened on Friday at 18:00: the resolution resumes on business
        // hours, counting nothing until Monday.
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:05:00Z", NOTIFY),
                ("2026-11-20T10:00:00Z", "resolved\nsummary: s"),
                (
                    "2026-11-20T11:00:00Z",
                    "severity-changed\nto: medium\nreason: r",
                ),
                ("2026-11-20T18:00:00Z", "reopened\nreason: r"),
            ],
        );
        let res = find(
            &timers(&p, &tk, t("2026-11-20T19:00:00Z")),
            Metric::Resolution,
            None,
        )
        .clone();
        assert_eq!((&*res.calendar, res.elapsed_s), ("business", 3600));
        // Reopened while waiting (a hand edit): the clocks run again.
        let tk = ticket(
            "critical",
            "2026-11-20T09:00:00Z",
            &[
                ("2026-11-20T09:05:00Z", NOTIFY),
                (
                    "2026-11-20T09:20:00Z",
                    "paused\nreason: waiting-on-customer",
                ),
                ("2026-11-20T09:30:00Z", "reopened\nreason: r"),
            ],
        );
        let res = find(
            &timers(&p, &tk, t("2026-11-20T10:30:00Z")),
            Metric::Resolution,
            None,
        )
        .clone();
        assert_eq!(
            (res.status, res.elapsed_s),
            (TimerStatus::Running, 1200 + 3600)
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

            /// The ledger is append-only: a cycle that had stopped (met or
            /// breached) reads the same after any later events.
            #[test]
            fn stopped_cycles_never_change_when_events_follow(
                steps in proptest::collection::vec((0u16..600, 0u8..4), 1..12),
                keep in 0usize..12,
                severity in prop_oneof![Just("critical"), Just("medium")],
            ) {
                let p = policy();
                let full = build(&steps, severity);
                let keep = keep.min(steps.len());
                let prefix = build(&steps[..keep], severity);
                let now = full.events.last().unwrap().at().plus(7 * 86_400);
                let before = timers(&p, &prefix, now);
                let after = timers(&p, &full, now);
                for cycle in before.iter().filter(|t| t.is_stopped()) {
                    let same = after
                        .iter()
                        .find(|a| a.metric == cycle.metric && a.level == cycle.level && a.cycle == cycle.cycle);
                    prop_assert_eq!(same, Some(cycle));
                }
            }

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
