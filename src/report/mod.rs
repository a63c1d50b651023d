//! SLA attainment over a period, overall and by group: what a support
//! manager asks ("how did we do this month?"). Built on the SLA ledger:
//! every timer cycle is kept, so a period is judged by the cycles that
//! ended in it.
//!
//! **Which cycles a period counts.** A cycle belongs to the period in which
//! it stopped, met or breached; a cycle that has not stopped but has
//! breached belongs to the period in which it breached. Cycles still
//! running within their target are not judged yet. Percentiles are
//! nearest-rank: the p-th percentile of n sorted values is the value at
//! rank ⌈p·n/100⌉.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::sla::{Metric, Timer, TimerStatus};
use crate::time::Timestamp;

mod facts;
pub use facts::{ActionFact, Facts, Judged};

/// `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: Timestamp,
    pub until: Timestamp,
}

impl Period {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.from <= t && t < self.until
    }
}

/// A calendar span `--period` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// An ISO week, from Monday.
    Week,
    Month,
    Quarter,
}

/// The instant local `date` starts in `zone`.
pub fn start_of(zone: chrono_tz::Tz, date: chrono::NaiveDate) -> Timestamp {
    Timestamp::from_unix(crate::calendar::local_instant(zone, date, 0)).expect("a date tkt reads")
}

fn month_start(year: i32, month: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, month, 1).expect("a month")
}

impl Period {
    /// The calendar month starting on local `first` (a first of the month).
    pub fn month(zone: chrono_tz::Tz, first: chrono::NaiveDate) -> Period {
        use chrono::Datelike;
        let next = if first.month() == 12 {
            month_start(first.year() + 1, 1)
        } else {
            month_start(first.year(), first.month() + 1)
        };
        Period {
            from: start_of(zone, first),
            until: start_of(zone, next),
        }
    }

    /// The last complete `span` before `now`, in `zone`.
    pub fn last_complete(span: Span, zone: chrono_tz::Tz, now: Timestamp) -> Period {
        use chrono::{Datelike, Duration};
        let today = crate::calendar::local_date(zone, now.unix());
        let (from, until) = match span {
            Span::Week => {
                let monday =
                    today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
                (monday - Duration::days(7), monday)
            }
            Span::Month => {
                let this = month_start(today.year(), today.month());
                let last = if this.month() == 1 {
                    month_start(this.year() - 1, 12)
                } else {
                    month_start(this.year(), this.month() - 1)
                };
                (last, this)
            }
            Span::Quarter => {
                let q = (today.month() - 1) / 3;
                let this = month_start(today.year(), q * 3 + 1);
                let last = if q == 0 {
                    month_start(this.year() - 1, 10)
                } else {
                    month_start(this.year(), (q - 1) * 3 + 1)
                };
                (last, this)
            }
        };
        Period {
            from: start_of(zone, from),
            until: start_of(zone, until),
        }
    }

    /// The trend's buckets: ISO weeks (from Monday, in `zone`) over the
    /// period, clipped to it; days for a period under four weeks.
    pub fn buckets(self, zone: chrono_tz::Tz) -> Vec<Period> {
        use chrono::{Datelike, Duration};
        let days = (self.until.unix() - self.from.unix()) / 86_400;
        let first = crate::calendar::local_date(zone, self.from.unix());
        let (mut date, step) = if days < 28 {
            (first, 1)
        } else {
            (
                first - Duration::days(i64::from(first.weekday().num_days_from_monday())),
                7,
            )
        };
        let mut out = Vec::new();
        loop {
            let next = date + Duration::days(step);
            let (from, until) = (
                start_of(zone, date).max(self.from),
                start_of(zone, next).min(self.until),
            );
            if from >= self.until {
                break;
            }
            if from < until {
                out.push(Period { from, until });
            }
            date = next;
        }
        out
    }
}

/// What tickets are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKey {
    Severity,
    Team,
    Customer,
    Assignee,
    Level,
}

impl GroupKey {
    pub const ALL: [(&'static str, GroupKey); 5] = [
        ("severity", GroupKey::Severity),
        ("team", GroupKey::Team),
        ("customer", GroupKey::Customer),
        ("assignee", GroupKey::Assignee),
        ("level", GroupKey::Level),
    ];

    fn value(self, t: &Facts) -> String {
        let value = match self {
            GroupKey::Severity => Some(&t.severity),
            GroupKey::Team => t.team.as_ref(),
            GroupKey::Customer => Some(&t.customer).filter(|c| !c.is_empty()),
            GroupKey::Assignee => t.assignee.as_ref(),
            GroupKey::Level => Some(&t.level),
        };
        value.map_or_else(|| "-".to_string(), |v| v.to_string())
    }
}

/// Cycles of one metric judged in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attainment {
    /// `first_response`, `update_cadence`, `resolution`, `review`, or
    /// `escalation:L2`.
    pub metric: String,
    pub measured: usize,
    pub met: usize,
    pub breached: usize,
    /// `met / measured` in percent; `None` when nothing was measured.
    pub attainment: Option<f64>,
}

/// A distribution of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Durations {
    pub count: usize,
    pub median_s: Option<i64>,
    pub p90_s: Option<i64>,
    pub max_s: Option<i64>,
}

impl Durations {
    fn of(mut values: Vec<i64>) -> Durations {
        values.sort_unstable();
        Durations {
            count: values.len(),
            median_s: nearest_rank(&values, 50),
            p90_s: nearest_rank(&values, 90),
            max_s: values.last().copied(),
        }
    }
}

impl Measures {
    /// Every metric together: `all`, measured, met, breached, attainment.
    pub fn total(&self) -> Attainment {
        let (measured, met) = self
            .attainment
            .iter()
            .fold((0, 0), |(x, y), a| (x + a.measured, y + a.met));
        Attainment {
            metric: "all".into(),
            measured,
            met,
            breached: measured - met,
            attainment: percent(met, measured),
        }
    }
}

/// The p-th percentile of sorted `values`, nearest-rank.
pub fn nearest_rank(values: &[i64], p: usize) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let rank = (p * values.len()).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// The measures of one set of tickets over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measures {
    /// Tickets with anything in the period (a judged cycle, opened,
    /// resolved or reopened in it).
    pub tickets: usize,
    pub opened: usize,
    pub resolved: usize,
    /// Tickets reopened in the period, and that over the resolved ones (%).
    pub reopened: usize,
    pub reopen_rate: Option<f64>,
    /// Per metric, in the policy's order of metrics.
    pub attainment: Vec<Attainment>,
    /// From opening to the first response, for first responses in the
    /// period: business seconds (on the severity's calendar) and wall time.
    pub first_response_business: Durations,
    pub first_response_wall: Durations,
    pub resolution_business: Durations,
    pub resolution_wall: Durations,
    /// Escalation cycles judged, by level: reached in time or late.
    pub escalations: Vec<Attainment>,
    /// Time tickets spent waiting (paused) within the period, in seconds
    /// (a wait still going counts up to the end of the period, or now).
    pub paused_s: i64,
    /// Satisfaction recorded by reviews in the period: mean and how many
    /// gave each score.
    pub satisfaction_mean: Option<f64>,
    pub satisfaction: BTreeMap<u8, usize>,
    /// Review cycles: done in time, done late, and still owed past due.
    pub reviews_done: usize,
    pub reviews_late: usize,
    pub reviews_overdue: usize,
    /// Review action items still open at the end of the period, and how
    /// many of those are past their due date.
    pub actions_open: usize,
    pub actions_overdue: usize,
    /// Every wall-clock time to resolution of the period, in seconds,
    /// sorted (for a histogram).
    #[serde(skip)]
    pub resolution_wall_values: Vec<i64>,
}

/// A breached cycle of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub ticket: String,
    pub title: String,
    pub severity: String,
    pub team: Option<String>,
    pub metric: String,
    pub cycle: u32,
    pub breached_at: Timestamp,
    /// Past the target: when it stopped, or, for a cycle still running, as
    /// of the report (the end of the period, or now if that is earlier).
    pub over_s: i64,
    pub stopped: bool,
}

/// One group: the values of the grouping keys and its measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: Vec<String>,
    pub measures: Measures,
}

/// The measures of one week (or day), for the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub period: Period,
    pub measures: Measures,
}

/// Open tickets at the end of the period by age, per severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenByAge {
    pub severity: String,
    /// Counts per [`AGE_BUCKETS`].
    pub counts: Vec<usize>,
}

/// The age buckets of open tickets: upper bounds in days (the last is
/// open-ended), with their labels.
pub const AGE_BUCKETS: [(i64, &str); 5] = [
    (1, "under 1 day"),
    (3, "1-3 days"),
    (7, "3-7 days"),
    (30, "1-4 weeks"),
    (i64::MAX, "over 4 weeks"),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub group_by: Vec<GroupKey>,
    pub overall: Measures,
    pub groups: Vec<Group>,
    pub trend: Vec<Bucket>,
    /// Worst first (by how much), then by ticket.
    pub breaches: Vec<Breach>,
    /// The trend per severity: the overall attainment of each bucket of
    /// `trend` (`None`: nothing measured), severities in first-seen order.
    pub trend_by_severity: Vec<(String, Vec<Option<f64>>)>,
    /// Tickets open at the end of the period (or now), by age and severity.
    pub open_by_age: Vec<OpenByAge>,
}

/// `first_response`, `escalation:L2`, …: the name a metric has in reports.
pub fn metric_key(timer: &Timer) -> String {
    key_of(timer.metric, timer.level.as_deref())
}

fn key_of(metric: Metric, level: Option<&str>) -> String {
    match (metric, level) {
        (Metric::Escalation, Some(level)) => format!("escalation:{level}"),
        (metric, _) => metric.name().replace('-', "_"),
    }
}

/// When the cycle is judged, if in `period`: when it stopped, or when it
/// breached while still running.
pub(crate) fn judged_at(timer: &Timer) -> Option<Timestamp> {
    match (timer.stopped_at, timer.status, timer.breached_at) {
        (Some(stopped), TimerStatus::Met | TimerStatus::Breached, _) => Some(stopped),
        (None, TimerStatus::Breached, Some(breached)) => Some(breached),
        _ => None,
    }
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64) * 100.0 / (whole as f64))
}

/// The measures of `tickets` over `period`, as of `as_of` (review action
/// items count as open and overdue at the end of the period, or at `as_of`
/// if that is earlier).
pub fn measures(tickets: &[&Facts], period: Period, as_of: Timestamp) -> Measures {
    let end = as_of.min(period.until);
    let mut m = Measures::default();
    // Keyed by the metric's order and level, borrowed: a trend asks this of
    // every ticket once per bucket, and a name made per cycle would be
    // most of the work.
    let mut by_metric: BTreeMap<(u8, Option<&str>), Attainment> = BTreeMap::new();
    let (mut fr_b, mut fr_w, mut res_b, mut res_w) = (vec![], vec![], vec![], vec![]);
    let mut scores = Vec::new();
    for t in tickets {
        let s = t;
        let mut touched = false;
        if period.contains(s.opened_at) {
            m.opened += 1;
            touched = true;
        }
        if s.resolved_at.is_some_and(|r| period.contains(r)) {
            m.resolved += 1;
            touched = true;
        }
        if s.reopened.iter().any(|r| period.contains(*r)) {
            m.reopened += 1;
            touched = true;
        }
        for wait in &s.waits {
            let from = wait.from.max(period.from);
            let until = wait.until.unwrap_or(end).min(end);
            if from < until {
                m.paused_s += until.unix() - from.unix();
                touched = true;
            }
        }
        if let Some(given) = s.satisfaction
            && period.contains(given.at)
        {
            scores.push(given.score);
            *m.satisfaction.entry(given.score).or_default() += 1;
        }
        for timer in &t.cycles {
            let at = timer.at;
            if !period.contains(at) {
                // A review still owed past its due date counts as overdue
                // at the end of the period.
                continue;
            }
            touched = true;
            let order = match timer.metric {
                Metric::FirstResponse => 0,
                Metric::UpdateCadence => 1,
                Metric::Resolution => 2,
                Metric::Escalation => 3,
                Metric::Review => 4,
            };
            let a = by_metric
                .entry((order, timer.level.as_deref().filter(|_| order == 3)))
                .or_insert_with(|| Attainment {
                    metric: timer.key(),
                    ..Attainment::default()
                });
            a.measured += 1;
            match timer.status {
                TimerStatus::Met => a.met += 1,
                _ => a.breached += 1,
            }
            if let Some(stopped) = timer.stopped_at {
                let wall = stopped.unix() - timer.started_at.unix();
                match timer.metric {
                    Metric::FirstResponse => {
                        fr_b.push(timer.elapsed_s);
                        fr_w.push(wall);
                    }
                    Metric::Resolution => {
                        res_b.push(timer.elapsed_s);
                        res_w.push(wall);
                    }
                    Metric::Review => match timer.status {
                        TimerStatus::Met => m.reviews_done += 1,
                        _ => m.reviews_late += 1,
                    },
                    _ => {}
                }
            } else if timer.metric == Metric::Review {
                m.reviews_overdue += 1;
            }
        }
        for action in &t.actions {
            let open_at_end = action.created_at < end && action.done_at.is_none_or(|d| d >= end);
            if open_at_end {
                m.actions_open += 1;
                if end.utc().date_naive() > action.due {
                    m.actions_overdue += 1;
                }
            }
        }
        if touched {
            m.tickets += 1;
        }
    }
    m.reopen_rate = percent(m.reopened, m.resolved);
    m.attainment = by_metric
        .into_values()
        .map(|mut a| {
            a.attainment = percent(a.met, a.measured);
            a
        })
        .collect();
    m.escalations = m
        .attainment
        .iter()
        .filter(|a| a.metric.starts_with("escalation:"))
        .cloned()
        .collect();
    m.first_response_business = Durations::of(fr_b);
    m.first_response_wall = Durations::of(fr_w);
    m.resolution_business = Durations::of(res_b);
    res_w.sort_unstable();
    m.resolution_wall_values = res_w.clone();
    m.resolution_wall = Durations::of(res_w);
    m.satisfaction_mean = (!scores.is_empty())
        .then(|| scores.iter().map(|&s| f64::from(s)).sum::<f64>() / scores.len() as f64);
    m
}

/// The breached cycles judged in `period`, worst first; `as_of` is when
/// the report looks (a running breach is measured up to it).
pub fn breaches(tickets: &[Facts], period: Period, as_of: Timestamp) -> Vec<Breach> {
    let mut out: Vec<Breach> = tickets
        .iter()
        .flat_map(|t| {
            t.cycles.iter().filter_map(move |timer| {
                if timer.status != TimerStatus::Breached {
                    return None;
                }
                let at = Some(timer.at).filter(|at| period.contains(*at))?;
                let over_s = match timer.stopped_at {
                    Some(_) => -timer.remaining_s,
                    // Still running: how far past the target by the end.
                    None => (as_of.min(period.until).unix() - at.unix()).max(0),
                };
                Some(Breach {
                    ticket: t.id.to_string(),
                    title: t.title.to_string(),
                    severity: t.severity.to_string(),
                    team: t.team.as_deref().map(str::to_string),
                    metric: timer.key(),
                    cycle: timer.cycle,
                    breached_at: timer.breached_at.unwrap_or(at),
                    over_s,
                    stopped: timer.stopped_at.is_some(),
                })
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.over_s
            .cmp(&a.over_s)
            .then_with(|| a.ticket.cmp(&b.ticket))
            .then_with(|| a.metric.cmp(&b.metric))
    });
    out
}

/// The whole report as of `as_of`: overall, by `group_by` (one or two
/// keys), the trend over `buckets`, and the breaches.
pub fn report(
    tickets: &[Facts],
    period: Period,
    group_by: &[GroupKey],
    buckets: &[Period],
    as_of: Timestamp,
) -> Report {
    let all: Vec<&Facts> = tickets.iter().collect();
    let mut grouped: BTreeMap<Vec<String>, Vec<&Facts>> = BTreeMap::new();
    if !group_by.is_empty() {
        for t in tickets {
            let key = group_by.iter().map(|k| k.value(t)).collect();
            grouped.entry(key).or_default().push(t);
        }
    }
    Report {
        period,
        group_by: group_by.to_vec(),
        overall: measures(&all, period, as_of),
        groups: grouped
            .into_iter()
            .map(|(key, members)| Group {
                key,
                measures: measures(&members, period, as_of),
            })
            .filter(|g| g.measures.tickets > 0)
            .collect(),
        trend: buckets
            .iter()
            .map(|&p| Bucket {
                period: p,
                measures: measures(&all, p, as_of),
            })
            .collect(),
        breaches: breaches(tickets, period, as_of),
        trend_by_severity: trend_by_severity(tickets, buckets, as_of),
        open_by_age: open_by_age(tickets, as_of.min(period.until)),
    }
}

fn by_severity(tickets: &[Facts]) -> Vec<(String, Vec<&Facts>)> {
    let mut out: Vec<(String, Vec<&Facts>)> = Vec::new();
    for t in tickets {
        match out.iter_mut().find(|(s, _)| **s == *t.severity) {
            Some((_, list)) => list.push(t),
            None => out.push((t.severity.to_string(), vec![t])),
        }
    }
    out
}

fn trend_by_severity(
    tickets: &[Facts],
    buckets: &[Period],
    as_of: Timestamp,
) -> Vec<(String, Vec<Option<f64>>)> {
    by_severity(tickets)
        .into_iter()
        .map(|(severity, members)| {
            let points = buckets
                .iter()
                .map(|&p| measures(&members, p, as_of).total().attainment)
                .collect();
            (severity, points)
        })
        .collect()
}

fn open_by_age(tickets: &[Facts], at: Timestamp) -> Vec<OpenByAge> {
    by_severity(tickets)
        .into_iter()
        .filter_map(|(severity, members)| {
            let mut counts = vec![0; AGE_BUCKETS.len()];
            for t in members.iter().filter(|t| t.open) {
                let days = (at.unix() - t.opened_at.unix()) / 86_400;
                let i = AGE_BUCKETS
                    .iter()
                    .position(|(upper, _)| days < *upper)
                    .unwrap_or(AGE_BUCKETS.len() - 1);
                counts[i] += 1;
            }
            counts
                .iter()
                .any(|&c| c > 0)
                .then_some(OpenByAge { severity, counts })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{DEFAULT_POLICY, Policy};
    use proptest::prelude::*;

    /// A ticket opened `opened` minutes after the base, with a first
    /// notice, an escalation and a resolution at the given minutes after
    /// opening (when present), evaluated at `now`.
    fn ticket(
        n: usize,
        severity: &str,
        team: &str,
        customer: &str,
        opened: i64,
        steps: (Option<i64>, Option<i64>, Option<i64>),
        now: Timestamp,
    ) -> crate::desk::TicketAt {
        let base = Timestamp::parse("2026-11-01T00:00:00Z").unwrap();
        let at = |m: i64| base.plus(60 * m);
        let mut text = format!(
            "schema: 1\nid: T-{n:010}\ntitle: t\ncustomer:\n  name: {customer}\n  contact: c@x.y\nteam: {team}\nevents:\n\
- type: opened\n  at: {}\n  by: ana\n  severity: {severity}\n  level: L1\n",
            at(opened)
        );
        let (notify, escalate, resolve) = steps;
        if let Some(m) = notify {
            text.push_str(&format!("- type: notified\n  at: {}\n  by: ana\n  channel: email\n  kind: acknowledgement\n  message: m\n", at(opened + m)));
        }
        if let Some(m) = escalate {
            text.push_str(&format!(
                "- type: escalated\n  at: {}\n  by: ana\n  to: L2\n  reason: r\n",
                at(opened + m)
            ));
        }
        if let Some(m) = resolve {
            text.push_str(&format!(
                "- type: resolved\n  at: {}\n  by: ana\n  summary: s\n",
                at(opened + m)
            ));
        }
        let t = crate::ticket::file::parse(text.as_bytes()).unwrap();
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let e = crate::sla::evaluate(&policy, &t, now);
        crate::desk::TicketAt {
            id: t.id.to_string(),
            file: String::new(),
            title: e.status.title.clone(),
            customer: t.customer.clone(),
            status: e.status,
            timers: e.timers,
            next_due: None,
            actions: Vec::new(),
            delivery: t.delivery_facts(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever the desk, period and grouping, the groups add up to the
        /// overall numbers, metric by metric.
        #[test]
        fn grouping_never_changes_the_totals(
            specs in proptest::collection::vec(
                (0usize..4, 0usize..3, 0usize..3, 0i64..20_000,
                 proptest::option::of(1i64..600), proptest::option::of(1i64..2_000), proptest::option::of(1i64..5_000)),
                1..25,
            ),
            from in 0i64..20_000,
            length in 60i64..30_000,
            keys in proptest::sample::subsequence(vec![GroupKey::Severity, GroupKey::Team, GroupKey::Customer, GroupKey::Level], 1..=2),
        ) {
            let base = Timestamp::parse("2026-11-01T00:00:00Z").unwrap();
            let now = base.plus(60 * 30_000);
            let period = Period { from: base.plus(60 * from), until: base.plus(60 * (from + length)) };
            let tickets: Vec<Facts> = specs
                .iter()
                .enumerate()
                .filter_map(|(n, &(sev, team, cust, opened, a, b, c))| {
                    let t = ticket(
                        n,
                        ["critical", "high", "medium", "low"][sev],
                        ["payments", "identity", "platform"][team],
                        ["Acme", "Globex", "Initech"][cust],
                        opened,
                        (a, b, c),
                        now,
                    );
                    Facts::of(&t, period)
                })
                .collect();
            let r = report(&tickets, period, &keys, &[], now);
            let mut summed: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
            for g in &r.groups {
                for a in &g.measures.attainment {
                    let e = summed.entry(a.metric.clone()).or_default();
                    *e = (e.0 + a.measured, e.1 + a.met, e.2 + a.breached);
                }
            }
            let overall: BTreeMap<String, (usize, usize, usize)> = r
                .overall
                .attainment
                .iter()
                .map(|a| (a.metric.clone(), (a.measured, a.met, a.breached)))
                .collect();
            prop_assert_eq!(summed, overall);
            let tickets_in_groups: usize = r.groups.iter().map(|g| g.measures.tickets).sum();
            prop_assert_eq!(tickets_in_groups, r.overall.tickets);
            let breached: usize = r.overall.attainment.iter().map(|a| a.breached).sum();
            prop_assert_eq!(breached, r.breaches.len());
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 50), Some(5));
        assert_eq!(nearest_rank(&v, 90), Some(9));
        assert_eq!(nearest_rank(&v, 100), Some(10));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[3, 9], 50), Some(3));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
