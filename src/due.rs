//! Deadline questions: which escalations a ticket owes, whether the
//! customer is owed word, the next deadline, and the SOP's next step with
//! what it still needs. They read a ticket's status and timers at an
//! instant; listings and `show` ask them.

use serde::Serialize;

use crate::policy::Policy;
use crate::sla::{Metric, Timer, TimerStatus, urgency_key};
use crate::ticket::{DiagnosisStep, Event};
use crate::time::Timestamp;
use crate::workflow::{self, Missing, Remedy, State, Status};

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
    status: &Status,
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
                level: t.level.as_deref()?.to_string(),
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

/// The highest escalation an open ticket owes at `now` (see
/// [`escalations_due`]): reaching it settles the lower ones too.
pub fn escalation_due(
    policy: &Policy,
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
) -> Option<DueEscalation> {
    escalations_due(policy, status, timers, now)
        .into_iter()
        .next()
}

/// Whether an open ticket has nobody who serves its level: no assignee,
/// or one who does not serve it (an escalation nobody was on call for).
/// Only when `people.toml` lists anyone.
pub fn unowned(policy: &Policy, status: &Status) -> bool {
    let people = &policy.people;
    !people.is_empty()
        && status.state.is_open()
        && !status
            .assignee
            .as_deref()
            .and_then(|a| people.find(a))
            .is_some_and(|p| p.levels.contains(&status.level))
}

/// The handle of whoever is on call at `at` for `level`, for the ticket's
/// team.
pub fn on_call<'p>(
    policy: &'p Policy,
    status: &Status,
    level: &str,
    at: Timestamp,
) -> Option<&'p str> {
    policy
        .people
        .on_call(level, status.team.as_deref(), at)
        .map(|p| p.handle.as_str())
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
        .min_by_key(|t| urgency_key(t, 0))
}

/// What a ticket can be owed (the `--needs` filter of listings).
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
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
    need: Need,
) -> bool {
    match need {
        Need::Escalation => !escalations_due(policy, status, timers, now).is_empty(),
        Need::Update => status.state.is_open() && timers.iter().any(owes_customer),
        Need::Review => {
            status.state == State::Closed
                && workflow::needs_review(policy, status)
                && !workflow::review_done(policy, status)
        }
    }
}

/// What is next for a ticket: its most urgent running deadline and the
/// SOP's next step (for `show` and handovers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlook<'t> {
    pub next_deadline: Option<&'t Timer>,
    pub next_step: Option<NextStep>,
}

pub fn outlook<'t>(
    policy: &Policy,
    status: &Status,
    timers: &'t [Timer],
    now: Timestamp,
) -> Outlook<'t> {
    Outlook {
        next_deadline: next_deadline(timers),
        next_step: next_step(policy, status, timers, now),
    }
}

/// The SOP step a ticket is at; the binary spells the command for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Acknowledge,
    /// Send the customer the update that is due or late.
    Update,
    Escalate {
        level: String,
    },
    Diagnose(DiagnosisStep),
    Resolve,
    Resume,
    Close,
    Review,
}

impl Step {
    /// What the step is, in the SOP's words: "escalate to L2".
    pub fn action(&self) -> String {
        match self {
            Step::Acknowledge => "acknowledge the customer".to_string(),
            Step::Update => "update the customer".to_string(),
            Step::Escalate { level } => format!("escalate to {level}"),
            Step::Diagnose(stage) => format!("diagnose: {}", stage.name()),
            Step::Resolve => "resolve".to_string(),
            Step::Resume => "resume when the customer answers".to_string(),
            Step::Close => "confirm with the customer and close".to_string(),
            Step::Review => "post-escalation review".to_string(),
        }
    }
}

/// What a ticket needs next, and what that step still lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub step: Step,
    pub needs: Vec<Missing>,
    /// When the step is or was due (a deadline, when an escalation became
    /// owed); for `Resume`, since when the ticket waits.
    pub due: Option<Timestamp>,
}

/// When a timer of `metric` still counting is due (for a breached one, when
/// it breached).
fn running_due(timers: &[Timer], metric: Metric) -> Option<Timestamp> {
    timers
        .iter()
        .filter(|t| t.metric == metric && !t.is_stopped())
        .filter_map(|t| t.breached_at.or(t.due))
        .min()
}

/// The SOP's next step for a ticket at `now`, the clock first: what is due
/// soonest among an owed escalation and a customer update at risk or late
/// comes before the next diagnosis step (for `show` and handovers). `None`
/// when nothing is owed.
pub fn next_step(
    policy: &Policy,
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
) -> Option<NextStep> {
    let step = |step: Step, needs: Vec<Missing>, due: Option<Timestamp>| {
        Some(NextStep { step, needs, due })
    };
    match status.state {
        State::New | State::InProgress if status.last_customer_update.is_none() => step(
            Step::Acknowledge,
            Vec::new(),
            running_due(timers, Metric::FirstResponse),
        ),
        State::New | State::InProgress => {
            // An update at risk or late, and an owed escalation: the one
            // due first goes first.
            let update = timers
                .iter()
                .filter(|t| owes_customer(t) && t.metric == Metric::UpdateCadence)
                .filter_map(|t| t.breached_at.or(t.due))
                .min();
            let escalation = escalation_due(policy, status, timers, now);
            match (update, escalation) {
                (Some(at), owed) if owed.as_ref().is_none_or(|e| at < e.since) => {
                    return step(Step::Update, Vec::new(), Some(at));
                }
                (_, Some(owed)) => {
                    let needs = workflow::missing_docs(policy, status, &owed.level)
                        .into_iter()
                        .map(|d| Missing {
                            what: d.name().to_string(),
                            remedy: Some(Remedy::Document(d)),
                        })
                        .collect();
                    return step(
                        Step::Escalate { level: owed.level },
                        needs,
                        Some(owed.since),
                    );
                }
                _ => {}
            }
            if let Some(stage) = DiagnosisStep::ALL
                .into_iter()
                .find(|s| !status.checklist.contains(s))
            {
                return step(Step::Diagnose(stage), Vec::new(), None);
            }
            step(
                Step::Resolve,
                Vec::new(),
                running_due(timers, Metric::Resolution),
            )
        }
        State::Waiting => step(Step::Resume, Vec::new(), status.paused_at),
        State::Resolved => {
            let probe = Event::Closed {
                at: status.last_event_at,
                by: String::new(),
                confirmed_by: None,
                no_confirmation: None,
                approved_by: None,
                forced: None,
            };
            let needs = workflow::admit(policy, status, &probe)
                .err()
                .map(|r| r.missing)
                .unwrap_or_default();
            step(Step::Close, needs, None)
        }
        State::Closed if workflow::needs_review(policy, status) => {
            if workflow::review_done(policy, status) {
                return None;
            }
            let missing = workflow::missing_review_parts(policy, status);
            let needs = missing
                .into_iter()
                .map(|p| Missing {
                    what: format!("review: {}", p.name()),
                    remedy: Some(Remedy::Review(p)),
                })
                .collect();
            step(Step::Review, needs, running_due(timers, Metric::Review))
        }
        State::Closed => None,
    }
}
